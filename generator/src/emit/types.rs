//! The `types` module of a generated crate: one Rust type per [`TypeDef`].
//!
//! ```text
//! Struct  → #[derive(Clone, Debug, PartialEq)] pub struct …; serde from `rt::serde_struct!`
//! Enum    → unit variants plus `Unknown(String)`; `as_str`/`from_wire`, serde, Display and
//!           Known from `rt::string_enum!`
//! Union   → tagged: hand-written Serialize/Deserialize that read the tag first;
//!           untagged: `#[serde(untagged)]`
//! Alias   → pub type Name = Target;      Newtype → pub struct Name(pub Target);
//! ```

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{docs, ident, type_tokens};
use crate::model::{
    Api, Field, Literal, Presence, StringEnum, Struct, Tagging, TypeDef, TypeKind, TypeRef, Union,
};

/// The whole `types.rs`.
pub fn types_rs(api: &Api) -> TokenStream {
    let head = types_head(api);
    let items = types_items(api, 0..api.types.len());
    quote!(#head #items)
}

/// The types `range` of [`Api::types`] (indices), in order: a slice of `types.rs` after
/// [`types_head`]. Formatting slices one by one and joining the text gives the same file as
/// formatting it whole, so large specs format their types on several threads.
pub fn types_items(api: &Api, range: std::ops::Range<usize>) -> TokenStream {
    let items = api.types[range]
        .iter()
        .map(|t| super::gate_items(type_def(api, t), &t.features));
    quote!(#(#items)*)
}

/// The start of `types.rs`: its doc and imports.
pub fn types_head(api: &Api) -> TokenStream {
    // Aliases derive nothing; enums get their impls from `rt::string_enum!` and structs theirs
    // from `rt::serde_struct!`, so only unions and newtypes name serde's traits.
    let serde_import = super::import_for(
        api.types
            .iter()
            .filter(|t| matches!(t.kind, TypeKind::Union(_) | TypeKind::Newtype(_)))
            .map(|t| t.features.as_slice()),
        quote!(
            use serde::{Deserialize, Serialize};
        ),
    );
    let holds = |t: &TypeDef| t.holds_enum && !matches!(t.kind, TypeKind::Alias(_));
    let rt_import = super::import_for(
        api.types
            .iter()
            .filter(|t| uses_runtime(t) || holds(t))
            .map(|t| t.features.as_slice()),
        quote!(
            use crate::rt;
        ),
    );

    quote! {
        //! Data types from the spec's schemas.

        #serde_import
        #rt_import
    }
}

/// Whether a type refers to the runtime crate: its macros (enums, structs), base64 or tagged
/// unions.
fn uses_runtime(t: &TypeDef) -> bool {
    fn base64(t: &TypeRef) -> bool {
        match t {
            TypeRef::Primitive(crate::model::Primitive::Base64) => true,
            TypeRef::Array(i) | TypeRef::Map(i) | TypeRef::Nullable(i) => base64(i),
            _ => false,
        }
    }
    match &t.kind {
        TypeKind::Struct(_) | TypeKind::Enum(_) => true,
        TypeKind::Union(u) => {
            matches!(u.tagging, Tagging::Tagged { .. }) || u.variants.iter().any(|v| base64(&v.ty))
        }
        TypeKind::Alias(r) | TypeKind::Newtype(r) => base64(r),
    }
}

fn type_def(api: &Api, t: &TypeDef) -> TokenStream {
    let def = type_body(api, t);
    let known = known_impl(api, t);
    quote!(#def #known)
}

fn has_deprecated_fields(t: &TypeDef) -> bool {
    matches!(&t.kind, TypeKind::Struct(s) if s.fields.iter().any(|f| f.docs.deprecated))
}

/// A JSON pointer token for a property name (RFC 6901 escapes).
fn pointer_token(wire: &str) -> String {
    format!("/{}", wire.replace('~', "~0").replace('/', "~1"))
}

/// The fields of a struct that can hold an enum value, each with its JSON pointer token;
/// additional properties have `""`, as their keys are their tokens.
fn known_fields<'a>(
    api: &'a Api,
    s: &'a Struct,
) -> impl Iterator<Item = (proc_macro2::Ident, String)> + 'a {
    let fields = s
        .fields
        .iter()
        .filter(|f| api.holds_enum(&f.ty))
        .map(|f| (ident(&f.name), pointer_token(&f.wire_name)));
    let additional = s
        .additional
        .as_ref()
        .filter(|a| api.holds_enum(&a.ty))
        .map(|a| (ident(&a.name), String::new()));
    fields.chain(additional)
}

/// `impl rt::wire::Known`: where a value holds an enum value the spec does not list. Servers
/// use it to reject such requests; only types that can hold an enum get one.
fn known_impl(api: &Api, t: &TypeDef) -> Option<TokenStream> {
    if !t.holds_enum {
        return None;
    }
    let name = ident(&t.name);
    let body = match &t.kind {
        // Enums get theirs from `rt::string_enum!`.
        TypeKind::Alias(_) | TypeKind::Enum(_) => return None,
        TypeKind::Newtype(_) => quote!(rt::wire::Known::first_unknown(&self.0, pointer)),
        // Structs get theirs from `rt::serde_struct!` (`known { … }`, see `known_fields`).
        TypeKind::Struct(_) => return None,
        TypeKind::Union(u) => {
            let arms = u.variants.iter().map(|v| {
                let vname = ident(&v.name);
                if api.holds_enum(&v.ty) {
                    quote!(Self::#vname(inner) => rt::wire::Known::first_unknown(inner, pointer),)
                } else {
                    quote!(Self::#vname(_) => None,)
                }
            });
            let unknown = match &u.tagging {
                Tagging::Tagged { property } => {
                    let token = pointer_token(property);
                    quote! {
                        Self::Unknown(value) => Some((
                            format!("{pointer}{}", #token),
                            rt::wire::tagged::tag(value, #property).unwrap_or_default().to_owned(),
                        )),
                    }
                }
                Tagging::Untagged => quote!(),
            };
            quote! {
                match self {
                    #(#arms)*
                    #unknown
                }
            }
        }
    };
    // The check reads every field, deprecated ones too: that use is the crate's own.
    let allow = has_deprecated_fields(t).then(|| quote!(#[allow(deprecated)]));
    Some(quote! {
        #allow
        impl rt::wire::Known for #name {
            fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
                #body
            }
        }
    })
}

fn type_body(api: &Api, t: &TypeDef) -> TokenStream {
    let name = ident(&t.name);
    let doc = docs::attrs(&t.docs);
    match &t.kind {
        TypeKind::Struct(s) => struct_def(api, t, s, doc),
        TypeKind::Enum(e) => enum_def(t, e, doc),
        TypeKind::Union(u) => union_def(api, t, u, doc),
        TypeKind::Alias(target) => {
            let target = type_tokens(api, target);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeKind::Newtype(target) => {
            let target = type_tokens(api, target);
            quote! {
                #doc
                #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #target);
            }
        }
    }
}

fn struct_def(api: &Api, t: &TypeDef, s: &Struct, doc: TokenStream) -> TokenStream {
    let name = ident(&t.name);
    let fields = s.fields.iter().map(|f| field(api, f));
    let additional = s.additional.as_ref().map(|a| {
        let ty = type_tokens(api, &a.ty);
        let name = ident(&a.name);
        quote! {
            /// Properties not declared by the schema, kept as they came.
            pub #name: std::collections::BTreeMap<String, #ty>,
        }
    });
    let defaults: Vec<TokenStream> = s
        .fields
        .iter()
        .filter(|f| f.presence() == Presence::Defaulted && !is_type_default(f.default.as_ref()))
        .filter_map(|f| {
            let literal = literal_tokens(api, f.default.as_ref()?);
            let fn_name = default_fn(f);
            let ty = field_type(api, f);
            Some(quote! {
                fn #fn_name() -> #ty {
                    #literal
                }
            })
        })
        .collect();
    let default_impl = (!defaults.is_empty()).then(|| {
        quote! {
            impl #name {
                #(#defaults)*
            }
        }
    });
    // `Default` when every field may be absent: lets callers build with `..Default::default()`.
    let derive_default = s.fields.iter().all(|f| {
        matches!(
            f.presence(),
            Presence::Optional | Presence::OptionalNullable
        )
    });
    let derives = if derive_default {
        quote!(#[derive(Clone, Debug, Default, PartialEq)])
    } else {
        quote!(#[derive(Clone, Debug, PartialEq)])
    };
    let serde = struct_serde(api, t, s);
    quote! {
        #doc
        #derives
        pub struct #name {
            #(#fields)*
            #additional
        }
        #default_impl
        #serde
    }
}

/// A struct's `Serialize` and `Deserialize`: `rt::serde_struct!` with a line per field saying
/// its wire name and what its absence is. Not serde's derives, which write out several times
/// as much per struct for the compiler to check (a sequence reader, a field enum with its own
/// visitor).
fn struct_serde(api: &Api, t: &TypeDef, s: &Struct) -> TokenStream {
    let name = ident(&t.name);
    let fields = s.fields.iter().enumerate().map(|(index, f)| {
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        let field = ident(&f.name);
        let wire = &f.wire_name;
        let absent = match f.presence() {
            Presence::Required => quote!(required),
            Presence::Defaulted if !is_type_default(f.default.as_ref()) => {
                let default_fn = default_fn(f);
                quote!(default(#name::#default_fn))
            }
            // Missing, a required nullable field is `None`, as with serde's derive; it is
            // still written, as `null`.
            Presence::Defaulted | Presence::RequiredNullable => quote!(default),
            // `null` reads as `None`, like absence. Generated servers refuse it where the
            // field is not nullable (the server's `NOT_NULL` table).
            Presence::Optional => quote!(optional),
            Presence::OptionalNullable => quote!(nullable),
        };
        quote!(#index #field = #wire #absent)
    });
    let additional = s.additional.as_ref().map(|a| {
        let field = ident(&a.name);
        quote!(additional #field)
    });
    let known = t.holds_enum.then(|| {
        let checks = known_fields(api, s).map(|(field, token)| quote!(#field #token));
        quote!(known { #(#checks),* })
    });
    quote! {
        rt::serde_struct!(#name { #(#fields),* } #additional #known);
    }
}

/// Whether a default is what `Default::default()` gives (`false`, `0`, `""`), so a plain
/// `#[serde(default)]` says it.
fn is_type_default(literal: Option<&Literal>) -> bool {
    match literal {
        Some(Literal::Bool(b)) => !b,
        Some(Literal::Int(n)) => *n == 0,
        Some(Literal::String(s)) => s.is_empty(),
        _ => false,
    }
}

fn default_fn(f: &Field) -> proc_macro2::Ident {
    format_ident!("default_{}", crate::naming::unraw(&f.name))
}

/// The Rust type of a field, with presence and boxing applied.
fn field_type(api: &Api, f: &Field) -> TokenStream {
    let mut ty = type_tokens(api, &f.ty);
    if f.boxed {
        ty = quote!(Box<#ty>);
    }
    match f.presence() {
        Presence::Required | Presence::Defaulted => ty,
        Presence::Optional | Presence::RequiredNullable => quote!(Option<#ty>),
        Presence::OptionalNullable => quote!(Option<Option<#ty>>),
    }
}

fn field(api: &Api, f: &Field) -> TokenStream {
    let name = ident(&f.name);
    let ty = field_type(api, f);
    let mut doc_text = f.docs.clone();
    let note = match (f.read_only, f.write_only) {
        (true, _) => Some("Set by the server; ignored in requests."),
        (_, true) => Some("Sent in requests; never returned."),
        _ => None,
    };
    if let Some(note) = note {
        doc_text.description = Some(match doc_text.description {
            Some(d) => format!("{d}\n\n{note}"),
            None => note.to_owned(),
        });
    }
    let doc = docs::attrs(&doc_text);
    let deprecated = f.docs.deprecated.then(|| quote!(#[deprecated]));
    quote! {
        #doc
        #deprecated
        pub #name: #ty,
    }
}

fn literal_tokens(api: &Api, literal: &Literal) -> TokenStream {
    match literal {
        Literal::Bool(b) => quote!(#b),
        Literal::Int(n) => {
            let lit = proc_macro2::Literal::i64_unsuffixed(*n);
            quote!(#lit)
        }
        Literal::Float(x) => {
            let lit = proc_macro2::Literal::f64_unsuffixed(*x);
            quote!(#lit)
        }
        Literal::String(s) => quote!(#s.to_owned()),
        Literal::EnumVariant { ty: id, variant } => {
            let enum_name = ident(&api.type_def(*id).name);
            let variant = ident(variant);
            quote!(#enum_name::#variant)
        }
    }
}

fn enum_def(t: &TypeDef, e: &StringEnum, doc: TokenStream) -> TokenStream {
    let name = ident(&t.name);
    let variants = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vdoc = docs::attrs(&v.docs);
        quote! {
            #vdoc
            #vname,
        }
    });
    // `as_str`, `from_wire`, serde, `Display`, `Known` and the comparisons (by wire value)
    // come from the runtime's macro: written out, they were more than a third of a large
    // spec's lines, and derived comparisons cost ~1.7 ms more per enum to check.
    let wires = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let wire = &v.wire_value;
        quote!(#vname = #wire)
    });
    quote! {
        #doc
        #[derive(Clone, Debug)]
        pub enum #name {
            #(#variants)*
            /// A value this crate does not know yet, kept verbatim.
            Unknown(String),
        }
        rt::string_enum!(#name { #(#wires),* });
    }
}

fn union_def(api: &Api, t: &TypeDef, u: &Union, doc: TokenStream) -> TokenStream {
    let name = ident(&t.name);
    let variant_ty = |v: &crate::model::UnionVariant| {
        let ty = type_tokens(api, &v.ty);
        if v.boxed { quote!(Box<#ty>) } else { ty }
    };
    match &u.tagging {
        Tagging::Untagged => {
            let variants = u.variants.iter().map(|v| {
                let vname = ident(&v.name);
                let ty = variant_ty(v);
                let vdoc = docs::attrs(&v.docs);
                quote! {
                    #vdoc
                    #vname(#ty),
                }
            });
            quote! {
                #doc
                #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
                #[serde(untagged)]
                pub enum #name {
                    #(#variants)*
                }
            }
        }
        Tagging::Tagged { property } => {
            let variants = u.variants.iter().map(|v| {
                let vname = ident(&v.name);
                let ty = variant_ty(v);
                let vdoc = docs::attrs(&v.docs);
                let tags = v.tag_values.join("`, `");
                let tag_doc = format!(" `{property}`: `{tags}`.");
                let tag_doc = (!v.tag_values.is_empty()).then(|| {
                    if v.docs.is_empty() {
                        quote!(#[doc = #tag_doc])
                    } else {
                        quote!(#[doc = ""] #[doc = #tag_doc])
                    }
                });
                quote! {
                    #vdoc
                    #tag_doc
                    #vname(#ty),
                }
            });
            let ser_arms = u.variants.iter().map(|v| {
                let vname = ident(&v.name);
                let tag = v.tag_values.first().cloned().unwrap_or_default();
                quote!(Self::#vname(inner) => rt::wire::tagged::serialize_with_tag(inner, #property, #tag, serializer),)
            });
            let de_arms = u.variants.iter().filter(|v| !v.tag_values.is_empty()).map(|v| {
                let vname = ident(&v.name);
                let tags = &v.tag_values;
                quote!(Some(#(#tags)|*) => rt::wire::tagged::from_value(value).map(Self::#vname),)
            });
            quote! {
                #doc
                #[derive(Clone, Debug, PartialEq)]
                pub enum #name {
                    #(#variants)*
                    /// A kind this crate does not know yet, kept verbatim.
                    Unknown(serde_json::Value),
                }

                impl Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        match self {
                            #(#ser_arms)*
                            Self::Unknown(value) => value.serialize(serializer),
                        }
                    }
                }

                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        let value = serde_json::Value::deserialize(deserializer)?;
                        let tag = rt::wire::tagged::tag(&value, #property).map(str::to_owned);
                        match tag.as_deref() {
                            #(#de_arms)*
                            _ => Ok(Self::Unknown(value)),
                        }
                    }
                }
            }
        }
    }
}
