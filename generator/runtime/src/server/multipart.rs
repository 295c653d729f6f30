//! [`MultipartForm`]: a `multipart/form-data` body, parsed whole from the bounded bytes.
//!
//! Input → output: the body [`Input`](super::Input) already read (so the body limit applies)
//! and its `content-type` → every part with its name, file name, content type and bytes,
//! looked up by name. Parsing is multer's (the parser axum's own `Multipart` uses).
//!
//! Tests: below, and over HTTP in `tests/server.rs`.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::problem::{ParamLocation, Problem, json_pointer};

/// One part of a multipart body.
///
/// ```
/// let part = oagen_rt::server::Part {
///     name: "avatar".into(),
///     filename: Some("me.png".into()),
///     content_type: Some("image/png".into()),
///     data: bytes::Bytes::from_static(b"\x89PNG"),
/// };
/// assert!(part.is_file());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The `name` of its `content-disposition` (empty if it had none).
    pub name: String,
    /// The `filename` of its `content-disposition`, for file uploads.
    pub filename: Option<String>,
    /// Its `content-type`.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: Bytes,
}

impl Part {
    /// Whether the part was sent as a file (it has a file name).
    ///
    /// ```
    /// let part = oagen_rt::server::Part { name: "n".into(), filename: None, content_type: None, data: Default::default() };
    /// assert!(!part.is_file());
    /// ```
    #[must_use]
    pub fn is_file(&self) -> bool {
        self.filename.is_some()
    }
}

/// A parsed `multipart/form-data` body. Get one from
/// [`Input::multipart`](super::Input::multipart).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let body = "--B\r\ncontent-disposition: form-data; name=\"meta\"\r\ncontent-type: application/json\r\n\r\n{\"n\":1}\r\n\
///             --B\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi\r\n--B--\r\n";
/// let form = oagen_rt::server::MultipartForm::parse("multipart/form-data; boundary=B", body.into()).await.unwrap();
/// let meta: Option<serde_json::Value> = form.json("meta").unwrap();
/// assert_eq!(meta.unwrap()["n"], 1);
/// assert_eq!(form.file("file").unwrap().filename.as_deref(), Some("a.txt"));
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultipartForm {
    parts: Vec<Part>,
}

impl MultipartForm {
    /// Parses `body` with the boundary from `content_type`. 400 when the boundary is missing
    /// or the body is malformed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let problem = oagen_rt::server::MultipartForm::parse("multipart/form-data", "x".into()).await.unwrap_err();
    /// assert_eq!(problem.status(), 400);
    /// # }
    /// ```
    pub async fn parse(content_type: &str, body: Bytes) -> Result<Self, Problem> {
        let boundary = multer::parse_boundary(content_type).map_err(|err| {
            Problem::bad_request(format!("invalid multipart content type: {err}"))
        })?;
        let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut parts = Vec::new();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(err) => return Err(malformed(&err)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let filename = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(ToString::to_string);
            let data = field.bytes().await.map_err(|err| malformed(&err))?;
            parts.push(Part {
                name,
                filename,
                content_type,
                data,
            });
        }
        Ok(Self { parts })
    }

    /// Every part, in order.
    ///
    /// ```
    /// assert!(oagen_rt::server::MultipartForm::default().parts().is_empty());
    /// ```
    #[must_use]
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The first part named `name`.
    ///
    /// ```
    /// assert!(oagen_rt::server::MultipartForm::default().part("x").is_none());
    /// ```
    #[must_use]
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|part| part.name == name)
    }

    /// The first part named `name` as UTF-8 text (400 naming it if it is not).
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::MultipartForm::default().text("x").unwrap(), None);
    /// ```
    pub fn text(&self, name: &str) -> Result<Option<String>, Problem> {
        self.part(name)
            .map(|part| {
                String::from_utf8(part.data.to_vec()).map_err(|_| {
                    Problem::invalid_parameter(name, "is not valid UTF-8").at(ParamLocation::Body)
                })
            })
            .transpose()
    }

    /// The first part named `name`, as a file (the same as [`part`](Self::part); the name
    /// says what the generated code expects).
    ///
    /// ```
    /// assert!(oagen_rt::server::MultipartForm::default().file("upload").is_none());
    /// ```
    #[must_use]
    pub fn file(&self, name: &str) -> Option<&Part> {
        self.part(name)
    }

    /// Every part named `name`, for array properties (several files under one name).
    ///
    /// ```
    /// assert!(oagen_rt::server::MultipartForm::default().files("uploads").is_empty());
    /// ```
    #[must_use]
    pub fn files(&self, name: &str) -> Vec<&Part> {
        self.parts.iter().filter(|part| part.name == name).collect()
    }

    /// The first part named `name`, parsed as JSON (the default encoding of object
    /// properties in a multipart body). 400 if malformed, 422 pointing into the part (as
    /// `/name/...`) if of the wrong shape.
    ///
    /// ```
    /// let none: Option<u8> = oagen_rt::server::MultipartForm::default().json("meta").unwrap();
    /// assert_eq!(none, None);
    /// ```
    pub fn json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Problem> {
        self.json_refusing_null(name, &[])
    }

    /// [`json`](Self::json), also refusing `null` in the fields that `not_null` lists as
    /// optional but not nullable (see [`Input::json_refusing_null`](super::Input::json_refusing_null)).
    pub fn json_refusing_null<T: DeserializeOwned>(
        &self,
        name: &str,
        not_null: &'static super::NotNull,
    ) -> Result<Option<T>, Problem> {
        let Some(part) = self.part(name) else {
            return Ok(None);
        };
        let mut de = serde_json::Deserializer::from_slice(&part.data);
        let escaped = name.replace('~', "~0").replace('/', "~1");
        let value = super::strict::deserialize(&mut de, not_null)
            .map_err(|err| {
                let pointer = format!("/{escaped}{}", json_pointer(err.path()));
                part_problem(name, err.inner(), pointer)
            })
            .and_then(|value| {
                de.end()
                    .map(|()| value)
                    .map_err(|err| part_problem(name, &err, format!("/{escaped}")))
            })?;
        Ok(Some(value))
    }
}

fn malformed(err: &multer::Error) -> Problem {
    Problem::bad_request(format!("malformed multipart body: {err}"))
}

fn part_problem(name: &str, err: &serde_json::Error, pointer: String) -> Problem {
    if err.is_data() {
        Problem::invalid_body(pointer, err.to_string())
    } else {
        Problem::invalid_parameter(name, format!("malformed JSON: {err}")).at(ParamLocation::Body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "--B\r\n\
        content-disposition: form-data; name=\"meta\"\r\n\r\n{\"tags\": [\"a\", 2]}\r\n\
        --B\r\n\
        content-disposition: form-data; name=\"files\"; filename=\"a.bin\"\r\n\
        content-type: application/octet-stream\r\n\r\n\x01\x02\r\n\
        --B\r\n\
        content-disposition: form-data; name=\"files\"; filename=\"b.bin\"\r\n\r\n\x03\r\n\
        --B--\r\n";

    async fn form() -> MultipartForm {
        MultipartForm::parse(
            "multipart/form-data; boundary=B",
            Bytes::from_static(BODY.as_bytes()),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn lookups_by_name() {
        let form = form().await;
        assert_eq!(form.parts().len(), 3);
        let files = form.files("files");
        assert_eq!(files.len(), 2);
        assert_eq!(&files[0].data[..], b"\x01\x02");
        assert_eq!(
            files[0].content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(files[1].filename.as_deref(), Some("b.bin"));
        assert!(form.file("meta").is_some_and(|part| !part.is_file()));
    }

    #[tokio::test]
    async fn json_part_errors_point_into_the_part() {
        #[derive(Debug, serde::Deserialize)]
        struct Meta {
            #[serde(rename = "tags")]
            _tags: Vec<String>,
        }
        let problem = form().await.json::<Meta>("meta").unwrap_err();
        assert_eq!(problem.status(), 422);
        assert_eq!(problem.pointer(), Some("/meta/tags/1"));
        let value: Option<serde_json::Value> = form().await.json("meta").unwrap();
        assert_eq!(value.unwrap()["tags"][0], "a");
    }

    #[tokio::test]
    async fn truncated_body_is_400() {
        let problem = MultipartForm::parse(
            "multipart/form-data; boundary=B",
            Bytes::from_static(b"--B\r\ncontent-disposition: form-data; name=\"a\"\r\n\r\nno end"),
        )
        .await
        .unwrap_err();
        assert_eq!(problem.status(), 400);
    }
}
