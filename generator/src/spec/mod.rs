//! Reading spec files: the YAML parsed once into values that know their lines ([`yaml`]), the
//! index of where each node sits ([`positions`]), the spec as written ([`raw`]), and the loader
//! that turns texts into raw items ([`load`]).

pub mod api_file;
pub mod load;
pub mod positions;
pub mod raw;
pub mod yaml;
