//! The getDefinition answer read in place: `{"definition": {"format", "parts": [{"path",
//! "payload", "payloadType"}]}}`, every string borrowed from the answer's bytes where it has
//! no escapes (a payload never has), so no payload is copied.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string borrowed from the input when it can be.
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            #[inline]
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            #[inline]
            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(value)))
            }
            #[inline]
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(value.to_owned())))
            }
            #[inline]
            fn visit_string<E: de::Error>(self, value: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(value)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// One part of the answer.
pub(super) struct Part<'a> {
    pub(super) path: Option<Text<'a>>,
    pub(super) payload: Option<Text<'a>>,
    pub(super) payload_type: Option<Text<'a>>,
}

impl<'de> Deserialize<'de> for Part<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PartVisitor;
        impl<'de> Visitor<'de> for PartVisitor {
            type Value = Part<'de>;
            #[inline]
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a definition part")
            }
            #[inline]
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Part<'de>, A::Error> {
                let mut part = Part {
                    path: None,
                    payload: None,
                    payload_type: None,
                };
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match key.0.as_ref() {
                        "path" => part.path = map.next_value::<Option<Text<'de>>>()?,
                        "payload" => part.payload = map.next_value::<Option<Text<'de>>>()?,
                        "payloadType" => {
                            part.payload_type = map.next_value::<Option<Text<'de>>>()?
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(part)
            }
        }
        deserializer.deserialize_map(PartVisitor)
    }
}

/// The definition of the answer.
pub(super) struct Definition<'a> {
    pub(super) format: Option<Text<'a>>,
    pub(super) parts: Vec<Part<'a>>,
}

struct Parts<'a>(Vec<Part<'a>>);

impl<'de> Deserialize<'de> for Parts<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PartsVisitor;
        impl<'de> Visitor<'de> for PartsVisitor {
            type Value = Parts<'de>;
            #[inline]
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of parts")
            }
            #[inline]
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Parts<'de>, A::Error> {
                // No size hint from the service is trusted for the capacity.
                let mut parts = Vec::new();
                while let Some(part) = seq.next_element::<Part<'de>>()? {
                    parts.push(part);
                }
                Ok(Parts(parts))
            }
        }
        deserializer.deserialize_seq(PartsVisitor)
    }
}

impl<'de> Deserialize<'de> for Definition<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DefinitionVisitor;
        impl<'de> Visitor<'de> for DefinitionVisitor {
            type Value = Definition<'de>;
            #[inline]
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a definition")
            }
            #[inline]
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Definition<'de>, A::Error> {
                let mut definition = Definition {
                    format: None,
                    parts: Vec::new(),
                };
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match key.0.as_ref() {
                        "format" => definition.format = map.next_value::<Option<Text<'de>>>()?,
                        "parts" => {
                            definition.parts = map
                                .next_value::<Option<Parts<'de>>>()?
                                .map_or_else(Vec::new, |parts| parts.0)
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(definition)
            }
        }
        deserializer.deserialize_map(DefinitionVisitor)
    }
}

/// The whole answer: its `definition`.
pub(super) struct Answer<'a>(pub(super) Option<Definition<'a>>);

impl<'de> Deserialize<'de> for Answer<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnswerVisitor;
        impl<'de> Visitor<'de> for AnswerVisitor {
            type Value = Answer<'de>;
            #[inline]
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with a definition")
            }
            #[inline]
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer<'de>, A::Error> {
                let mut definition = None;
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    if key.0 == "definition" {
                        definition = map.next_value::<Option<Definition<'de>>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Answer(definition))
            }
        }
        deserializer.deserialize_map(AnswerVisitor)
    }
}
