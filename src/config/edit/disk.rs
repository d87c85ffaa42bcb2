//! What makes an edit safe against other editors and against crashes: the
//! exclusive lock on a sidecar file that queues concurrent edits, and the
//! atomic replacement (temp file, fsync, same permissions and owner, rename,
//! fsync the folder) that lets a reader see the old file or the new one,
//! never half. Kept apart from the edit protocol so the platform details
//! (ownership, directory fsync) stay out of it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::EditError;
use crate::config::error::Error;

/// Takes the exclusive lock on `path`'s sidecar `.lock` file, waiting for
/// another editor to finish; the lock is held until the returned file is
/// dropped.
pub(super) fn lock(path: &Path) -> Result<File, EditError> {
    let lock_path = sidecar(path, ".lock");
    // Read access is enough for an advisory lock: opening an existing lock
    // file read-only means one left behind by `sudo feedloom …` does not
    // lock the file's owner out. Only a missing one is created.
    let lock = OpenOptions::new()
        .read(true)
        .open(&lock_path)
        .or_else(|_| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
        })
        .map_err(|source| EditError::Lock {
            path: lock_path.clone(),
            source,
        })?;
    // Blocks until the other editor is done (`File::lock`, std since 1.89).
    lock.lock().map_err(|source| EditError::Lock {
        path: lock_path.clone(),
        source,
    })?;
    Ok(lock)
}

/// The file's text; a failure is the configuration's (it cannot be read),
/// reported as `load` would.
pub(super) fn read(path: &Path) -> Result<String, EditError> {
    fs::read_to_string(path).map_err(|source| {
        EditError::Config(Error::Read {
            path: path.to_owned(),
            source,
        })
    })
}

/// `path` with `suffix` appended to its file name.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` so that readers see the old or the new file,
/// never a mix, and a crash leaves one of them: a temp file in the same
/// folder (same file system, so the rename is atomic), fsynced, with the
/// original's permissions and owner, renamed over, then the folder fsynced
/// so the rename itself is durable.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let original = fs::metadata(path)?;
    let (temp_path, mut temp) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = sidecar(path, &format!(".{}.{n}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        keep_owner(&temp, &original)?;
        temp.set_permissions(original.permissions())?;
        temp.write_all(bytes)?;
        temp.sync_all()?;
        fs::rename(&temp_path, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp_path);
        return Err(e);
    }
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Gives the temp file the original's owner and group: root editing
/// `/etc/feedloom/feedloom.toml` (root:feedloom, 0640) must not leave a file
/// the daemon can no longer read. Failing that when it matters is an error.
#[cfg(unix)]
fn keep_owner(temp: &File, original: &fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mine = temp.metadata()?;
    if (mine.uid(), mine.gid()) == (original.uid(), original.gid()) {
        return Ok(());
    }
    std::os::unix::fs::fchown(temp, Some(original.uid()), Some(original.gid()))
}

#[cfg(not(unix))]
fn keep_owner(_temp: &File, _original: &fs::Metadata) -> std::io::Result<()> {
    Ok(())
}
