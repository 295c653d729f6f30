//! Parameter serialization: OpenAPI `style` and `explode` for query, path, header and cookie
//! parameters (OAS 3.0.3 §4.7.12.4, "Style Values" and "Style Examples").
//!
//! Encoding goes through `serde_json::Value`, so any `Serialize` type works and `Option::None`
//! (which serializes to `null`) means "leave the parameter out". Decoding is type-directed:
//! the text found on the wire is offered to `T` as a JSON string first and, if `T` refuses it,
//! again with numbers, booleans and empty strings (as `null`) parsed, leaf by leaf. That is how
//! `limit=10` becomes an `i64` while `name=10` stays a `String`.
//!
//! What the styles cannot express is refused rather than guessed: nested arrays in `form`,
//! `deepObject` for arrays, and exploded `form` objects on the decoding side (the properties
//! would have to be told from the other query parameters, which needs the schema).
//!
//! Tests: `wire/tests.rs`.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
    fn delimiter(self) -> &'static str {
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
    fn new(name: &str, message: impl Into<String>) -> Self {
        ParamError { name: name.to_owned(), message: message.into() }
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
    serde_json::to_value(value).map_err(|e| ParamError::new(name, format!("cannot be serialized: {e}")))
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
            format!("nested arrays and objects cannot be encoded with style `{}`", style.as_str()),
        )),
    }
}

/// Array items as text; a `null` item becomes the empty string so positions are kept.
fn item_texts(name: &str, items: &[Value], style: ParamStyle) -> Result<Vec<String>, ParamError> {
    items.iter().map(|item| Ok(scalar_text(name, item, style)?.unwrap_or_default())).collect()
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
    if matches!(style, ParamStyle::Simple | ParamStyle::Label | ParamStyle::Matrix) {
        return Err(ParamError::new(
            name,
            format!("style `{}` is not valid for a query parameter", style.as_str()),
        ));
    }
    match to_json(name, value)? {
        Value::Null => {}
        Value::Object(map) if style == ParamStyle::DeepObject => {
            encode_deep_object(out, name, name, &map)?;
        }
        Value::Array(_) if style == ParamStyle::DeepObject => {
            return Err(ParamError::new(name, "style `deepObject` needs an object value"));
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
    simple_text(name, value, explode)?.ok_or_else(|| ParamError::new(name, "is required but was null"))
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
                entries.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
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
    let value = to_json(name, value)?;
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
            let text = scalar_text(name, scalar, style)?.unwrap_or_default();
            (vec![encode_path_segment(&text)], false)
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
                if joined.is_empty() { format!(";{name}") } else { format!(";{name}={joined}") }
            }
        }
        other => {
            return Err(ParamError::new(
                name,
                format!("style `{}` is not valid for a path parameter", other.as_str()),
            ));
        }
    })
}

/// Everything but RFC 3986 `unreserved` (ALPHA / DIGIT / `-` / `.` / `_` / `~`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

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
        _ => utf8_percent_encode(raw, SEGMENT).to_string(),
    }
}

/// Bytes a cookie value may not hold as is (RFC 6265 §4.1.1 `cookie-octet`), plus `%` so the
/// encoding can be undone.
const COOKIE_VALUE: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b',').add(b';').add(b'\\').add(b'%');

/// Builds a `Cookie` header value, `a=1; b=2`, percent-encoding what RFC 6265 does not allow
/// in a value (and `%`). [`parse_cookies`] undoes it.
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

// ---------------------------------------------------------------------------------------------
// Decoding

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

/// Splits a `Cookie` header into decoded `(name, value)` pairs, undoing [`cookie_header`]:
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
            Some((name.to_owned(), percent_decode_str(value).decode_utf8_lossy().into_owned()))
        })
        .collect()
}

fn split(text: &str, delimiter: &str) -> Vec<String> {
    if text.is_empty() { Vec::new() } else { text.split(delimiter).map(str::to_owned).collect() }
}

fn strings(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// `k,v,k2,v2` pieces into an object of strings.
fn object_from_flat(name: &str, pieces: Vec<String>) -> Result<Value, ParamError> {
    if pieces.len() % 2 != 0 {
        return Err(ParamError::new(name, "expected key,value pairs, got an odd number of items"));
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
        map.entry(key.to_owned()).or_insert_with(|| Value::String(value.to_owned()));
    }
    Ok(Value::Object(map))
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
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
    if matches!(style, ParamStyle::Simple | ParamStyle::Label | ParamStyle::Matrix) {
        return unsupported();
    }
    let text = match kind {
        ValueKind::Scalar => first(pairs, name).map(|s| Value::String(s.to_owned())),
        ValueKind::Array if style == ParamStyle::DeepObject => return unsupported(),
        ValueKind::Array if explode => {
            let items: Vec<String> =
                pairs.iter().filter(|(key, _)| key == name).map(|(_, v)| v.clone()).collect();
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
        let Some(rest) = key.strip_prefix(name) else { continue };
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
            map.entry(*key).or_insert_with(|| Value::String(value.to_owned()));
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
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), parse_leaves(v))).collect())
        }
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
