//! Values sent as path, query and header parameters.

use crate::DateTime;

/// A value that can be a path, query or header parameter.
pub trait ToParam {
    /// The parameter's text, before encoding.
    fn to_param(&self) -> String;
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
}

impl ToParam for str {
    fn to_param(&self) -> String {
        self.to_owned()
    }
}

impl ToParam for String {
    fn to_param(&self) -> String {
        self.clone()
    }
}

impl ToParam for DateTime {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

macro_rules! display_params {
    ($($ty:ty),*) => {$(
        impl ToParam for $ty {
            fn to_param(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
display_params!(uuid::Uuid, bool, i32, i64, u32, u64, f64);
