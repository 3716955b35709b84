//! Open enums: the known values of a spec enum, plus whatever else the service sends.

/// An enum whose unknown values are kept instead of failing to decode.
///
/// Generated enums get it, with `Serialize`, `Deserialize`, `Display`, `FromStr` and
/// `as_str`, from [`impl_open_enum!`](crate::impl_open_enum).
pub trait OpenEnum: Sized + Clone + PartialEq + 'static {
    /// The known variants with their wire values.
    const KNOWN: &'static [(Self, &'static str)];

    /// The variant for a value the spec does not list.
    fn unrecognized(value: String) -> Self;

    /// The value of the fallback variant, if this is it.
    fn as_unrecognized(&self) -> Option<&str>;

    // Both defaults are compiled once per generated enum: plain loops, not `find` and
    // `map_or` with closures, which cost about twice the machine code per enum (issue 13).

    /// The wire value.
    fn wire_value(&self) -> &str {
        if let Some(value) = self.as_unrecognized() {
            return value;
        }
        for (variant, wire) in Self::KNOWN {
            if variant == self {
                return wire;
            }
        }
        ""
    }

    /// The variant for a wire value, known or not.
    fn from_wire(value: &str) -> Self {
        for (variant, wire) in Self::KNOWN {
            if *wire == value {
                return variant.clone();
            }
        }
        Self::unrecognized(value.to_owned())
    }

    /// Decodes a wire value: a string, or an integer read as its decimal digits (Microsoft
    /// declares some enums as strings of digits, `"0"` to `"6"`, and the service answers with
    /// the numbers). The generated `Deserialize` calls it.
    fn deserialize_wire<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WireVisitor(std::marker::PhantomData))
    }
}

/// Reads an open enum's wire value from a string or an integer.
struct WireVisitor<E>(std::marker::PhantomData<E>);

impl<E: OpenEnum> serde::de::Visitor<'_> for WireVisitor<E> {
    type Value = E;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_str<Error: serde::de::Error>(self, value: &str) -> Result<E, Error> {
        Ok(E::from_wire(value))
    }

    fn visit_i64<Error: serde::de::Error>(self, value: i64) -> Result<E, Error> {
        Ok(E::from_wire(&value.to_string()))
    }

    fn visit_u64<Error: serde::de::Error>(self, value: u64) -> Result<E, Error> {
        Ok(E::from_wire(&value.to_string()))
    }
}

/// Implements [`OpenEnum`], serde, `Display`, `FromStr` and `as_str` for a generated enum
/// with an `Unrecognized(String)` variant and an inherent `KNOWN` table of its variants and
/// their wire values.
///
/// Its non-generic methods are `#[inline]`, so the crate that defines an enum compiles none of
/// them to machine code (nor the `OpenEnum` defaults they call, a copy per enum) unless it uses
/// them itself: the crate that calls them does (issue 13).
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_open_enum {
    ($name:ident) => {
        impl $crate::OpenEnum for $name {
            // The inherent table: inherent items win over the trait's in path resolution.
            const KNOWN: &'static [(Self, &'static str)] = $name::KNOWN;
            #[inline]
            fn unrecognized(value: ::std::string::String) -> Self {
                Self::Unrecognized(value)
            }
            #[inline]
            fn as_unrecognized(&self) -> ::std::option::Option<&str> {
                match self {
                    Self::Unrecognized(value) => ::std::option::Option::Some(value),
                    _ => ::std::option::Option::None,
                }
            }
        }
        impl $name {
            /// The value as the service spells it.
            #[inline]
            pub fn as_str(&self) -> &str {
                <Self as $crate::OpenEnum>::wire_value(self)
            }
        }
        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            #[inline]
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(<Self as $crate::OpenEnum>::from_wire(value))
            }
        }
        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <Self as $crate::OpenEnum>::deserialize_wire(deserializer)
            }
        }
        impl $crate::UnknownFieldPaths for $name {
            #[inline]
            fn unknown_field_paths(
                &self,
                _path: &str,
                _out: &mut ::std::vec::Vec<::std::string::String>,
            ) {
            }
        }
        impl $crate::ToParam for $name {
            #[inline]
            fn to_param(&self) -> ::std::string::String {
                self.as_str().to_owned()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::OpenEnum;

    #[derive(Debug, Clone, PartialEq)]
    enum Column {
        Name,
        Owner,
        Unrecognized(String),
    }

    impl Column {
        const KNOWN: &'static [(Self, &'static str)] = &[(Self::Name, "0"), (Self::Owner, "1")];
    }

    crate::impl_open_enum!(Column);

    #[test]
    fn a_value_decodes_from_a_string_or_an_integer_and_encodes_as_a_string() {
        for text in [r#""1""#, "1"] {
            let column: Column = serde_json::from_str(text).unwrap();
            assert_eq!(column, Column::Owner);
            assert_eq!(serde_json::to_string(&column).unwrap(), r#""1""#);
        }
        let other: Column = serde_json::from_str("-7").unwrap();
        assert_eq!(other, Column::Unrecognized("-7".to_owned()));
        assert_eq!(serde_json::to_string(&other).unwrap(), r#""-7""#);
        assert_eq!(Column::from_wire("0"), Column::Name);
        // Other shapes are still errors.
        assert!(serde_json::from_str::<Column>("1.5").is_err());
        assert!(serde_json::from_str::<Column>("true").is_err());
        assert!(serde_json::from_str::<Column>("null").is_err());
        assert!(serde_json::from_str::<Column>(r#"["0"]"#).is_err());
    }
}
