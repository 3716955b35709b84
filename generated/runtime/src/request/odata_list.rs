//! The items of an OData list answer, `{"value": [...]}`, read with the models' object reader.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess};

use crate::object::{Key, Keys, Object, decode, field, required};

/// The items of an OData list, `{"value": [...]}`; its other keys are skipped.
pub(crate) struct ODataList<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ODataList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        decode(deserializer)
    }
}

impl<'de, T: Deserialize<'de>> Object<'de> for ODataList<T> {
    const NAME: &'static str = "ODataList";

    fn from_entries<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut items = None;
        while let Some(key) = map.next_key_seed(Keys(&[("value", 0)]))? {
            match key {
                Key::Field(_) => field(&mut map, &mut items, "value")?,
                Key::Unknown(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        required(items, "value").map(ODataList)
    }
}

#[cfg(test)]
mod tests {
    use super::ODataList;

    #[test]
    fn an_odata_list_keeps_its_items_only() {
        let text = r#"{"@odata.context":"x","value":[{"id":"a"}],"@odata.nextLink":"y"}"#;
        let list: ODataList<serde_json::Value> = serde_json::from_str(text).unwrap();
        assert_eq!(list.0, vec![serde_json::json!({"id": "a"})]);
        let missing = serde_json::from_str::<ODataList<String>>("{}")
            .err()
            .unwrap();
        assert!(missing.to_string().starts_with("missing field `value`"));
        let twice = serde_json::from_str::<ODataList<String>>(r#"{"value":[],"value":[]}"#);
        assert!(
            twice
                .err()
                .unwrap()
                .to_string()
                .starts_with("duplicate field `value`")
        );
    }
}
