//! Reading a desired-state directory: which entries count, reading each one safely, and running both stages.
//!
//! An entry named like a desired-state file that cannot be read is an error, never a file that is not there:
//! skipping it would look exactly like its declarations being removed, and pruning would delete what it
//! declares.

use std::fs::{File, Metadata};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::assemble::assemble;
use crate::error::{SpecError, escaped_path, sort_errors};
use crate::model::{Desired, Location};
use crate::parse::parse_file_partial;

/// The entries [`load_dir`] reads, sorted by name: every entry directly in `dir` (not in subdirectories) whose
/// name is a desired-state file's (see [`is_desired_file_name`]), whatever it is. A directory, a FIFO or a
/// dangling link named `x.toml` is listed too, so that [`read_desired_file`] reports it.
pub fn desired_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if is_desired_file_name(&entry.file_name()) {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Whether an entry of this name is a desired-state file: `*.toml`, not a dotfile (which covers Emacs's
/// `.#foo.toml` locks and Vim's `.foo.toml.swp`). Editor backups such as `foo.toml~` or `foo.toml.swp` do not end
/// in `.toml` and so are left out too. Used by [`desired_files`] and by the daemon's watcher, so both agree on
/// which edits matter.
pub fn is_desired_file_name(name: &std::ffi::OsStr) -> bool {
    let is_toml = Path::new(name).extension().is_some_and(|extension| extension == "toml");
    let hidden = name.as_encoded_bytes().first() == Some(&b'.');
    is_toml && !hidden
}

/// The text of one desired-state file, or why it cannot be used: a dangling link, a link loop, something other
/// than a regular file (a directory, a FIFO, a device, a socket), no permission, or text that is not UTF-8 (at
/// the line and column of the first bad byte). A FIFO or a device is never opened: opening one can block.
pub fn read_desired_file(path: &Path) -> Result<String, SpecError> {
    let metadata = target_metadata(path)?;
    if !metadata.is_file() {
        return Err(not_regular(path, &metadata));
    }
    // O_NONBLOCK: should the entry be swapped for a FIFO between the check above and this open, the open does
    // not wait for a writer; the check on the opened file below then refuses it. No effect on regular files.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| io_error(path, &error))?;
    let opened = file.metadata().map_err(|error| io_error(path, &error))?;
    if !opened.is_file() {
        return Err(not_regular(path, &opened));
    }
    read_utf8(path, &mut file)
}

/// The metadata of what `path` names, links followed, with a clear reason when a link leads nowhere.
fn target_metadata(path: &Path) -> Result<Metadata, SpecError> {
    let entry = std::fs::symlink_metadata(path).map_err(|error| io_error(path, &error))?;
    if !entry.file_type().is_symlink() {
        return Ok(entry);
    }
    std::fs::metadata(path).map_err(|error| {
        let target = std::fs::read_link(path).map(|t| escaped_path(&t)).unwrap_or_else(|_| "?".to_string());
        let message = match error.kind() {
            ErrorKind::NotFound => format!("dangling symbolic link: its target `{target}` does not exist"),
            _ if error.raw_os_error() == Some(libc::ELOOP) => {
                format!("symbolic link loop: `{target}` leads back to itself")
            }
            _ => return io_error(path, &error),
        };
        SpecError::whole_file(path, format!("cannot read the file: {message}"))
    })
}

fn not_regular(path: &Path, metadata: &Metadata) -> SpecError {
    let kind = metadata.file_type();
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    };
    SpecError::whole_file(
        path,
        format!("cannot read the file: it is {what}, not a regular file; desired-state files must be regular files"),
    )
}

fn io_error(path: &Path, error: &std::io::Error) -> SpecError {
    let reason = match error.kind() {
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::NotFound => "it disappeared while being read".to_string(),
        _ => error.to_string(),
    };
    SpecError::whole_file(path, format!("cannot read the file: {reason}"))
}

fn read_utf8(path: &Path, file: &mut File) -> Result<String, SpecError> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|error| io_error(path, &error))?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        // Everything before the first bad byte is valid UTF-8, so lines and columns count as editors count them.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
        let location = Location { file: path.to_path_buf(), line, column };
        SpecError::at(
            &location,
            "",
            format!("the file is not valid UTF-8: byte 0x{:02x} here; desired-state files must be UTF-8", bytes[valid]),
        )
    })
}

/// Reads every desired-state file in `dir` (see [`desired_files`]) and returns the validated [`Desired`].
///
/// Every file is checked, and all errors of all files are returned together, sorted by file, line and column:
/// a file with a syntax error still lets the others be checked, and an invalid declaration still counts as
/// declared for the references of others. An unreadable directory or entry is an error (see
/// [`read_desired_file`]). An empty directory declares nothing.
pub fn load_dir(dir: &Path) -> Result<Desired, Vec<SpecError>> {
    let files = desired_files(dir)
        .map_err(|error| vec![SpecError::whole_file(dir, format!("cannot read the directory: {error}"))])?;
    let mut errors = Vec::new();
    let mut declarations = Vec::new();
    for file in files {
        match read_desired_file(&file) {
            Ok(text) => {
                let (parsed, file_errors) = parse_file_partial(&file, &text);
                errors.extend(file_errors);
                declarations.push(parsed);
            }
            Err(error) => errors.push(error),
        }
    }
    match assemble(declarations) {
        Ok(desired) if errors.is_empty() => Ok(desired),
        Ok(_) => {
            sort_errors(&mut errors);
            Err(errors)
        }
        Err(assemble_errors) => {
            errors.extend(assemble_errors);
            sort_errors(&mut errors);
            Err(errors)
        }
    }
}
