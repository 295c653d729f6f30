//! Emitters: `&Api` → the files of a generated crate.
//!
//! Input: the model only (never openapiv3 or raw JSON). Output: [`GeneratedFile`]s, Rust ones
//! already formatted.
//!
//! Back ends, one per file: `types.rs` (data types), `krate.rs` (Cargo.toml, README.md and
//! lib.rs). Each is a pure function of the model and the [`EmitOptions`].
//!
//! Invariant: one `TypeRef → TokenStream` function ([`type_tokens`]) serves every back end, so
//! the same schema is spelled the same way everywhere.
//!
//! Tests: `generator/tests/golden.rs` (exact output) and the workspace's generated crates, which
//! are compiled, linted and exercised by `tests/`.

pub mod client;
pub mod docs;
pub mod krate;
pub mod responses;
pub mod server;
pub mod types;

use std::time::{Duration, Instant};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Api, Primitive, TypeRef};

/// A file of the generated crate, relative to the crate's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// How the generated crate finds the runtime crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeDep {
    /// A path dependency, relative to the generated crate's directory.
    Path(String),
    /// A registry version requirement.
    Version(String),
    /// The runtime's sources are written beside the crate, in `oagen-rt/`.
    Vendored,
}

/// Which halves of the crate to emit: `responses.rs` and `types.rs` serve both and are always
/// there; `client.rs` and `server.rs` (and the runtime features they need) only when asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Halves {
    #[default]
    Both,
    ClientOnly,
    ServerOnly,
}

impl Halves {
    pub fn client(self) -> bool {
        self != Halves::ServerOnly
    }

    pub fn server(self) -> bool {
        self != Halves::ClientOnly
    }
}

/// What the emitters need beyond the model.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// Cargo package name of the generated crate.
    pub crate_name: String,
    /// Shown in the `@generated` header: the spec path as the user named it.
    pub source: String,
    pub runtime: RuntimeDep,
    pub halves: Halves,
}

/// An identifier token, raw where the name is a raw identifier (`r#type`).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The Rust spelling of a type reference.
pub fn type_tokens(api: &Api, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Named(id) => {
            let name = ident(&api.type_def(*id).name);
            quote!(#name)
        }
        TypeRef::Primitive(p) => primitive_tokens(*p),
        TypeRef::Array(inner) => {
            let inner = type_tokens(api, inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(api, inner);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = type_tokens(api, inner);
            quote!(Option<#inner>)
        }
        TypeRef::Any => quote!(serde_json::Value),
    }
}

fn primitive_tokens(p: Primitive) -> TokenStream {
    match p {
        Primitive::String => quote!(String),
        Primitive::Bool => quote!(bool),
        Primitive::I32 => quote!(i32),
        Primitive::I64 => quote!(i64),
        Primitive::U32 => quote!(u32),
        Primitive::U64 => quote!(u64),
        Primitive::F32 => quote!(f32),
        Primitive::F64 => quote!(f64),
        Primitive::DateTime => quote!(chrono::DateTime<chrono::Utc>),
        Primitive::Date => quote!(chrono::NaiveDate),
        Primitive::Uuid => quote!(uuid::Uuid),
        Primitive::Base64 => quote!(rt::Base64),
        // In JSON a binary string is text; file parts and octet-stream bodies are handled by
        // the client and server back ends from the media type.
        Primitive::Binary => quote!(String),
    }
}

/// `#[cfg(…)]` for code that compiles with any of `features` (tag features, see
/// `model::features`); `None` for code that always compiles.
pub fn cfg_attr(features: &[String]) -> Option<TokenStream> {
    match features {
        [] => None,
        [one] => Some(quote!(#[cfg(feature = #one)])),
        many => Some(quote!(#[cfg(any(#(feature = #many),*))])),
    }
}

/// `items` (a sequence of items) with [`cfg_attr`] on each, for one type's or one operation's
/// code: a struct, its impls, its helper functions.
///
/// The items are told apart by their tokens ([`split_items`]), not by parsing them with syn:
/// parsing every gated item twice (here and when formatting) took a quarter of the generation
/// of a tagged spec.
pub fn gate_items(items: TokenStream, features: &[String]) -> TokenStream {
    let Some(cfg) = cfg_attr(features) else {
        return items;
    };
    if let Some(split) = split_items(items.clone()) {
        return quote!(#(#cfg #split)*);
    }
    match syn::parse2::<syn::File>(items.clone()) {
        // An outer attribute may precede an item's own attributes.
        Ok(file) => {
            let items = file.items.iter();
            quote!(#(#cfg #items)*)
        }
        // Not items: left alone, and formatting reports what is wrong with them.
        Err(_) => items,
    }
}

/// Where [`split_items`] is in an item.
#[derive(Clone, Copy, PartialEq)]
enum ItemState {
    /// Attributes, visibility, qualifiers: no keyword yet.
    Start,
    /// After `const`: a constant, or a `const fn` (qualifiers may come between).
    Const,
    /// `const`, `static`, `use`, `type`: ends at a `;` (braces inside are expressions or use
    /// trees, and `fn` inside is a type).
    ToSemicolon,
    /// `fn`, `impl`, `struct`, `enum`, `mod`, `trait`, …: ends at a `;` or at the first `{…}`.
    ToSemicolonOrBody,
    /// A macro call's path (`rt::send_methods`): idents and `::` until its `!`.
    MacroPath,
    /// After the `!`: `{…}` ends the call; `(…)` or `[…]` is followed by its `;`.
    MacroArgs,
}

/// The items of `tokens`, each with its attributes, as the emitters write them; `None` when
/// some tokens do not end as an item does (the caller then parses them with syn).
///
/// An item is outer attributes (`#` and `[…]`), visibility and qualifiers, then a keyword that
/// says how it ends ([`ItemState`]); `;` and `{…}` are looked for among the item's own tokens
/// only, never inside a group.
fn split_items(tokens: TokenStream) -> Option<Vec<TokenStream>> {
    use proc_macro2::{Delimiter, TokenTree};
    let mut items = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let mut state = ItemState::Start;
    for tree in tokens {
        let ends = match &tree {
            TokenTree::Ident(word) => {
                let word = word.to_string();
                state = match (state, word.as_str()) {
                    (ItemState::Start, "const") => ItemState::Const,
                    (ItemState::Start, "static" | "use" | "type") => ItemState::ToSemicolon,
                    (
                        ItemState::Start | ItemState::Const,
                        "fn" | "impl" | "struct" | "enum" | "union" | "mod" | "trait"
                        | "macro_rules",
                    ) => ItemState::ToSemicolonOrBody,
                    (
                        ItemState::Start | ItemState::Const,
                        "pub" | "unsafe" | "async" | "extern" | "default" | "auto",
                    ) => state,
                    (ItemState::Start | ItemState::MacroPath, _) => ItemState::MacroPath,
                    (ItemState::MacroArgs, _) => return None,
                    // The constant's name.
                    (ItemState::Const, _) => ItemState::ToSemicolon,
                    (other, _) => other,
                };
                false
            }
            TokenTree::Punct(p) => match (state, p.as_char()) {
                (ItemState::MacroPath, ':') => false,
                (ItemState::MacroPath, '!') => {
                    state = ItemState::MacroArgs;
                    false
                }
                (ItemState::MacroPath, _) => return None,
                (ItemState::Start, _) => false,
                (_, c) => c == ';',
            },
            TokenTree::Group(g) => match state {
                ItemState::ToSemicolonOrBody => g.delimiter() == Delimiter::Brace,
                ItemState::MacroArgs if g.delimiter() != Delimiter::Brace => {
                    state = ItemState::ToSemicolon;
                    false
                }
                ItemState::MacroArgs => true,
                ItemState::MacroPath => return None,
                _ => false,
            },
            TokenTree::Literal(_) => false,
        };
        current.push(tree);
        if ends {
            items.push(current.drain(..).collect());
            state = ItemState::Start;
        }
    }
    current.is_empty().then_some(items)
}

/// The features under which code used by all of `users` (operations' or types' features)
/// compiles: none when one of them always compiles, else every feature of any of them.
pub fn features_of_any<'a>(users: impl IntoIterator<Item = &'a [String]>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for features in users {
        if features.is_empty() {
            return Vec::new();
        }
        for f in features {
            if !out.contains(f) {
                out.push(f.clone());
            }
        }
    }
    out
}

/// `import` (or another item only others use) when some item needs it, compiled when any of
/// its `users` (their features) is, so no feature selection leaves an unused import.
pub fn import_for<'a>(
    users: impl IntoIterator<Item = &'a [String]>,
    import: TokenStream,
) -> Option<TokenStream> {
    let users: Vec<&[String]> = users.into_iter().collect();
    if users.is_empty() {
        return None;
    }
    let cfg = cfg_attr(&features_of_any(users));
    Some(quote!(#cfg #import))
}

/// Whether a type names a generated type (so a module must import `crate::types`).
pub fn mentions_named(t: &TypeRef) -> bool {
    match t {
        TypeRef::Named(_) => true,
        TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => mentions_named(i),
        TypeRef::Primitive(_) | TypeRef::Any => false,
    }
}

/// `rt::ParamStyle::…` for a parameter style; client and server spell it the same way.
pub fn style_tokens(style: crate::model::ParamStyle) -> TokenStream {
    use crate::model::ParamStyle;
    match style {
        ParamStyle::Simple => quote!(rt::ParamStyle::Simple),
        ParamStyle::Form => quote!(rt::ParamStyle::Form),
        ParamStyle::Label => quote!(rt::ParamStyle::Label),
        ParamStyle::Matrix => quote!(rt::ParamStyle::Matrix),
        ParamStyle::SpaceDelimited => quote!(rt::ParamStyle::SpaceDelimited),
        ParamStyle::PipeDelimited => quote!(rt::ParamStyle::PipeDelimited),
        ParamStyle::DeepObject => quote!(rt::ParamStyle::DeepObject),
    }
}

/// `rt::ValueKind::…` of a parameter or header type: the shape its text encodes.
pub fn value_kind(api: &Api, t: &TypeRef) -> TokenStream {
    use crate::model::TypeKind;
    match t {
        TypeRef::Nullable(inner) => value_kind(api, inner),
        TypeRef::Array(_) => quote!(rt::ValueKind::Array),
        TypeRef::Map(_) => quote!(rt::ValueKind::Object),
        TypeRef::Named(id) => match &api.type_def(*id).kind {
            TypeKind::Struct(_) => quote!(rt::ValueKind::Object),
            TypeKind::Alias(inner) | TypeKind::Newtype(inner) => value_kind(api, inner),
            TypeKind::Enum(_) | TypeKind::Union(_) => quote!(rt::ValueKind::Scalar),
        },
        TypeRef::Primitive(_) | TypeRef::Any => quote!(rt::ValueKind::Scalar),
    }
}

/// Which optional crates the generated code refers to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uses {
    pub chrono: bool,
    pub uuid: bool,
}

impl Uses {
    pub fn of(api: &Api) -> Uses {
        let mut uses = Uses::default();
        let mut visit = |t: &TypeRef| {
            fn walk(t: &TypeRef, uses: &mut Uses) {
                match t {
                    TypeRef::Primitive(Primitive::DateTime | Primitive::Date) => uses.chrono = true,
                    TypeRef::Primitive(Primitive::Uuid) => uses.uuid = true,
                    TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => walk(i, uses),
                    _ => {}
                }
            }
            walk(t, &mut uses);
        };
        for t in &api.types {
            match &t.kind {
                crate::model::TypeKind::Struct(s) => {
                    s.fields.iter().for_each(|f| visit(&f.ty));
                    if let Some(a) = &s.additional {
                        visit(&a.ty);
                    }
                }
                crate::model::TypeKind::Union(u) => u.variants.iter().for_each(|v| visit(&v.ty)),
                crate::model::TypeKind::Alias(r) | crate::model::TypeKind::Newtype(r) => visit(r),
                crate::model::TypeKind::Enum(_) => {}
            }
        }
        for op in &api.operations {
            op.params.iter().for_each(|p| visit(&p.ty));
            for r in &op.responses {
                r.headers.iter().for_each(|h| visit(&h.ty));
            }
        }
        uses
    }
}

/// Every file of the generated crate.
///
/// The Rust files are emitted and formatted on all cores (see [`Piece`]); the result does not
/// depend on how many there are.
pub fn emit(api: &Api, options: &EmitOptions) -> Result<(Vec<GeneratedFile>, ThreadTimes), String> {
    let header = format!(
        "// @generated by oagen from {}; do not edit.\n",
        options.source
    );
    let ops = api.operations.len();
    let op_slices = || {
        (0..ops)
            .step_by(OPS_PER_PIECE)
            .map(move |start| start..ops.min(start + OPS_PER_PIECE))
    };
    // The pieces that grow with the whole spec first (each is one item, or holds one, that
    // cannot be cut), then the slices, so no thread is left with a big piece at the end.
    let mut pieces = Vec::new();
    if options.halves.server() {
        pieces.extend([Piece::ServerTail, Piece::ServerHead]);
    }
    if options.halves.client() {
        pieces.push(Piece::ClientHead);
    }
    if options.halves.server() {
        pieces.extend(op_slices().map(Piece::ServerRequests));
    }
    if options.halves.client() {
        pieces.extend(op_slices().map(Piece::ClientBuilders));
    }
    pieces.extend([Piece::Lib, Piece::ResponsesHead]);
    pieces.extend(op_slices().map(Piece::Responses));
    pieces.push(Piece::TypesHead);
    let types = api.types.len();
    pieces.extend(
        (0..types)
            .step_by(TYPES_PER_PIECE)
            .map(|start| Piece::Types(start..types.min(start + TYPES_PER_PIECE))),
    );
    // How the router serves each operation: several server pieces need it, computed once.
    let plan = options.halves.server().then(|| server::plan(api));
    let texts = crate::parallel::in_parallel(pieces.len(), |i| {
        pieces[i].render(api, options, plan.as_ref())
    });
    let mut times = ThreadTimes::default();

    // Each file's pieces, joined in the file's order.
    let mut server = [String::new(), String::new(), String::new()];
    let mut client = String::new();
    let mut types_rs = header.clone();
    let mut responses = header.clone();
    let mut files = Vec::new();
    for (piece, text) in pieces.iter().zip(texts) {
        let (text, spent) = text?;
        times.tokens += spent.tokens;
        times.format += spent.format;
        let path = match piece {
            Piece::TypesHead | Piece::Types(_) => {
                types_rs.push_str(&text);
                continue;
            }
            Piece::ServerHead => {
                server[0] = text;
                continue;
            }
            Piece::ServerRequests(_) => {
                server[1].push_str(&text);
                continue;
            }
            Piece::ServerTail => {
                server[2] = text;
                continue;
            }
            Piece::ClientHead | Piece::ClientBuilders(_) => {
                client.push_str(&text);
                continue;
            }
            Piece::ResponsesHead | Piece::Responses(_) => {
                responses.push_str(&text);
                continue;
            }
            Piece::Lib => "src/lib.rs",
        };
        files.push(GeneratedFile {
            path: path.into(),
            contents: format!("{header}{text}"),
        });
    }
    if options.halves.server() {
        files.push(GeneratedFile {
            path: "src/server.rs".into(),
            contents: format!("{header}{}", server.concat()),
        });
    }
    if options.halves.client() {
        files.push(GeneratedFile {
            path: "src/client.rs".into(),
            contents: format!("{header}{client}"),
        });
    }
    files.push(GeneratedFile {
        path: "src/types.rs".into(),
        contents: types_rs,
    });
    files.push(GeneratedFile {
        path: "src/responses.rs".into(),
        contents: responses,
    });
    files.extend(krate::manifest_and_readme(api, options)?);
    if options.runtime == RuntimeDep::Vendored {
        files.extend(krate::vendored_runtime());
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, times))
}

/// How many types one [`Piece::Types`] holds: enough that a piece outweighs handing it to a
/// thread, few enough that the pieces of a large spec spread evenly over the cores.
const TYPES_PER_PIECE: usize = 256;

/// How many operations one [`Piece::ClientBuilders`] or [`Piece::ServerRequests`] holds.
const OPS_PER_PIECE: usize = 128;

/// A unit of [`emit`]'s parallel work: a Rust file, or a run of top-level items of one, emitted
/// and formatted on one thread. Token streams cannot cross threads, so each piece builds its
/// own from the (shared, read-only) model. prettyplease formats each top-level item on its
/// own, so joining the formatted pieces of a file gives the text formatting it whole would
/// (a test checks it for every file). Smaller pieces also keep less memory alive at once.
enum Piece {
    Lib,
    /// The doc and imports of `responses.rs`.
    ResponsesHead,
    /// The response enums of these operations.
    Responses(std::ops::Range<usize>),
    /// Docs, imports and `Client` with its methods.
    ClientHead,
    /// The request builders of these operations (indices into [`Api::operations`]).
    ClientBuilders(std::ops::Range<usize>),
    /// Docs, imports and the `Api` trait.
    ServerHead,
    /// The request structs and `ApiResponse` impls of these operations.
    ServerRequests(std::ops::Range<usize>),
    /// The router and the handlers.
    ServerTail,
    /// The doc and imports of `types.rs`.
    TypesHead,
    /// These types (indices into [`Api::types`]), in order.
    Types(std::ops::Range<usize>),
}

impl Piece {
    /// The formatted text, without the `@generated` header. `plan` is the server's route plan
    /// (`None` without a server).
    fn render(
        &self,
        api: &Api,
        options: &EmitOptions,
        plan: Option<&server::RoutePlan>,
    ) -> Result<(String, ThreadTimes), String> {
        let plan = || plan.ok_or("internal error: a server piece without a route plan");
        let start = Instant::now();
        let tokens = match self {
            Piece::Lib => krate::lib_rs(api, options),
            Piece::ResponsesHead => responses::responses_head(api),
            Piece::Responses(range) => {
                responses::responses_items(api, options.halves, range.clone())
            }
            Piece::ClientHead => client::client_head(api),
            Piece::ClientBuilders(range) => client::client_builders(api, range.clone()),
            Piece::ServerHead => server::server_head(api, plan()?, &options.crate_name),
            Piece::ServerRequests(range) => server::server_requests(api, plan()?, range.clone()),
            Piece::ServerTail => server::server_tail(api, plan()?),
            Piece::TypesHead => types::types_head(api),
            Piece::Types(range) => types::types_items(api, range.clone()),
        };
        let emitted = Instant::now();
        let text = crate::format::rust_file(&tokens, "")?;
        let times = ThreadTimes {
            tokens: emitted - start,
            format: emitted.elapsed(),
        };
        Ok((text, times))
    }
}

/// Time the emit threads spent in each kind of work, summed over threads: the split of the
/// emit stage that a profile of `oagen generate` would show.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadTimes {
    /// Building token streams (and rendering templates).
    pub tokens: Duration,
    /// `format::rust_file`: parsing the tokens and printing them with prettyplease.
    pub format: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The premise of [`Piece`]: `types.rs`, `client.rs` and `server.rs` formatted in pieces,
    /// joined, are the files formatted whole, however they are cut. Checked on every spec of
    /// the repository.
    #[test]
    fn files_formatted_in_pieces_join_to_the_whole_file() {
        for path in crate::repo_specs() {
            let (api, _) = crate::load_model(&path, &mut crate::Timings::default())
                .unwrap_or_else(|d| panic!("{d}"));
            let format = |tokens: TokenStream| crate::format::rust_file(&tokens, "").unwrap();
            let whole = format(types::types_rs(&api));
            for size in [1, 3, 64] {
                let mut joined = format(types::types_head(&api));
                let len = api.types.len();
                for start in (0..len).step_by(size) {
                    joined.push_str(&format(types::types_items(
                        &api,
                        start..len.min(start + size),
                    )));
                }
                assert_eq!(joined, whole, "{} in slices of {size}", path.display());
            }
            // responses.rs, client.rs and server.rs, cut by operations.
            let halves = crate::Halves::Both;
            let responses_whole = format(responses::responses_rs(&api, halves));
            let plan = server::plan(&api);
            let client_whole = format(client::client_rs(&api));
            let server_whole = format(server::server_rs_in_crate(&api, "spec"));
            let ops = api.operations.len();
            for size in [1, 3] {
                let slices = || (0..ops).step_by(size).map(move |s| s..ops.min(s + size));
                let mut responses = format(responses::responses_head(&api));
                let mut client = format(client::client_head(&api));
                let mut server = format(server::server_head(&api, &plan, "spec"));
                for range in slices() {
                    responses.push_str(&format(responses::responses_items(
                        &api,
                        halves,
                        range.clone(),
                    )));
                    client.push_str(&format(client::client_builders(&api, range.clone())));
                    server.push_str(&format(server::server_requests(&api, &plan, range)));
                }
                server.push_str(&format(server::server_tail(&api, &plan)));
                assert_eq!(
                    responses,
                    responses_whole,
                    "{} responses.rs by {size}",
                    path.display()
                );
                assert_eq!(
                    client,
                    client_whole,
                    "{} client.rs by {size}",
                    path.display()
                );
                assert_eq!(
                    server,
                    server_whole,
                    "{} server.rs by {size}",
                    path.display()
                );
            }
        }
    }

    /// [`split_items`] cuts where syn's parse of the same tokens does, for every kind of item
    /// the emitters write and the ways they end.
    #[test]
    fn items_split_by_their_tokens_as_syn_parses_them() {
        let items = quote! {
            #[doc = " A type."]
            #[derive(Debug)]
            pub struct Named { pub a: u8 }
            pub struct Tuple(pub u8);
            struct Unit;
            pub(crate) enum E { A { x: u8 }, B }
            impl<T: Clone> rt::wire::Known for Named where T: Copy { fn f(&self) -> [u8; 2] { [0; 2] } }
            const C: Named = Named { a: 1 };
            static S: &[(&str, &[&str])] = &[("a", &["b"])];
            pub use crate::types::{A, B};
            type Alias = std::collections::BTreeMap<String, u8>;
            // `fn` and braces inside a constant, a static or an alias do not end it.
            type Callback = fn(u8) -> u8;
            static F: fn() -> u8 = { f };
            const _: fn() -> u8 = { f };
            pub const fn f() -> u8 { 3 }
            const unsafe fn u() {}
            pub async fn g<A: Api>(x: u8) -> impl Future<Output = ()> { async {} }
            mod m { fn h() {} }
            mod n;
            // Macro calls: a path, `!`, then `(…);`, `[…];` or `{…}`.
            rt::send_methods!(Builder => Ok, Error);
            #[cfg(feature = "x")]
            ::std::thread_local!(static T: u8 = 0);
            m![a; b];
            m! { x }
        };
        let split = split_items(items.clone()).expect("every item ends");
        let parsed = syn::parse2::<syn::File>(items).expect("items");
        let parsed: Vec<String> = parsed
            .items
            .iter()
            .map(|i| quote!(#i).to_string())
            .collect();
        let split: Vec<String> = split.iter().map(ToString::to_string).collect();
        assert_eq!(split, parsed);
        // Tokens that are not items are left to syn.
        assert!(split_items(quote!(let x = 1;)).is_none());
        assert!(split_items(quote!(struct Unfinished)).is_none());
        assert!(split_items(quote!(m!(x))).is_none());
        assert!(split_items(quote!(a::b = 1;)).is_none());
        assert!(split_items(quote!(m! x;)).is_none());
    }
}
