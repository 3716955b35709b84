//! Reading spec files: the YAML as written ([`raw`]), where each node sits ([`positions`]),
//! and the loader that turns texts into raw items ([`load`]).

pub mod load;
pub mod positions;
pub mod raw;
