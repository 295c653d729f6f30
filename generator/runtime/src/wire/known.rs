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
