//! Nothing here: the proof is the `streaming` test binary.
