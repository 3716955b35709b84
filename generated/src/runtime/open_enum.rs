//! Open enums: the known values of a spec enum, plus whatever else the service sends.

/// An enum whose unknown values are kept instead of failing to decode.
///
/// Generated enums get it, with `Serialize`, `Deserialize`, `Display`, `FromStr` and
/// `as_str`, from [`impl_open_enum!`](crate::runtime::impl_open_enum).
pub trait OpenEnum: Sized + Clone + PartialEq + 'static {
    /// The known variants with their wire values.
    const KNOWN: &'static [(Self, &'static str)];

    /// The variant for a value the spec does not list.
    fn unrecognized(value: String) -> Self;

    /// The value of the fallback variant, if this is it.
    fn as_unrecognized(&self) -> Option<&str>;

    /// The wire value.
    fn wire_value(&self) -> &str {
        if let Some(value) = self.as_unrecognized() {
            return value;
        }
        Self::KNOWN
            .iter()
            .find(|(variant, _)| variant == self)
            .map_or("", |(_, wire)| wire)
    }

    /// The variant for a wire value, known or not.
    fn from_wire(value: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(_, wire)| *wire == value)
            .map_or_else(
                || Self::unrecognized(value.to_owned()),
                |(variant, _)| variant.clone(),
            )
    }
}

/// Implements [`OpenEnum`], serde, `Display`, `FromStr` and `as_str` for a generated enum
/// with an `Unrecognized(String)` variant and an inherent `KNOWN` table of its variants and
/// their wire values.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_open_enum {
    ($name:ident) => {
        impl $crate::runtime::OpenEnum for $name {
            // The inherent table: inherent items win over the trait's in path resolution.
            const KNOWN: &'static [(Self, &'static str)] = $name::KNOWN;
            fn unrecognized(value: ::std::string::String) -> Self {
                Self::Unrecognized(value)
            }
            fn as_unrecognized(&self) -> ::std::option::Option<&str> {
                match self {
                    Self::Unrecognized(value) => ::std::option::Option::Some(value),
                    _ => ::std::option::Option::None,
                }
            }
        }
        impl $name {
            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                <Self as $crate::runtime::OpenEnum>::wire_value(self)
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(<Self as $crate::runtime::OpenEnum>::from_wire(value))
            }
        }
        impl $crate::runtime::serde::Serialize for $name {
            fn serialize<S: $crate::runtime::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> $crate::runtime::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::runtime::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let value: ::std::borrow::Cow<'de, str> =
                    $crate::runtime::serde::Deserialize::deserialize(deserializer)?;
                Ok(<Self as $crate::runtime::OpenEnum>::from_wire(&value))
            }
        }
        impl $crate::runtime::UnknownFieldPaths for $name {
            fn unknown_field_paths(
                &self,
                _path: &str,
                _out: &mut ::std::vec::Vec<::std::string::String>,
            ) {
            }
        }
        impl $crate::runtime::ToParam for $name {
            fn to_param(&self) -> ::std::string::String {
                self.as_str().to_owned()
            }
        }
    };
}
