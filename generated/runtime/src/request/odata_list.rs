//! The items of an OData list answer, `{"value": [...]}`, read with the models' object reader.

use serde::de::{Deserialize, Deserializer};

use crate::JsonMap;
use crate::object::{Keys, Object, Required, Values, decode};

/// The items of an OData list, `{"value": [...]}`; its other keys are skipped.
pub(crate) struct ODataList<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ODataList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        decode(deserializer)
    }
}

impl<'de, T: Deserialize<'de>> Object<'de> for ODataList<T> {
    const NAME: &'static str = "ODataList";
    const KEYS: Keys = Keys(&[("value", 0)]);
    const KEEPS_UNKNOWN: bool = false;
    type Fields = (Required<Vec<T>>,);

    fn assemble((items,): Values<'de, Self>, _: JsonMap) -> Self {
        ODataList(items)
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
