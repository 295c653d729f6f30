//! A generated struct as a JSON object: the pieces [`serde_struct!`] expands to.
//!
//! serde's derived `Deserialize` for a struct writes out, per struct, a field enum with its own
//! visitor (strings, bytes and indexes), a sequence reader and a map reader; its `Serialize`
//! a length count and a call per field. Generated crates hold thousands of structs, and
//! type-checking that code was more than two thirds of a large spec's `cargo check`. Here each
//! struct gets only a map reader and a writer: keys are told apart by one shared [`FieldKey`],
//! values are read by one shared [`read_field`] and written through one [`ObjectWriter`], so
//! all that is written per struct is a match arm and two lines per field.
//!
//! [`serde_struct!`]: crate::serde_struct

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

/// Which key of an object was read: a declared field (its index in the struct's field list),
/// a property the struct keeps in its additional-properties map, or one it ignores.
#[derive(Debug, PartialEq, Eq)]
pub enum Key {
    /// The declared field at this index.
    Field(usize),
    /// An undeclared property, for a struct that keeps them.
    Other(String),
    /// An undeclared property, for a struct that does not.
    Ignored,
}

/// Reads an object key as a [`Key`] against a struct's wire field names.
#[derive(Clone, Copy, Debug)]
pub struct FieldKey {
    fields: &'static [&'static str],
    keep_others: bool,
}

impl FieldKey {
    /// Keys for a struct with these wire field names; `keep_others` when it keeps undeclared
    /// properties (so their names are needed).
    pub fn new(fields: &'static [&'static str], keep_others: bool) -> Self {
        Self {
            fields,
            keep_others,
        }
    }

    fn key(self, name: &str) -> Key {
        match self.fields.iter().position(|field| *field == name) {
            Some(index) => Key::Field(index),
            None if self.keep_others => Key::Other(name.to_owned()),
            None => Key::Ignored,
        }
    }
}

impl<'de> DeserializeSeed<'de> for FieldKey {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldKey {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        Ok(self.key(name))
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<Key, E> {
        Ok(match self.key(&name) {
            Key::Other(_) => Key::Other(name),
            key => key,
        })
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(name) {
            Ok(name) => Ok(self.key(name)),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(name), &self)),
        }
    }
}

/// Reads the value of the field `name` into its slot; a second value for it is an error
/// (serde's "duplicate field").
pub fn read_field<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(<A::Error as de::Error>::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of a property the struct does not declare.
pub fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(drop)
}

/// The value of a required field, or serde's "missing field" error.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// Writes a struct's fields: as a serde struct, or as a map when it also has undeclared
/// properties (as serde's derive does for a `flatten`ed map).
pub enum ObjectWriter<S: Serializer> {
    /// A struct with declared fields only.
    Struct(S::SerializeStruct),
    /// A struct with a map of additional properties.
    Map(S::SerializeMap),
}

impl<S: Serializer> fmt::Debug for ObjectWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Struct(_) => "ObjectWriter::Struct",
            Self::Map(_) => "ObjectWriter::Map",
        })
    }
}

impl<S: Serializer> ObjectWriter<S> {
    /// Starts the struct `name` of `len` fields; `open` when it has additional properties.
    pub fn begin(
        serializer: S,
        name: &'static str,
        len: usize,
        open: bool,
    ) -> Result<Self, S::Error> {
        if open {
            serializer.serialize_map(None).map(Self::Map)
        } else {
            serializer.serialize_struct(name, len).map(Self::Struct)
        }
    }

    /// Writes a field.
    pub fn field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        match self {
            Self::Struct(out) => out.serialize_field(name, value),
            Self::Map(out) => out.serialize_entry(name, value),
        }
    }

    /// Writes an optional field when it is `Some`, and skips it when it is `None`.
    pub fn optional<T: Serialize>(
        &mut self,
        name: &'static str,
        value: &Option<T>,
    ) -> Result<(), S::Error> {
        match (self, value) {
            (out, Some(_)) => out.field(name, value),
            (Self::Struct(out), None) => out.skip_field(name),
            (Self::Map(_), None) => Ok(()),
        }
    }

    /// Writes the additional properties, after the fields.
    pub fn additional<K: Serialize, V: Serialize>(
        &mut self,
        properties: &std::collections::BTreeMap<K, V>,
    ) -> Result<(), S::Error> {
        match self {
            Self::Map(out) => properties
                .iter()
                .try_for_each(|(key, value)| out.serialize_entry(key, value)),
            Self::Struct(_) => Ok(()),
        }
    }

    /// Ends the object.
    pub fn end(self) -> Result<S::Ok, S::Error> {
        match self {
            Self::Struct(out) => out.end(),
            Self::Map(out) => out.end(),
        }
    }
}

/// Implements `Serialize` and `Deserialize` for a generated struct from its fields: each is
/// its index in the list, its Rust name, its wire name and what an absent value is:
///
/// - `required`: an error (serde's "missing field"); always written;
/// - `default`: `Default::default()` (so `None` for a required but nullable field, written as
///   `null`); always written;
/// - `default(path)`: what the function at `path` returns; always written;
/// - `optional`: `None`, as is `null`; left out when `None`;
/// - `nullable`: `None`, kept apart from `null` (`Some(None)`), for `Option<Option<T>>`; left
///   out when `None`.
///
/// A struct that keeps undeclared properties names its map after the fields with
/// `additional name`. A struct that can hold an enum value lists, last, the fields that can
/// with their JSON pointer tokens, `known { status "/status", extra "" }` (the map of additional
/// properties has `""`: its keys are their tokens), and gets its [`Known`](crate::wire::Known)
/// impl from them. Only a JSON object is read (serde's derive also takes an array of the
/// fields in order); unknown properties are otherwise skipped, a repeated one is an error.
///
/// ```
/// use std::collections::BTreeMap;
///
/// #[derive(Debug, PartialEq)]
/// pub struct Run {
///     pub id: String,
///     pub max_attempts: i32,
///     pub label: String,
///     pub note: Option<String>,
///     pub parent: Option<Option<String>>,
///     pub extra: BTreeMap<String, serde_json::Value>,
/// }
/// impl Run {
///     fn default_max_attempts() -> i32 {
///         3
///     }
/// }
/// oagen_rt::serde_struct!(Run {
///     0 id = "id" required,
///     1 max_attempts = "maxAttempts" default(Run::default_max_attempts),
///     2 label = "label" default,
///     3 note = "note" optional,
///     4 parent = "parent" nullable,
/// } additional extra);
///
/// let json = r#"{"id":"r1","maxAttempts":3,"label":"","parent":null,"x":1}"#;
/// let run: Run = serde_json::from_str(r#"{"id":"r1","parent":null,"x":1}"#).unwrap();
/// assert_eq!(run.max_attempts, 3);
/// assert_eq!((&run.note, &run.parent), (&None, &Some(None)));
/// assert_eq!(run.extra["x"], 1);
/// assert_eq!(serde_json::to_string(&run).unwrap(), json);
/// let err = serde_json::from_str::<Run>(r#"{"label":"a"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("missing field `id`"), "{err}");
/// let err = serde_json::from_str::<Run>(r#"{"id":"a","id":"b"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("duplicate field `id`"), "{err}");
/// assert!(serde_json::from_str::<Run>(r#"["r1"]"#).is_err());
/// ```
///
/// With `known`:
///
/// ```
/// use std::collections::BTreeMap;
/// use oagen_rt::wire::Known;
///
/// #[derive(Clone, Debug)]
/// pub enum Status {
///     Open,
///     Unknown(String),
/// }
/// oagen_rt::string_enum!(Status { Open = "open" });
///
/// pub struct Ticket {
///     pub title: String,
///     pub status: Status,
///     pub labels: BTreeMap<String, Status>,
/// }
/// oagen_rt::serde_struct!(Ticket {
///     0 title = "title" required,
///     1 status = "status" required,
/// } additional labels known { status "/status", labels "" });
///
/// let ticket: Ticket = serde_json::from_str(r#"{"title":"t","status":"open"}"#).unwrap();
/// assert_eq!(ticket.first_unknown("/ticket"), None);
/// let ticket: Ticket = serde_json::from_str(r#"{"title":"t","status":"shut"}"#).unwrap();
/// assert_eq!(ticket.first_unknown("/ticket"), Some(("/ticket/status".into(), "shut".into())));
/// let ticket: Ticket =
///     serde_json::from_str(r#"{"title":"t","status":"open","x":"gone"}"#).unwrap();
/// assert_eq!(ticket.first_unknown(""), Some(("/x".into(), "gone".into())));
/// ```
#[macro_export]
macro_rules! serde_struct {
    ($name:ident {
        $($index:literal $field:ident = $wire:literal $kind:ident $(($default:path))?),* $(,)?
    } $(additional $extra:ident)? $(known $known:tt)?) => {
        #[allow(deprecated)]
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                let len = 0 $(+ $crate::serde_struct!(@written self.$field $kind))*;
                let mut out = $crate::wire::ObjectWriter::begin(
                    serializer,
                    ::core::stringify!($name),
                    len,
                    $crate::serde_struct!(@open $($extra)?),
                )?;
                $($crate::serde_struct!(@write out self.$field $wire $kind);)*
                $(out.additional(&self.$extra)?;)?
                out.end()
            }
        }

        #[allow(deprecated)]
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                struct __StructVisitor;
                impl<'de> $crate::__private::serde::de::Visitor<'de> for __StructVisitor {
                    type Value = $name;

                    fn expecting(
                        &self,
                        f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        f.write_str(::core::concat!("struct ", ::core::stringify!($name)))
                    }

                    fn visit_map<A: $crate::__private::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::core::result::Result<$name, A::Error> {
                        $(let mut $field = ::core::option::Option::None;)*
                        $(let mut $extra = ::std::collections::BTreeMap::new();)?
                        let keys = $crate::wire::FieldKey::new(
                            __FIELDS,
                            $crate::serde_struct!(@open $($extra)?),
                        );
                        while let ::core::option::Option::Some(key) = map.next_key_seed(keys)? {
                            match key {
                                $($crate::wire::Key::Field($index) => {
                                    $crate::wire::read_field(&mut map, &mut $field, $wire)?
                                })*
                                $($crate::wire::Key::Other(other) => {
                                    $extra.insert(other, map.next_value()?);
                                })?
                                _ => $crate::wire::skip_value(&mut map)?,
                            }
                        }
                        ::core::result::Result::Ok($name {
                            $($field: $crate::serde_struct!(
                                @absent $field $wire $kind $(($default))?
                            ),)*
                            $($extra,)?
                        })
                    }
                }
                const __FIELDS: &[&str] = &[$($wire),*];
                deserializer.deserialize_struct(::core::stringify!($name), __FIELDS, __StructVisitor)
            }
        }

        $($crate::serde_struct!(@known $name $known);)?
    };
    // Every field that can hold an enum value, with its JSON pointer token ("" for the map of
    // additional properties, whose keys are their tokens).
    (@known $name:ident { $($field:ident $token:literal),* $(,)? }) => {
        #[allow(deprecated)]
        impl $crate::wire::Known for $name {
            fn first_unknown(
                &self,
                pointer: &str,
            ) -> ::core::option::Option<(::std::string::String, ::std::string::String)> {
                $crate::wire::first_unknown_field(pointer, &[$(($token, &self.$field)),*])
            }
        }
    };
    (@open) => { false };
    (@open $extra:ident) => { true };
    (@written $self:ident.$field:ident optional) => {
        usize::from($self.$field.is_some())
    };
    (@written $self:ident.$field:ident nullable) => {
        usize::from($self.$field.is_some())
    };
    (@written $self:ident.$field:ident $kind:ident) => { 1 };
    (@write $out:ident $self:ident.$field:ident $wire:literal optional) => {
        $out.optional($wire, &$self.$field)?
    };
    (@write $out:ident $self:ident.$field:ident $wire:literal nullable) => {
        $out.optional($wire, &$self.$field)?
    };
    (@write $out:ident $self:ident.$field:ident $wire:literal $kind:ident) => {
        $out.field($wire, &$self.$field)?
    };
    (@absent $field:ident $wire:literal required) => {
        $crate::wire::required::<_, A::Error>($field, $wire)?
    };
    (@absent $field:ident $wire:literal default) => {
        $field.unwrap_or_default()
    };
    (@absent $field:ident $wire:literal default($default:path)) => {
        $field.unwrap_or_else($default)
    };
    (@absent $field:ident $wire:literal optional) => {
        $field.unwrap_or_default()
    };
    (@absent $field:ident $wire:literal nullable) => {
        $field
    };
}
