//! Watches the configuration file, so that an edit is applied without a
//! signal.

use std::path::Path;

use tokio::sync::mpsc;

/// Watches the configuration file's folder (editors replace files by
/// renaming, which a watch on the file itself would miss) and sends a
/// message for every event that touches the file.
pub(super) fn watch_file(
    path: &Path,
    changed: mpsc::Sender<()>,
) -> ::notify::Result<::notify::RecommendedWatcher> {
    use ::notify::{RecursiveMode, Watcher};
    let file_name = path.file_name().map(|name| name.to_owned());
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    let mut watcher =
        ::notify::recommended_watcher(move |event: ::notify::Result<::notify::Event>| {
            let Ok(event) = event else { return };
            let touches = event
                .paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_owned()) == file_name);
            if touches && !matches!(event.kind, ::notify::EventKind::Access(_)) {
                // A full channel already holds a pending reload.
                let _ = changed.try_send(());
            }
        })?;
    watcher.watch(&folder, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}
