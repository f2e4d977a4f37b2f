//! Renders an email from its folder `templates/email/<name>/`: a one-line subject, a plain
//! text part and an HTML part (which escapes every value).

use crate::templates;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub const SUBJECT_MAX_CHARS: usize = 200;

pub fn render(name: &str, context: &tera::Context) -> Result<Rendered, tera::Error> {
    let subject = templates::render(&format!("email/{name}/subject.txt"), context)?;
    // One line, whatever the values held: a subject can never carry a second header.
    let subject: String = subject
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(SUBJECT_MAX_CHARS)
        .collect();
    Ok(Rendered {
        subject,
        text: templates::render(&format!("email/{name}/body.txt"), context)?,
        html: templates::render(&format!("email/{name}/body.html"), context)?,
    })
}
