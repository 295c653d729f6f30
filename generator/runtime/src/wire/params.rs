//! Parameter styles and their encoding: OpenAPI `style` and `explode` for query, path, header
//! and cookie parameters (OAS 3.0.3 §4.7.12.4, "Style Values" and "Style Examples"). The
//! matching decoders are in `decode.rs`.
//!
//! Encoding goes through `serde_json::Value`, so any `Serialize` type works and `Option::None`
//! (which serializes to `null`) means "leave the parameter out". What the styles cannot express
//! is refused rather than guessed: nested arrays in `form`, `deepObject` for arrays.
//!
//! Tests: `wire/tests.rs`.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Map, Value};

/// How a parameter value is laid out (OpenAPI `style`).
///
/// ```
/// use oagen_rt::wire::{ParamStyle, encode_query};
///
/// let mut pairs = Vec::new();
/// encode_query(&mut pairs, "tag", &["a", "b"], ParamStyle::PipeDelimited, false).unwrap();
/// assert_eq!(pairs, [("tag".to_owned(), "a|b".to_owned())]);
/// assert_eq!(ParamStyle::PipeDelimited.as_str(), "pipeDelimited");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamStyle {
    /// `a,b,c`: path and header parameters.
    Simple,
    /// `name=a,b,c` or `name=a&name=b`: query and cookie parameters.
    Form,
    /// `.a.b` or `.a,b`: path parameters.
    Label,
    /// `;name=a,b` or `;name=a;name=b`: path parameters.
    Matrix,
    /// `name=a%20b`: query arrays.
    SpaceDelimited,
    /// `name=a|b`: query arrays.
    PipeDelimited,
    /// `name[key]=value`: query objects.
    DeepObject,
}

impl ParamStyle {
    /// The style's name as the OpenAPI document spells it.
    ///
    /// ```
    /// assert_eq!(oagen_rt::ParamStyle::DeepObject.as_str(), "deepObject");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ParamStyle::Simple => "simple",
            ParamStyle::Form => "form",
            ParamStyle::Label => "label",
            ParamStyle::Matrix => "matrix",
            ParamStyle::SpaceDelimited => "spaceDelimited",
            ParamStyle::PipeDelimited => "pipeDelimited",
            ParamStyle::DeepObject => "deepObject",
        }
    }

    /// The separator of non-exploded arrays and objects in a query string.
    pub(super) fn delimiter(self) -> &'static str {
        match self {
            ParamStyle::SpaceDelimited => " ",
            ParamStyle::PipeDelimited => "|",
            _ => ",",
        }
    }
}

/// The JSON shape of a parameter's schema, which decoding needs to know how to split the text.
///
/// ```
/// use oagen_rt::wire::{ValueKind, decode_simple};
///
/// let ids: Vec<u32> = decode_simple("ids", "1,2", false, ValueKind::Array).unwrap();
/// assert_eq!(ids, [1, 2]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// A string, number, boolean or enum.
    Scalar,
    /// An array of scalars.
    Array,
    /// An object whose properties are scalars (or, for `deepObject`, nested objects).
    Object,
}

/// A parameter that could not be encoded or decoded, and why.
///
/// ```
/// let err = oagen_rt::wire::decode_simple::<i64>("limit", "ten", false, oagen_rt::ValueKind::Scalar)
///     .unwrap_err();
/// assert_eq!(err.to_string(), "parameter `limit`: expected an integer, got `ten`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter's name as written in the spec.
    pub name: String,
    /// What went wrong, without the name.
    pub message: String,
}

impl ParamError {
    pub(super) fn new(name: &str, message: impl Into<String>) -> Self {
        ParamError {
            name: name.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parameter `{}`: {}", self.name, self.message)
    }
}

impl std::error::Error for ParamError {}

// ---------------------------------------------------------------------------------------------
// Encoding

fn to_json<T: Serialize + ?Sized>(name: &str, value: &T) -> Result<Value, ParamError> {
    serde_json::to_value(value)
        .map_err(|e| ParamError::new(name, format!("cannot be serialized: {e}")))
}

/// The text of a scalar; `None` for `null`.
fn scalar_text(name: &str, value: &Value, style: ParamStyle) -> Result<Option<String>, ParamError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Array(_) | Value::Object(_) => Err(ParamError::new(
            name,
            format!(
                "nested arrays and objects cannot be encoded with style `{}`",
                style.as_str()
            ),
        )),
    }
}

/// Array items as text; a `null` item becomes the empty string so positions are kept.
fn item_texts(name: &str, items: &[Value], style: ParamStyle) -> Result<Vec<String>, ParamError> {
    items
        .iter()
        .map(|item| Ok(scalar_text(name, item, style)?.unwrap_or_default()))
        .collect()
}

/// Object properties as text; a `null` property is left out, as if absent.
fn entry_texts(
    name: &str,
    map: &Map<String, Value>,
    style: ParamStyle,
) -> Result<Vec<(String, String)>, ParamError> {
    let mut entries = Vec::with_capacity(map.len());
    for (key, value) in map {
        if let Some(text) = scalar_text(name, value, style)? {
            entries.push((key.clone(), text));
        }
    }
    Ok(entries)
}

fn flatten(entries: Vec<(String, String)>) -> Vec<String> {
    entries.into_iter().flat_map(|(k, v)| [k, v]).collect()
}

/// Appends a query parameter to `out` as `(key, value)` pairs, not yet percent-encoded.
///
/// `null` (and so `None`) adds nothing. Arrays and objects follow `style` and `explode`:
///
/// | style | explode | `[a, b]` | `{x: 1, y: 2}` |
/// |---|---|---|---|
/// | form | true | `n=a&n=b` | `x=1&y=2` |
/// | form | false | `n=a,b` | `n=x,1,y,2` |
/// | spaceDelimited / pipeDelimited | false | `n=a b` / `n=a\|b` | `n=x 1 y 2` / `n=x\|1\|y\|2` |
/// | deepObject | any | error | `n[x]=1&n[y]=2` |
///
/// Exploded space- and pipe-delimited values, which the spec leaves undefined, are written as
/// exploded `form`. `deepObject` nests (`n[a][b]=v`) and writes arrays inside objects as
/// `n[k][]=v`, the convention of Rails and `qs`. The `simple`, `label` and `matrix` styles are
/// for paths and headers and are refused here.
///
/// ```
/// use oagen_rt::wire::{ParamStyle, encode_query};
/// use std::collections::BTreeMap;
///
/// let mut pairs = Vec::new();
/// encode_query(&mut pairs, "id", &[1, 2], ParamStyle::Form, true).unwrap();
/// encode_query(&mut pairs, "limit", &None::<u32>, ParamStyle::Form, true).unwrap();
/// let filter = BTreeMap::from([("status", "open")]);
/// encode_query(&mut pairs, "filter", &filter, ParamStyle::DeepObject, true).unwrap();
/// let pairs: Vec<_> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
/// assert_eq!(pairs, ["id=1", "id=2", "filter[status]=open"]);
/// ```
pub fn encode_query<T: Serialize + ?Sized>(
    out: &mut Vec<(String, String)>,
    name: &str,
    value: &T,
    style: ParamStyle,
    explode: bool,
) -> Result<(), ParamError> {
    if matches!(
        style,
        ParamStyle::Simple | ParamStyle::Label | ParamStyle::Matrix
    ) {
        return Err(ParamError::new(
            name,
            format!(
                "style `{}` is not valid for a query parameter",
                style.as_str()
            ),
        ));
    }
    match to_json(name, value)? {
        Value::Null => {}
        Value::Object(map) if style == ParamStyle::DeepObject => {
            encode_deep_object(out, name, name, &map)?;
        }
        Value::Array(_) if style == ParamStyle::DeepObject => {
            return Err(ParamError::new(
                name,
                "style `deepObject` needs an object value",
            ));
        }
        Value::Array(items) => {
            let items = item_texts(name, &items, style)?;
            if explode {
                out.extend(items.into_iter().map(|item| (name.to_owned(), item)));
            } else {
                out.push((name.to_owned(), items.join(style.delimiter())));
            }
        }
        Value::Object(map) => {
            let entries = entry_texts(name, &map, style)?;
            if explode {
                out.extend(entries);
            } else {
                out.push((name.to_owned(), flatten(entries).join(style.delimiter())));
            }
        }
        scalar => {
            if let Some(text) = scalar_text(name, &scalar, style)? {
                out.push((name.to_owned(), text));
            }
        }
    }
    Ok(())
}

fn encode_deep_object(
    out: &mut Vec<(String, String)>,
    name: &str,
    prefix: &str,
    map: &Map<String, Value>,
) -> Result<(), ParamError> {
    for (key, value) in map {
        let key = format!("{prefix}[{key}]");
        match value {
            Value::Null => {}
            Value::Object(inner) => encode_deep_object(out, name, &key, inner)?,
            Value::Array(items) => {
                for item in item_texts(name, items, ParamStyle::DeepObject)? {
                    out.push((format!("{key}[]"), item));
                }
            }
            scalar => {
                if let Some(text) = scalar_text(name, scalar, ParamStyle::DeepObject)? {
                    out.push((key, text));
                }
            }
        }
    }
    Ok(())
}

/// Encodes a `simple`-style value (header and path parameters), not percent-encoded:
/// `a,b,c` for arrays, `k,v,k2,v2` for objects, or `k=v,k2=v2` with `explode`.
///
/// A `null` value is an error: these parameters are required. (The client's header and
/// cookie helpers skip `None` themselves.)
///
/// ```
/// use oagen_rt::wire::encode_simple;
/// use std::collections::BTreeMap;
///
/// assert_eq!(encode_simple("ids", &[3, 4], false).unwrap(), "3,4");
/// let dims = BTreeMap::from([("h", 2), ("w", 1)]);
/// assert_eq!(encode_simple("dims", &dims, true).unwrap(), "h=2,w=1");
/// assert!(encode_simple("id", &None::<u8>, false).is_err());
/// ```
pub fn encode_simple<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    explode: bool,
) -> Result<String, ParamError> {
    simple_text(name, value, explode)?
        .ok_or_else(|| ParamError::new(name, "is required but was null"))
}

/// [`encode_simple`], with `null` as `None`.
pub(crate) fn simple_text<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    explode: bool,
) -> Result<Option<String>, ParamError> {
    let pieces = match to_json(name, value)? {
        Value::Null => return Ok(None),
        Value::Array(items) => item_texts(name, &items, ParamStyle::Simple)?,
        Value::Object(map) => {
            let entries = entry_texts(name, &map, ParamStyle::Simple)?;
            if explode {
                entries
                    .into_iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect()
            } else {
                flatten(entries)
            }
        }
        scalar => return scalar_text(name, &scalar, ParamStyle::Simple),
    };
    Ok(Some(pieces.join(",")))
}

/// Encodes a path parameter in the `simple`, `label` or `matrix` style, percent-encoding every
/// value (but not the separators) with [`encode_path_segment`]. The result goes between two
/// slashes of the path template.
///
/// ```
/// use oagen_rt::wire::{ParamStyle, encode_path};
///
/// assert_eq!(encode_path("id", &"a/b", ParamStyle::Simple, false).unwrap(), "a%2Fb");
/// assert_eq!(encode_path("id", &[1, 2], ParamStyle::Label, true).unwrap(), ".1.2");
/// assert_eq!(encode_path("id", &[1, 2], ParamStyle::Matrix, false).unwrap(), ";id=1,2");
/// assert_eq!(encode_path("n", &42, ParamStyle::Simple, false).unwrap(), "42");
/// ```
pub fn encode_path<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    style: ParamStyle,
    explode: bool,
) -> Result<String, ParamError> {
    let value = match (to_json(name, value)?, style) {
        // The most common case (`/runs/{id}` with an id or a uuid): the text needs no
        // encoding, so it is the segment.
        (Value::String(text), ParamStyle::Simple) if segment_as_is(&text) => return Ok(text),
        (value, _) => value,
    };
    let encode_all = |texts: &[String]| -> Vec<String> {
        texts.iter().map(|s| encode_path_segment(s)).collect()
    };
    // The pieces to join, and whether they are already `key=value` entries.
    let (pieces, entries) = match &value {
        Value::Null => return Err(ParamError::new(name, "is required but was null")),
        Value::Array(items) => (encode_all(&item_texts(name, items, style)?), false),
        Value::Object(map) => {
            let entries = entry_texts(name, map, style)?;
            if explode {
                let pieces = entries
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode_path_segment(k), encode_path_segment(v)))
                    .collect();
                (pieces, true)
            } else {
                (encode_all(&flatten(entries)), false)
            }
        }
        scalar => {
            let piece = match scalar {
                Value::String(text) => encode_path_segment(text),
                _ => encode_path_segment(&scalar_text(name, scalar, style)?.unwrap_or_default()),
            };
            // The common case (`/runs/{id}`): one piece, nothing to join.
            if matches!(style, ParamStyle::Simple) {
                return Ok(piece);
            }
            (vec![piece], false)
        }
    };
    let scalar = !matches!(value, Value::Array(_) | Value::Object(_));
    Ok(match style {
        ParamStyle::Simple => pieces.join(","),
        ParamStyle::Label => {
            let sep = if explode && !scalar { "." } else { "," };
            format!(".{}", pieces.join(sep))
        }
        ParamStyle::Matrix => {
            let name = encode_path_segment(name);
            if entries {
                pieces.iter().map(|p| format!(";{p}")).collect()
            } else if explode && !scalar {
                pieces.iter().map(|p| format!(";{name}={p}")).collect()
            } else {
                let joined = pieces.join(",");
                if joined.is_empty() {
                    format!(";{name}")
                } else {
                    format!(";{name}={joined}")
                }
            }
        }
        other => {
            return Err(ParamError::new(
                name,
                format!(
                    "style `{}` is not valid for a path parameter",
                    other.as_str()
                ),
            ));
        }
    })
}

/// Everything but RFC 3986 `unreserved` (ALPHA / DIGIT / `-` / `.` / `_` / `~`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment: every byte outside RFC 3986 `unreserved`, so `/`, `?`,
/// `#` and `%` in a value can never change the path or start a query.
///
/// `.` and `..` come out as `%2E` and `%2E%2E`. URL parsers (WHATWG URL §4.1 "double-dot path
/// segment") still treat those as dot segments and would remove them, so the client refuses
/// to send a path containing one instead of sending a different path.
///
/// ```
/// use oagen_rt::wire::encode_path_segment;
///
/// assert_eq!(encode_path_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
/// assert_eq!(encode_path_segment("résumé-1.0_~"), "r%C3%A9sum%C3%A9-1.0_~");
/// assert_eq!(encode_path_segment(".."), "%2E%2E");
/// ```
pub fn encode_path_segment(raw: &str) -> String {
    match raw {
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        // Ids, numbers and most names have nothing to encode: one check of their bytes, then
        // one copy.
        _ if segment_as_is(raw) => raw.to_owned(),
        _ => utf8_percent_encode(raw, SEGMENT).to_string(),
    }
}

/// Whether `raw` is its own path segment: only `unreserved` bytes, and not `.` or `..`.
fn segment_as_is(raw: &str) -> bool {
    // No early exit, so that the loop is vectorized: a uuid is 36 bytes.
    let unreserved = raw.bytes().fold(true, |all, b| {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        all & (letter | digit | (b == b'-') | (b == b'.') | (b == b'_') | (b == b'~'))
    });
    unreserved && !matches!(raw, "." | "..")
}

/// Bytes a cookie value may not hold as is (RFC 6265 §4.1.1 `cookie-octet`), plus `%` so the
/// encoding can be undone.
const COOKIE_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// Builds a `Cookie` header value, `a=1; b=2`, percent-encoding what RFC 6265 does not allow
/// in a value (and `%`). [`parse_cookies`](super::parse_cookies) undoes it.
///
/// ```
/// let pairs = [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "x; y".to_owned())];
/// assert_eq!(oagen_rt::wire::cookie_header(&pairs), "a=1; b=x%3B%20y");
/// ```
pub fn cookie_header(pairs: &[(String, String)]) -> String {
    let mut header = String::new();
    for (name, value) in pairs {
        if !header.is_empty() {
            header.push_str("; ");
        }
        header.push_str(name);
        header.push('=');
        header.extend(utf8_percent_encode(value, COOKIE_VALUE));
    }
    header
}
