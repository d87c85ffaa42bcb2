//! Generates the topic scorer's built-in background table,
//! `src/topic/background.tsv.gz`, from the public feed samples in
//! `tests/corpus/realworld/` (real feeds from many sites; their licences are
//! beside them): every entry that parses becomes one document, and stems
//! seen in fewer than two documents are pruned.
//!
//! `cargo run --example topic-background [OUTPUT]`

use std::io::Write as _;
use std::path::{Path, PathBuf};

use feedloom::normalize::normalize_entry;
use feedloom::parse::parse;
use feedloom::topic::{Background, Document};
use flate2::Compression;
use flate2::write::GzEncoder;
use url::Url;

/// Stems in fewer documents are left out: they are rare anyway (an unknown
/// stem gets the highest IDF), and they are most of the table's size.
const MIN_DF: u32 = 2;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("src/topic/background.tsv.gz"));
    let mut files = Vec::new();
    collect(&root.join("tests/corpus/realworld"), &mut files)?;
    files.sort();

    let base = Url::parse("http://example.invalid/")?;
    let mut stories = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file)?;
        let Ok(feed) = parse(&bytes, None, &base) else {
            continue;
        };
        stories.extend(
            feed.entries
                .iter()
                .filter_map(normalize_entry)
                .map(|i| i.story),
        );
    }
    let docs = stories.iter().map(|s| Document {
        title: &s.title,
        text: &s.content_text,
    });
    let background = Background::from_documents(docs);
    let tsv = background.to_tsv(MIN_DF);

    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(tsv.as_bytes())?;
    let bytes = gz.finish()?;
    std::fs::write(&output, &bytes)?;
    println!(
        "{} files, {} documents, {} stems (df >= {MIN_DF}), {} bytes gzipped -> {}",
        files.len(),
        background.documents(),
        tsv.lines().count() - 1,
        bytes.len(),
        output.display()
    );
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("LICENSE"))
        {
            out.push(path);
        }
    }
    Ok(())
}
