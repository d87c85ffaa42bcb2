//! Watches the configuration file and every topic's seeds folder, so that
//! an edit (or `feedloom seeds add`/`rm`) is applied without a signal.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

/// Watches the configuration file's folder (editors replace files by
/// renaming, which a watch on the file itself would miss) and each seeds
/// folder, and sends a message for every event that touches the file or a
/// seed file (`.txt`, `.md`, not hidden). A seeds folder that cannot be
/// watched (missing, say) is logged and skipped: SIGHUP still reloads.
pub(super) fn watch_files(
    path: &Path,
    seed_dirs: &[PathBuf],
    changed: mpsc::Sender<()>,
) -> ::notify::Result<::notify::RecommendedWatcher> {
    use ::notify::{RecursiveMode, Watcher};
    let file_name = path.file_name().map(|name| name.to_owned());
    let folder = parent(path);
    let seed_dirs: Vec<PathBuf> = seed_dirs.iter().map(|d| canonical(d)).collect();
    let watched_seeds = seed_dirs.clone();
    let mut watcher =
        ::notify::recommended_watcher(move |event: ::notify::Result<::notify::Event>| {
            let Ok(event) = event else { return };
            let touches = event.paths.iter().any(|p| {
                p.file_name().map(|n| n.to_owned()) == file_name
                    || (is_seed_file(p.file_name().map(ToOwned::to_owned))
                        && p.parent()
                            .is_some_and(|dir| watched_seeds.iter().any(|d| d == dir)))
            });
            if touches && !matches!(event.kind, ::notify::EventKind::Access(_)) {
                // A full channel already holds a pending reload.
                let _ = changed.try_send(());
            }
        })?;
    watcher.watch(&folder, RecursiveMode::NonRecursive)?;
    for dir in &seed_dirs {
        if let Err(error) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            tracing::warn!(
                folder = %dir.display(),
                error = %error,
                "cannot watch the seeds folder; reload with SIGHUP after changing seeds"
            );
        }
    }
    Ok(watcher)
}

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned()
}

/// The events name the folder as it resolves (inotify reports the watched
/// path joined with the name; other backends the real path), so compare
/// the canonical form when there is one.
fn canonical(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned())
}

/// The files the seed import reads (`seeds::load_dir`).
fn is_seed_file(name: Option<OsString>) -> bool {
    let Some(name) = name else { return false };
    let name = name.to_string_lossy().to_ascii_lowercase();
    !name.starts_with('.') && (name.ends_with(".txt") || name.ends_with(".md"))
}
