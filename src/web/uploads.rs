//! Staff forms that upload a file (`multipart/form-data`): the small fields (the CSRF token
//! among them) and one file named `file`, read up to a limit and refused beyond it.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::error::AppError;

/// What an upload form sent.
#[derive(Debug, Default)]
pub struct Upload {
    /// Every other field, as text (each up to 1 KB).
    pub fields: HashMap<String, String>,
    /// The file's bytes (empty when none was chosen).
    pub file: Vec<u8>,
}

impl Upload {
    /// A field's text, or "" when it was not sent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// The small fields an upload form may carry; others are read and dropped.
const FIELDS: &[&str] = &["csrf", "create_teams"];
/// Parts in one upload, at most.
const MAX_PARTS: usize = 8;

/// Reads an upload form, the file capped at `limit` bytes (`too_big` says so to the person).
pub async fn read(mut parts: Multipart, limit: usize, too_big: &str) -> Result<Upload, AppError> {
    let unreadable = |e: actix_multipart::MultipartError| {
        AppError::BadRequest(format!("The upload could not be read: {e}"))
    };
    let mut upload = Upload::default();
    let mut count = 0;
    while let Some(field) = parts.next().await {
        count += 1;
        if count > MAX_PARTS {
            return Err(AppError::BadRequest("That form has too many parts.".into()));
        }
        let mut field = field.map_err(unreadable)?;
        let name = field.name().unwrap_or_default().to_owned();
        let cap = if name == "file" { limit } else { 1024 };
        let bytes = field
            .bytes(cap)
            .await
            .map_err(|_| AppError::BadRequest(too_big.to_owned()))?
            .map_err(unreadable)?;
        if name == "file" {
            upload.file = bytes.to_vec();
        } else if FIELDS.contains(&name.as_str()) {
            upload
                .fields
                .insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(upload)
}
