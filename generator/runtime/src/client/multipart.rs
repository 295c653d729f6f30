//! A `multipart/form-data` body (RFC 7578) described as data, so it can be rebuilt for every
//! retry; `reqwest::multipart::Form` is consumed by sending. Tests: `tests/client.rs`
//! (`multipart_*`).

use std::fmt;

use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use serde::Serialize;

/// A rebuildable `multipart/form-data` body for [`Call::multipart`](super::Call::multipart).
///
/// ```
/// use oagen_rt::client::Multipart;
///
/// let form = Multipart::new()
///     .text("title", "Holiday")
///     .file("photo", vec![0xff, 0xd8], Some("beach.jpg".into()), Some("image/jpeg".into()))
///     .json("meta", &serde_json::json!({"tags": ["sea"]}));
/// assert_eq!(form.len(), 3);
/// assert!(format!("{form:?}").contains("beach.jpg"));
/// ```
#[derive(Clone, Default)]
pub struct Multipart {
    parts: Vec<PartSpec>,
    error: Option<String>,
}

#[derive(Clone)]
struct PartSpec {
    name: String,
    body: PartBody,
    filename: Option<String>,
    content_type: Option<String>,
}

#[derive(Clone)]
enum PartBody {
    Text(String),
    Bytes(Bytes),
}

impl Multipart {
    /// An empty form.
    ///
    /// ```
    /// assert!(oagen_rt::client::Multipart::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text field.
    ///
    /// ```
    /// let form = oagen_rt::client::Multipart::new().text("name", "Ada");
    /// assert_eq!(form.len(), 1);
    /// ```
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(name.into(), PartBody::Text(value.into()), None, None);
        self
    }

    /// Adds a file (or any binary field), with an optional file name and content type (the
    /// receiver's default is `application/octet-stream`). The bytes are shared, not copied,
    /// between retries.
    ///
    /// ```
    /// let form = oagen_rt::client::Multipart::new().file("data", b"raw".to_vec(), None, None);
    /// assert_eq!(form.len(), 1);
    /// ```
    pub fn file(
        mut self,
        name: impl Into<String>,
        bytes: impl Into<Bytes>,
        filename: Option<String>,
        content_type: Option<String>,
    ) -> Self {
        self.push(
            name.into(),
            PartBody::Bytes(bytes.into()),
            filename,
            content_type,
        );
        self
    }

    /// Adds a field holding `value` as JSON, with content type `application/json` (the OAS
    /// default for object-valued multipart properties, §4.7.15 "Encoding Object").
    ///
    /// A value that fails to serialize makes the request fail with
    /// [`Error::InvalidRequest`](super::Error::InvalidRequest) when sent.
    ///
    /// ```
    /// let form = oagen_rt::client::Multipart::new().json("meta", &[1, 2]);
    /// assert_eq!(form.len(), 1);
    /// ```
    pub fn json<T: Serialize + ?Sized>(mut self, name: impl Into<String>, value: &T) -> Self {
        let name = name.into();
        match serde_json::to_vec(value) {
            Ok(json) => {
                let body = PartBody::Bytes(Bytes::from(json));
                self.push(name, body, None, Some("application/json".to_owned()));
            }
            Err(err) => {
                self.error
                    .get_or_insert(format!("multipart field `{name}`: {err}"));
            }
        }
        self
    }

    /// The number of fields.
    ///
    /// ```
    /// assert_eq!(oagen_rt::client::Multipart::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the form has no fields.
    ///
    /// ```
    /// assert!(!oagen_rt::client::Multipart::new().text("a", "b").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    fn push(
        &mut self,
        name: String,
        body: PartBody,
        filename: Option<String>,
        content_type: Option<String>,
    ) {
        self.parts.push(PartSpec {
            name,
            body,
            filename,
            content_type,
        });
    }

    /// Builds the form reqwest sends; called once per attempt.
    pub(crate) fn to_form(&self) -> Result<Form, String> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let mut form = Form::new();
        for spec in &self.parts {
            let mut part = match &spec.body {
                PartBody::Text(text) => Part::text(text.clone()),
                PartBody::Bytes(bytes) => {
                    Part::stream_with_length(reqwest::Body::from(bytes.clone()), bytes.len() as u64)
                }
            };
            if let Some(filename) = &spec.filename {
                part = part.file_name(filename.clone());
            }
            if let Some(content_type) = &spec.content_type {
                part = part.mime_str(content_type).map_err(|_| {
                    format!(
                        "multipart field `{}`: invalid content type `{content_type}`",
                        spec.name
                    )
                })?;
            }
            form = form.part(spec.name.clone(), part);
        }
        Ok(form)
    }
}

impl fmt::Debug for Multipart {
    /// Field names, sizes, file names and content types; never the contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for spec in &self.parts {
            let size = match &spec.body {
                PartBody::Text(text) => text.len(),
                PartBody::Bytes(bytes) => bytes.len(),
            };
            list.entry(&format_args!(
                "{} ({size} bytes{}{})",
                spec.name,
                spec.filename
                    .as_deref()
                    .map(|n| format!(", file {n}"))
                    .unwrap_or_default(),
                spec.content_type
                    .as_deref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default(),
            ));
        }
        list.finish()?;
        if let Some(error) = &self.error {
            write!(f, " (error: {error})")?;
        }
        Ok(())
    }
}
