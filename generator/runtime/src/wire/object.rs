//! Reading a generated struct from a JSON object: the pieces [`deserialize_struct!`] expands to.
//!
//! serde's derived `Deserialize` for a struct writes out, per struct, a field enum with its own
//! visitor (strings, bytes and indexes), a sequence reader and a map reader. Generated crates
//! hold thousands of structs, and type-checking that code was more than half of a large spec's
//! `cargo check`. Here each struct gets only a map reader: keys are told apart by one shared
//! [`FieldKey`] and the values are read by one shared [`read_field`], so all that is written
//! per struct is a match arm and a line per field.
//!
//! [`deserialize_struct!`]: crate::deserialize_struct

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, Visitor};

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

/// Implements `Deserialize` for a generated struct from its fields: each is its index in the
/// list, its Rust name, its wire name and what an absent value becomes:
///
/// - `required`: an error (serde's "missing field");
/// - `default`: `Default::default()` (`None` for an optional field);
/// - `default(path)`: what the function at `path` returns;
/// - `nullable`: `None`, kept apart from `null` (`Some(None)`), for `Option<Option<T>>`.
///
/// A struct that keeps undeclared properties names its map after the fields with
/// `additional name`. Only a JSON object is read (serde's derive also takes an array of the
/// fields in order); unknown properties are otherwise skipped, a repeated one is an error.
///
/// ```
/// use serde::Serialize;
/// use std::collections::BTreeMap;
///
/// #[derive(Debug, PartialEq, Serialize)]
/// pub struct Run {
///     pub id: String,
///     #[serde(rename = "maxAttempts")]
///     pub max_attempts: i32,
///     pub label: String,
///     pub note: Option<String>,
///     pub parent: Option<Option<String>>,
///     #[serde(flatten)]
///     pub extra: BTreeMap<String, serde_json::Value>,
/// }
/// impl Run {
///     fn default_max_attempts() -> i32 {
///         3
///     }
/// }
/// oagen_rt::deserialize_struct!(Run {
///     0 id = "id" required,
///     1 max_attempts = "maxAttempts" default(Run::default_max_attempts),
///     2 label = "label" default,
///     3 note = "note" default,
///     4 parent = "parent" nullable,
/// } additional extra);
///
/// let run: Run = serde_json::from_str(r#"{"id":"r1","parent":null,"x":1}"#).unwrap();
/// assert_eq!(run.max_attempts, 3);
/// assert_eq!((run.note, run.parent), (None, Some(None)));
/// assert_eq!(run.extra["x"], 1);
/// let err = serde_json::from_str::<Run>(r#"{"label":"a"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("missing field `id`"), "{err}");
/// let err = serde_json::from_str::<Run>(r#"{"id":"a","id":"b"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("duplicate field `id`"), "{err}");
/// assert!(serde_json::from_str::<Run>(r#"["r1"]"#).is_err());
/// ```
#[macro_export]
macro_rules! deserialize_struct {
    ($name:ident {
        $($index:literal $field:ident = $wire:literal $kind:ident $(($default:path))?),* $(,)?
    } $(additional $extra:ident)?) => {
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
                            $crate::deserialize_struct!(@keeps $($extra)?),
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
                            $($field: $crate::deserialize_struct!(
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
    };
    (@keeps) => { false };
    (@keeps $extra:ident) => { true };
    (@absent $field:ident $wire:literal required) => {
        $crate::wire::required::<_, A::Error>($field, $wire)?
    };
    (@absent $field:ident $wire:literal default) => {
        $field.unwrap_or_default()
    };
    (@absent $field:ident $wire:literal default($default:path)) => {
        $field.unwrap_or_else($default)
    };
    (@absent $field:ident $wire:literal nullable) => {
        $field
    };
}
