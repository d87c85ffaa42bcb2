//! The one way every edit runs (see the `edit` module docs): lock, refuse a
//! file that is already invalid, apply, refuse a result that would not load,
//! write atomically. The public edits in `edit` differ only in what they
//! apply.

use std::path::Path;

use super::disk::{self, write_atomically};
use super::document::{Editing, feed_lines};
use super::error::EditError;
use crate::config::error::Error;
use crate::config::types::Config;
use crate::config::validate;

/// The configuration as written, with the line of each entry (by index).
pub(super) type Written = (Config, Vec<usize>);

/// The whole edit protocol (see the module docs). `apply` changes the
/// document and says whether there is anything to write; on a write, the
/// new configuration and its entry lines come back with `apply`'s value.
pub(super) fn edit<T>(
    path: &Path,
    apply: impl FnOnce(&mut Editing<'_>) -> Result<(T, bool), EditError>,
) -> Result<(Option<Written>, T), EditError> {
    // Write where the file really is: renaming over a symlink would replace
    // the link with a file.
    let real = std::fs::canonicalize(path).map_err(|source| {
        EditError::Config(Error::Read {
            path: path.to_owned(),
            source,
        })
    })?;
    let lock = disk::lock(&real)?;

    let text = disk::read(&real)?;
    let config = validate::from_str(&text, path)?;
    let mut file = Editing::new(path, &config, &text)?;
    let (value, write) = apply(&mut file)?;
    if !write {
        return Ok((None, value));
    }
    let mut new_text = file.render();
    // toml_edit writes `\n`; a file written with CRLF stays CRLF, or every
    // line of it would change.
    if text.contains("\r\n") {
        new_text = new_text.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    let new_config = match validate::from_str(&new_text, path) {
        Ok(config) => config,
        Err(Error::Invalid { problems, .. }) => {
            return Err(EditError::WouldBeInvalid {
                path: path.to_owned(),
                problems,
            });
        }
        Err(e) => return Err(EditError::Config(e)),
    };
    write_atomically(&real, new_text.as_bytes()).map_err(|source| EditError::Write {
        path: path.to_owned(),
        source,
    })?;
    drop(lock);
    let lines = feed_lines(&new_text);
    Ok((Some((new_config, lines)), value))
}
