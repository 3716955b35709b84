//! Scalar resolution by the YAML 1.2 core schema, as serde_yaml 0.9 resolved scalars.

use yaml_rust2::parser::Tag;
use yaml_rust2::scanner::TScalarStyle;

use super::node::Value;

/// Whether `tag` is the core schema's `!!name` (`tag:yaml.org,2002:name`).
pub(super) fn is_core(tag: &Tag, name: &str) -> bool {
    (tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:") && tag.suffix == name
}

/// Whether `tag` is the non-specific `!`, which only says "not a plain scalar".
pub(super) fn is_non_specific(tag: &Tag) -> bool {
    // yaml-rust2 splits it either way depending on the context.
    matches!(
        (tag.handle.as_str(), tag.suffix.as_str()),
        ("!", "") | ("", "!")
    )
}

pub(super) fn unsupported(tag: &Tag) -> String {
    format!(
        "the tag `{}{}` is not supported in spec files",
        tag.handle, tag.suffix
    )
}

/// The value of a scalar: quoted and block scalars are strings, plain ones resolve by the
/// core schema. Of the tags, only the core schema's `!!str` and `!!null`... are understood.
pub(super) fn resolve(
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value, String> {
    if let Some(tag) = tag {
        return if is_core(tag, "str") || is_non_specific(tag) {
            Ok(Value::String(text))
        } else {
            Err(unsupported(tag))
        };
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text));
    }
    Ok(resolve_plain(text))
}

fn resolve_plain(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(value) = integer(&text) {
        return value;
    }
    if !leading_zero_digits(&text)
        && let Some(float) = float(&text)
    {
        return Value::Float(float);
    }
    Value::String(text)
}

/// A decimal, `0x`, `0o` or `0b` integer with an optional sign.
fn integer(text: &str) -> Option<Value> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(rest) = unsigned.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = unsigned.strip_prefix("0b") {
        (2, rest)
    } else {
        (10, unsigned)
    };
    // from_str_radix accepts a sign of its own: after ours, only digits may follow.
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    if radix == 10 && leading_zero_digits(text) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i128::MAX as u128 {
            Some(Value::Int(-(magnitude as i128)))
        } else if magnitude == i128::MAX as u128 + 1 {
            Some(Value::Int(i128::MIN))
        } else {
            None
        }
    } else if let Ok(value) = i128::try_from(magnitude) {
        Some(Value::Int(value))
    } else {
        Some(Value::BigUint(magnitude))
    }
}

/// Leading zeros followed by digits (`0755`): a string in YAML 1.2, not a number.
fn leading_zero_digits(text: &str) -> bool {
    let text = text.strip_prefix(['-', '+']).unwrap_or(text);
    text.len() > 1 && text.starts_with('0') && text[1..].bytes().all(|b| b.is_ascii_digit())
}

fn float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unsigned
        .parse::<f64>()
        .ok()
        .filter(|float| float.is_finite())
}
