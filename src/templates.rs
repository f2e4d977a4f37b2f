//! Page and email templates, embedded in the binary so the working directory never matters.

use std::sync::LazyLock;

use tera::Tera;

/// Every template file, by its path under `templates/`.
const FILES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    (
        "email/base.html",
        include_str!("../templates/email/base.html"),
    ),
    (
        "email/complaint_manager/body.html",
        include_str!("../templates/email/complaint_manager/body.html"),
    ),
    (
        "email/complaint_manager/body.txt",
        include_str!("../templates/email/complaint_manager/body.txt"),
    ),
    (
        "email/complaint_manager/subject.txt",
        include_str!("../templates/email/complaint_manager/subject.txt"),
    ),
    (
        "email/complaint_rep/body.html",
        include_str!("../templates/email/complaint_rep/body.html"),
    ),
    (
        "email/complaint_rep/body.txt",
        include_str!("../templates/email/complaint_rep/body.txt"),
    ),
    (
        "email/complaint_rep/subject.txt",
        include_str!("../templates/email/complaint_rep/subject.txt"),
    ),
    (
        "email/invitation/body.html",
        include_str!("../templates/email/invitation/body.html"),
    ),
    (
        "email/invitation/body.txt",
        include_str!("../templates/email/invitation/body.txt"),
    ),
    (
        "email/invitation/subject.txt",
        include_str!("../templates/email/invitation/subject.txt"),
    ),
    (
        "email/note_unrouted/body.html",
        include_str!("../templates/email/note_unrouted/body.html"),
    ),
    (
        "email/note_unrouted/body.txt",
        include_str!("../templates/email/note_unrouted/body.txt"),
    ),
    (
        "email/note_unrouted/subject.txt",
        include_str!("../templates/email/note_unrouted/subject.txt"),
    ),
    (
        "email/password_reset/body.html",
        include_str!("../templates/email/password_reset/body.html"),
    ),
    (
        "email/password_reset/body.txt",
        include_str!("../templates/email/password_reset/body.txt"),
    ),
    (
        "email/password_reset/subject.txt",
        include_str!("../templates/email/password_reset/subject.txt"),
    ),
    (
        "email/receipt/body.html",
        include_str!("../templates/email/receipt/body.html"),
    ),
    (
        "email/receipt/body.txt",
        include_str!("../templates/email/receipt/body.txt"),
    ),
    (
        "email/receipt/subject.txt",
        include_str!("../templates/email/receipt/subject.txt"),
    ),
    (
        "email/story_declined/body.html",
        include_str!("../templates/email/story_declined/body.html"),
    ),
    (
        "email/story_declined/body.txt",
        include_str!("../templates/email/story_declined/body.txt"),
    ),
    (
        "email/story_declined/subject.txt",
        include_str!("../templates/email/story_declined/subject.txt"),
    ),
    (
        "email/story_published_customer/body.html",
        include_str!("../templates/email/story_published_customer/body.html"),
    ),
    (
        "email/story_published_customer/body.txt",
        include_str!("../templates/email/story_published_customer/body.txt"),
    ),
    (
        "email/story_published_customer/subject.txt",
        include_str!("../templates/email/story_published_customer/subject.txt"),
    ),
    (
        "email/story_published_rep/body.html",
        include_str!("../templates/email/story_published_rep/body.html"),
    ),
    (
        "email/story_published_rep/body.txt",
        include_str!("../templates/email/story_published_rep/body.txt"),
    ),
    (
        "email/story_published_rep/subject.txt",
        include_str!("../templates/email/story_published_rep/subject.txt"),
    ),
    (
        "email/thanks_manager/body.html",
        include_str!("../templates/email/thanks_manager/body.html"),
    ),
    (
        "email/thanks_manager/body.txt",
        include_str!("../templates/email/thanks_manager/body.txt"),
    ),
    (
        "email/thanks_manager/subject.txt",
        include_str!("../templates/email/thanks_manager/subject.txt"),
    ),
    (
        "email/thanks_rep/body.html",
        include_str!("../templates/email/thanks_rep/body.html"),
    ),
    (
        "email/thanks_rep/body.txt",
        include_str!("../templates/email/thanks_rep/body.txt"),
    ),
    (
        "email/thanks_rep/subject.txt",
        include_str!("../templates/email/thanks_rep/subject.txt"),
    ),
    ("error.html", include_str!("../templates/error.html")),
    (
        "partials/forms.html",
        include_str!("../templates/partials/forms.html"),
    ),
    (
        "partials/person_fields.html",
        include_str!("../templates/partials/person_fields.html"),
    ),
    (
        "partials/rep_card.html",
        include_str!("../templates/partials/rep_card.html"),
    ),
    (
        "partials/select.html",
        include_str!("../templates/partials/select.html"),
    ),
    (
        "partials/story_card.html",
        include_str!("../templates/partials/story_card.html"),
    ),
    (
        "partials/team_fields.html",
        include_str!("../templates/partials/team_fields.html"),
    ),
    (
        "public/card.html",
        include_str!("../templates/public/card.html"),
    ),
    (
        "public/embed.html",
        include_str!("../templates/public/embed.html"),
    ),
    (
        "public/feed.atom",
        include_str!("../templates/public/feed.atom"),
    ),
    (
        "public/feedback_form.html",
        include_str!("../templates/public/feedback_form.html"),
    ),
    (
        "public/home.html",
        include_str!("../templates/public/home.html"),
    ),
    (
        "public/receipt.html",
        include_str!("../templates/public/receipt.html"),
    ),
    (
        "public/rep_wall.html",
        include_str!("../templates/public/rep_wall.html"),
    ),
    (
        "public/reps.html",
        include_str!("../templates/public/reps.html"),
    ),
    (
        "public/setup.html",
        include_str!("../templates/public/setup.html"),
    ),
    (
        "public/setup_done.html",
        include_str!("../templates/public/setup_done.html"),
    ),
    (
        "public/story.html",
        include_str!("../templates/public/story.html"),
    ),
    (
        "public/wall.html",
        include_str!("../templates/public/wall.html"),
    ),
    (
        "staff/audit.html",
        include_str!("../templates/staff/audit.html"),
    ),
    (
        "staff/base.html",
        include_str!("../templates/staff/base.html"),
    ),
    (
        "staff/forgot.html",
        include_str!("../templates/staff/forgot.html"),
    ),
    (
        "staff/import.html",
        include_str!("../templates/staff/import.html"),
    ),
    (
        "staff/inbox.html",
        include_str!("../templates/staff/inbox.html"),
    ),
    (
        "staff/login.html",
        include_str!("../templates/staff/login.html"),
    ),
    ("staff/me.html", include_str!("../templates/staff/me.html")),
    (
        "staff/note.html",
        include_str!("../templates/staff/note.html"),
    ),
    (
        "staff/password.html",
        include_str!("../templates/staff/password.html"),
    ),
    (
        "staff/people.html",
        include_str!("../templates/staff/people.html"),
    ),
    (
        "staff/person.html",
        include_str!("../templates/staff/person.html"),
    ),
    (
        "staff/queue.html",
        include_str!("../templates/staff/queue.html"),
    ),
    (
        "staff/story.html",
        include_str!("../templates/staff/story.html"),
    ),
    (
        "staff/team.html",
        include_str!("../templates/staff/team.html"),
    ),
    (
        "staff/teams.html",
        include_str!("../templates/staff/teams.html"),
    ),
];

static TERA: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates(FILES.iter().copied())
        .map_err(|e| format!("{e:?}"))?;
    tera.autoescape_on(vec![".html", ".atom"]);
    Ok(tera)
});

/// Renders a template; `.html` templates escape every value.
pub fn render(name: &str, context: &tera::Context) -> Result<String, tera::Error> {
    match &*TERA {
        Ok(tera) => tera.render(name, context),
        Err(e) => Err(tera::Error::msg(format!("templates failed to load: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_embedded_and_parses() {
        assert!(TERA.is_ok(), "{:?}", TERA.as_ref().err());
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let rel = path
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    on_disk.push(rel);
                }
            }
        }
        for file in on_disk {
            assert!(
                FILES.iter().any(|(name, _)| *name == file),
                "templates/{file} is not listed in src/templates.rs"
            );
        }
    }

    #[test]
    fn values_are_escaped() {
        let mut ctx = tera::Context::new();
        ctx.insert("status", &404);
        ctx.insert("title", "<script>alert(1)</script>");
        ctx.insert("message", "\"><img src=x onerror=alert(1)>");
        ctx.insert("request_id", "r");
        let html = render("error.html", &ctx).unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img src=x"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
