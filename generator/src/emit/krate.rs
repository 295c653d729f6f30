//! The crate around the code: `lib.rs`, `Cargo.toml` and `README.md`.
//!
//! `Cargo.toml` and `README.md` come from askama templates in `templates/crate/`, never from
//! string pasting, so their shape is visible in one place.

use askama::Template;
use proc_macro2::TokenStream;
use quote::quote;

use super::{EmitOptions, GeneratedFile, Halves, RuntimeDep, Uses, docs};
use crate::model::Api;

/// `lib.rs`: crate docs from the spec's info, the runtime alias and the modules.
pub fn lib_rs(api: &Api, options: &EmitOptions) -> TokenStream {
    let mut text = format!("{} (API version {}).", api.title.trim(), api.version.trim());
    if let Some(d) = &api.description {
        text.push_str("\n\n");
        text.push_str(d);
    }
    let doc = docs::lines(&text);
    // Inner doc attributes: `#![doc = ...]`.
    let inner = doc.into_iter().filter_map(|tt| match tt {
        proc_macro2::TokenTree::Group(g) => Some(g.stream()),
        _ => None,
    });
    // With both halves, each is a cargo feature (`client` on by default, `server` opt-in), and
    // `responses` serves whichever is on; with one half there is nothing to choose.
    let both = options.halves == Halves::Both;
    let gate = |feature: &str| both.then(|| quote!(#[cfg(feature = #feature)]));
    let either = both.then(|| quote!(#[cfg(any(feature = "client", feature = "server"))]));
    // Not gated by tag features: lib.rs stays rustfmt-clean, and a crate built with no tag
    // at all (nothing to use) may warn that these re-export nothing.
    let responses_export = (!api.operations.is_empty()).then(|| {
        quote!(
            #either
            pub use responses::*;
        )
    });
    let types_export = (!api.types.is_empty()).then(|| {
        quote!(
            pub use types::*;
        )
    });
    // Braces, not parentheses: rustfmt drops an attribute inside `quote!(…)`.
    let client_gate = gate("client");
    let client = options.halves.client().then(|| {
        quote! {
            #client_gate
            #[rustfmt::skip]
            pub mod client;
        }
    });
    let client_export = options.halves.client().then(|| {
        quote!(
            #client_gate
            pub use client::Client;
        )
    });
    let server_gate = gate("server");
    let server = options.halves.server().then(|| {
        quote! {
            #server_gate
            #[rustfmt::skip]
            pub mod server;
        }
    });
    // The modules are formatted by prettyplease; `rustfmt::skip` keeps `cargo fmt` of a
    // workspace that contains the crate from rewriting them (this file is rustfmt-clean).
    quote! {
        #(#![#inner])*

        pub use oagen_rt as rt;

        #client
        #either
        #[rustfmt::skip]
        pub mod responses;
        #server
        #[rustfmt::skip]
        pub mod types;

        #client_export
        #responses_export
        #types_export
    }
}

#[derive(Template)]
#[template(path = "crate/Cargo.toml", escape = "none")]
struct CargoToml<'a> {
    source: &'a str,
    name: &'a str,
    description: String,
    runtime: String,
    uses_chrono: bool,
    uses_uuid: bool,
    /// Both halves, each behind a feature: `client` (default) and `server`.
    halves: bool,
    tag_features: Vec<&'a str>,
    /// The `unused-types` feature, when the crate has one.
    unused_types: Option<&'a str>,
    /// `"client", "tag-a", "tag-b"` (and `"unused-types"`).
    default_features: String,
}

#[derive(Template)]
#[template(path = "crate/README.md", escape = "none")]
struct Readme<'a> {
    source: &'a str,
    name: &'a str,
    title: &'a str,
    version: &'a str,
    description: String,
    type_count: usize,
    operation_count: usize,
    untyped_count: usize,
    client: bool,
    server: bool,
    /// `` `tag-a` (A), `tag-b` (B) ``, or empty.
    tag_features: String,
    /// The `unused-types` feature, when the crate has one.
    unused_types: Option<&'a str>,
}

/// The runtime features the crate always uses: those of its one half. With both halves, the
/// crate's own `client` and `server` features turn on the runtime's.
fn runtime_features(halves: Halves) -> &'static str {
    match halves {
        Halves::Both => "",
        Halves::ClientOnly => ", features = [\"client\"]",
        Halves::ServerOnly => ", features = [\"server\"]",
    }
}

/// A TOML basic string's contents: quotes, backslashes and control characters escaped.
fn toml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn manifest_and_readme(api: &Api, options: &EmitOptions) -> Result<Vec<GeneratedFile>, String> {
    let uses = Uses::of(api);
    let features = runtime_features(options.halves);
    let both = options.halves == Halves::Both;
    let runtime = match &options.runtime {
        RuntimeDep::Path(p) => format!("oagen-rt = {{ path = \"{}\"{features} }}", toml_escape(p)),
        RuntimeDep::Version(v) => format!(
            "oagen-rt = {{ version = \"{}\"{features} }}",
            toml_escape(v)
        ),
        RuntimeDep::Vendored => {
            format!("oagen-rt = {{ path = \"oagen-rt\"{features} }}")
        }
    };
    let summary = api.title.trim();
    let unused_types = api
        .has_unused_types_feature()
        .then_some(crate::model::features::UNUSED_TYPES);
    let cargo = CargoToml {
        source: &options.source,
        name: &options.crate_name,
        description: toml_escape(&format!("Generated Rust bindings for {summary}.")),
        runtime,
        uses_chrono: uses.chrono,
        uses_uuid: uses.uuid,
        halves: both,
        tag_features: api
            .tag_features
            .iter()
            .map(|f| f.feature.as_str())
            .collect(),
        unused_types,
        default_features: both
            .then_some("client")
            .into_iter()
            .chain(api.tag_features.iter().map(|f| f.feature.as_str()))
            .chain(unused_types)
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", "),
    }
    .render()
    .map_err(|e| format!("rendering Cargo.toml: {e}"))?;
    let readme = Readme {
        source: &options.source,
        name: &options.crate_name,
        title: summary,
        version: api.version.trim(),
        description: api
            .description
            .clone()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        type_count: api.types.len(),
        operation_count: api.operations.len(),
        untyped_count: api.untyped.len(),
        client: options.halves.client(),
        server: options.halves.server(),
        tag_features: api
            .tag_features
            .iter()
            .map(|f| format!("`{}` ({})", f.feature, f.tag.trim()))
            .collect::<Vec<_>>()
            .join(", "),
        unused_types,
    }
    .render()
    .map_err(|e| format!("rendering README.md: {e}"))?;
    Ok(vec![
        GeneratedFile {
            path: "Cargo.toml".into(),
            contents: ensure_newline(cargo),
        },
        GeneratedFile {
            path: "README.md".into(),
            contents: ensure_newline(readme),
        },
    ])
}

fn ensure_newline(mut s: String) -> String {
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

mod vendored {
    include!(concat!(env!("OUT_DIR"), "/runtime_files.rs"));

    /// The runtime's Cargo.toml, standalone.
    pub const RUNTIME_MANIFEST: &str =
        include_str!(concat!(env!("OUT_DIR"), "/runtime_manifest.toml"));
}

/// The runtime crate's files, to be written to `oagen-rt/` beside the generated code.
pub fn vendored_runtime() -> Vec<GeneratedFile> {
    let mut files = vec![GeneratedFile {
        path: "oagen-rt/Cargo.toml".into(),
        contents: vendored::RUNTIME_MANIFEST.to_owned(),
    }];
    files.extend(
        vendored::RUNTIME_FILES
            .iter()
            .map(|(path, contents)| GeneratedFile {
                path: format!("oagen-rt/{path}"),
                contents: (*contents).to_owned(),
            }),
    );
    files
}
