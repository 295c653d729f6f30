//! Loading: bytes on disk → one `serde_json::Value` per file, nothing else.
//!
//! Input: the path of the root document (or its text, see [`load_str`]). Output: [`Sources`],
//! whose `files[0]` is the root and whose other entries are every file reached, transitively,
//! through a `$ref` with a file part (`other.yaml#/components/schemas/X`, `./pet.yaml`,
//! `../common.json#/Foo`). Each is resolved relative to the directory of the file holding the
//! `$ref`, as OAS 3.1 §4.3.1 (relative references in URIs) prescribes.
//!
//! Invariants:
//! - The format is decided by content, not extension: after whitespace and a BOM, `{` means JSON
//!   and anything else YAML. YAML is converted into JSON values by hand so integer keys such as
//!   `200:` become the strings the OpenAPI model expects, and `<<` merge keys are applied.
//! - A YAML text over 256 KB is parsed on every core (`parse_chunked`): a line scan cuts it
//!   at the root mapping's entries (and a big entry's block mapping at its own entries), each
//!   chunk is parsed as a document of its own, and the root is put back together in order. When
//!   the chunks can't vouch for exactly the value and diagnostics of one parse (an alias to
//!   another chunk, a scalar cut in the middle, a key repeated across chunks, `---`, …), the
//!   whole text is parsed in one go, so errors read as they always did.
//! - Each file is read once, whatever spelling of its path the `$ref`s use (paths are compared
//!   after lexical normalisation against the current directory).
//! - `$ref`s are never rewritten here: the resolver resolves each one relative to the file it
//!   appears in, with [`Sources::locate`].
//! - Never panics, never loops: nesting past the parsers' limit (128 levels for both serde_json
//!   and serde_yaml; [`MAX_DEPTH`] for values built in memory) and more than [`MAX_FILES`] files
//!   are errors; YAML aliases are expanded under serde_yaml's repetition limit. All errors are collected before giving up, so every broken external
//!   reference is reported in one run.
//! - Literal values (`example`, `default`, `enum`, `const`, an Example Object's `value`, `x-*`
//!   extensions) are not searched for `$ref`: documents such as the Matrix spec put `$ref`-shaped
//!   objects in examples, which are data, not references.
//!
//! Tests: the unit tests at the bottom of this file (among them the chunked parse checked
//! against the parse in one go on every YAML document of the shared corpus and of `specs/`);
//! `generator/tests/load.rs` runs every document of the shared corpus through load + normalize.

use std::collections::{HashMap, VecDeque};
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Number, Value};

use crate::diag::{Diagnostics, pointer_push};

/// Deepest nesting of arrays and objects accepted in a document.
pub const MAX_DEPTH: usize = 256;
/// Most files one document may pull in through `$ref`s.
pub const MAX_FILES: usize = 10_000;

/// Index of a file in [`Sources::files`]; `FileId(0)` is the root document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

impl FileId {
    pub const ROOT: FileId = FileId(0);
}

/// One loaded file.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceFile {
    /// Absolute, lexically normalised path (no `.` or `..`); symlinks are not followed.
    pub path: PathBuf,
    /// The path as the user gave it, or as derived from the `$ref` that pulled the file in
    /// (`specs/schemas/pet.yaml`); used in diagnostics.
    pub display: String,
    pub value: Value,
}

/// The OpenAPI version of the root document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpecVersion {
    V3_0,
    V3_1,
}

/// Every file of one document. `files[0]` is the root; [`load`] never returns an empty list.
#[derive(Clone, Debug, PartialEq)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    pub version: SpecVersion,
}

/// Why a `$ref` string can't be turned into a file and a fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefError {
    /// `http://` or `https://`.
    Remote,
    /// Another URI scheme (`urn:`, `file:`, …).
    UnsupportedScheme(String),
    /// The file part names a file that was not loaded.
    NotLoaded(PathBuf),
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Remote => f.write_str("remote references are not supported"),
            RefError::UnsupportedScheme(s) => {
                write!(f, "references with the `{s}:` scheme are not supported")
            }
            RefError::NotLoaded(p) => write!(f, "file `{}` was not loaded", p.display()),
        }
    }
}

impl std::error::Error for RefError {}

/// A `$ref` split into its file part (percent-decoded, `None` for a local reference) and its
/// fragment (percent-decoded, without the `#`; usually a JSON pointer, `""` for the whole file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefParts {
    pub file: Option<String>,
    pub fragment: String,
}

/// Splits a `$ref` value. Remote URLs and other URI schemes are refused here so every stage
/// reports them the same way.
pub fn split_ref(reference: &str) -> Result<RefParts, RefError> {
    let (file, fragment) = match reference.split_once('#') {
        Some((file, fragment)) => (file, fragment),
        None => (reference, ""),
    };
    if let Some(scheme) = uri_scheme(file) {
        let lower = scheme.to_ascii_lowercase();
        return Err(if lower == "http" || lower == "https" {
            RefError::Remote
        } else {
            RefError::UnsupportedScheme(scheme.to_string())
        });
    }
    Ok(RefParts {
        file: if file.is_empty() {
            None
        } else {
            Some(percent_decode(file))
        },
        fragment: percent_decode(fragment),
    })
}

/// The scheme of an absolute URI (`https` in `https://x/y`), if the string has one. A single
/// letter before `:` is read as a Windows drive, not a scheme.
fn uri_scheme(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme.len() > 1;
    valid.then_some(scheme)
}

/// Decodes `%XX` escapes (RFC 3986 §2.1); malformed escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes `.` and resolves `..` lexically. A `..` that would climb above the start of a
/// relative path is kept, so `../a` stays `../a`.
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// The absolute, normalised form of `path`: joined to the current directory when relative.
pub fn absolute_path(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return normalize_path(path);
    }
    match std::env::current_dir() {
        Ok(cwd) => normalize_path(&cwd.join(path)),
        Err(_) => normalize_path(path),
    }
}

/// The path a `$ref` file part names, relative to the file holding the `$ref`.
pub fn resolve_relative(referrer: &Path, file_part: &str) -> PathBuf {
    let target = Path::new(file_part);
    if target.is_absolute() {
        return normalize_path(target);
    }
    let dir = referrer.parent().unwrap_or_else(|| Path::new(""));
    normalize_path(&dir.join(target))
}

/// Display form of a path: `/` separators whatever the platform, so messages are stable.
fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().into_owned();
    if std::path::MAIN_SEPARATOR == '/' {
        s
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

impl Sources {
    pub fn root(&self) -> &SourceFile {
        &self.files[0]
    }

    pub fn root_mut(&mut self) -> &mut SourceFile {
        &mut self.files[0]
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn file_mut(&mut self, id: FileId) -> &mut SourceFile {
        &mut self.files[id.0]
    }

    /// Every file id, root first.
    pub fn ids(&self) -> impl Iterator<Item = FileId> + use<> {
        (0..self.files.len()).map(FileId)
    }

    /// The loaded file at `path` (relative paths are taken from the current directory).
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let wanted = absolute_path(path);
        self.files.iter().position(|f| f.path == wanted).map(FileId)
    }

    /// Where a `$ref` found in file `from` points: the file and the decoded fragment (a JSON
    /// pointer for well-formed references; it is not checked here to exist).
    pub fn locate(&self, from: FileId, reference: &str) -> Result<(FileId, String), RefError> {
        let parts = split_ref(reference)?;
        let file = match &parts.file {
            None => from,
            Some(file_part) => {
                let path = resolve_relative(&self.file(from).path, file_part);
                self.files
                    .iter()
                    .position(|f| f.path == path)
                    .map(FileId)
                    .ok_or(RefError::NotLoaded(path))?
            }
        };
        Ok((file, parts.fragment))
    }

    /// The value at `pointer` in file `id`, if there is one.
    pub fn get(&self, id: FileId, pointer: &str) -> Option<&Value> {
        self.files.get(id.0)?.value.pointer(pointer)
    }
}

/// Loads the document at `path` and every file its `$ref`s name. Returns `None` when any error
/// was recorded; all errors (every broken external reference, not just the first) are in `diags`.
pub fn load(path: &Path, diags: &mut Diagnostics) -> Option<Sources> {
    Loader::new(diags).run(path, display_path(path), None)
}

/// Like [`load`] for a document already in memory. `display` names it in diagnostics; relative
/// `$ref`s are resolved from the directory `display` names, taken from the current directory (so
/// from the current directory itself when `display` is a bare file name).
pub fn load_str(display: &str, text: &str, diags: &mut Diagnostics) -> Option<Sources> {
    Loader::new(diags).run(Path::new(display), display.to_string(), Some(text))
}

struct Loader<'d> {
    diags: &'d mut Diagnostics,
    errors_before: usize,
    files: Vec<SourceFile>,
    /// Absolute path → index in `files`, or `None` for a file that failed to load.
    seen: HashMap<PathBuf, Option<usize>>,
    too_many_reported: bool,
}

impl<'d> Loader<'d> {
    fn new(diags: &'d mut Diagnostics) -> Self {
        let errors_before = diags.error_count();
        Loader {
            diags,
            errors_before,
            files: Vec::new(),
            seen: HashMap::new(),
            too_many_reported: false,
        }
    }

    fn run(mut self, path: &Path, display: String, text: Option<&str>) -> Option<Sources> {
        let abs = absolute_path(path);
        let value = match text {
            Some(text) => parse_document(text, &display, self.diags)?,
            None => {
                let value = read_and_parse(path, &display, self.diags, None)?;
                if !value.is_object() {
                    self.diags.error(
                        &display,
                        "",
                        format!(
                            "expected an object at top level, found {}",
                            kind_name(&value)
                        ),
                    );
                    return None;
                }
                value
            }
        };
        let version = check_version(&value, &display, self.diags);
        self.seen.insert(abs.clone(), Some(0));
        self.files.push(SourceFile {
            path: abs,
            display,
            value,
        });

        let mut queue = VecDeque::from([0usize]);
        while let Some(index) = queue.pop_front() {
            let refs = match self.files.get(index) {
                Some(file) => collect_refs(&file.value, &file.display, self.diags),
                None => continue,
            };
            for found in refs {
                if let Some(next) = self.follow(index, &found) {
                    queue.push_back(next);
                }
            }
        }

        let version = version?;
        if self.diags.error_count() > self.errors_before {
            return None;
        }
        Some(Sources {
            files: self.files,
            version,
        })
    }

    /// Loads the file a `$ref` names, if it has a file part and it is new. Returns the index of
    /// a newly loaded file, whose own references still have to be followed.
    fn follow(&mut self, from: usize, found: &FoundRef) -> Option<usize> {
        let (from_path, from_display) = match self.files.get(from) {
            Some(f) => (f.path.clone(), f.display.clone()),
            None => return None,
        };
        let at = pointer_push(&found.pointer, &found.key);
        let parts = match split_ref(&found.reference) {
            Ok(parts) => parts,
            Err(RefError::Remote) => {
                self.diags
                    .error(
                        &from_display,
                        at,
                        format!("remote references are not supported: `{}`", found.reference),
                    )
                    .set_help("download the document and refer to it by a relative path");
                return None;
            }
            Err(e) => {
                self.diags
                    .error(&from_display, at, format!("{e}: `{}`", found.reference));
                return None;
            }
        };
        let file_part = parts.file?;
        let path = resolve_relative(&from_path, &file_part);
        let display = display_path(&resolve_relative(Path::new(&from_display), &file_part));
        if let Some(state) = self.seen.get(&path) {
            if state.is_none() && found.is_ref() {
                // Already failed to read: the read error was reported at its first reference;
                // name this site too, so every broken reference is listed.
                self.diags.error(
                    &from_display,
                    at,
                    format!(
                        "$ref '{}' names `{display}`, which could not be loaded",
                        found.reference
                    ),
                );
            }
            return None;
        }
        if self.files.len() >= MAX_FILES {
            if !self.too_many_reported {
                self.too_many_reported = true;
                self.diags.error(
                    &from_display,
                    at,
                    format!("more than {MAX_FILES} files are referenced; giving up on `{display}`"),
                );
            }
            return None;
        }
        if !path.is_file() {
            self.seen.insert(path, None);
            if found.is_ref() {
                self.diags.error(
                    &from_display,
                    at,
                    format!(
                        "$ref '{}' names `{display}`, which does not exist",
                        found.reference
                    ),
                );
            } else {
                // Bundled documents keep mappings that named the files they were bundled from
                // (DigitalOcean's public spec does); the `oneOf` still lists every variant, so
                // this is left to the resolver rather than refused here.
                self.diags.warning(
                    &from_display,
                    at,
                    format!(
                        "discriminator mapping '{}' names `{display}`, which does not exist",
                        found.reference
                    ),
                );
            }
            return None;
        }
        let located = (from_display.as_str(), at.as_str());
        match read_and_parse(&path, &display, self.diags, Some(located)) {
            Some(value) => {
                // A boolean is a whole schema in 3.1 (`true` accepts anything).
                if !value.is_object() && !value.is_boolean() {
                    self.diags.error(
                        &display,
                        "",
                        format!(
                            "a referenced file must hold an object at top level, found {}",
                            kind_name(&value)
                        ),
                    );
                    self.seen.insert(path, None);
                    return None;
                }
                let index = self.files.len();
                self.seen.insert(path.clone(), Some(index));
                self.files.push(SourceFile {
                    path,
                    display,
                    value,
                });
                Some(index)
            }
            None => {
                self.seen.insert(path, None);
                None
            }
        }
    }
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads a file and parses it, whatever its top-level shape. `referenced_at` is the `$ref` that
/// named it, for read errors.
fn read_and_parse(
    path: &Path,
    display: &str,
    diags: &mut Diagnostics,
    referenced_at: Option<(&str, &str)>,
) -> Option<Value> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = format!("cannot read `{display}`: {e}");
            match referenced_at {
                Some((file, pointer)) => diags.error(file, pointer, message),
                None => diags.error(display, "", message),
            };
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let d = diags.error(
                display,
                "",
                format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
            );
            if e.as_bytes().starts_with(&[0xFF, 0xFE]) || e.as_bytes().starts_with(&[0xFE, 0xFF]) {
                d.set_help("the file looks like UTF-16; save it as UTF-8");
            }
            return None;
        }
    };
    parse_value(&text, display, diags)
}

/// Parses a document's text: JSON when the first significant character is `{`, YAML otherwise.
/// The root must be a mapping; anything else is an error at pointer `""`.
pub fn parse_document(text: &str, display: &str, diags: &mut Diagnostics) -> Option<Value> {
    let value = parse_value(text, display, diags)?;
    if !value.is_object() {
        diags.error(
            display,
            "",
            format!(
                "expected an object at top level, found {}",
                kind_name(&value)
            ),
        );
        return None;
    }
    Some(value)
}

/// Parses JSON or YAML into a value of any shape.
fn parse_value(text: &str, display: &str, diags: &mut Diagnostics) -> Option<Value> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.trim_start().starts_with('{') {
        return match serde_json::from_str::<Value>(body) {
            Ok(value) => Some(value),
            Err(e) => {
                let (line, column) = (e.line(), e.column());
                let message =
                    e.to_string()
                        .replacen(&format!(" at line {line} column {column}"), "", 1);
                diags.error(
                    display,
                    "",
                    format!("invalid JSON at line {line}, column {column}: {message}"),
                );
                None
            }
        };
    }
    let chunking =
        (body.len() >= CHUNKING.min_document && crate::parallel::threads() > 1).then_some(CHUNKING);
    parse_yaml(body, display, diags, chunking).0
}

/// Parses a YAML text (without its BOM), in chunks on every core when `chunking` is given and
/// the text lends itself to it (see [`parse_chunked`]), else in one go. The result is the same
/// either way, warnings and errors included; the second part tells which way was taken, for
/// tests.
fn parse_yaml(
    body: &str,
    display: &str,
    diags: &mut Diagnostics,
    chunking: Option<Chunking>,
) -> (Option<Value>, Result<(), Fallback>) {
    let chunked = match chunking {
        Some(chunking) => parse_chunked(body, chunking),
        None => Err(Fallback::Off),
    };
    let (mut value, warnings, taken) = match chunked {
        Ok((value, warnings)) => (value, warnings, Ok(())),
        Err(why) => {
            let (parsed, ctx) = parse_yaml_text(body, YamlContext::default());
            match parsed {
                Ok(value) => (value, ctx.warnings, Err(why)),
                Err(e) => {
                    for (pointer, message) in ctx.warnings {
                        diags.warning(display, pointer, message);
                    }
                    match ctx.error {
                        // Our own refusals (duplicate keys, complex keys) know their pointer.
                        Some((pointer, message)) => {
                            let at = e
                                .location()
                                .map(|l| format!(" (line {}, column {})", l.line(), l.column()));
                            diags.error(
                                display,
                                pointer,
                                format!("{message}{}", at.unwrap_or_default()),
                            );
                        }
                        None => {
                            diags.error(display, "", yaml_error_message(&e));
                        }
                    }
                    return (None, Err(why));
                }
            }
        }
    };
    for (pointer, message) in warnings {
        diags.warning(display, pointer, message);
    }
    if let Err((pointer, message)) = apply_merge_keys(&mut value) {
        diags.error(display, pointer, message);
        return (None, taken);
    }
    (Some(value), taken)
}

/// One YAML document → value, with `ctx` (whose `path` may hold the pointer of the chunk being
/// parsed) handed back for its warnings and refusals.
fn parse_yaml_text(
    text: &str,
    ctx: YamlContext,
) -> (Result<Value, serde_yaml::Error>, YamlContext) {
    let ctx = std::cell::RefCell::new(ctx);
    let parsed = serde::de::DeserializeSeed::deserialize(
        YamlSeed { ctx: &ctx },
        serde_yaml::Deserializer::from_str(text),
    );
    (parsed, ctx.into_inner())
}

/// How a YAML text is cut for [`parse_chunked`].
#[derive(Clone, Copy, Debug)]
struct Chunking {
    /// Smaller texts are parsed in one go: cutting and threads cost more than they save.
    min_document: usize,
    /// Consecutive entries are gathered into one chunk until it holds this many bytes, so the
    /// cost of each parse (a deserializer, a thread taking the chunk) stays small.
    chunk: usize,
    /// An entry bigger than this whose value is a block mapping is cut into its own entries.
    split: usize,
}

/// Measured on Stripe's spec (4 MB, 2 cores: ~110 ms in one go, ~67 ms in chunks): chunks of
/// 32, 64 or 128 KB parse in the same time; 64 KB makes ~60 chunks, small enough for the
/// threads to finish together. Stripe's cuts go down to single schemas and path items.
const CHUNKING: Chunking = Chunking {
    min_document: 256 << 10,
    chunk: 64 << 10,
    split: 128 << 10,
};

/// How deep below the root entries are cut: `paths` → path items is one level, `components` →
/// `schemas` → schemas two. Deeper levels hold little each.
const MAX_SPLIT_DEPTH: usize = 3;

/// A chunk whose values nest this deep (counted from the document's root) makes the parallel
/// parse give up, far from serde_yaml's recursion limit (128), which the whole document meets
/// one level deeper per prefix token than the chunk alone.
const MAX_CHUNK_NESTING: usize = 100;

/// Why [`parse_chunked`] handed the text to the sequential parse, for tests and measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Fallback {
    /// Not tried: the text is small or there is one core.
    Off,
    /// A document marker or directive (`---`, `...`, `%`), a complex key (`?`) or a tab at
    /// column 0, or a root that isn't a block mapping at column 0.
    Unusual,
    /// The text makes a single chunk.
    OneChunk,
    /// A chunk is not valid YAML on its own: an alias to an anchor of another chunk, a quoted or
    /// flow scalar cut in the middle, or an error the whole text has too.
    ChunkError,
    /// A chunk holds more or fewer entries than the scan found, or is no mapping.
    Keys,
    /// Two chunks hold the same key.
    Duplicate,
    /// A chunk nests past [`MAX_CHUNK_NESTING`].
    Deep,
}

/// A line of content. Blank lines (only spaces, tabs and a line break) and lines whose first
/// character after the whitespace is `#` are left out: the scan never cuts at them, and they
/// read the same (a comment, or text of a quoted or block scalar) in a chunk as in the whole
/// text.
#[derive(Clone, Copy, Debug)]
struct Line {
    /// Byte range, the line break included.
    start: usize,
    end: usize,
    /// Leading spaces (a tab ends them: tabs can't indent YAML).
    indent: usize,
}

/// A piece of the cut text, in document order: what to assemble.
enum Part {
    /// The next chunk of the job list: consecutive entries of one mapping, parsed together.
    Chunk,
    /// An entry whose `key:` line is followed by a block mapping, itself cut.
    Split { key: String, children: Vec<Part> },
}

/// A chunk to parse: its text, the pointer tokens of the mapping it belongs to, and how many
/// entries the scan found in it.
struct Job<'t> {
    text: &'t str,
    prefix: Vec<String>,
    count: usize,
}

type Warnings = Vec<(String, String)>;

/// Parses a big YAML text on every core: the root mapping's entries (and, for a big entry whose
/// value is a block mapping, that mapping's entries, recursively) are found by a scan of the
/// lines, cut into chunks that are parsed as documents of their own, in parallel, and put back
/// together in order. A mapping indented by n spaces is a valid document, so nested entries need
/// no rewriting.
///
/// Gives the value before merge keys are applied and the warnings, exactly as the sequential
/// parse would, or why it can't vouch for that. Parsing a prefix of the text reads it as the
/// whole text does up to the cut, so a cut inside a quoted or flow scalar leaves a chunk that
/// ends unterminated and fails; a cut line at column 0 (or at the nested mapping's indent) can
/// be nothing else but an entry of the mapping. What chunks can't see (anchors of another
/// chunk, keys repeated across chunks, nesting measured from the root) makes it give up; the
/// caller then parses the whole text, which reports errors as it always did.
fn parse_chunked(body: &str, chunking: Chunking) -> Result<(Value, Warnings), Fallback> {
    let lines = scan_lines(body);
    check_root(body, &lines)?;
    let mut jobs = Vec::new();
    let parts = plan(
        body,
        &lines,
        body.len(),
        0,
        chunking,
        &mut Vec::new(),
        &mut jobs,
    )?;
    if jobs.len() < 2 {
        return Err(Fallback::OneChunk);
    }
    // Once a chunk fails the whole text will be parsed again: the other chunks are skipped.
    let failed = std::sync::atomic::AtomicBool::new(false);
    let results = crate::parallel::in_parallel(jobs.len(), |i| {
        if failed.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Fallback::ChunkError);
        }
        let result = parse_chunk(&jobs[i]);
        if result.is_err() {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        result
    });
    let mut results = results.into_iter();
    let mut warnings = Vec::new();
    let root = assemble(parts, &mut results, &mut warnings)?;
    Ok((Value::Object(root), warnings))
}

/// Every line of content of `text`, with its indent.
fn scan_lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let line = &bytes[start..];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let rest = &line[indent..];
        let len = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let content = rest[..len]
            .iter()
            .find(|&&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .is_some_and(|&b| b != b'#');
        let end = start + indent + len;
        if content {
            lines.push(Line { start, end, indent });
        }
        start = end;
    }
    lines
}

/// Refuses texts whose root is not a plain block mapping at column 0: document markers and
/// directives, complex keys, tabs at column 0, or a first line of content that is no key.
fn check_root(text: &str, lines: &[Line]) -> Result<(), Fallback> {
    let first = lines.first().ok_or(Fallback::Unusual)?;
    if first.indent > 0 || !starts_entry(&text[first.start..first.end]) {
        return Err(Fallback::Unusual);
    }
    for line in lines.iter().filter(|l| l.indent == 0) {
        let s = &text[line.start..line.end];
        let marker = |m: &str| {
            s.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
        };
        if marker("---") || marker("...") || s.starts_with(['%', '?', '\t']) {
            return Err(Fallback::Unusual);
        }
    }
    Ok(())
}

/// Whether a line (from its indent on) can start a mapping entry: it doesn't open with an
/// indicator that makes it anything else (comment, sequence entry, complex key, flow
/// collection, anchor, alias, tag, block scalar, directive), and it has a `:` followed by a
/// space or the end of the line. Plain and quoted keys pass; the key itself is read by the
/// parser, so `200:` becomes `"200"` as in the sequential parse.
fn starts_entry(line: &str) -> bool {
    let bytes = line.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let indicator = matches!(
        first,
        b'#' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'%'
            | b'@'
            | b'`'
            | b' '
            | b'\t'
            | b'\r'
            | b'\n'
    ) || (first == b'-'
        && matches!(bytes.get(1), None | Some(b' ' | b'\t' | b'\r' | b'\n')));
    if indicator {
        return false;
    }
    let line = line.trim_end();
    line.ends_with(':') || line.contains(": ") || line.contains(":\t")
}

/// Whether a `key:` line (from its indent on) holds nothing after the colon — no value, comment,
/// anchor or tag — so the entry's value is whatever block follows.
fn bare_key(line: &str) -> bool {
    let Some(key) = line.trim_end().strip_suffix(':') else {
        return false;
    };
    match key.as_bytes().first() {
        Some(b'\'') => key
            .strip_prefix('\'')
            .and_then(|k| k.strip_suffix('\''))
            .is_some_and(|inner| !inner.replace("''", "").contains('\'')),
        Some(b'"') => key
            .strip_prefix('"')
            .and_then(|k| k.strip_suffix('"'))
            .is_some_and(|inner| !inner.contains(['"', '\\'])),
        Some(_) => {
            starts_entry(line)
                && !key.contains(": ")
                && !key.contains(":\t")
                && !key.contains(" #")
                && !key.contains("\t#")
        }
        None => false,
    }
}

/// Cuts one mapping, whose entries start at column `indent` and which ends at byte `end`, into
/// parts, and lists the chunks to parse in `jobs`, in document order. `lines` are its lines of
/// content, the first being its first entry's; `prefix` holds the pointer tokens of the
/// mapping (its depth below the root is their number).
fn plan<'t>(
    text: &'t str,
    lines: &[Line],
    end: usize,
    indent: usize,
    chunking: Chunking,
    prefix: &mut Vec<String>,
    jobs: &mut Vec<Job<'t>>,
) -> Result<Vec<Part>, Fallback> {
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.indent == indent && starts_entry(&text[l.start + indent..l.end]))
        .map(|(i, _)| i)
        .collect();
    let mut parts = Vec::new();
    // Entries gathered so far: byte range and count.
    let mut group: Option<(usize, usize, usize)> = None;
    // A chunk of gathered entries: a job, and its place among the parts.
    let chunk = |(start, end, count): (usize, usize, usize),
                 prefix: &[String],
                 jobs: &mut Vec<Job<'t>>,
                 parts: &mut Vec<Part>| {
        jobs.push(Job {
            text: &text[start..end],
            prefix: prefix.to_vec(),
            count,
        });
        parts.push(Part::Chunk);
    };
    for (n, &first) in starts.iter().enumerate() {
        let next = starts.get(n + 1).copied();
        let entry = &lines[first..next.unwrap_or(lines.len())];
        // Blank and comment lines up to the next entry stay with this one: a block scalar
        // kept with `|+` owns the blank lines that end it.
        let (start, entry_end) = (lines[first].start, next.map_or(end, |i| lines[i].start));
        let split = (entry_end - start > chunking.split && prefix.len() < MAX_SPLIT_DEPTH)
            .then(|| split_point(text, entry, indent))
            .flatten();
        match split {
            Some(child_indent) => {
                if let Some(group) = group.take() {
                    chunk(group, prefix, jobs, &mut parts);
                }
                let key = header_key(&text[entry[0].start..entry[0].end], prefix)?;
                prefix.push(key.clone());
                let children = plan(
                    text,
                    &entry[1..],
                    entry_end,
                    child_indent,
                    chunking,
                    prefix,
                    jobs,
                );
                prefix.pop();
                parts.push(Part::Split {
                    key,
                    children: children?,
                });
            }
            None => {
                let (group_start, _, count) = group.unwrap_or((start, entry_end, 0));
                if entry_end - group_start >= chunking.chunk {
                    chunk(
                        (group_start, entry_end, count + 1),
                        prefix,
                        jobs,
                        &mut parts,
                    );
                    group = None;
                } else {
                    group = Some((group_start, entry_end, count + 1));
                }
            }
        }
    }
    if let Some(group) = group {
        chunk(group, prefix, jobs, &mut parts);
    }
    Ok(parts)
}

/// The key of a split entry's `key:` line, parsed as a one-line document so that it reads as
/// in the whole text (`200:` → `"200"`).
fn header_key(line: &str, prefix: &[String]) -> Result<String, Fallback> {
    let ctx = YamlContext {
        path: prefix.to_vec(),
        ..YamlContext::default()
    };
    let (parsed, ctx) = parse_yaml_text(line, ctx);
    match parsed {
        Ok(Value::Object(map)) if map.len() == 1 && ctx.warnings.is_empty() => {
            match map.into_iter().next() {
                Some((key, Value::Null)) => Ok(key),
                _ => Err(Fallback::Keys),
            }
        }
        Ok(_) => Err(Fallback::Keys),
        Err(_) => Err(Fallback::ChunkError),
    }
}

/// The indent of the block mapping under an entry's bare `key:` line, whose first entry is the
/// entry's second line of content. `None` unless that line is a key indented deeper than the
/// entry and no later line of content is indented less.
fn split_point(text: &str, entry: &[Line], indent: usize) -> Option<usize> {
    let header = entry.first()?;
    if !bare_key(&text[header.start + indent..header.end]) {
        return None;
    }
    let first = entry.get(1)?;
    let n = first.indent;
    if n <= indent || !starts_entry(&text[first.start + n..first.end]) {
        return None;
    }
    entry[1..].iter().all(|l| l.indent >= n).then_some(n)
}

/// Parses one chunk into the mapping of its entries, checked against what the scan expects.
fn parse_chunk(job: &Job<'_>) -> Result<(Map<String, Value>, Warnings), Fallback> {
    let ctx = YamlContext {
        path: job.prefix.clone(),
        ..YamlContext::default()
    };
    let (parsed, ctx) = parse_yaml_text(job.text, ctx);
    match parsed {
        Ok(Value::Object(map)) if map.len() == job.count => {
            if ctx.deepest >= MAX_CHUNK_NESTING {
                return Err(Fallback::Deep);
            }
            Ok((map, ctx.warnings))
        }
        Ok(_) => Err(Fallback::Keys),
        Err(_) => Err(Fallback::ChunkError),
    }
}

/// Puts parsed chunks back together as `parts` lays them out; warnings are appended in document
/// order.
fn assemble(
    parts: Vec<Part>,
    results: &mut impl Iterator<Item = Result<(Map<String, Value>, Warnings), Fallback>>,
    warnings: &mut Warnings,
) -> Result<Map<String, Value>, Fallback> {
    let mut out = Map::new();
    for part in parts {
        match part {
            Part::Chunk => {
                let (map, chunk_warnings) = results.next().ok_or(Fallback::Keys)??;
                warnings.extend(chunk_warnings);
                for (key, value) in map {
                    if out.insert(key, value).is_some() {
                        return Err(Fallback::Duplicate);
                    }
                }
            }
            Part::Split { key, children } => {
                let value = assemble(children, results, warnings)?;
                if out.insert(key, Value::Object(value)).is_some() {
                    return Err(Fallback::Duplicate);
                }
            }
        }
    }
    Ok(out)
}

fn yaml_error_message(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    match e.location() {
        Some(loc) => {
            let (line, column) = (loc.line(), loc.column());
            let message = text.replacen(&format!(" at line {line} column {column}"), "", 1);
            format!("invalid YAML at line {line}, column {column}: {message}")
        }
        None => format!("invalid YAML: {text}"),
    }
}

/// YAML → JSON by hand, straight from the YAML events. `serde_yaml::Value` can't be the
/// intermediate: it refuses integers beyond 64 bits (OpenAI's spec has
/// `minimum: -9223372036854776000`), and `serde_json::Value` itself refuses the non-string keys
/// OpenAPI documents are full of (`200:` under `responses`).
#[derive(Default)]
struct YamlContext {
    /// Tokens of the pointer to the value being read, for diagnostics.
    path: Vec<String>,
    warnings: Vec<(String, String)>,
    /// A refusal of ours, with its pointer; serde only carries the message.
    error: Option<(String, String)>,
    /// Deepest nesting of sequences and mappings seen, counted from the document's root even
    /// when `path` starts with a chunk's prefix: a chunk parsed alone is shallower, by its
    /// prefix, than serde_yaml's recursion limit sees it in the whole document.
    deepest: usize,
}

impl YamlContext {
    fn pointer(&self) -> String {
        crate::diag::pointer_from_tokens(&self.path)
    }

    /// Records the nesting of a sequence or mapping about to be read.
    fn enter(&mut self) {
        self.deepest = self.deepest.max(self.path.len() + 1);
    }
}

#[derive(Clone, Copy)]
struct YamlSeed<'c> {
    ctx: &'c std::cell::RefCell<YamlContext>,
}

impl<'de> serde::de::DeserializeSeed<'de> for YamlSeed<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn big_int(value: f64) -> Value {
    // Beyond 64 bits JSON numbers here are floats; the value is kept as closely as f64 can.
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

impl<'de> serde::de::Visitor<'de> for YamlSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(match (i64::try_from(v), u64::try_from(v)) {
            (Ok(i), _) => Value::from(i),
            (_, Ok(u)) => Value::from(u),
            _ => big_int(v as f64),
        })
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| big_int(v as f64), Value::from))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // A YAML float stays a float (`1.0` stays `1.0`); only NaN and infinities, which JSON
        // can't hold, are replaced.
        match Number::from_f64(v) {
            Some(n) => Ok(Value::Number(n)),
            None => {
                let mut ctx = self.ctx.borrow_mut();
                let at = ctx.pointer();
                ctx.warnings.push((
                    at,
                    format!("`{v}` can't be represented in JSON; read as null"),
                ));
                Ok(Value::Null)
            }
        }
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.ctx.borrow_mut().enter();
        let mut out = Vec::new();
        loop {
            self.ctx.borrow_mut().path.push(out.len().to_string());
            let item = seq.next_element_seed(self);
            self.ctx.borrow_mut().path.pop();
            match item? {
                Some(item) => out.push(item),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.ctx.borrow_mut().enter();
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(YamlKey { ctx: self.ctx })? {
            let mut ctx = self.ctx.borrow_mut();
            ctx.path.push(key.clone());
            if out.contains_key(&key) {
                let message = format!(
                    "duplicate key `{key}` (YAML keys of different types name the same JSON key)"
                );
                let at = ctx.pointer();
                ctx.error = Some((at, message.clone()));
                return Err(serde::de::Error::custom(message));
            }
            drop(ctx);
            let value = map.next_value_seed(self);
            self.ctx.borrow_mut().path.pop();
            out.insert(key, value?);
        }
        Ok(Value::Object(out))
    }

    /// Tags (`!custom value`) carry no meaning for OpenAPI; keep what they tag.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (_tag, variant) = data.variant::<serde::de::IgnoredAny>()?;
        variant.newtype_variant_seed(self)
    }
}

/// A mapping key as a JSON object key: scalars become their text (`200` → `"200"`,
/// `true` → `"true"`, `~` → `"null"`); sequences and mappings as keys are refused.
#[derive(Clone, Copy)]
struct YamlKey<'c> {
    ctx: &'c std::cell::RefCell<YamlContext>,
}

impl YamlKey<'_> {
    fn refuse<E: serde::de::Error>(self) -> E {
        let message =
            "a YAML sequence or mapping used as a mapping key is not supported".to_string();
        let mut ctx = self.ctx.borrow_mut();
        let at = ctx.pointer();
        ctx.error = Some((at, message.clone()));
        E::custom(message)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for YamlKey<'_> {
    type Value = String;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for YamlKey<'_> {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a scalar mapping key")
    }

    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i128<E>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u128<E>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_string())
    }

    fn visit_none<E>(self) -> Result<String, E> {
        Ok("null".to_string())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.refuse())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(self.refuse())
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<String, A::Error> {
        use serde::de::VariantAccess;
        let (_tag, variant) = data.variant::<serde::de::IgnoredAny>()?;
        variant.newtype_variant_seed(self)
    }
}

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`): keys of the merged mappings are added
/// where the mapping doesn't have them, as YAML 1.1's merge type specifies.
fn apply_merge_keys(value: &mut Value) -> Result<(), (String, String)> {
    let mut stack: Vec<(&mut Value, String)> = vec![(value, String::new())];
    while let Some((node, pointer)) = stack.pop() {
        match node {
            Value::Object(map) => {
                // A merged mapping may itself carry `<<`; repeat until none is left.
                while let Some(merge) = map.shift_remove("<<") {
                    let sources = match merge {
                        Value::Object(source) => vec![source],
                        Value::Array(items) => {
                            let mut sources = Vec::new();
                            for item in items {
                                match item {
                                    Value::Object(source) => sources.push(source),
                                    _ => return Err((pointer_push(&pointer, "<<"), "invalid YAML merge key (`<<`): each merged value must be a mapping".into())),
                                }
                            }
                            sources
                        }
                        _ => return Err((pointer_push(&pointer, "<<"), "invalid YAML merge key (`<<`): the merged value must be a mapping or a list of mappings".into())),
                    };
                    for source in sources {
                        for (k, v) in source {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
                for (k, v) in map.iter_mut() {
                    if v.is_object() || v.is_array() {
                        let child = pointer_push(&pointer, k);
                        stack.push((v, child));
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    if v.is_object() || v.is_array() {
                        let child = pointer_push(&pointer, &i.to_string());
                        stack.push((v, child));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks the root's `openapi` field. Returns `None` (with an error recorded) when the document
/// isn't OpenAPI 3.0 or 3.1.
fn check_version(root: &Value, display: &str, diags: &mut Diagnostics) -> Option<SpecVersion> {
    let version = match root.get("openapi") {
        Some(Value::String(s)) => s.trim().to_string(),
        // `openapi: 3.0` unquoted in YAML is a float.
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            diags.error(
                display,
                "/openapi",
                format!(
                    "`openapi` must be a version string, found {}",
                    kind_name(other)
                ),
            );
            return None;
        }
        None => {
            if root.get("swagger").is_some() {
                diags
                    .error(
                        display,
                        "/swagger",
                        "Swagger 2.0 documents are not supported; convert it to OpenAPI 3 first",
                    )
                    .set_help(
                        "tools such as swagger2openapi convert a 2.0 document to OpenAPI 3.0",
                    );
            } else {
                diags
                    .error(display, "", "not an OpenAPI document: the `openapi` version field is missing")
                    .set_help("an OpenAPI 3.0 or 3.1 document starts with `openapi: 3.0.3` or `openapi: 3.1.0`");
            }
            return None;
        }
    };
    let is = |minor: &str| version == minor || version.starts_with(&format!("{minor}."));
    if is("3.0") {
        Some(SpecVersion::V3_0)
    } else if is("3.1") {
        Some(SpecVersion::V3_1)
    } else {
        diags
            .error(
                display,
                "/openapi",
                format!("OpenAPI version `{version}` is not supported"),
            )
            .set_help("supported versions are 3.0.x and 3.1.x");
        None
    }
}

/// A `$ref` (or reference-like discriminator mapping value) found while scanning a file.
#[derive(Debug)]
struct FoundRef {
    /// Pointer to the object holding the reference.
    pointer: String,
    /// `$ref`, or the mapping key for a discriminator mapping entry.
    key: String,
    reference: String,
}

impl FoundRef {
    fn is_ref(&self) -> bool {
        self.key == "$ref"
    }
}

/// Maps whose keys are names chosen by the author, so a key such as `example` or `enum` there is
/// a name, not a keyword holding a literal.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "paths",
    "webhooks",
    "content",
    "encoding",
];

/// Keys holding literal data, never references.
const LITERAL_KEYS: &[&str] = &["example", "default", "enum", "const"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// An ordinary object: keys are keywords.
    Node,
    /// A map of author-chosen names to nodes.
    Names,
    /// A map of names to Example Objects (`examples` on media types and parameters).
    Examples,
    /// An Example Object: `value` is literal.
    Example,
}

/// One step of the path to the value being scanned.
#[derive(Clone, Copy)]
enum Token<'v> {
    Key(&'v str),
    Index(usize),
}

fn pointer_of(path: &[Token<'_>]) -> String {
    path.iter().fold(String::new(), |acc, t| match t {
        Token::Key(k) => pointer_push(&acc, k),
        Token::Index(i) => pointer_push(&acc, &i.to_string()),
    })
}

/// Every `$ref` of a document outside literal positions, with the pointer of its object.
fn collect_refs(root: &Value, display: &str, diags: &mut Diagnostics) -> Vec<FoundRef> {
    let mut scanner = Scanner {
        out: Vec::new(),
        path: Vec::new(),
        too_deep: false,
    };
    scanner.scan(root, Scan::Node);
    if scanner.too_deep {
        diags.error(
            display,
            "",
            format!("nesting deeper than {MAX_DEPTH} levels"),
        );
    }
    scanner.out
}

struct Scanner<'v> {
    out: Vec<FoundRef>,
    path: Vec<Token<'v>>,
    too_deep: bool,
}

impl<'v> Scanner<'v> {
    fn scan(&mut self, value: &'v Value, mode: Scan) {
        if self.path.len() > MAX_DEPTH {
            self.too_deep = true;
            return;
        }
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_object() || item.is_array() {
                        self.path.push(Token::Index(i));
                        self.scan(item, Scan::Node);
                        self.path.pop();
                    }
                }
            }
            Value::Object(map) => {
                for (key, child) in map {
                    let Some(child_mode) = self.child_mode(mode, key, child) else {
                        continue;
                    };
                    if child.is_object() || child.is_array() {
                        self.path.push(Token::Key(key));
                        self.scan(child, child_mode);
                        self.path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    /// How to scan `child` found under `key` in an object scanned as `mode`; `None` to skip it.
    fn child_mode(&mut self, mode: Scan, key: &'v str, child: &'v Value) -> Option<Scan> {
        match mode {
            Scan::Names => return Some(Scan::Node),
            Scan::Examples => return Some(Scan::Example),
            Scan::Node | Scan::Example => {}
        }
        if key == "$ref" {
            if let Value::String(reference) = child {
                self.out.push(FoundRef {
                    pointer: pointer_of(&self.path),
                    key: "$ref".to_string(),
                    reference: reference.clone(),
                });
            }
            return None;
        }
        if key.starts_with("x-")
            || LITERAL_KEYS.contains(&key)
            || (mode == Scan::Example && key == "value")
        {
            return None;
        }
        match key {
            // A 3.1 schema's `examples` is an array of literals; elsewhere it maps names to
            // Example Objects, which may be `$ref`s.
            "examples" if child.is_array() => None,
            "examples" => Some(Scan::Examples),
            "discriminator" => {
                self.path.push(Token::Key(key));
                self.mapping(child);
                self.path.pop();
                None
            }
            k if NAME_MAPS.contains(&k) => Some(Scan::Names),
            _ => Some(Scan::Node),
        }
    }

    /// `discriminator.mapping` values may name schemas in other files
    /// (`mapping: {dog: './dog.yaml'}`); such files must be loaded for the resolver. Plain schema
    /// names (`Dog`) are left to the resolver.
    fn mapping(&mut self, discriminator: &'v Value) {
        let Some(Value::Object(mapping)) = discriminator.get("mapping") else {
            return;
        };
        self.path.push(Token::Key("mapping"));
        let pointer = pointer_of(&self.path);
        self.path.pop();
        for (name, target) in mapping {
            let Value::String(target) = target else {
                continue;
            };
            let file = target
                .split_once('#')
                .map_or(target.as_str(), |(file, _)| file);
            let lower = file.to_ascii_lowercase();
            let looks_like_file = [".yaml", ".yml", ".json"]
                .iter()
                .any(|ext| lower.ends_with(ext));
            if file.is_empty() || !(looks_like_file || target.contains('#')) {
                continue;
            }
            self.out.push(FoundRef {
                pointer: pointer.clone(),
                key: name.clone(),
                reference: target.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TestResult<Self> {
            let dir =
                std::env::temp_dir().join(format!("oagen-load-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            Ok(TempDir(dir))
        }

        fn write(&self, rel: &str, text: &str) -> TestResult<PathBuf> {
            let path = self.0.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, text)?;
            Ok(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn errors(diags: &Diagnostics) -> Vec<String> {
        diags
            .errors()
            .map(|d| format!("{}#{}: {}", d.file, d.pointer, d.message))
            .collect()
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn loads_referenced_files_once() -> TestResult {
        let dir = TempDir::new("multi")?;
        let root = dir.write(
            "api/root.yaml",
            &format!(
                "{HEAD}paths:\n  /pets: {{$ref: 'paths/pets.yaml'}}\ncomponents:\n  schemas:\n    Pet: {{$ref: './schemas/pet.yaml#/Pet'}}\n    Again: {{$ref: 'schemas/../schemas/pet.yaml#/Pet'}}\n    Self: {{$ref: 'root.yaml#/components/schemas/Pet'}}\n    Ex: {{type: object, example: {{$ref: 'not-there.json'}}, x-doc: {{$ref: 'nope.yaml'}}}}\n"
            ),
        )?;
        dir.write(
            "api/paths/pets.yaml",
            "get:\n  responses:\n    200:\n      description: ok\n      content:\n        application/json:\n          schema: {$ref: '../schemas/pet.yaml#/Pet'}\n          examples:\n            one: {value: {$ref: 'literal.json'}}\n",
        )?;
        dir.write(
            "api/schemas/pet.yaml",
            "Pet:\n  type: object\n  properties:\n    common: {$ref: '../../common.json#/Foo'}\n    tag: {$ref: tag.yaml}\n",
        )?;
        dir.write(
            "api/schemas/tag.yaml",
            "type: string\nenum: [{$ref: 'enum-literal.yaml'}]\n",
        )?;
        dir.write("common.json", "{\"Foo\": {\"type\": \"integer\"}}")?;

        let mut diags = Diagnostics::new();
        let sources = load(&root, &mut diags).ok_or_else(|| diags.to_string())?;
        assert!(diags.is_empty(), "{diags}");
        assert_eq!(sources.version, SpecVersion::V3_0);
        let base = root.parent().map(Path::to_path_buf).unwrap_or_default();
        let top = absolute_path(&dir.0);
        let displays: Vec<String> = sources
            .files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(&top)
                    .map(display_path)
                    .unwrap_or_else(|_| f.display.clone())
            })
            .collect();
        assert_eq!(
            displays,
            vec![
                "api/root.yaml",
                "api/paths/pets.yaml",
                "api/schemas/pet.yaml",
                "common.json",
                "api/schemas/tag.yaml"
            ]
        );
        let root_display = display_path(&root);
        assert_eq!(sources.root().display, root_display);
        assert!(sources.files.iter().all(|f| f.path.is_absolute()));
        assert!(
            sources.files[3].display.ends_with("/common.json")
                && !sources.files[3].display.contains("..")
        );

        let common = sources
            .find(&base.join("x/../../common.json"))
            .ok_or("common.json not found")?;
        assert_eq!(
            sources.get(common, "/Foo/type"),
            Some(&Value::String("integer".into()))
        );
        let pet = FileId(2);
        assert_eq!(
            sources.locate(pet, "../../common.json#/Foo")?,
            (common, "/Foo".to_string())
        );
        assert_eq!(sources.locate(pet, "#/Pet")?, (pet, "/Pet".to_string()));
        assert_eq!(
            sources.locate(FileId::ROOT, "root.yaml#/a%20b")?,
            (FileId::ROOT, "/a b".to_string())
        );
        assert!(matches!(
            sources.locate(pet, "missing.yaml"),
            Err(RefError::NotLoaded(_))
        ));
        // Integer keys became strings.
        assert!(
            sources
                .get(FileId(1), "/get/responses/200/description")
                .is_some()
        );
        Ok(())
    }

    #[test]
    fn reports_every_broken_reference() -> TestResult {
        let dir = TempDir::new("missing")?;
        let root = dir.write(
            "root.yaml",
            &format!(
                "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: 'gone.yaml#/A'}}\n    B: {{$ref: 'gone.yaml#/B'}}\n    C: {{$ref: 'https://example.com/c.yaml'}}\n    D: {{$ref: 'sub/other.yaml'}}\n    E: {{oneOf: [{{$ref: '#/components/schemas/A'}}], discriminator: {{propertyName: k, mapping: {{e: 'e.yaml#/E', f: F}}}}}}\n"
            ),
        )?;
        dir.write(
            "sub/other.yaml",
            "type: object\nproperties:\n  x: {$ref: '../also-gone.json'}\n",
        )?;

        let mut diags = Diagnostics::new();
        assert!(load(&root, &mut diags).is_none());
        let shown = display_path(&root);
        let warnings: Vec<String> = diags
            .warnings()
            .map(|d| format!("{}#{}: {}", d.file, d.pointer, d.message))
            .collect();
        assert_eq!(
            warnings,
            vec![format!(
                "{shown}#/components/schemas/E/discriminator/mapping/e: discriminator mapping 'e.yaml#/E' names `{}e.yaml`, which does not exist",
                shown.trim_end_matches("root.yaml")
            )]
        );
        let dirname = shown.trim_end_matches("root.yaml");
        assert_eq!(
            errors(&diags),
            vec![
                format!(
                    "{shown}#/components/schemas/A/$ref: $ref 'gone.yaml#/A' names `{dirname}gone.yaml`, which does not exist"
                ),
                format!(
                    "{shown}#/components/schemas/B/$ref: $ref 'gone.yaml#/B' names `{dirname}gone.yaml`, which could not be loaded"
                ),
                format!(
                    "{shown}#/components/schemas/C/$ref: remote references are not supported: `https://example.com/c.yaml`"
                ),
                format!(
                    "{dirname}sub/other.yaml#/properties/x/$ref: $ref '../also-gone.json' names `{dirname}also-gone.json`, which does not exist"
                ),
            ]
        );
        Ok(())
    }

    #[test]
    fn yaml_integer_keys_merge_keys_and_scalars() -> TestResult {
        let text = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      responses:\n        200: &ok\n          description: ok\n        404:\n          <<: *ok\n          x-extra: 1\n        true: {{description: b}}\n        ~: {{description: n}}\nx-floats: [1.0, 2.5, 3, -4, 18446744073709551615, .inf, -9223372036854776000]\nx-tagged: !custom {{a: 1}}\n"
        );
        let mut diags = Diagnostics::new();
        let sources = load_str("mem.yaml", &text, &mut diags).ok_or_else(|| diags.to_string())?;
        let responses = &sources.root().value["paths"]["/a"]["get"]["responses"];
        let keys: Vec<&str> = responses
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, vec!["200", "404", "true", "null"]);
        assert_eq!(
            responses["404"],
            serde_json::json!({"x-extra": 1, "description": "ok"})
        );
        assert_eq!(
            serde_json::to_string(&sources.root().value["x-floats"])?,
            "[1.0,2.5,3,-4,18446744073709551615,null,-9.223372036854776e+18]"
        );
        assert_eq!(
            sources.root().value["x-tagged"],
            serde_json::json!({"a": 1})
        );
        let warnings: Vec<String> = diags
            .warnings()
            .map(|d| format!("{}#{}", d.file, d.pointer))
            .collect();
        assert_eq!(warnings, vec!["mem.yaml#/x-floats/5"]);
        Ok(())
    }

    #[test]
    fn duplicate_keys_after_conversion() {
        let mut diags = Diagnostics::new();
        let text = format!("{HEAD}paths: {{}}\nx-codes:\n  200: a\n  '200': b\n");
        assert!(load_str("dup.yaml", &text, &mut diags).is_none());
        assert_eq!(errors(&diags).len(), 1);
        assert!(
            errors(&diags)[0].starts_with("dup.yaml#/x-codes/200: duplicate key `200`"),
            "{diags}"
        );
    }

    /// (input, expected error: file#pointer: message prefix)
    const REFUSALS: &[(&str, &str)] = &[
        (
            "openapi: 3.0.3\ninfo:\n  title: [unclosed\n",
            "doc.yaml#: invalid YAML at line 4, column 1: ",
        ),
        (
            "{\n  \"openapi\": \"3.1.0\",\n  \"info\": {,}\n}",
            "doc.yaml#: invalid JSON at line 3, column 12: ",
        ),
        (
            "swagger: '2.0'\ninfo: {title: t, version: '1'}\n",
            "doc.yaml#/swagger: Swagger 2.0 documents are not supported; convert it to OpenAPI 3 first",
        ),
        (
            "openapi: 3.2.0\ninfo: {title: t, version: '1'}\n",
            "doc.yaml#/openapi: OpenAPI version `3.2.0` is not supported",
        ),
        (
            "openapi: 2.9\n",
            "doc.yaml#/openapi: OpenAPI version `2.9` is not supported",
        ),
        ("info: {title: t}\n", "doc.yaml#: not an OpenAPI document"),
        (
            "- a\n- b\n",
            "doc.yaml#: expected an object at top level, found an array",
        ),
        ("", "doc.yaml#: expected an object at top level, found null"),
        (
            "openapi: 3.0.0\nx: [1, 2]\n---\nother: doc\n",
            "doc.yaml#: invalid YAML",
        ),
        (
            "openapi: 3.0.0\n<<: 3\n",
            "doc.yaml#/<<: invalid YAML merge key",
        ),
        (
            "openapi: 3.0.0\nx:\n  ? [a, b]\n  : c\n",
            "doc.yaml#/x: a YAML sequence or mapping used as a mapping key is not supported (line 3",
        ),
    ];

    #[test]
    fn refusals_are_located() {
        for (input, expected) in REFUSALS {
            let mut diags = Diagnostics::new();
            assert!(
                load_str("doc.yaml", input, &mut diags).is_none(),
                "accepted: {input}"
            );
            let errors = errors(&diags);
            assert_eq!(errors.len(), 1, "{input}: {diags}");
            assert!(
                errors[0].starts_with(expected),
                "{input}: got `{}`, want `{expected}…`",
                errors[0]
            );
        }
        let mut diags = Diagnostics::new();
        let _ = load_str("doc.yaml", "swagger: '2.0'\n", &mut diags);
        assert!(diags.errors().next().and_then(|d| d.help.clone()).is_some());
    }

    #[test]
    fn versions_and_format_by_content() -> TestResult {
        let cases: &[(&str, SpecVersion)] = &[
            ("openapi: 3.0.0\npaths: {}\n", SpecVersion::V3_0),
            ("openapi: 3.0\npaths: {}\n", SpecVersion::V3_0),
            (
                "\u{feff}  {\"openapi\": \"3.1.1\", \"paths\": {}}",
                SpecVersion::V3_1,
            ),
            (
                "# YAML despite the name\nopenapi: '3.1.0'\n",
                SpecVersion::V3_1,
            ),
        ];
        for (text, version) in cases {
            let mut diags = Diagnostics::new();
            let sources =
                load_str("spec.json", text, &mut diags).ok_or_else(|| diags.to_string())?;
            assert_eq!(sources.version, *version, "{text}");
            assert!(diags.is_empty());
        }
        Ok(())
    }

    #[test]
    fn cycles_between_files_and_bad_files() -> TestResult {
        let dir = TempDir::new("cycle")?;
        let root = dir.write("a.yaml", &format!("{HEAD}paths: {{}}\ncomponents: {{schemas: {{B: {{$ref: 'b.yaml#/B'}}, L: {{$ref: 'list.yaml'}}, U: {{$ref: 'bad.json'}}}}}}\n"))?;
        dir.write(
            "b.yaml",
            "B: {properties: {a: {$ref: 'a.yaml#/components/schemas/B'}, b: {$ref: '#/B'}}}\n",
        )?;
        dir.write("list.yaml", "- 1\n- 2\n")?;
        dir.write("bad.json", "{\"type\": }")?;
        let mut diags = Diagnostics::new();
        assert!(load(&root, &mut diags).is_none());
        let errors = errors(&diags);
        assert_eq!(errors.len(), 2, "{diags}");
        assert!(
            errors[0].ends_with(
                "list.yaml#: a referenced file must hold an object at top level, found an array"
            ),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].contains("bad.json#: invalid JSON at line 1, column 10"),
            "{}",
            errors[1]
        );
        assert!(diags.iter().all(|d| d.severity == Severity::Error));
        Ok(())
    }

    #[test]
    fn missing_root_file() {
        let mut diags = Diagnostics::new();
        assert!(load(Path::new("no/such/spec.yaml"), &mut diags).is_none());
        assert_eq!(errors(&diags).len(), 1);
        assert!(
            errors(&diags)[0].starts_with("no/such/spec.yaml#: cannot read `no/such/spec.yaml`"),
            "{diags}"
        );
    }

    #[test]
    fn ref_and_path_helpers() -> TestResult {
        assert_eq!(
            split_ref("#/a/b")?,
            RefParts {
                file: None,
                fragment: "/a/b".into()
            }
        );
        assert_eq!(
            split_ref("x%20y.yaml")?,
            RefParts {
                file: Some("x y.yaml".into()),
                fragment: String::new()
            }
        );
        assert_eq!(
            split_ref("a.yaml#/p%7Bid%7D")?,
            RefParts {
                file: Some("a.yaml".into()),
                fragment: "/p{id}".into()
            }
        );
        assert_eq!(split_ref("HTTPS://x/y.json#/a"), Err(RefError::Remote));
        assert_eq!(
            split_ref("urn:x:y"),
            Err(RefError::UnsupportedScheme("urn".into()))
        );
        assert_eq!(
            split_ref("c:/specs/a.yaml")?.file.as_deref(),
            Some("c:/specs/a.yaml")
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(
            normalize_path(Path::new("a/./b/../c")),
            PathBuf::from("a/c")
        );
        assert_eq!(
            normalize_path(Path::new("../a/../../b")),
            PathBuf::from("../../b")
        );
        assert_eq!(normalize_path(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(
            resolve_relative(Path::new("/s/api/root.yaml"), "../common.json"),
            PathBuf::from("/s/common.json")
        );
        assert_eq!(
            resolve_relative(Path::new("root.yaml"), "./x.yaml"),
            PathBuf::from("x.yaml")
        );
        assert_eq!(
            resolve_relative(Path::new("/s/root.yaml"), "/abs/x.yaml"),
            PathBuf::from("/abs/x.yaml")
        );
        Ok(())
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let depth = 300;
        let text = format!(
            "{{\"openapi\": \"3.0.0\", \"x\": {}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let mut diags = Diagnostics::new();
        assert!(load_str("deep.json", &text, &mut diags).is_none());
        assert_eq!(errors(&diags).len(), 1, "{diags}");
        let yaml = format!(
            "openapi: 3.0.0\nx: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let mut diags = Diagnostics::new();
        assert!(load_str("deep.yaml", &yaml, &mut diags).is_none());
        assert_eq!(errors(&diags).len(), 1, "{diags}");
    }

    /// Cuts at every entry the scan can find, down to [`MAX_SPLIT_DEPTH`], whatever the size.
    const FINEST: Chunking = Chunking {
        min_document: 0,
        chunk: 0,
        split: 0,
    };

    /// Parses `text` sequentially, then in chunks as each of `chunkings` says; asserts that
    /// the values (as JSON text, so key order counts: `Map`'s `==` ignores it) and the
    /// diagnostics agree. Returns them, and which way each chunked parse went.
    fn both_ways(
        text: &str,
        chunkings: &[Chunking],
    ) -> (Option<String>, Diagnostics, Vec<Result<(), Fallback>>) {
        let json = |v: Option<Value>| v.map(|v| serde_json::to_string(&v).unwrap_or_default());
        let mut expected_diags = Diagnostics::new();
        let expected = json(parse_yaml(text, "doc.yaml", &mut expected_diags, None).0);
        let mut taken = Vec::new();
        for chunking in chunkings {
            let mut diags = Diagnostics::new();
            let (value, how) = parse_yaml(text, "doc.yaml", &mut diags, Some(*chunking));
            assert_eq!(json(value), expected, "{chunking:?}: {text}");
            assert_eq!(diags, expected_diags, "{chunking:?}: {text}");
            taken.push(how);
        }
        (expected, expected_diags, taken)
    }

    #[test]
    fn chunked_parse_takes_the_fast_path_and_agrees() {
        let text = concat!(
            "# lead\n",
            "openapi: 3.0.0\n",
            "info:\n",
            "  title: t\n",
            "  version: '1'\n",
            "paths:\n",
            "  /a:\n",
            "    get:\n",
            "      responses:\n",
            "        200: {description: ok}\n",
            "  '/b: c':\n",
            "    x-n: .nan\n",
            "    x-m: [&m {a: 1}, {<<: *m, b: 2}]\n",
            "\n",
            "# between\n",
            "  \"/c\": {}\n",
            "x-codes:\n",
            "  200:\n",
            "    x-keep: |+\n",
            "      kept\n",
            "\n",
            "    x-next: 1\n",
            "  '201': b\n",
            "components:\n",
            "  schemas:\n",
            "    A:\n",
            "      type: string\n",
            "      description: |\n",
            "        # not a comment\n",
            "        key: not a key\n",
        );
        for text in [text.to_string(), text.replace('\n', "\r\n")] {
            let (value, diags, taken) = both_ways(&text, &[FINEST]);
            assert_eq!(taken, [Ok(())]);
            let value: Value = serde_json::from_str(&value.unwrap_or_default()).unwrap_or_default();
            assert_eq!(
                value["paths"]["/a"]["get"]["responses"]["200"]["description"],
                "ok"
            );
            assert_eq!(
                value["paths"]["/b: c"]["x-m"][1],
                serde_json::json!({"b": 2, "a": 1})
            );
            assert_eq!(value["x-codes"]["200"]["x-keep"], "kept\n\n");
            let warnings: Vec<String> = diags
                .warnings()
                .map(|d| format!("{}#{}", d.file, d.pointer))
                .collect();
            assert_eq!(warnings, vec!["doc.yaml#/paths/~1b: c/x-n"]);
        }
        // The chunks, by the pointer tokens of the mapping each belongs to.
        let lines = scan_lines(text);
        let mut jobs = Vec::new();
        assert!(
            plan(
                text,
                &lines,
                text.len(),
                0,
                FINEST,
                &mut Vec::new(),
                &mut jobs
            )
            .is_ok()
        );
        let prefixes: Vec<Vec<&str>> = jobs
            .iter()
            .map(|j| j.prefix.iter().map(String::as_str).collect())
            .collect();
        let expected: &[&[&str]] = &[
            &[],
            &["info"],
            &["info"],
            &["paths", "/a", "get"],
            &["paths", "/b: c"],
            &["paths", "/b: c"],
            &["paths"],
            &["x-codes", "200"],
            &["x-codes", "200"],
            &["x-codes"],
            &["components", "schemas", "A"],
            &["components", "schemas", "A"],
        ];
        assert_eq!(prefixes, expected);
    }

    #[test]
    fn chunked_parse_falls_back_when_chunks_cannot_tell() {
        let cases: &[(&str, Fallback)] = &[
            // An alias to an anchor of another top-level entry.
            (
                "openapi: 3.0.0\nx-a: &a {b: 1}\nx-c: *a\n",
                Fallback::ChunkError,
            ),
            // A double-quoted scalar whose next line looks like an entry.
            (
                "openapi: 3.0.0\nx-d: \"first\nkey: value\"\npaths: {}\n",
                Fallback::ChunkError,
            ),
            (
                "openapi: 3.0.0\npaths:\n  /a: \"first\n  /b: c\"\n",
                Fallback::ChunkError,
            ),
            // Duplicate keys in different chunks, at the root and below.
            (
                "openapi: 3.0.0\npaths: {}\npaths: {}\n",
                Fallback::Duplicate,
            ),
            (
                "openapi: 3.0.0\npaths:\n  /a: {}\n  /a: {}\n",
                Fallback::Duplicate,
            ),
            ("---\nopenapi: 3.0.0\npaths: {}\n", Fallback::Unusual),
            ("openapi: 3.0.0\n...\n", Fallback::Unusual),
            ("%YAML 1.1\n---\nopenapi: 3.0.0\n", Fallback::Unusual),
            ("openapi: 3.0.0\n? a\n: b\n", Fallback::Unusual),
            ("- a\n- b\n", Fallback::Unusual),
            ("  a: 1\n  b: 2\n", Fallback::Unusual),
            ("openapi: 3.0.0\n", Fallback::OneChunk),
            // A second entry the scan can't see (an anchor before the key).
            ("openapi: 3.0.0\nx: 1\n&k y: 2\n", Fallback::Keys),
            // Not valid YAML at all.
            (
                "openapi: 3.0.0\ninfo:\n  title: [unclosed\n",
                Fallback::ChunkError,
            ),
        ];
        for (text, why) in cases {
            let (_, _, taken) = both_ways(text, &[FINEST]);
            assert_eq!(taken, [Err(*why)], "{text}");
        }
        let (value, diags, _) =
            both_ways("openapi: 3.0.0\nx-d: \"first\nkey: value\"\n", &[FINEST]);
        assert!(value.is_some_and(|v| v.contains(r#""x-d":"first key: value""#)));
        assert!(diags.is_empty());
        let (_, diags, _) = both_ways("openapi: 3.0.0\npaths: {}\npaths: {}\n", &[FINEST]);
        assert!(
            errors(&diags)[0].starts_with("doc.yaml#/paths: duplicate key `paths`"),
            "{diags}"
        );
    }

    /// serde_yaml refuses nesting past 128 levels; a chunk below `paths` is one level shallower
    /// alone than in the document, so the chunked parse must not accept what the whole refuses.
    #[test]
    fn chunked_parse_keeps_the_nesting_limit() {
        // Sequences at depth d sit under the root and `paths` mappings: d + 2 levels in all.
        let cases = [
            (90, Ok(())),
            (126, Err(Fallback::Deep)),
            (127, Err(Fallback::Deep)),
            (128, Err(Fallback::ChunkError)),
        ];
        for (depth, want) in cases {
            let text = format!(
                "openapi: 3.0.0\npaths:\n  /a: {}{}\n  /b: {{}}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let (value, _, taken) = both_ways(&text, &[FINEST]);
            assert_eq!(taken, [want], "{depth}");
            assert_eq!(value.is_some(), depth <= 126, "{depth}");
        }
    }

    /// Every YAML document of the shared corpus and of `specs/` parses to the same value and
    /// diagnostics both ways, cut as finely as the scan can; Stripe's spec takes the chunked
    /// path, with the finest cuts and with the real ones.
    #[test]
    fn chunked_parse_agrees_on_the_corpus() -> TestResult {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = match std::env::var_os("OAGEN_CORPUS") {
            Some(dir) => PathBuf::from(dir),
            None => manifest.join("../../shared/corpus"),
        };
        let mut files = Vec::new();
        let mut dirs = vec![corpus.clone(), manifest.join("../specs")];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry?.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                ) {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut outcomes: std::collections::BTreeMap<Result<(), Fallback>, usize> =
            Default::default();
        let mut stripe = None;
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
            if body.trim_start().starts_with('{') {
                continue;
            }
            // Big documents are also cut as they are outside tests.
            let chunkings: &[Chunking] = if body.len() >= CHUNKING.min_document {
                &[FINEST, CHUNKING]
            } else {
                &[FINEST]
            };
            let (_, _, taken) = both_ways(body, chunkings);
            *outcomes.entry(taken[0]).or_default() += 1;
            if taken.len() > 1 {
                eprintln!("{}: {taken:?}", path.display());
            }
            if path.ends_with("large/stripe-spec3.yaml") {
                stripe = Some(taken);
            }
        }
        eprintln!(
            "{} YAML documents, cut as finely as possible: {outcomes:?}",
            files.len()
        );
        if corpus.is_dir() {
            assert_eq!(stripe, Some(vec![Ok(()), Ok(())]));
        } else {
            eprintln!("no corpus at {}", corpus.display());
        }
        Ok(())
    }
}
