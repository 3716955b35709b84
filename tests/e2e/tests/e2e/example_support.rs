//! Support for the proofs against Microsoft's examples (`examples.rs`): decoding an example
//! response into the generated type, and calling a generated method with an example's
//! parameters. The dispatch that names every operation ([`dispatch`]) is generated from the
//! spec by this crate's `build.rs` and calls `powerbi` through its public API only.

use std::sync::{Mutex, PoisonError};

use powerbi::runtime::{
    DateTime, JsonMap, JsonValue, OpenEnum, UnknownFieldPaths, Upload, Uuid, decode_json,
    unknown_keys,
};
use powerbi::{Error, Result, Workspace};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The generated dispatch: `decode` and `call` by category and operation name.
pub mod dispatch {
    include!(concat!(env!("OUT_DIR"), "/example_dispatch.rs"));
}

/// The generated dispatch of Fabric's operations (`powerbi::fabric`), as [`dispatch`].
pub mod fabric_dispatch {
    include!(concat!(env!("OUT_DIR"), "/fabric_example_dispatch.rs"));
}

/// Passes `future` through unchanged; the bound is the point: every generated method's future
/// goes through here, so the build fails if one cannot be moved into a spawned task.
pub fn spawnable<F: std::future::Future + Send + 'static>(future: F) -> F {
    future
}

/// An example response decoded into a generated type and encoded again.
#[derive(Debug)]
pub struct Decoded {
    /// The value re-encoded as JSON.
    pub reencoded: JsonValue,
    /// Paths of fields the generated types did not know.
    pub unknown_fields: Vec<String>,
}

fn decoded<T: Serialize + UnknownFieldPaths>(value: &T) -> Result<Decoded> {
    let mut unknown_fields = Vec::new();
    value.unknown_field_paths("$", &mut unknown_fields);
    let reencoded = serde_json::to_value(value)
        .map_err(|error| Error::InvalidRequest(format!("cannot encode: {error}")))?;
    Ok(Decoded {
        reencoded,
        unknown_fields,
    })
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    decode_json("example", body)
}

/// The items of an OData list, `{"value": [...]}`, as the generated list methods read it: its
/// other keys are skipped.
#[derive(Deserialize)]
struct ODataList<T> {
    value: Vec<T>,
}

/// Decodes a JSON model.
pub fn decode<T: DeserializeOwned + Serialize + UnknownFieldPaths>(body: &[u8]) -> Result<Decoded> {
    decoded(&parse::<T>(body)?)
}

/// Decodes an OData list and re-encodes it as `{"value": [...]}`, with the list's other
/// keys as they came. Those keys are unknown fields, except OData control information
/// (`@odata.context`, ...), which the generated method drops along with the wrapper.
pub fn decode_list<T: DeserializeOwned + Serialize + UnknownFieldPaths>(
    body: &[u8],
) -> Result<Decoded> {
    let items = parse::<ODataList<T>>(body)?.value;
    let mut rest = parse::<JsonMap>(body)?;
    rest.remove("value");
    let mut decoded = decoded(&items)?;
    let mut unknown_fields = Vec::new();
    unknown_keys(&rest, "$", &mut unknown_fields);
    unknown_fields.extend(
        decoded
            .unknown_fields
            .into_iter()
            .map(|path| path.replacen('$', "$.value", 1)),
    );
    decoded.unknown_fields = unknown_fields;
    let mut reencoded = rest;
    reencoded.insert("value".to_owned(), decoded.reencoded);
    decoded.reencoded = JsonValue::Object(reencoded);
    Ok(decoded)
}

/// A parameter value from an example. Enums (`OpenEnum`) are read by
/// [`ExampleArgs::required_enum`] and [`ExampleArgs::optional_enum`]: a blanket impl for them
/// would overlap with the impls below, since `powerbi` could implement `OpenEnum` for `String`.
pub trait FromExample: Sized {
    /// Reads the value, or `None` when it has the wrong shape.
    fn from_example(value: &JsonValue) -> Option<Self>;
}

impl FromExample for String {
    fn from_example(value: &JsonValue) -> Option<Self> {
        match value {
            JsonValue::String(text) => Some(text.clone()),
            JsonValue::Number(number) => Some(number.to_string()),
            JsonValue::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }
}

/// A repeated query parameter (`list<T>`): an example gives its values as an array, or one
/// value.
impl<T: FromExample> FromExample for Vec<T> {
    fn from_example(value: &JsonValue) -> Option<Self> {
        match value {
            JsonValue::Array(items) => items.iter().map(T::from_example).collect(),
            one => T::from_example(one).map(|value| vec![value]),
        }
    }
}

impl FromExample for Uuid {
    fn from_example(value: &JsonValue) -> Option<Self> {
        value.as_str()?.parse().ok()
    }
}

impl FromExample for bool {
    fn from_example(value: &JsonValue) -> Option<Self> {
        value.as_bool().or_else(|| value.as_str()?.parse().ok())
    }
}

impl FromExample for i64 {
    fn from_example(value: &JsonValue) -> Option<Self> {
        value
            .as_i64()
            .or_else(|| value.as_str()?.trim().parse().ok())
    }
}

impl FromExample for i32 {
    fn from_example(value: &JsonValue) -> Option<Self> {
        i64::from_example(value)?.try_into().ok()
    }
}

impl FromExample for f64 {
    fn from_example(value: &JsonValue) -> Option<Self> {
        value
            .as_f64()
            .or_else(|| value.as_str()?.trim().parse().ok())
    }
}

impl FromExample for DateTime {
    fn from_example(value: &JsonValue) -> Option<Self> {
        let text = value.as_str()?.trim_matches('\'');
        DateTime::parse(text).or_else(|| {
            // A bare date (`2021-12-14`) is midnight UTC.
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(text, &format).ok()?;
            Some(DateTime(date.midnight().assume_utc()))
        })
    }
}

/// An enum parameter from an example: its wire value.
fn enum_from_example<T: OpenEnum>(value: &JsonValue) -> Option<T> {
    Some(T::from_wire(value.as_str()?))
}

/// The parameters and body of one example request.
#[derive(Debug, Default)]
pub struct ExampleArgs {
    parameters: JsonMap,
    body: Option<JsonValue>,
    body_unknown_fields: Mutex<Vec<String>>,
}

impl Clone for ExampleArgs {
    fn clone(&self) -> Self {
        ExampleArgs {
            parameters: self.parameters.clone(),
            body: self.body.clone(),
            body_unknown_fields: Mutex::new(self.body_unknown_fields()),
        }
    }
}

impl ExampleArgs {
    /// The example's `parameters` (path, query and header values by wire name) and its body.
    pub fn new(parameters: JsonMap, body: Option<JsonValue>) -> Self {
        ExampleArgs {
            parameters,
            body,
            body_unknown_fields: Mutex::new(Vec::new()),
        }
    }

    /// Paths of the fields of the body that the request model did not know (filled when a
    /// call decodes the body): each is a gap in the spec, sent on only through the model's
    /// catch-all.
    pub fn body_unknown_fields(&self) -> Vec<String> {
        self.body_unknown_fields
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `Workspace::Id(groupId)` when the example names a workspace, else `Workspace::My`.
    pub fn workspace(&self) -> Result<Workspace> {
        Ok(match self.parameters.get("groupId") {
            Some(_) => Workspace::Id(self.required("groupId")?),
            None => Workspace::My,
        })
    }

    /// A parameter the method requires.
    pub fn required<T: FromExample>(&self, name: &str) -> Result<T> {
        required(name, self.optional(name)?)
    }

    /// A parameter the method takes in its options.
    pub fn optional<T: FromExample>(&self, name: &str) -> Result<Option<T>> {
        self.read(name, T::from_example)
    }

    /// An enum parameter the method requires.
    // The dispatch calls it for a required enum parameter; the spec has none today.
    #[allow(dead_code)]
    pub fn required_enum<T: OpenEnum>(&self, name: &str) -> Result<T> {
        required(name, self.optional_enum(name)?)
    }

    /// An enum parameter the method takes in its options.
    pub fn optional_enum<T: OpenEnum>(&self, name: &str) -> Result<Option<T>> {
        self.read(name, enum_from_example)
    }

    fn read<T>(&self, name: &str, from: fn(&JsonValue) -> Option<T>) -> Result<Option<T>> {
        match self.parameters.get(name) {
            None | Some(JsonValue::Null) => Ok(None),
            Some(value) => from(value).map(Some).ok_or_else(|| {
                Error::InvalidRequest(format!(
                    "the example's {name} has an unexpected form: {value}"
                ))
            }),
        }
    }

    /// The request body.
    pub fn body<T: DeserializeOwned + UnknownFieldPaths>(&self) -> Result<T> {
        self.optional_body()?
            .ok_or_else(|| Error::InvalidRequest("the example has no body".to_owned()))
    }

    /// The request body, if the example has one.
    pub fn optional_body<T: DeserializeOwned + UnknownFieldPaths>(&self) -> Result<Option<T>> {
        match &self.body {
            None => Ok(None),
            Some(body) => {
                let text = body.to_string();
                let value = parse::<T>(text.as_bytes()).map_err(|error| {
                    Error::InvalidRequest(format!(
                        "the example's body does not fit the request model: {error}"
                    ))
                })?;
                let mut unknown = self
                    .body_unknown_fields
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                value.unknown_field_paths("$", &mut unknown);
                Ok(Some(value))
            }
        }
    }

    /// A small file standing in for an example's upload.
    pub fn file(&self) -> Result<Upload> {
        let name: Option<String> = self.optional("datasetDisplayName")?;
        Ok(Upload::bytes(
            name.unwrap_or_else(|| "example.pbix".to_owned()),
            &b"example file"[..],
        ))
    }
}

/// `value`, or the error that the example lacks the parameter `name`.
fn required<T>(name: &str, value: Option<T>) -> Result<T> {
    value.ok_or_else(|| Error::InvalidRequest(format!("the example has no parameter {name}")))
}
