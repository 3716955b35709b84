//! Finding the fields the service sent that the spec does not know.

use std::collections::BTreeMap;

use super::JsonMap;

/// Lists the JSON paths of fields a decoded value kept in its `unknown_fields` maps, nested
/// models included. Every generated model implements it. Log what it finds to spot API
/// additions before the spec has them.
pub trait UnknownFieldPaths {
    /// Appends the path of every unknown field under `path` (use `"$"` for the root).
    fn unknown_field_paths(&self, path: &str, out: &mut Vec<String>);

    /// The paths of every unknown field, from the root `$`. (`Self: Sized` keeps it out of
    /// the trait objects [`unknown_in`] makes, which would compile it once per model.)
    fn unknown_fields_found(&self) -> Vec<String>
    where
        Self: Sized,
    {
        let mut out = Vec::new();
        self.unknown_field_paths("$", &mut out);
        out
    }
}

/// Appends the keys of a model's catch-all map.
///
/// OData control information (`@odata.context`, `@odata.type`, and annotations of a
/// property such as `notes@odata.context`) is protocol metadata the service adds to any
/// entity, not a field of the model: it stays in the map (so it encodes back unchanged) but is
/// not reported.
pub fn unknown_keys(map: &JsonMap, path: &str, out: &mut Vec<String>) {
    out.extend(
        map.keys()
            .filter(|key| !key.contains("@odata."))
            .map(|key| format!("{path}.{key}")),
    );
}

/// Appends the unknown-field paths of `value`, a field of a model at `path` whose wire name
/// `suffix` names (`".datasets"`). Generated models call it for every field that holds models;
/// it takes a trait object so that it is compiled once, not once per field type (issue 13).
pub fn unknown_in(value: &dyn UnknownFieldPaths, path: &str, suffix: &str, out: &mut Vec<String>) {
    value.unknown_field_paths(&format!("{path}{suffix}"), out);
}

impl<T: UnknownFieldPaths> UnknownFieldPaths for Option<T> {
    fn unknown_field_paths(&self, path: &str, out: &mut Vec<String>) {
        if let Some(value) = self {
            value.unknown_field_paths(path, out);
        }
    }
}

impl<T: UnknownFieldPaths> UnknownFieldPaths for Box<T> {
    fn unknown_field_paths(&self, path: &str, out: &mut Vec<String>) {
        (**self).unknown_field_paths(path, out);
    }
}

impl<T: UnknownFieldPaths> UnknownFieldPaths for Vec<T> {
    fn unknown_field_paths(&self, path: &str, out: &mut Vec<String>) {
        for (index, item) in self.iter().enumerate() {
            item.unknown_field_paths(&format!("{path}[{index}]"), out);
        }
    }
}

impl<T: UnknownFieldPaths> UnknownFieldPaths for BTreeMap<String, T> {
    fn unknown_field_paths(&self, path: &str, out: &mut Vec<String>) {
        for (key, item) in self {
            item.unknown_field_paths(&format!("{path}.{key}"), out);
        }
    }
}

/// Values that hold no models have no unknown fields.
macro_rules! no_unknown_fields {
    ($($ty:ty),*) => {$(
        impl UnknownFieldPaths for $ty {
            fn unknown_field_paths(&self, _path: &str, _out: &mut Vec<String>) {}
        }
    )*};
}
no_unknown_fields!(
    String,
    bool,
    i64,
    i32,
    f64,
    uuid::Uuid,
    super::DateTime,
    serde_json::Value
);
