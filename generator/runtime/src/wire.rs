//! How values look on the wire, shared by the client and the server halves.
//!
//! Both halves of a generated crate call these helpers, so a value encoded by the client is
//! decoded by the server with the same rules (the failure oapi-codegen #2513 shows when each half
//! writes its own). This module owns:
//!
//! - [`Base64`]: `format: byte` strings as bytes.
//! - [`string_enum!`](crate::string_enum): the methods and traits of generated string enums
//!   (through [`deserialize_string_enum`]).
//! - [`serde_struct!`](crate::serde_struct): generated structs' `Serialize` and `Deserialize`,
//!   a writer and a map reader per struct over shared pieces ([`ObjectWriter`], [`FieldKey`],
//!   [`read_field`], [`required`]).
//! - [`Known`] and [`first_unknown_field`]: finding enum values the spec does not list.
//! - [`tagged`]: the small pieces hand-emitted `Serialize`/`Deserialize` impls of discriminated
//!   unions need.
//! - Parameter styles (OpenAPI 3.0 §4.7.12.4 "Style Values"): [`encode_query`], [`encode_simple`],
//!   [`encode_path`], [`encode_path_segment`] and [`cookie_header`] for the client;
//!   [`parse_query`], [`decode_query`], [`decode_simple`] and [`parse_cookies`] for the server.
//!
//! Everything here is synchronous and free of I/O. The unit tests, including property tests
//! that encode and decode back, live in `wire/tests.rs`.

mod decode;
mod known;
mod object;
mod params;
#[cfg(test)]
mod tests;

pub use decode::{decode_query, decode_simple, parse_cookies, parse_query};
pub use known::{Known, first_unknown_field};
pub use object::{FieldKey, Key, ObjectWriter, read_field, required, skip_value};
#[cfg(feature = "client")]
pub(crate) use params::simple_text;
pub use params::{
    ParamError, ParamStyle, ValueKind, cookie_header, encode_path, encode_path_segment,
    encode_query, encode_simple,
};

use std::fmt;
use std::ops::Deref;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Bytes carried as a base64 string (`type: string, format: byte`).
///
/// Serializes with the standard alphabet and padding (RFC 4648 §4). Deserializing is lenient,
/// because real servers differ: the standard or the URL-safe alphabet (§5), padded or not.
///
/// ```
/// use oagen_rt::Base64;
///
/// let json = serde_json::to_string(&Base64(b"hi?".to_vec())).unwrap();
/// assert_eq!(json, r#""aGk/""#);
/// let back: Base64 = serde_json::from_str(r#""aGk_""#).unwrap(); // URL-safe, no padding
/// assert_eq!(&*back, b"hi?");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Base64(pub Vec<u8>);

/// The standard alphabet, accepting input with or without padding.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl Base64 {
    /// Decodes base64 text in either alphabet, padded or not.
    ///
    /// ```
    /// use oagen_rt::Base64;
    ///
    /// assert_eq!(Base64::decode("-_8=").unwrap().0, vec![0xfb, 0xff]);
    /// assert!(Base64::decode("not base64!").is_err());
    /// ```
    pub fn decode(text: &str) -> Result<Self, base64::DecodeError> {
        // Mapping the URL-safe characters onto the standard ones lets one engine read both.
        let standard: String = text
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                other => other,
            })
            .collect();
        LENIENT.decode(standard).map(Base64)
    }

    /// Encodes with the standard alphabet and padding.
    ///
    /// ```
    /// assert_eq!(oagen_rt::Base64(vec![0xfb, 0xff]).encode(), "+/8=");
    /// ```
    pub fn encode(&self) -> String {
        STANDARD.encode(&self.0)
    }
}

impl From<Vec<u8>> for Base64 {
    fn from(bytes: Vec<u8>) -> Self {
        Base64(bytes)
    }
}

impl AsRef<[u8]> for Base64 {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Deref for Base64 {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Base64Visitor;

        impl Visitor<'_> for Base64Visitor {
            type Value = Base64;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Base64, E> {
                Base64::decode(text).map_err(|e| E::custom(format_args!("invalid base64: {e}")))
            }
        }

        deserializer.deserialize_str(Base64Visitor)
    }
}

/// Reads a string and turns it into a generated string enum with `from_wire` (which keeps a
/// value it does not know as `Unknown`). Anything but a string is an error.
///
/// Generated enums implement `Deserialize` with this instead of serde's derive: the derive of an
/// enum with an `untagged` catch-all buffers the input and expands to several times the code,
/// which a crate with thousands of enums pays for on every build.
///
/// ```
/// #[derive(Debug, PartialEq)]
/// enum Status { Active, Unknown(String) }
///
/// impl Status {
///     fn from_wire(value: &str) -> Self {
///         match value {
///             "active" => Self::Active,
///             other => Self::Unknown(other.to_owned()),
///         }
///     }
/// }
///
/// impl<'de> serde::Deserialize<'de> for Status {
///     fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
///         oagen_rt::wire::deserialize_string_enum(deserializer, Self::from_wire)
///     }
/// }
///
/// assert_eq!(serde_json::from_str::<Status>(r#""active""#).unwrap(), Status::Active);
/// assert_eq!(
///     serde_json::from_str::<Status>(r#""paused""#).unwrap(),
///     Status::Unknown("paused".to_owned())
/// );
/// assert!(serde_json::from_str::<Status>("1").is_err());
/// ```
pub fn deserialize_string_enum<'de, D: serde::Deserializer<'de>, T>(
    deserializer: D,
    from_wire: fn(&str) -> T,
) -> Result<T, D::Error> {
    struct Visitor<T>(fn(&str) -> T);

    impl<T> serde::de::Visitor<'_> for Visitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(value))
        }
    }

    deserializer.deserialize_str(Visitor(from_wire))
}

/// Helpers for the hand-emitted `Serialize`/`Deserialize` of discriminated unions.
///
/// The generator emits these impls by hand instead of `#[serde(tag = ...)]` because an
/// `untagged` catch-all would also swallow a known variant whose body is broken; reading the tag
/// first and dispatching reports the real error.
///
/// ```
/// use oagen_rt::wire::tagged;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// struct Cat { lives: u8 }
///
/// #[derive(Debug, PartialEq)]
/// enum Pet { Cat(Cat), Unknown(serde_json::Value) }
///
/// impl Serialize for Pet {
///     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
///         match self {
///             Pet::Cat(cat) => tagged::serialize_with_tag(cat, "kind", "cat", s),
///             Pet::Unknown(value) => value.serialize(s),
///         }
///     }
/// }
///
/// impl<'de> Deserialize<'de> for Pet {
///     fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
///         let value = serde_json::Value::deserialize(d)?;
///         match tagged::tag(&value, "kind") {
///             Some("cat") => tagged::from_value(value).map(Pet::Cat),
///             _ => Ok(Pet::Unknown(value)),
///         }
///     }
/// }
///
/// let json = serde_json::to_string(&Pet::Cat(Cat { lives: 9 })).unwrap();
/// assert_eq!(json, r#"{"kind":"cat","lives":9}"#);
/// assert_eq!(serde_json::from_str::<Pet>(&json).unwrap(), Pet::Cat(Cat { lives: 9 }));
/// let err = serde_json::from_str::<Pet>(r#"{"kind":"cat","lives":"many"}"#).unwrap_err();
/// assert!(err.to_string().contains("invalid type"), "{err}");
/// ```
pub mod tagged {
    use serde::de::DeserializeOwned;
    use serde::ser::Error as _;
    use serde::{Serialize, Serializer};
    use serde_json::{Map, Value};

    /// The discriminator of `value`: its `property` when `value` is an object and the property
    /// is a string.
    ///
    /// ```
    /// let value = serde_json::json!({"type": "dog", "name": "Rex"});
    /// assert_eq!(oagen_rt::wire::tagged::tag(&value, "type"), Some("dog"));
    /// assert_eq!(oagen_rt::wire::tagged::tag(&value, "kind"), None);
    /// ```
    pub fn tag<'a>(value: &'a Value, property: &str) -> Option<&'a str> {
        value.as_object()?.get(property)?.as_str()
    }

    /// Deserializes a variant's body from `value`, turning a `serde_json` error into the
    /// caller's deserializer error with the same message.
    ///
    /// ```
    /// let n: Result<u8, serde_json::Error> =
    ///     oagen_rt::wire::tagged::from_value(serde_json::json!(7));
    /// assert_eq!(n.unwrap(), 7);
    /// ```
    pub fn from_value<T: DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
        serde_json::from_value(value).map_err(E::custom)
    }

    /// Serializes `inner` with `property: tag_value` added in front, unless `inner` already
    /// writes that property (a variant struct that keeps its own tag field) or is not an object.
    ///
    /// ```
    /// use serde::Serialize;
    ///
    /// #[derive(Serialize)]
    /// struct Dog { name: String }
    ///
    /// struct Tagged(Dog);
    /// impl Serialize for Tagged {
    ///     fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    ///         oagen_rt::wire::tagged::serialize_with_tag(&self.0, "type", "dog", s)
    ///     }
    /// }
    ///
    /// let json = serde_json::to_string(&Tagged(Dog { name: "Rex".into() })).unwrap();
    /// assert_eq!(json, r#"{"type":"dog","name":"Rex"}"#);
    /// ```
    pub fn serialize_with_tag<T: Serialize, S: Serializer>(
        inner: &T,
        property: &str,
        tag_value: &str,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(inner).map_err(S::Error::custom)?;
        match value {
            Value::Object(fields) if !fields.contains_key(property) => {
                let mut tagged = Map::with_capacity(fields.len() + 1);
                tagged.insert(property.to_owned(), Value::String(tag_value.to_owned()));
                tagged.extend(fields);
                Value::Object(tagged).serialize(serializer)
            }
            other => other.serialize(serializer),
        }
    }
}
