//! Embeds every file under frontend/ (recursively) in the binary: writes
//! `$OUT_DIR/frontend_files.rs`, a table of (path relative to frontend/, bytes) that
//! src/http/assets.rs hashes, compresses and serves. Adding a file needs no Rust edit.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("frontend");
    // A directory here makes cargo rerun this script when anything under it changes.
    println!("cargo:rerun-if-changed=frontend");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut out = String::from("/// Every file under frontend/: (path relative to frontend/, contents).\npub const FILES: &[(&str, &[u8])] = &[\n");
    for file in &files {
        let rel = file.strip_prefix(&root).expect("walked under root");
        let rel = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/");
        out.push_str(&format!("    ({rel:?}, include_bytes!({:?})),\n", file.display().to_string()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("frontend_files.rs");
    fs::write(dest, out).expect("writing frontend_files.rs");
}

/// Files worth serving: no dotfiles, no type declarations (`*.d.ts` are for tsc only).
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".d.ts") || name.ends_with('~') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}
