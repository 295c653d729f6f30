//! Spec prose → doc comments that rustdoc and clippy accept as they are.
//!
//! Descriptions in real documents are Markdown written for web pages. Three things in them
//! break a generated crate: a bare fenced block (rustdoc compiles it as a Rust doctest), an
//! indented block (the same), and a list item whose continuation line is not indented
//! (`clippy::doc_lazy_continuation`). This module rewrites exactly those, and nothing else.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Docs;

/// `#[doc = "..."]` attributes for `docs`, summary first, then the description.
pub fn attrs(docs: &Docs) -> TokenStream {
    let mut text = String::new();
    if let Some(s) = &docs.summary {
        text.push_str(s);
    }
    if let Some(d) = &docs.description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(d);
    }
    lines(&text)
}

/// Doc attributes for free text.
pub fn lines(text: &str) -> TokenStream {
    let cleaned = sanitize(text);
    if cleaned.trim().is_empty() {
        return TokenStream::new();
    }
    let lines = cleaned.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// Makes Markdown safe for rustdoc: fences without a language become `text`, indented code is
/// unindented, tabs become spaces, and list continuations are indented under their item.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_fence = false;
    // Column at which the current list item's text starts, while inside a list item.
    let mut list_indent: Option<usize> = None;
    for raw in text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ")
        .lines()
    {
        let trimmed = raw.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let fence = &trimmed[..3];
            let lang = trimmed[3..].trim();
            if in_fence {
                out.push_str(fence);
                in_fence = false;
            } else {
                in_fence = true;
                let lang = if lang.is_empty() || lang == "rust" || lang.starts_with("rust,") {
                    "text"
                } else {
                    lang
                };
                out.push_str(fence);
                out.push_str(lang);
            }
            out.push('\n');
            list_indent = None;
            continue;
        }
        if in_fence {
            out.push_str(raw.trim_end());
            out.push('\n');
            continue;
        }
        let line = trimmed.trim_end();
        if line.is_empty() {
            list_indent = None;
            out.push('\n');
            continue;
        }
        if let Some(width) = list_marker_width(line) {
            list_indent = Some(width);
            out.push_str(line);
        } else if let Some(indent) = list_indent {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if in_fence {
        out.push_str("```\n");
    }
    // Markdown reference definitions and headings stay as they are; trailing blank lines go.
    let trimmed = out.trim_end_matches('\n');
    trimmed.to_owned()
}

/// Width of a list marker and its space (`- `, `* `, `+ `, `12. `), if the line starts one.
fn list_marker_width(line: &str) -> Option<usize> {
    for marker in ["- ", "* ", "+ "] {
        if line.starts_with(marker) {
            return Some(2);
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = &line[digits..];
        if rest.starts_with(". ") || rest.starts_with(") ") {
            return Some(digits + 2);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn rewrites_what_breaks_rustdoc() {
        let cases: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("```\nlet x = 1;\n```", "```text\nlet x = 1;\n```"),
            ("```json\n{}\n```", "```json\n{}\n```"),
            ("    indented code", "indented code"),
            ("- item\ncontinued", "- item\n  continued"),
            ("1. first\nmore\n\nafter", "1. first\n   more\n\nafter"),
            ("tab\there", "tab    here"),
            ("```\nunclosed", "```text\nunclosed\n```"),
            ("a\r\nb", "a\nb"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), *expected, "input {input:?}");
        }
    }
}
