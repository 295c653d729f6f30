//! oagen: OpenAPI 3.0/3.1 documents → Rust crates.
//!
//! ```text
//!  spec file(s)
//!     │ load        bytes → serde_json::Value per file (JSON or YAML), external $refs followed
//!     │ normalize   3.1 → the 3.0 shape: type arrays, null, const, examples, exclusive*, …
//!     │ resolve     root → openapiv3::OpenAPI; $ref lookup across files
//!     │ lower       openapiv3 → model::Api (names decided, cycles boxed, fallbacks recorded)
//!     │ select      the operations asked for (tags, operationIds) and the types they reach;
//!     │             then one cargo feature per tag, gating operations and the types they reach
//!     │ emit        &Api → token streams and templated files
//!     │ format      prettyplease
//!     ▼ write       changed files only; or check: a diff of what would change
//! ```
//!
//! [`generate`] runs the whole pipeline for one document. Every stage reports problems as
//! [`diag::Diagnostic`]s naming the file and JSON pointer of the culprit; none panics on input.

pub mod config;
pub mod diag;
pub mod emit;
pub mod format;
pub mod load;
pub mod model;
pub mod naming;
pub mod normalize;
pub mod parallel;
pub mod resolve;
pub mod write;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use diag::{Diagnostic, Diagnostics};
pub use emit::{GeneratedFile, Halves, RuntimeDep};
pub use model::select::Selection;

/// What to generate from which document.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The root document.
    pub spec: PathBuf,
    /// Cargo package name of the generated crate.
    pub crate_name: String,
    pub runtime: RuntimeDep,
    /// The operations to generate (default: all), see [`model::select`].
    pub selection: Selection,
    /// Client, server or both (default).
    pub halves: Halves,
}

impl Settings {
    pub fn new(spec: impl Into<PathBuf>, crate_name: impl Into<String>) -> Self {
        Settings {
            spec: spec.into(),
            crate_name: crate_name.into(),
            runtime: RuntimeDep::Vendored,
            selection: Selection::default(),
            halves: Halves::Both,
        }
    }

    pub fn with_runtime(mut self, runtime: RuntimeDep) -> Self {
        self.runtime = runtime;
        self
    }

    /// The spec's path as messages and the `@generated` header show it (`/` separators).
    fn source_name(&self) -> String {
        self.spec.to_string_lossy().replace('\\', "/")
    }

    pub fn with_selection(mut self, selection: Selection) -> Self {
        self.selection = selection;
        self
    }

    pub fn with_halves(mut self, halves: Halves) -> Self {
        self.halves = halves;
        self
    }
}

/// Time spent in each stage of one run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub load: Duration,
    pub normalize: Duration,
    pub resolve: Duration,
    pub lower: Duration,
    /// Wall time of emitting and formatting the files (done together, on all cores).
    pub emit: Duration,
    /// Of [`emit`](Self::emit), the thread time spent building token streams and templates,
    /// and the thread time spent formatting them, summed over threads.
    pub emit_threads: emit::ThreadTimes,
}

/// A generated crate, with what was learned on the way.
#[derive(Debug)]
pub struct Output {
    pub files: Vec<GeneratedFile>,
    pub warnings: Vec<Diagnostic>,
    pub types: usize,
    pub operations: usize,
    /// Schemas that fell back to `serde_json::Value`.
    pub untyped: usize,
    pub timings: Timings,
}

/// Loads, normalises, resolves and lowers one document.
pub fn load_model(
    spec: &std::path::Path,
    timings: &mut Timings,
) -> Result<(model::Api, Vec<Diagnostic>), Diagnostics> {
    lower_loaded(timings, |diags| load::load(spec, diags))
}

/// [`load_model`] for a document given as text (`display` names it in messages).
pub fn load_model_str(
    display: &str,
    text: &str,
) -> Result<(model::Api, Vec<Diagnostic>), Diagnostics> {
    lower_loaded(&mut Timings::default(), |diags| {
        load::load_str(display, text, diags)
    })
}

fn lower_loaded(
    timings: &mut Timings,
    load: impl FnOnce(&mut Diagnostics) -> Option<load::Sources>,
) -> Result<(model::Api, Vec<Diagnostic>), Diagnostics> {
    let mut diags = Diagnostics::default();
    let start = Instant::now();
    let loaded = load(&mut diags);
    timings.load = start.elapsed();
    let Some(mut sources) = loaded else {
        return Err(diags);
    };
    let start = Instant::now();
    normalize::normalize(&mut sources, &mut diags);
    timings.normalize = start.elapsed();
    if diags.has_errors() {
        return Err(diags);
    }
    let start = Instant::now();
    let resolver = match resolve::Resolver::new(&sources) {
        Ok(r) => r,
        Err(d) => {
            diags.push(d);
            return Err(diags);
        }
    };
    timings.resolve = start.elapsed();
    let start = Instant::now();
    let lowered = model::lower::lower(&resolver);
    timings.lower = start.elapsed();
    match lowered {
        Ok((api, mut warnings)) => {
            let mut all: Vec<Diagnostic> = diags.into_iter().collect();
            all.append(&mut warnings);
            Ok((api, all))
        }
        Err(errors) => {
            for e in errors {
                diags.push(e);
            }
            Err(diags)
        }
    }
}

/// Runs the whole pipeline for one document, in memory.
pub fn generate(settings: &Settings) -> Result<Output, Diagnostics> {
    let mut timings = Timings::default();
    let (mut api, warnings) = load_model(&settings.spec, &mut timings)?;
    model::select::select(&mut api, &settings.selection)
        .map_err(|messages| Diagnostics::file_errors(&settings.source_name(), messages))?;
    emit_crate(settings, api, warnings, timings)
}

/// Runs the whole pipeline for a document given as text (`display` names it in messages);
/// relative `$ref`s to other files resolve from the current directory.
pub fn generate_str(display: &str, text: &str, crate_name: &str) -> Result<Output, Diagnostics> {
    let mut timings = Timings::default();
    let (api, warnings) = lower_loaded(&mut timings, |diags| load::load_str(display, text, diags))?;
    let settings = Settings::new(display, crate_name).with_runtime(RuntimeDep::Vendored);
    emit_crate(&settings, api, warnings, timings)
}

/// A warning for each operation the generated server's router leaves out (axum cannot match
/// its path as written), at the operation, so nothing is dropped without a word.
fn unserved_warnings(api: &model::Api) -> Vec<Diagnostic> {
    emit::server::unserved(api)
        .into_iter()
        .filter_map(|(i, reason)| {
            let op = api.operations.get(i)?;
            Some(
                Diagnostic::warning(
                    op.source.file.clone(),
                    op.source.pointer.clone(),
                    format!(
                        "the generated server does not serve `{}` ({} {}): {reason}",
                        op.operation_id,
                        op.method.as_str(),
                        op.path
                    ),
                )
                .with_help(
                    "its method stays in the server's `Api` trait; route it by hand to serve it",
                ),
            )
        })
        .collect()
}

fn emit_crate(
    settings: &Settings,
    mut api: model::Api,
    mut warnings: Vec<Diagnostic>,
    mut timings: Timings,
) -> Result<Output, Diagnostics> {
    let start = Instant::now();
    let options = emit::EmitOptions {
        crate_name: settings.crate_name.clone(),
        source: settings.source_name(),
        runtime: settings.runtime.clone(),
        halves: settings.halves,
    };
    if settings.halves.server() {
        warnings.extend(unserved_warnings(&api));
    }
    model::features::gate_by_tag(&mut api);
    let (files, threads) = emit::emit(&api, &options)
        .map_err(|message| Diagnostics::file_errors(&options.source, [message]))?;
    timings.emit_threads = threads;
    timings.emit = start.elapsed();
    Ok(Output {
        files,
        warnings,
        types: api.types.len(),
        operations: api.operations.len(),
        untyped: api.untyped.len(),
        timings,
    })
}

/// The OpenAPI documents of the repository's `specs/`, in name order, for unit tests that check
/// a property on each of them (at least five, or the test setup is broken).
#[cfg(test)]
pub(crate) fn repo_specs() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
    let mut specs: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "json")
            )
        })
        .collect();
    specs.sort();
    assert!(
        specs.len() >= 5,
        "only {} specs found in {dir}",
        specs.len()
    );
    specs
}
