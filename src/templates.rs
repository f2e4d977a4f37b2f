//! Page and email templates, embedded in the binary so the working directory never matters.

use std::future::Future;
use std::sync::{Arc, LazyLock};

use tera::Tera;

use crate::store::brand::Brand;

/// Every template file, by its path under `templates/` (listed by `build.rs`).
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/templates.rs"));

static TERA: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates(FILES.iter().copied())
        .map_err(|e| format!("{e:?}"))?;
    tera.autoescape_on(vec![".html", ".atom"]);
    tera.set_escape_fn(escape_html);
    Ok(tera)
});

/// Escapes what can break out of HTML text or a quoted attribute: `& < > " '`. (Tera's
/// default also escapes `/`, which only makes every URL unreadable.)
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

tokio::task_local! {
    static BRAND: Arc<Brand>;
}

/// Runs `work` (serving one request) with `brand` as the one its pages are drawn with.
pub async fn with_brand<F: Future>(brand: Arc<Brand>, work: F) -> F::Output {
    BRAND.scope(brand, work).await
}

/// The brand of the request being served (Heard's own outside one).
pub fn current_brand() -> Arc<Brand> {
    BRAND.try_with(Arc::clone).unwrap_or_default()
}

/// Renders a template; `.html` templates escape every value. Every template is given the
/// current request's `brand` (see [`with_brand`]; Heard's own outside a request) unless the
/// context has its own.
pub fn render(name: &str, context: &tera::Context) -> Result<String, tera::Error> {
    let tera = match &*TERA {
        Ok(tera) => tera,
        Err(e) => return Err(tera::Error::msg(format!("templates failed to load: {e}"))),
    };
    if context.contains_key("brand") {
        return tera.render(name, context);
    }
    let mut branded = context.clone();
    branded.insert("brand", &*current_brand());
    tera.render(name, &branded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        assert!(TERA.is_ok(), "{:?}", TERA.as_ref().err());
        assert!(FILES.iter().any(|(name, _)| *name == "email/base.html"));
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
