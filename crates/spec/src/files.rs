//! Reading a desired-state directory: which files count, and running both stages over them.

use std::path::{Path, PathBuf};

use crate::assemble::assemble;
use crate::error::{SpecError, sort_errors};
use crate::model::Desired;
use crate::parse::parse_file_partial;

/// The TOML files [`load_dir`] would read, sorted by name: `*.toml` files directly in `dir` (not in
/// subdirectories), leaving out dotfiles (which covers Emacs's `.#foo.toml` locks and Vim's `.foo.toml.swp`).
/// Editor backups such as `foo.toml~` or `foo.toml.swp` do not end in `.toml` and so are left out too.
pub fn desired_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // `is_file` follows symlinks: a link to a TOML file counts, a directory named `x.toml` does not.
        if is_desired_file_name(&entry.file_name()) && entry.path().is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Whether a file of this name is a desired-state file: `*.toml`, not a dotfile. Used by [`desired_files`] and
/// by the daemon's watcher, so both agree on which edits matter.
pub fn is_desired_file_name(name: &std::ffi::OsStr) -> bool {
    let is_toml = Path::new(name).extension().is_some_and(|extension| extension == "toml");
    let hidden = name.as_encoded_bytes().first() == Some(&b'.');
    is_toml && !hidden
}

/// Reads every desired-state file in `dir` (see [`desired_files`]) and returns the validated [`Desired`].
///
/// Every file is checked, and all errors of all files are returned together, sorted by file, line and column:
/// a file with a syntax error still lets the others be checked, and an invalid declaration still counts as
/// declared for the references of others. An unreadable directory or file is an error at line 0, column 0.
/// An empty directory declares nothing.
pub fn load_dir(dir: &Path) -> Result<Desired, Vec<SpecError>> {
    let files = desired_files(dir)
        .map_err(|error| vec![SpecError::whole_file(dir, format!("cannot read the directory: {error}"))])?;
    let mut errors = Vec::new();
    let mut declarations = Vec::new();
    for file in files {
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let (parsed, file_errors) = parse_file_partial(&file, &text);
                errors.extend(file_errors);
                declarations.push(parsed);
            }
            Err(error) => errors.push(SpecError::whole_file(&file, format!("cannot read the file: {error}"))),
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
