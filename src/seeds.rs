//! Seed articles (CONTRACT STUB — being written).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use url::Url;

/// One seed article, cleaned: the article alone, no site chrome, no comments.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedArticle {
    /// The file it came from; its file name is the seed's stable identity.
    pub path: PathBuf,
    pub title: String,
    /// From front matter only (scraped text carries no reliable URL).
    pub url: Option<Url>,
    /// From front matter, else the dateline in the text, else `None`.
    pub published: Option<NaiveDate>,
    /// The body, one paragraph per element, plain text.
    pub paragraphs: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read seeds folder {}", path.display())]
    ReadDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read seed file {}", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: bad front matter: {message}", path.display())]
    FrontMatter {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: no article text left after cleaning", path.display())]
    Empty { path: PathBuf },
}

/// Loads every `.txt` and `.md` file of `dir`, sorted by file name.
/// A bad file is returned as an error in its slot so that one bad seed does
/// not hide the others.
pub fn load_dir(dir: &Path) -> Result<Vec<Result<SeedArticle, Error>>, Error> {
    let _ = dir;
    unimplemented!()
}

/// Cleans one scraped article (front matter, if any, wins over detection).
pub fn clean(path: &Path, raw: &str) -> Result<SeedArticle, Error> {
    let _ = (path, raw);
    unimplemented!()
}
