//! Embeds every file under `templates/` in the binary: writes the `(name, contents)` list
//! that `src/templates.rs` includes, so adding a template needs no code change.

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
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("templates.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
