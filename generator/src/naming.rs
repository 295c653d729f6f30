//! Every Rust identifier the generator emits is decided here, once.
//!
//! Input: names as the spec writes them (`run_id`, `X-Request-ID`, `1stPlace`, `type`, `Pet`).
//! Output: valid, idiomatic Rust identifiers (`run_id`, `x_request_id`, `v1st_place`, `r#type`,
//! `Pet`), unique within their scope.
//!
//! Invariants:
//! - Pure and deterministic: the same sequence of requests gives the same names.
//! - A [`Scope`] hands out each name once; a collision gets the smallest free numeric suffix
//!   (`Pet`, `Pet2`), so the first claimant keeps the natural name.
//! - Type names never shadow what generated code relies on (`Option`, `Result`, `String`, `Vec`,
//!   `Box`, `Client`, `Error`, ...): those get a `Model` suffix, which reads better than
//!   qualifying every std path.
//!
//! Tests: the table in this file's `tests` module.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict and reserved, 2024 edition).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Type names that would shadow something generated code uses unqualified.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Client",
    "Error",
    "Send",
    "Sync",
    "Sized",
    "Copy",
    "Clone",
    "Default",
    "Debug",
    "Serialize",
    "Deserialize",
    "Future",
    "Stream",
    "Arc",
    "Router",
    "Self",
    "Fn",
    "Iterator",
    "ToString",
    "Into",
    "From",
];

/// Splits text into the words heck sees, after replacing characters that are not part of an
/// identifier. Non-ASCII letters are kept out: identifiers stay ASCII.
fn clean(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            // `+` and `-` in enum values ("+1", "-1") carry meaning.
            match c {
                '+' => out.push_str(" plus "),
                '-' if out.is_empty() => out.push_str("minus "),
                _ => out.push(' '),
            }
        }
    }
    out
}

thread_local! {
    /// heck's `snake_case` and `UpperCamelCase` of each text seen on this thread, by text: a
    /// large spec names the same properties thousands of times (Stripe's `id`, `object`,
    /// `metadata`), and heck writes its output one `char` at a time through `fmt`.
    static SNAKE: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    static CAMEL: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// `case` of [`clean`]`(raw)`, remembered in `cache`.
fn cased(
    cache: &'static std::thread::LocalKey<RefCell<HashMap<String, String>>>,
    raw: &str,
    case: impl FnOnce(&str) -> String,
) -> String {
    cache.with(|cache| {
        if let Some(done) = cache.borrow().get(raw) {
            return done.clone();
        }
        let done = case(&clean(raw));
        cache.borrow_mut().insert(raw.to_owned(), done.clone());
        done
    })
}

/// `snake_case` identifier for a field, parameter, method or module. Keywords become raw
/// identifiers (`r#type`), or get a trailing underscore where raw identifiers are not allowed
/// (`self_`). Empty input becomes `value`.
pub fn snake_ident(raw: &str) -> String {
    let mut s = cased(&SNAKE, raw, |clean| clean.to_snake_case());
    if s.is_empty() {
        s = "value".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("n{s}");
    }
    escape_keyword(s)
}

/// `UpperCamelCase` name for a type or variant. Empty input becomes `Value`; a leading digit
/// gets a `V` prefix (`V1`, `V2beta`).
pub fn camel_ident(raw: &str) -> String {
    escape_keyword(camel(raw))
}

fn camel(raw: &str) -> String {
    let mut s = cased(&CAMEL, raw, |clean| clean.to_upper_camel_case());
    if s.is_empty() {
        s = "Value".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("V{s}");
    }
    s
}

/// A type name: [`camel_ident`], with names that would shadow std or runtime items suffixed.
pub fn type_ident(raw: &str) -> String {
    let s = camel(raw);
    if RESERVED_TYPES.contains(&s.as_str()) {
        format!("{s}Model")
    } else {
        escape_keyword(s)
    }
}

fn escape_keyword(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The identifier without a raw prefix (`r#type` → `type`), for building derived names.
pub fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// The cargo feature that compiles a tag's operations: `tag-` and the tag in kebab case,
/// ASCII letters and digits only (`API Keys` → `tag-api-keys`). Uniqueness is the caller's
/// [`Scope`].
pub fn tag_feature(tag: &str) -> String {
    let mut out = String::from("tag");
    for word in tag
        .to_snake_case()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        out.push('-');
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// A set of names in which each is handed out once.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope in which `names` are already taken (e.g. a struct's fixed members).
    pub fn with_reserved<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Scope {
            taken: names.into_iter().map(str::to_owned).collect(),
        }
    }

    /// Claims `candidate`, or the first free `candidate2`, `candidate3`, ...
    pub fn claim(&mut self, candidate: String) -> String {
        if self.taken.insert(candidate.clone()) {
            return candidate;
        }
        // `r#type2` is not a keyword: the suffixed name drops the raw prefix.
        let stem = candidate.strip_prefix("r#").unwrap_or(&candidate);
        let sep = if stem.ends_with(|c: char| c.is_ascii_digit()) {
            "_"
        } else {
            ""
        };
        // At most `taken.len()` suffixes are taken, so one of the first `len + 2` is free.
        let mut n = 2;
        loop {
            let next = format!("{stem}{sep}{n}");
            if self.taken.insert(next.clone()) {
                return next;
            }
            n += 1;
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        let cases: &[(&str, &str, &str)] = &[
            // raw, snake, camel
            ("run_id", "run_id", "RunId"),
            ("X-Request-ID", "x_request_id", "XRequestId"),
            ("type", "r#type", "Type"),
            ("self", "self_", "SelfModel"),
            ("Self", "self_", "SelfModel"),
            ("1stPlace", "n1st_place", "V1stPlace"),
            ("", "value", "Value"),
            ("a.b/c", "a_b_c", "ABC"),
            ("+1", "plus_1", "Plus1"),
            ("-1", "minus_1", "Minus1"),
            ("RUN_STARTED", "run_started", "RunStarted"),
            ("application/json", "application_json", "ApplicationJson"),
            ("async", "r#async", "Async"),
            ("crate", "crate_", "Crate"),
            ("élan", "lan", "Lan"),
        ];
        for (raw, snake, camel) in cases {
            assert_eq!(snake_ident(raw), *snake, "snake of {raw:?}");
            assert_eq!(type_ident(raw), *camel, "type of {raw:?}");
        }
    }

    #[test]
    fn tag_features() {
        let cases = [
            ("API Keys", "tag-api-keys"),
            ("Model Runtime (internal)", "tag-model-runtime-internal"),
            ("ai-agents", "tag-ai-agents"),
            ("Thread Runs", "tag-thread-runs"),
            ("v2", "tag-v2"),
            ("élan", "tag-lan"),
            ("???", "tag"),
        ];
        for (tag, feature) in cases {
            assert_eq!(tag_feature(tag), feature, "feature of {tag:?}");
        }
    }

    #[test]
    fn reserved_types_get_a_suffix() {
        assert_eq!(type_ident("Error"), "ErrorModel");
        assert_eq!(type_ident("option"), "OptionModel");
        assert_eq!(type_ident("Errors"), "Errors");
    }

    #[test]
    fn scope_resolves_collisions_in_order() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim("Pet".into()), "Pet");
        assert_eq!(scope.claim("Pet".into()), "Pet2");
        assert_eq!(scope.claim("Pet".into()), "Pet3");
        assert_eq!(scope.claim("V1".into()), "V1");
        assert_eq!(scope.claim("V1".into()), "V1_2");
        assert_eq!(scope.claim("r#type".into()), "r#type");
        assert_eq!(scope.claim("r#type".into()), "type2");
    }
}
