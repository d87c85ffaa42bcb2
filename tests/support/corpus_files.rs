//! The sample files of the feed corpus (tests/corpus, see its MANIFEST.md),
//! shared by the corpus test, the fuzz test and the throughput bench, which
//! include this file with `#[path]`.

use std::path::{Path, PathBuf};

/// Every sample under `dir`, recursively and sorted (so that a run names
/// the same file on every machine): everything but the licence texts, the
/// manifest, the expectations and feed-rs's `.serde.json` dumps.
pub fn samples(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                walk(&path, out);
            } else if is_sample(&path) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

fn is_sample(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !(name.starts_with("LICENSE")
        || name.ends_with(".serde.json")
        || name.ends_with(".md")
        || name.ends_with(".tsv")
        || name.ends_with(".py"))
}
