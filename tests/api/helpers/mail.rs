//! What Heard queued to send (the outbox) and what it wrote to disk (`.eml` files): who gets
//! which email, its words, the link in it; and an email as sent, its text part decoded.

use std::path::{Path, PathBuf};

use diesel::prelude::*;
use heard::db::schema::outbox;

use super::TestApp;

/// One queued email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Every queued email made from `template`, by recipient, oldest first.
pub fn queued(app: &TestApp, template: &str) -> Vec<Queued> {
    outbox::table
        .filter(outbox::template.eq(template))
        .order((outbox::recipient.asc(), outbox::created_at.asc()))
        .select((outbox::recipient, outbox::subject, outbox::body_text))
        .load::<(String, String, String)>(&mut app.conn())
        .expect("read the outbox")
        .into_iter()
        .map(|(to, subject, text)| Queued { to, subject, text })
        .collect()
}

/// The templates of the emails queued to `recipient`, oldest first.
pub fn templates_to(app: &TestApp, recipient: &str) -> Vec<String> {
    outbox::table
        .filter(outbox::recipient.eq(recipient))
        .order(outbox::created_at.asc())
        .select(outbox::template)
        .load(&mut app.conn())
        .expect("read the outbox")
}

/// The words of every receipt queued to `email`, oldest first.
pub fn receipts_to(app: &TestApp, email: &str) -> Vec<String> {
    queued(app, "receipt")
        .into_iter()
        .filter(|mail| mail.to == email)
        .map(|mail| mail.text)
        .collect()
}

/// How many emails are queued to `recipient`.
pub fn mail_count_to(app: &TestApp, recipient: &str) -> i64 {
    outbox::table
        .filter(outbox::recipient.eq(recipient))
        .count()
        .get_result(&mut app.conn())
        .expect("count the outbox")
}

/// The path of the link in the latest `template` email to `to` (an invitation, a reset).
pub fn link_in_mail(app: &TestApp, to: &str, template: &str) -> String {
    let text: String = outbox::table
        .filter(outbox::recipient.eq(to))
        .filter(outbox::template.eq(template))
        .order(outbox::created_at.desc())
        .select(outbox::body_text)
        .first(&mut app.conn())
        .unwrap_or_else(|_| panic!("no {template} email to {to}"));
    let start = text.find(&app.address).expect("a link") + app.address.len();
    text[start..]
        .split_whitespace()
        .next()
        .expect("a path")
        .to_owned()
}

/// The `.eml` files in a directory (none if it does not exist).
pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("a directory entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

/// An `.eml` file's text, with quoted-printable soft line breaks undone.
pub fn eml_text(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("read an .eml file")
        .replace("=\r\n", "")
        .replace("=\n", "")
}

/// The plain-text part of an email as sent (MIME, multipart/alternative), decoded from its
/// transfer encoding (quoted-printable or base64) as UTF-8, with CRLF line ends as LF.
pub fn text_part(data: &str) -> String {
    let start = data.find("boundary=\"").expect("a multipart email") + 10;
    let boundary = &data[start..start + data[start..].find('"').expect("the boundary's end")];
    let part = data
        .split(&format!("--{boundary}"))
        .find(|part| part.contains("Content-Type: text/plain; charset=utf-8"))
        .unwrap_or_else(|| panic!("no UTF-8 text part in {data}"));
    let (headers, body) = part
        .split_once("\r\n\r\n")
        .expect("a part's headers and body");
    let bytes = if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        decode_quoted_printable(body)
    } else if headers.contains("Content-Transfer-Encoding: base64") {
        use base64::Engine;
        let text: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64")
    } else {
        body.as_bytes().to_vec()
    };
    String::from_utf8(bytes)
        .expect("UTF-8 text")
        .replace("\r\n", "\n")
}

/// Undoes quoted-printable (RFC 2045, 6.7): a soft line break (`=` at a line's end) goes,
/// and `=XX` is the byte XX.
pub fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

#[test]
fn quoted_printable_is_decoded() {
    let encoded = "Caf=C3=A9 au =\r\nlait =3D =E2=80=94 ok=\r\n\r\nnext line";
    let decoded = String::from_utf8(decode_quoted_printable(encoded)).unwrap();
    assert_eq!(decoded, "Café au lait = — ok\r\nnext line");
}

/// A file's permission bits.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("a file")
        .permissions()
        .mode()
        & 0o777
}
