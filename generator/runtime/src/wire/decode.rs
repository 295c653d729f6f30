//! Decoding parameters on the server side: splitting query strings and cookie headers, then
//! typing the text found there by the parameter's style, its [`ValueKind`] and the target type.
//!
//! Typing is leaf by leaf: each piece of text is offered to `T` as a JSON string and, only where
//! `T` refuses it, as the number, boolean or `null` it reads as (see `typed`). That is how
//! `limit=10` becomes an `i64` while `name=10` stays a `String`. Errors name what was expected
//! and the text that was there. Exploded `form` objects are not decoded: their properties
//! cannot be told from the other query parameters without the schema. Tests: `wire/tests.rs`.

use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::params::{ParamError, ParamStyle, ValueKind};

fn form_decode(text: &str) -> String {
    let text = text.replace('+', " ");
    percent_decode_str(&text).decode_utf8_lossy().into_owned()
}

/// Splits a raw query string (with or without the leading `?`) into decoded pairs, in order and
/// with duplicates kept. `+` is a space; invalid UTF-8 is replaced with U+FFFD.
///
/// ```
/// let pairs = oagen_rt::wire::parse_query("?q=a+b%26c&tag=x&tag=y&flag");
/// let expected = [("q", "a b&c"), ("tag", "x"), ("tag", "y"), ("flag", "")];
/// assert!(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).eq(expected));
/// ```
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    raw.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (form_decode(key), form_decode(value))
        })
        .collect()
}

/// Splits a `Cookie` header into decoded `(name, value)` pairs, undoing [`cookie_header`](super::cookie_header):
/// values are percent-decoded and may be wrapped in double quotes.
///
/// ```
/// let pairs = oagen_rt::wire::parse_cookies(r#"a=1; b=x%3B%20y; c="q""#);
/// assert_eq!(pairs[1], ("b".to_owned(), "x; y".to_owned()));
/// assert_eq!(pairs[2], ("c".to_owned(), "q".to_owned()));
/// ```
pub fn parse_cookies(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|piece| {
            let (name, value) = piece.split_once('=')?;
            let name = name.trim();
            if name.is_empty() {
                return None;
            }
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            Some((
                name.to_owned(),
                percent_decode_str(value).decode_utf8_lossy().into_owned(),
            ))
        })
        .collect()
}

fn split(text: &str, delimiter: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(delimiter).map(str::to_owned).collect()
    }
}

fn strings(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// `k,v,k2,v2` pieces into an object of strings.
fn object_from_flat(name: &str, pieces: Vec<String>) -> Result<Value, ParamError> {
    if pieces.len() % 2 != 0 {
        return Err(ParamError::new(
            name,
            "expected key,value pairs, got an odd number of items",
        ));
    }
    let mut map = Map::new();
    let mut pieces = pieces.into_iter();
    while let (Some(key), Some(value)) = (pieces.next(), pieces.next()) {
        map.entry(key).or_insert(Value::String(value));
    }
    Ok(Value::Object(map))
}

/// `k=v` pieces into an object of strings.
fn object_from_entries(name: &str, pieces: Vec<String>) -> Result<Value, ParamError> {
    let mut map = Map::new();
    for piece in pieces {
        let (key, value) = piece
            .split_once('=')
            .ok_or_else(|| ParamError::new(name, format!("expected key=value, got `{piece}`")))?;
        map.entry(key.to_owned())
            .or_insert_with(|| Value::String(value.to_owned()));
    }
    Ok(Value::Object(map))
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Reads a query parameter from pairs made by [`parse_query`]; `Ok(None)` when it is absent.
///
/// `kind` says how to split the text (see [`ValueKind`]); `T` then decides how each piece is
/// typed. Arrays come from repeated keys (`explode`) or one delimited value; objects from
/// `deepObject` keys (`name[k]`, nested `name[a][b]`, arrays `name[k][]`) or one non-exploded
/// `form`/delimited value. Exploded `form` objects are not supported: their properties cannot
/// be told from the other parameters without the schema.
///
/// An exploded empty array is indistinguishable from an absent one, and reads as `None`.
///
/// ```
/// use oagen_rt::wire::{ParamStyle, ValueKind, decode_query, parse_query};
///
/// #[derive(Debug, PartialEq, serde::Deserialize)]
/// struct Filter { status: String, max: u32 }
///
/// let pairs = parse_query("limit=10&tag=a&tag=b&filter[status]=open&filter[max]=3");
/// let limit: Option<u32> = decode_query(&pairs, "limit", ParamStyle::Form, true, ValueKind::Scalar).unwrap();
/// assert_eq!(limit, Some(10));
/// let tags: Option<Vec<String>> = decode_query(&pairs, "tag", ParamStyle::Form, true, ValueKind::Array).unwrap();
/// assert_eq!(tags.unwrap(), ["a", "b"]);
/// let filter: Option<Filter> =
///     decode_query(&pairs, "filter", ParamStyle::DeepObject, true, ValueKind::Object).unwrap();
/// assert_eq!(filter.unwrap(), Filter { status: "open".into(), max: 3 });
/// let missing: Option<u32> = decode_query(&pairs, "page", ParamStyle::Form, true, ValueKind::Scalar).unwrap();
/// assert_eq!(missing, None);
/// let err = decode_query::<u32>(&parse_query("limit=ten"), "limit", ParamStyle::Form, true, ValueKind::Scalar);
/// assert_eq!(err.unwrap_err().message, "expected an integer, got `ten`");
/// ```
pub fn decode_query<T: DeserializeOwned>(
    pairs: &[(String, String)],
    name: &str,
    style: ParamStyle,
    explode: bool,
    kind: ValueKind,
) -> Result<Option<T>, ParamError> {
    let unsupported = || {
        Err(ParamError::new(
            name,
            format!(
                "style `{}` with explode={explode} is not supported for {} query parameters",
                style.as_str(),
                match kind {
                    ValueKind::Scalar => "scalar",
                    ValueKind::Array => "array",
                    ValueKind::Object => "object",
                }
            ),
        ))
    };
    if matches!(
        style,
        ParamStyle::Simple | ParamStyle::Label | ParamStyle::Matrix
    ) {
        return unsupported();
    }
    let text = match kind {
        ValueKind::Scalar => first(pairs, name).map(|s| Value::String(s.to_owned())),
        ValueKind::Array if style == ParamStyle::DeepObject => return unsupported(),
        ValueKind::Array if explode => {
            let items: Vec<String> = pairs
                .iter()
                .filter(|(key, _)| key == name)
                .map(|(_, v)| v.clone())
                .collect();
            (!items.is_empty()).then(|| strings(items))
        }
        ValueKind::Array => first(pairs, name).map(|s| strings(split(s, style.delimiter()))),
        ValueKind::Object if style == ParamStyle::DeepObject => deep_object_tree(pairs, name)?,
        ValueKind::Object if explode => return unsupported(),
        ValueKind::Object => match first(pairs, name) {
            Some(s) => Some(object_from_flat(name, split(s, style.delimiter()))?),
            None => None,
        },
    };
    text.map(|text| typed(name, text)).transpose()
}

/// Collects `name[a][b]=v` pairs into a tree of strings; `None` when there are none.
fn deep_object_tree(pairs: &[(String, String)], name: &str) -> Result<Option<Value>, ParamError> {
    let mut root = Map::new();
    let mut found = false;
    for (key, value) in pairs {
        let Some(rest) = key.strip_prefix(name) else {
            continue;
        };
        if !rest.starts_with('[') {
            continue;
        }
        let path = bracket_path(rest)
            .ok_or_else(|| ParamError::new(name, format!("malformed deepObject key `{key}`")))?;
        insert_deep(&mut root, &path, value)
            .map_err(|message| ParamError::new(name, format!("key `{key}`: {message}")))?;
        found = true;
    }
    Ok(found.then_some(Value::Object(root)))
}

/// `[a][b][]` → `["a", "b", ""]`.
fn bracket_path(mut rest: &str) -> Option<Vec<&str>> {
    let mut path = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        path.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    Some(path)
}

fn insert_deep(map: &mut Map<String, Value>, path: &[&str], value: &str) -> Result<(), String> {
    match path {
        [] | [""] | ["", ..] => Err("empty property name".to_owned()),
        [key] => {
            map.entry(*key)
                .or_insert_with(|| Value::String(value.to_owned()));
            Ok(())
        }
        [key, ""] => match map.entry(*key).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(items) => {
                items.push(Value::String(value.to_owned()));
                Ok(())
            }
            _ => Err(format!("`{key}` is both a value and an array")),
        },
        [key, rest @ ..] => match map.entry(*key).or_insert_with(|| Value::Object(Map::new())) {
            Value::Object(inner) => insert_deep(inner, rest, value),
            _ => Err(format!("`{key}` is both a value and an object")),
        },
    }
}

/// Reads a `simple`-style value: a path segment (already percent-decoded by the caller) or a
/// header value. Arrays split on `,`; objects are `k,v,k2,v2`, or `k=v,k2=v2` with `explode`.
///
/// ```
/// use oagen_rt::wire::{ValueKind, decode_simple};
/// use std::collections::BTreeMap;
///
/// let id: u64 = decode_simple("id", "42", false, ValueKind::Scalar).unwrap();
/// assert_eq!(id, 42);
/// let dims: BTreeMap<String, u32> = decode_simple("dims", "h=2,w=1", true, ValueKind::Object).unwrap();
/// assert_eq!(dims["w"], 1);
/// let flags: Vec<bool> = decode_simple("flags", "true,false", false, ValueKind::Array).unwrap();
/// assert_eq!(flags, [true, false]);
/// ```
pub fn decode_simple<T: DeserializeOwned>(
    name: &str,
    raw: &str,
    explode: bool,
    kind: ValueKind,
) -> Result<T, ParamError> {
    let text = match kind {
        ValueKind::Scalar => Value::String(raw.to_owned()),
        ValueKind::Array => strings(split(raw, ",")),
        ValueKind::Object if explode => object_from_entries(name, split(raw, ","))?,
        ValueKind::Object => object_from_flat(name, split(raw, ","))?,
    };
    typed(name, text)
}

// ---------------------------------------------------------------------------------------------
// Typing a tree of strings

/// What a string leaf reads as when `T` refused it as text: a JSON number, boolean or `null`,
/// and the empty string as `null`. `None` when it reads as nothing else.
fn parse_scalar(text: &str) -> Option<Value> {
    if text.is_empty() {
        return Some(Value::Null);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(parsed @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => Some(parsed),
        _ => None,
    }
}

/// Every string leaf replaced by [`parse_scalar`] where it reads as something else.
fn parse_leaves(value: &Value) -> Value {
    match value {
        Value::String(s) => parse_scalar(s).unwrap_or_else(|| value.clone()),
        Value::Array(items) => Value::Array(items.iter().map(parse_leaves).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), parse_leaves(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

type PathError = serde_path_to_error::Error<serde_json::Error>;

fn deserialize<T: DeserializeOwned>(tree: &Value) -> Result<T, PathError> {
    serde_path_to_error::deserialize(tree.clone())
}

/// Types a tree of strings as `T`, leaf by leaf.
///
/// Each leaf starts as a JSON string. When `T` refuses the leaf at the error's path and that
/// text reads as a number, boolean or `null`, the leaf is replaced and `T` is asked again, so
/// `{name: "10", count: "10"}` can become `Small { name: "10", count: 10 }`. Every round turns
/// one string into a non-string, so this ends. When the path says nothing useful (an untagged
/// enum buffers its input and loses it), all leaves are parsed at once as a last try.
fn typed<T: DeserializeOwned>(name: &str, text: Value) -> Result<T, ParamError> {
    let mut current = text.clone();
    // The error a leaf gave while it was still text, kept for when its parsed form fails too.
    let mut text_errors: Vec<(String, PathError)> = Vec::new();
    let err = loop {
        let err = match deserialize::<T>(&current) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        let replacement = match leaf(&current, err.path()) {
            Some(Value::String(s)) => parse_scalar(s),
            _ => None,
        };
        match (replacement, leaf_mut(&mut current, err.path())) {
            (Some(parsed), Some(slot)) => {
                *slot = parsed;
                text_errors.push((err.path().to_string(), err));
            }
            _ => break err,
        }
    };
    let parsed = parse_leaves(&text);
    if parsed != current {
        if let Ok(value) = deserialize::<T>(&parsed) {
            return Ok(value);
        }
    }
    // When a parsed leaf has the wrong type (`1` offered to an enum of strings), its error as
    // text says more: T wanted text, just not this text.
    let path = err.path().to_string();
    let as_text = text_errors.iter().find(|(p, _)| *p == path).map(|(_, e)| e);
    let message = match as_text {
        Some(text_err) if err.inner().to_string().starts_with("invalid type: ") => {
            describe(text_err, &text)
        }
        _ => describe(&err, &text),
    };
    Err(ParamError::new(name, message))
}

fn leaf_mut<'a>(tree: &'a mut Value, path: &serde_path_to_error::Path) -> Option<&'a mut Value> {
    use serde_path_to_error::Segment;
    path.iter().try_fold(tree, |node, segment| match segment {
        Segment::Seq { index } => node.get_mut(*index),
        Segment::Map { key } => node.get_mut(key.as_str()),
        Segment::Enum { .. } | Segment::Unknown => None,
    })
}

/// The value at `path` in `tree`, if the path is made of indexes and keys only.
fn leaf<'a>(tree: &'a Value, path: &serde_path_to_error::Path) -> Option<&'a Value> {
    use serde_path_to_error::Segment;
    path.iter().try_fold(tree, |node, segment| match segment {
        Segment::Seq { index } => node.get(*index),
        Segment::Map { key } => node.get(key.as_str()),
        Segment::Enum { .. } | Segment::Unknown => None,
    })
}

/// A one-line message: where, what was expected and the text that was there.
fn describe(err: &serde_path_to_error::Error<serde_json::Error>, text: &Value) -> String {
    let message = err.inner().to_string();
    let got = match leaf(text, err.path()) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let detail = match (message.split_once(", expected "), got) {
        (Some((found, expected)), Some(got)) if found.starts_with("invalid type: ") => {
            format!("expected {}, got `{got}`", humanize(expected))
        }
        (Some((found, expected)), Some(got)) if found.starts_with("invalid value: ") => {
            format!("expected {expected}, got `{got}`")
        }
        _ => message,
    };
    if err.path().iter().next().is_some() {
        format!("at `{}`: {detail}", err.path())
    } else {
        detail
    }
}

/// serde's names for primitive types, as a person would say them.
fn humanize(expected: &str) -> &str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => "an integer",
        "f32" | "f64" => "a number",
        other => other,
    }
}
