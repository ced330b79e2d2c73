//! `reconciler validate`: load and check the desired state, print every problem, touch nothing.

use std::path::Path;

use reconciler_spec::{Desired, SpecError};

/// Loads the desired state, or returns the full list of problems already formatted for a person.
pub fn load(config_dir: &Path) -> Result<Desired, String> {
    reconciler_spec::load_dir(config_dir).map_err(|errors| describe(config_dir, &errors))
}

fn describe(config_dir: &Path, errors: &[SpecError]) -> String {
    let mut text = String::new();
    for error in errors {
        text.push_str(&format!("error: {error}\n"));
    }
    let files: std::collections::BTreeSet<_> = errors.iter().map(|e| &e.file).collect();
    text.push_str(&format!(
        "{} {} in {} {} under {}: nothing was changed.",
        errors.len(),
        if errors.len() == 1 { "problem" } else { "problems" },
        files.len(),
        if files.len() == 1 { "file" } else { "files" },
        reconciler_spec::escaped_path(config_dir)
    ));
    text
}

/// Where every command that talks to AWS starts: the files first, every problem printed and no AWS call made
/// when there is one (a bad file must change nothing); then the SDK's clients, which need a region. `Err` is
/// the exit code, the reason already printed.
pub async fn desired_and_aws(
    config_dir: &Path,
    client: &reconciler_aws::ClientOptions,
) -> Result<(Desired, reconciler_aws::Aws), i32> {
    let desired = load(config_dir).map_err(|text| {
        eprintln!("{text}");
        crate::exit::ERROR
    })?;
    print_warnings(&desired);
    let aws = reconciler_aws::Aws::from_env(client).await;
    if aws.region().is_none() {
        eprintln!("error: no AWS region configured (set AWS_REGION or a profile's region)");
        return Err(crate::exit::ERROR);
    }
    Ok((desired, aws))
}

/// Warnings (valid, but probably not what was meant: an image without a tag) go to standard error.
pub fn print_warnings(desired: &Desired) {
    for warning in &desired.warnings {
        eprintln!("warning: {warning}");
    }
}

/// Runs the `validate` command; returns the exit code.
pub fn run(config_dir: &Path) -> i32 {
    match load(config_dir) {
        Ok(desired) => {
            print_warnings(&desired);
            println!("{}: {} declarations, valid.", config_dir.display(), desired.len());
            0
        }
        Err(text) => {
            eprintln!("{text}");
            1
        }
    }
}
