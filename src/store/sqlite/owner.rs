//! Root opening another user's database. The packaged service runs as its
//! own user and owns `/var/lib/feedloom`; an admin typing `sudo feedloom
//! feeds ls` or `sudo feedloom poll` would open the same file as root, and
//! SQLite would create the `-wal` and `-shm` files (or, before the first
//! start, the database itself) as root: the service then cannot open its
//! own database. Refused before SQLite touches anything, saying which user
//! to run as.

use std::path::{Path, PathBuf};

use crate::store::error::{Error, Result};

/// Refuses `path` when this process runs as root and the database (or,
/// while it does not exist yet, the folder it would go in) belongs to
/// another user. Anywhere but Linux with glibc, where the effective user
/// cannot be read without more unsafe code, nothing is checked.
pub(super) fn refuse_root_on_anothers(path: &Path) -> Result<()> {
    if effective_uid() != Some(0) {
        return Ok(());
    }
    let Some((owned, uid)) = owner(path) else {
        return Ok(());
    };
    if uid == 0 {
        return Ok(());
    }
    Err(Error::OwnedByAnother {
        path: owned,
        user: user_name(uid).unwrap_or_else(|| format!("#{uid}")),
    })
}

/// The database's owner, else its folder's (the first of them that
/// exists), with the path it was read from.
fn owner(path: &Path) -> Option<(PathBuf, u32)> {
    use std::os::unix::fs::MetadataExt;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    [path, folder]
        .into_iter()
        .find_map(|p| Some((p.to_owned(), std::fs::metadata(p).ok()?.uid())))
}

fn effective_uid() -> Option<u32> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `geteuid` takes no arguments, touches no memory of ours
        // and cannot fail.
        Some(unsafe { libc::geteuid() })
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// The account name of `uid` from /etc/passwd (the service user is a local
/// system account); `None` when it is not there.
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid).then(|| name.to_owned())
    })
}
