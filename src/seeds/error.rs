//! What can go wrong loading seeds. Its own module because the front-matter
//! reader reports its errors in these terms too: it takes them from here
//! instead of reaching back into the loader that calls it.

use std::path::PathBuf;

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
