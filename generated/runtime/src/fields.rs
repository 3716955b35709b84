//! Named fields of the small JSON answers the runtime reads itself (token endpoints, Azure
//! CLI, device code, user realm, OData lists), each decoded with its own type. Written out
//! rather than derived so that the crate compiles no `serde_derive`; a field of the wrong type
//! is an error naming the field.

use serde::Deserialize;
use serde_json::Value;

/// A field of a JSON object: `None` when the key is missing or `null`, an error naming the key
/// when its value is not a `T`.
pub(crate) fn field<'a, T: Deserialize<'a>>(
    object: &'a Value,
    key: &str,
) -> Result<Option<T>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::deserialize(value)
            .map(Some)
            .map_err(|error| format!("`{key}`: {error}")),
    }
}

/// The first of `keys` present (not `null`), decoded as for [`field`].
pub(crate) fn first_field<'a, T: Deserialize<'a>>(
    object: &'a Value,
    keys: &[&str],
) -> Result<Option<T>, String> {
    for key in keys {
        if let Some(value) = field(object, key)? {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn missing_and_null_are_none_and_a_wrong_type_names_the_key() {
        let object = json!({"a": "x", "b": null, "c": 3});
        assert_eq!(field::<String>(&object, "a"), Ok(Some("x".to_owned())));
        assert_eq!(field::<String>(&object, "b"), Ok(None));
        assert_eq!(field::<String>(&object, "z"), Ok(None));
        let wrong = field::<String>(&object, "c").unwrap_err();
        assert!(
            wrong.starts_with("`c`: invalid type: integer `3`"),
            "{wrong}"
        );
        assert_eq!(
            first_field::<String>(&object, &["b", "a"]),
            Ok(Some("x".to_owned()))
        );
        // Not an object at all: nothing is there.
        assert_eq!(field::<String>(&json!([1]), "a"), Ok(None));
    }
}
