//! The shell's folders are the flow, and imports only point down: a module of one folder
//! may use the folders after it in [`ORDER`], never one before it. This test reads every
//! source file and fails naming each upward import, so a circle between folders cannot
//! come back unnoticed.

use std::path::{Path, PathBuf};

/// The folders (and leaf files) of `crates/triage/src`, from the top of the flow down.
const ORDER: &[&str] =
    &["cli", "app", "api", "config", "sources", "ingest", "engine", "notify", "store", "net", "clock", "metrics"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::<name>` paths a line of code uses (comments left out).
fn used_roots(line: &str) -> Vec<&str> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .map(|(i, _)| {
            let rest = &code[i + "crate::".len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn imports_only_point_down_the_flow() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "found only {} source files under {}", files.len(), src.display());
    let mut upward = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a component").as_os_str().to_string_lossy();
        let folder = first.trim_end_matches(".rs");
        let Some(level) = ORDER.iter().position(|f| *f == folder) else {
            assert!(matches!(folder, "lib" | "main"), "{} is in no known folder; add it to ORDER", rel.display());
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable source file");
        for (n, line) in text.lines().enumerate() {
            for root in used_roots(line) {
                if let Some(target) = ORDER.iter().position(|f| *f == root)
                    && target < level
                {
                    upward.push(format!("{}:{}: {folder} uses crate::{root}", rel.display(), n + 1));
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports pointing up the flow:\n{}", upward.join("\n"));
}

#[test]
fn roots_are_read_from_code_not_comments() {
    assert_eq!(used_roots("use crate::engine::Shared; // see crate::cli"), vec!["engine"]);
    assert_eq!(used_roots("//! see crate::cli::poll"), Vec::<&str>::new());
    assert_eq!(used_roots("let x = crate::net::cause::one_line(&crate::store::url::X);"), vec!["net", "store"]);
}
