//! The routes the app registers, as tests walk them: every URL that signs someone in or out
//! or serves signed-in staff (`heard::web::routes::staff_urls`), one per method, with a
//! segment that matches one of several words (`{decision:publish|decline}`) standing for
//! each word; and URLs reduced to their shape, to compare a test's table with them.

/// Every (method, path) of the sign-in and staff URLs, paths as registered (`{id}`).
pub fn staff_routes() -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for (path, methods) in heard::web::routes::staff_urls() {
        for path in alternatives(&path) {
            for method in &methods {
                found.push((*method, path.clone()));
            }
        }
    }
    found
}

/// The paths of every `POST` among [`staff_routes`].
pub fn staff_post_routes() -> Vec<String> {
    staff_routes()
        .into_iter()
        .filter(|(method, _)| *method == "POST")
        .map(|(_, path)| path)
        .collect()
}

/// `/a/{x:b|c}` as `/a/b` and `/a/c`.
fn alternatives(path: &str) -> Vec<String> {
    let Some((before, rest)) = path.split_once('{') else {
        return vec![path.to_owned()];
    };
    let (inside, after) = rest.split_once('}').unwrap_or((rest, ""));
    let words: Vec<String> = match inside.split_once(':') {
        Some((_, words)) => words.split('|').map(str::to_owned).collect(),
        None => vec![format!("{{{inside}}}")],
    };
    let mut out = Vec::new();
    for word in words {
        for tail in alternatives(after) {
            out.push(format!("{before}{word}{tail}"));
        }
    }
    out
}

/// A URL with each `{…}` segment (and any query) reduced to `{}`.
pub fn shape(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `url` with each `{name}` replaced by its value; every placeholder must have one.
pub fn fill(url: &str, values: &[(&str, String)]) -> String {
    let mut url = url.to_owned();
    for (name, value) in values {
        url = url.replace(&format!("{{{name}}}"), value);
    }
    assert!(!url.contains('{'), "no value for a placeholder in {url}");
    url
}
