//! Watching the desired-state directory for changes (inotify through the `notify` crate).
//!
//! Both the directory and its parent are watched: the parent shows the directory itself being replaced
//! (a symlink swapped to a new release, a directory renamed into place), after which the watch is rebuilt on
//! the new target. Only events on desired-state files (`*.toml`, not dotfiles) or on the directory's own entry
//! count; editor temp files and other files are ignored. A watcher that reports an error is rebuilt, and a
//! pass follows in case something was missed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{Event, EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::trigger::Trigger;

/// Watches `dir` until `events` is closed, sending a raw (not yet debounced) trigger per relevant event.
pub async fn watch(dir: PathBuf, events: UnboundedSender<Trigger>) {
    let (raw_sender, mut raw) = unbounded_channel::<notify::Result<Event>>();
    let mut rebuilds: u32 = 0;
    loop {
        let sender = raw_sender.clone();
        let watcher = notify::recommended_watcher(move |event| {
            let _ = sender.send(event);
        })
        .and_then(|mut watcher| {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                watcher.watch(parent, RecursiveMode::NonRecursive)?;
            }
            // The directory may not exist (yet): the parent's watch sees it appear.
            if dir.is_dir() {
                watcher.watch(&dir, RecursiveMode::NonRecursive)?;
            }
            Ok(watcher)
        });
        let _watcher = match watcher {
            Ok(watcher) => watcher,
            Err(err) => {
                rebuilds += 1;
                tracing::warn!(dir = %dir.display(), error = %err, "cannot watch the desired-state directory; retrying");
                tokio::time::sleep(Duration::from_secs(u64::from(rebuilds.min(30)))).await;
                continue;
            }
        };
        if std::mem::take(&mut rebuilds) > 0 && events.send(Trigger::WatcherRebuilt).is_err() {
            return;
        }

        // Follow events until the watch must be rebuilt.
        loop {
            let Some(event) = raw.recv().await else { return };
            match event {
                Ok(event) => match relevance(&event, &dir) {
                    Relevance::None => {}
                    Relevance::File => {
                        if events.send(Trigger::FileChange).is_err() {
                            return;
                        }
                    }
                    Relevance::Directory => {
                        tracing::info!(dir = %dir.display(), "desired-state directory replaced; watching the new one");
                        rebuilds = 1;
                        break;
                    }
                },
                Err(err) => {
                    tracing::warn!(dir = %dir.display(), error = %err, "file watcher failed; rebuilding it");
                    rebuilds = 1;
                    break;
                }
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Relevance {
    None,
    /// A desired-state file changed.
    File,
    /// The directory's own entry changed (replaced, symlink swapped, created, removed).
    Directory,
}

fn relevance(event: &Event, dir: &Path) -> Relevance {
    if matches!(event.kind, EventKind::Access(_)) {
        return Relevance::None;
    }
    let mut relevance = Relevance::None;
    for path in &event.paths {
        if path == dir {
            return Relevance::Directory;
        }
        let in_dir = path.parent() == Some(dir);
        if in_dir && path.file_name().is_some_and(reconciler_spec::is_desired_file_name) {
            relevance = Relevance::File;
        }
    }
    relevance
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, ModifyKind};

    fn event(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn only_desired_files_and_the_directory_itself_matter() {
        let dir = Path::new("/etc/reconciler/desired");
        let modify = EventKind::Modify(ModifyKind::Any);
        assert_eq!(relevance(&event(modify, "/etc/reconciler/desired/platform.toml"), dir), Relevance::File);
        for ignored in [
            "/etc/reconciler/desired/.platform.toml.swp",
            "/etc/reconciler/desired/.#platform.toml",
            "/etc/reconciler/desired/platform.toml~",
            "/etc/reconciler/desired/4913",
            "/etc/reconciler/desired/README.md",
            "/etc/reconciler/other.toml",
        ] {
            assert_eq!(relevance(&event(modify, ignored), dir), Relevance::None, "{ignored}");
        }
        let create = EventKind::Create(CreateKind::Any);
        assert_eq!(relevance(&event(create, "/etc/reconciler/desired"), dir), Relevance::Directory);
        let read = EventKind::Access(AccessKind::Any);
        assert_eq!(relevance(&event(read, "/etc/reconciler/desired/platform.toml"), dir), Relevance::None);
    }
}
