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
    follow(dir, events, start_inotify).await;
}

/// Raw watcher events, as the watcher's callback delivers them.
type RawEvents = UnboundedSender<notify::Result<Event>>;

/// Starts an inotify watch on `dir` and its parent. The returned watcher stops watching when dropped.
fn start_inotify(dir: &Path, sender: RawEvents) -> notify::Result<Box<dyn std::any::Any + Send>> {
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = sender.send(event);
    })?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        watcher.watch(parent, RecursiveMode::NonRecursive)?;
    }
    // The directory may not exist (yet): the parent's watch sees it appear.
    if dir.is_dir() {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    Ok(Box::new(watcher))
}

/// The watch loop, with the way a watcher is started given as `start` (so that tests can fail it).
async fn follow<W>(
    dir: PathBuf,
    events: UnboundedSender<Trigger>,
    mut start: impl FnMut(&Path, RawEvents) -> notify::Result<W>,
) {
    let (raw_sender, mut raw) = unbounded_channel::<notify::Result<Event>>();
    let mut rebuilds: u32 = 0;
    loop {
        let _watcher = match start(&dir, raw_sender.clone()) {
            Ok(watcher) => watcher,
            Err(err) => {
                rebuilds += 1;
                tracing::warn!(dir = %dir.display(), error = %err, "cannot watch the desired-state directory; retrying");
                tokio::time::sleep(Duration::from_secs(u64::from(rebuilds.min(30)))).await;
                continue;
            }
        };
        // A new watch after a failure or a replaced directory: something may have changed unseen.
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

    #[tokio::test(start_paused = true)]
    async fn a_failing_watcher_is_rebuilt_and_a_pass_follows() {
        // Under the paused clock, a missing trigger fails the test after a (virtual) minute instead of hanging.
        async fn next<T>(channel: &mut tokio::sync::mpsc::UnboundedReceiver<T>) -> Option<T> {
            tokio::time::timeout(Duration::from_secs(60), channel.recv()).await.ok().flatten()
        }
        let (triggers, mut received) = unbounded_channel();
        let (senders, mut started) = unbounded_channel::<RawEvents>();
        let mut attempts = 0;
        // A fake watcher: hands its event sender to the test; its second start fails (the directory is
        // briefly unwatchable) and is retried.
        let start = move |_: &Path, sender: RawEvents| {
            attempts += 1;
            if attempts == 2 {
                return Err(notify::Error::generic("inotify limit reached"));
            }
            senders.send(sender).unwrap();
            Ok(())
        };
        tokio::spawn(follow(PathBuf::from("/etc/reconciler/desired"), triggers, start));

        let first = next(&mut started).await.unwrap();
        first.send(Ok(event(EventKind::Modify(ModifyKind::Any), "/etc/reconciler/desired/a.toml"))).unwrap();
        assert_eq!(next(&mut received).await, Some(Trigger::FileChange));

        first.send(Err(notify::Error::generic("queue overflow"))).unwrap();
        let rebuilt = next(&mut started).await.expect("the watcher is started again after the failed attempt");
        assert_eq!(next(&mut received).await, Some(Trigger::WatcherRebuilt), "a pass follows the rebuild");

        rebuilt.send(Ok(event(EventKind::Modify(ModifyKind::Any), "/etc/reconciler/desired/b.toml"))).unwrap();
        assert_eq!(next(&mut received).await, Some(Trigger::FileChange), "the rebuilt watcher is followed");
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
