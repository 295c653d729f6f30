//! Located diagnostics: every problem the generator reports names a file and a JSON pointer.
//!
//! Input: the stages push into one [`Diagnostics`] as they go (rust-analyzer style: collect,
//! keep going, stop late). Output: a list the CLI prints one per line, rendered as
//!
//! ```text
//! error: specs/a.yaml#/paths/~1runs/post: $ref '#/components/schemas/Missing' does not exist
//!   help: define it under components.schemas or fix the reference
//! ```
//!
//! Invariants:
//! - `file` is the path as the user gave it (or as derived from a `$ref`), never canonicalised,
//!   so messages stay short and stable across machines.
//! - `pointer` is an RFC 6901 JSON pointer into that file, `""` meaning the whole document.
//!   Build pointers only with [`pointer_push`] and split them only with [`pointer_tokens`], so
//!   `~` and `/` inside keys such as `/runs/{id}` are always escaped the same way.
//! - Order is insertion order: deterministic for a deterministic walk.
//!
//! Tests: the unit tests at the bottom of this file.

use std::fmt;

/// How bad a diagnostic is. Errors stop generation; warnings are printed and generation goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// The word the rendered line starts with.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One located problem.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Display path of the file, as the user gave it, e.g. `specs/acp.json`.
    pub file: String,
    /// RFC 6901 JSON pointer into `file`; `""` for the whole document.
    pub pointer: String,
    pub message: String,
    /// An optional hint on how to fix it, rendered on its own indented line.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            file: file.into(),
            pointer: pointer.into(),
            message: message.into(),
            help: None,
        }
    }

    pub fn error(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic::new(Severity::Error, file, pointer, message)
    }

    pub fn warning(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic::new(Severity::Warning, file, pointer, message)
    }

    /// Builder form: `Diagnostic::error(..).with_help("…")`.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// In-place form, for the `&mut Diagnostic` the [`Diagnostics`] helpers return.
    pub fn set_help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file#pointer`, or just `file` when the pointer is the whole document.
    pub fn location(&self) -> String {
        if self.pointer.is_empty() {
            self.file.clone()
        } else {
            format!("{}#{}", self.file, self.pointer)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity)?;
        if !self.file.is_empty() || !self.pointer.is_empty() {
            write!(f, "{}: ", self.location())?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// All diagnostics of one run, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics::default()
    }

    /// Records an error and returns it so a caller can attach help:
    /// `diags.error(file, ptr, "…").set_help("…");`
    pub fn error(
        &mut self,
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(file, pointer, message))
    }

    /// Errors about a whole file (no pointer), one per message.
    pub fn file_errors(file: &str, messages: impl IntoIterator<Item = String>) -> Self {
        let mut diags = Diagnostics::new();
        for message in messages {
            diags.error(file, "", message);
        }
        diags
    }

    /// Records a warning; see [`Diagnostics::error`].
    pub fn warning(
        &mut self,
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::warning(file, pointer, message))
    }

    /// Appends a built diagnostic and returns a handle to it.
    pub fn push(&mut self, diagnostic: Diagnostic) -> &mut Diagnostic {
        self.items.push(diagnostic);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    pub fn error_count(&self) -> usize {
        self.errors().count()
    }

    pub fn warning_count(&self) -> usize {
        self.warnings().count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics { items: vec![d] }
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics { items }
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.items.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` as `~0` and `/` as `~1`
/// (RFC 6901 §3): `pointer_push("/paths", "/runs/{id}") == "/paths/~1runs~1{id}"`.
pub fn pointer_push(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// Splits a JSON pointer into its unescaped reference tokens: `""` → `[]`,
/// `"/paths/~1runs"` → `["paths", "/runs"]`. A pointer without the leading `/` is read as if
/// it had one, so a sloppy fragment still yields its tokens.
pub fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    let body = pointer.strip_prefix('/').unwrap_or(pointer);
    // `~1` must be decoded before `~0` so `~01` becomes `~1`, not `/` (RFC 6901 §4).
    body.split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Joins tokens back into a pointer; the inverse of [`pointer_tokens`].
pub fn pointer_from_tokens<S: AsRef<str>>(tokens: &[S]) -> String {
    tokens
        .iter()
        .fold(String::new(), |acc, t| pointer_push(&acc, t.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_error_with_location() {
        let d = Diagnostic::error(
            "specs/a.yaml",
            "/paths/~1runs/post",
            "$ref '#/components/schemas/Missing' does not exist",
        );
        assert_eq!(
            d.to_string(),
            "error: specs/a.yaml#/paths/~1runs/post: $ref '#/components/schemas/Missing' does not exist"
        );
    }

    #[test]
    fn renders_help_and_whole_document() {
        let d = Diagnostic::warning("a.json", "", "something odd").with_help("fix it");
        assert_eq!(
            d.to_string(),
            "warning: a.json: something odd\n  help: fix it"
        );
        let bare = Diagnostic::error("", "", "no file");
        assert_eq!(bare.to_string(), "error: no file");
    }

    #[test]
    fn collection_helpers() {
        let mut diags = Diagnostics::new();
        assert!(diags.is_empty());
        diags.warning("a.yaml", "/x", "w1");
        diags.error("a.yaml", "/y", "e1").set_help("h");
        diags.warning("b.yaml", "", "w2");
        assert_eq!(diags.len(), 3);
        assert!(diags.has_errors());
        assert_eq!(diags.error_count(), 1);
        assert_eq!(diags.warning_count(), 2);
        assert_eq!(
            diags.errors().next().map(|d| d.help.clone()),
            Some(Some("h".into()))
        );
        assert_eq!(
            diags.to_string(),
            "warning: a.yaml#/x: w1\nerror: a.yaml#/y: e1\n  help: h\nwarning: b.yaml: w2"
        );
        let mut other = Diagnostics::new();
        other.extend(diags.clone());
        assert_eq!(other, diags);
        assert_eq!((&diags).into_iter().count(), 3);
        let only_warnings: Diagnostics = diags.into_iter().filter(|d| !d.is_error()).collect();
        assert!(!only_warnings.has_errors());
    }

    #[test]
    fn pointers_escape_and_unescape() {
        let cases: &[(&str, &str, &str)] = &[
            ("", "paths", "/paths"),
            ("/paths", "/runs/{id}", "/paths/~1runs~1{id}"),
            ("/a", "~x/", "/a/~0x~1"),
            ("/a", "", "/a/"),
        ];
        for (base, token, expected) in cases {
            let p = pointer_push(base, token);
            assert_eq!(&p, expected);
            assert_eq!(pointer_tokens(&p).last().map(String::as_str), Some(*token));
        }
        assert_eq!(pointer_tokens(""), Vec::<String>::new());
        assert_eq!(pointer_tokens("/~01"), vec!["~1".to_string()]);
        assert_eq!(pointer_tokens("/a/~1b/c"), vec!["a", "/b", "c"]);
        assert_eq!(pointer_from_tokens(&["paths", "/runs"]), "/paths/~1runs");
    }
}
