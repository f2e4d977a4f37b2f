//! Embeds every file under `templates/` and `static/` in the binary: writes the
//! `(name, contents)` lists that `src/templates.rs` and `src/web/assets.rs` include, so adding
//! a template or a static file needs no code change. `app.css` is the parts under
//! `static/css/`, joined in the order of their names, so each area of the site keeps its
//! styles in a file of its own while a page still loads one stylesheet.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}"));
        for entry in entries {
            let path = entry.expect("a readable template directory").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("templates");
    println!("cargo:rerun-if-changed=templates");
    let mut out = String::from("&[\n");
    for path in files(&root) {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .strip_prefix(&root)
            .expect("under templates/")
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(out, "    ({name:?}, include_str!({:?})),", path.display()).expect("string");
    }
    out.push(']');
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    std::fs::write(out_dir.join("templates.rs"), out).expect("OUT_DIR is writable");
    static_files(&manifest.join("static"), &out_dir);
}

/// Writes `static.rs` (the `(name, path)` list of files served under `/static/`) and
/// `app.css` (the stylesheet parts under `static/css/`, joined).
fn static_files(root: &Path, out_dir: &Path) {
    println!("cargo:rerun-if-changed=static");
    let mut css = String::new();
    let mut list = String::from("&[\n");
    for path in files(root) {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .strip_prefix(root)
            .expect("under static/")
            .to_string_lossy()
            .replace('\\', "/");
        if let Some(part) = name.strip_prefix("css/") {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            writeln!(css, "/* {part} */\n{text}").expect("string");
        } else {
            writeln!(list, "    ({name:?}, include_str!({:?})),", path.display()).expect("string");
        }
    }
    let joined = out_dir.join("app.css");
    std::fs::write(&joined, css).expect("OUT_DIR is writable");
    writeln!(
        list,
        "    (\"app.css\", include_str!({:?})),",
        joined.display()
    )
    .expect("string");
    list.push(']');
    std::fs::write(out_dir.join("static.rs"), list).expect("OUT_DIR is writable");
}
