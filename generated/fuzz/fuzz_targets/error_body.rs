//! The error-answer parser never panics, whatever the body and headers. The first bytes
//! choose the status and the header values; the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use powerbi::runtime::ApiError;
use reqwest::header::{HeaderMap, HeaderValue};

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(64));
    let status = u16::from_le_bytes([
        head.first().copied().unwrap_or(0),
        head.get(1).copied().unwrap_or(0),
    ]) % 600;
    let mut headers = HeaderMap::new();
    let text = String::from_utf8_lossy(head.get(2..).unwrap_or_default()).into_owned();
    for (name, value) in [
        "X-PowerBI-Error-Info",
        "X-PowerBI-Error-Details",
        "Retry-After",
        "RequestId",
    ]
    .into_iter()
    .zip(text.split('\n'))
    {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    let error = ApiError::parse(status, &headers, body);
    let _ = error.to_string();
    let _ = error.is_retryable();
});
