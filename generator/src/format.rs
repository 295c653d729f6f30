//! Token streams → formatted Rust source.
//!
//! Input: a `TokenStream` for a whole file. Output: prettyplease's rendering with the
//! `@generated` header on top, `\n` line ends. No text passes after formatting.
//!
//! A parse failure here is a bug in an emitter (it produced tokens that are not a Rust file);
//! it is returned as an error naming the file, never a panic.

use proc_macro2::TokenStream;

/// Formats `tokens` as a file, with `header` (already ending in a newline) first.
pub fn rust_file(tokens: &TokenStream, header: &str) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens.clone())
        .map_err(|e| format!("internal error: emitted tokens are not a Rust file: {e}"))?;
    let body = prettyplease::unparse(&file);
    Ok(format!("{header}{body}"))
}
