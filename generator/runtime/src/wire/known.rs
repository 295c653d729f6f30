//! [`Known`]: finding enum values a spec does not list.
//!
//! Generated enums keep an `Unknown` variant so that a client does not break when a server
//! adds a value. A server is the other way round: the spec is its contract, so a request that
//! carries a value outside a closed enum is rejected (422 / 400) before it reaches the
//! implementation. Generated types implement this trait when they can hold an enum.

use std::collections::BTreeMap;

/// A value that may hold enum values the spec does not list.
///
/// ```
/// use oagen_rt::wire::Known;
///
/// #[derive(Debug)]
/// enum Color { Red, Unknown(String) }
/// impl Known for Color {
///     fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
///         match self {
///             Color::Unknown(v) => Some((pointer.to_owned(), v.clone())),
///             Color::Red => None,
///         }
///     }
/// }
///
/// let colors = vec![Color::Red, Color::Unknown("teal".into())];
/// assert_eq!(colors.first_unknown("/colors"), Some(("/colors/1".into(), "teal".into())));
/// assert_eq!(Some(Color::Red).first_unknown(""), None);
/// ```
pub trait Known {
    /// The JSON pointer (below `pointer`) and the value of the first unlisted enum value.
    fn first_unknown(&self, pointer: &str) -> Option<(String, String)>;
}

impl<T: Known + ?Sized> Known for Box<T> {
    fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
        (**self).first_unknown(pointer)
    }
}

impl<T: Known> Known for Option<T> {
    fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
        self.as_ref().and_then(|v| v.first_unknown(pointer))
    }
}

impl<T: Known> Known for Vec<T> {
    fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
        self.iter()
            .enumerate()
            .find_map(|(i, v)| v.first_unknown(&format!("{pointer}/{i}")))
    }
}

impl<T: Known> Known for BTreeMap<String, T> {
    fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
        self.iter().find_map(|(k, v)| {
            let token = k.replace('~', "~0").replace('/', "~1");
            v.first_unknown(&format!("{pointer}/{token}"))
        })
    }
}

/// The first unlisted enum value among a struct's fields: each is `(token, field)`, where
/// `token` is the field's JSON pointer token with its `/` (`"/status"`), or `""` for a map of
/// additional properties, whose keys make their own tokens.
///
/// Generated structs implement [`Known`] with one call to this, a line per field that can
/// hold an enum:
///
/// ```
/// use oagen_rt::wire::{Known, first_unknown_field};
///
/// struct Color(String);
/// impl Known for Color {
///     fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
///         (self.0 != "red").then(|| (pointer.to_owned(), self.0.clone()))
///     }
/// }
/// struct Car {
///     body: Color,
///     roof: Option<Color>,
/// }
/// impl Known for Car {
///     fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
///         first_unknown_field(pointer, &[("/body", &self.body), ("/roof", &self.roof)])
///     }
/// }
///
/// let car = Car { body: Color("red".into()), roof: Some(Color("teal".into())) };
/// assert_eq!(car.first_unknown("/car"), Some(("/car/roof".into(), "teal".into())));
/// ```
pub fn first_unknown_field(
    pointer: &str,
    fields: &[(&str, &dyn Known)],
) -> Option<(String, String)> {
    fields
        .iter()
        .find_map(|(token, field)| field.first_unknown(&format!("{pointer}{token}")))
}

/// Implements a generated string enum's methods and traits from its wire values: `as_str`,
/// `from_wire`, `Serialize`, `Deserialize` (any string; one not listed becomes `Unknown`),
/// `Display`, [`Known`], and `PartialEq`, `Eq`, `Hash`, `PartialOrd` and `Ord`, which go by the
/// wire value (so `Unknown("failed")`, which `from_wire` never makes, equals `Failed`, and
/// values sort as their strings do). The enum itself is written out beside it, deriving
/// `Clone` and `Debug`, with an `Unknown(String)` variant last:
///
/// ```
/// use oagen_rt::wire::Known;
///
/// /// How a run ended.
/// #[derive(Clone, Debug)]
/// pub enum RunStatus {
///     Completed,
///     Failed,
///     /// A value this crate does not know yet, kept verbatim.
///     Unknown(String),
/// }
/// oagen_rt::string_enum!(RunStatus {
///     Completed = "completed",
///     Failed = "failed",
/// });
///
/// assert_eq!(RunStatus::Failed.as_str(), "failed");
/// assert_eq!(RunStatus::from_wire("paused"), RunStatus::Unknown("paused".into()));
/// assert_eq!(serde_json::to_string(&RunStatus::Completed).unwrap(), r#""completed""#);
/// let read: RunStatus = serde_json::from_str(r#""paused""#).unwrap();
/// assert_eq!(read.to_string(), "paused");
/// assert_eq!(read.first_unknown("/status"), Some(("/status".into(), "paused".into())));
/// assert!(serde_json::from_str::<RunStatus>("1").is_err());
/// assert!(RunStatus::Completed < RunStatus::Failed);
/// assert_eq!(RunStatus::Unknown("failed".into()), RunStatus::Failed);
/// ```
///
/// A macro rather than code written out per enum: large specs have thousands of enums, and
/// these impls were more than a third of their generated lines. The comparisons go through
/// `as_str` rather than being derived: one call each instead of matches over every variant,
/// ~1.7 ms less per enum for rustc to check (a crate of 1000 enums: 7.9 s → 6.2 s).
#[macro_export]
macro_rules! string_enum {
    ($name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => other,
                }
            }

            /// The variant for a value read from the wire; [`Self::Unknown`] for one this
            /// crate does not know.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $crate::wire::deserialize_string_enum(deserializer, Self::from_wire)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::cmp::PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl ::core::cmp::Eq for $name {}

        impl ::core::hash::Hash for $name {
            fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                ::core::hash::Hash::hash(self.as_str(), state);
            }
        }

        impl ::core::cmp::PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> ::core::option::Option<::core::cmp::Ordering> {
                ::core::option::Option::Some(::core::cmp::Ord::cmp(self, other))
            }
        }

        impl ::core::cmp::Ord for $name {
            fn cmp(&self, other: &Self) -> ::core::cmp::Ordering {
                ::core::cmp::Ord::cmp(self.as_str(), other.as_str())
            }
        }

        impl $crate::wire::Known for $name {
            fn first_unknown(
                &self,
                pointer: &str,
            ) -> ::core::option::Option<(::std::string::String, ::std::string::String)> {
                if let Self::Unknown(other) = self {
                    ::core::option::Option::Some((
                        ::std::borrow::ToOwned::to_owned(pointer),
                        ::core::clone::Clone::clone(other),
                    ))
                } else {
                    ::core::option::Option::None
                }
            }
        }
    };
}
