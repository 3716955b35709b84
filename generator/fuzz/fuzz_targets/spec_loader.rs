//! The spec loader (YAML parsing and validation) never panics, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let _ = powerbi_codegen::load(&[powerbi_codegen::SourceText {
        path: "fuzz.yaml".into(),
        text,
    }]);
});
