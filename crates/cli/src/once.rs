//! `reconciler --once`: one pass of the loop. Load and validate the files, observe AWS, plan, and print
//! the plan; then apply it unless `--dry-run`. Ends with a one-line summary that counts the API calls.
//! `--plan-out FILE` saves the plan instead of applying it, and `reconciler apply FILE` applies a saved plan
//! (see [`crate::saved_plan`]).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use reconciler_aws::ApplyOptions;
use reconciler_controller::{PassOptions, Proceed, run_pass};
use reconciler_plan::{Observed, Plan, Pruning};
use reconciler_render::TextOptions;
use serde_json::json;

use crate::args::{ApplyArgs, Output, RunArgs};
use crate::exit;
use crate::saved_plan::{SavedPlan, SavedPruning, differences, file_digests, live_digests};

/// One pass's settings: the command line's, or a saved plan's.
struct Pass<'a> {
    args: &'a RunArgs,
    config_dir: PathBuf,
    owner_id: String,
    pruning: Pruning,
    dry_run: bool,
    output: Output,
}

/// What happens between planning and applying.
enum Gate<'a> {
    /// Apply what the pass plans (unless it is a dry run).
    Open,
    /// Save the plan, with the digests of the files read before loading them; apply nothing.
    Save { path: &'a Path, files: BTreeMap<String, String> },
    /// Apply only if the state and the plan are those saved (in the file at `path`).
    Saved { saved: &'a SavedPlan, path: &'a Path },
}

/// Runs one pass; returns the exit code.
pub async fn run(args: &RunArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    let dry_run = args.dry_run || args.plan_out.is_some();
    if args.wait && dry_run {
        eprintln!("error: --wait follows the changes a pass applies: it cannot go with --dry-run or --plan-out");
        return exit::ERROR;
    }
    // Digests before loading: what the plan is made from is at most what was digested.
    let files = match args.plan_out.as_ref().map(|_| file_digests(&args.config_dir)).transpose() {
        Ok(files) => files,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    let (desired, aws) = match crate::validate::desired_and_aws(&args.config_dir, client).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    let pass = Pass {
        args,
        config_dir: args.config_dir.clone(),
        owner_id: args.owner_id.clone(),
        pruning: crate::args::pruning(args),
        dry_run,
        output: args.output,
    };
    let gate = match (&args.plan_out, files) {
        (Some(path), Some(files)) => Gate::Save { path, files },
        _ => Gate::Open,
    };
    with_lease(&pass, &aws, &desired, gate).await
}

/// `reconciler apply FILE`: the saved plan, if the files and the live state are still what it was made from.
pub async fn apply_saved(args: &RunArgs, apply: &ApplyArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    let saved = match SavedPlan::read(&apply.file) {
        Ok(saved) => saved,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    let config_dir = apply.config_dir.clone().unwrap_or_else(|| saved.config_dir.clone());
    let changed = match file_digests(&config_dir) {
        Ok(now) => differences("file", &saved.files, &now),
        Err(err) => vec![err],
    };
    if !changed.is_empty() {
        return refuse(&apply.file, &changed);
    }
    let (desired, aws) = match crate::validate::desired_and_aws(&config_dir, client).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    let pass = Pass {
        args,
        config_dir,
        owner_id: saved.owner_id.clone(),
        pruning: saved.pruning.pruning(),
        dry_run: false,
        output: apply.output,
    };
    with_lease(&pass, &aws, &desired, Gate::Saved { saved: &saved, path: &apply.file }).await
}

fn refuse(file: &Path, changed: &[String]) -> i32 {
    eprintln!("error: the saved plan {} no longer matches what it was made from:", file.display());
    for line in changed {
        eprintln!("  {line}");
    }
    eprintln!("Nothing was changed. Plan again (--once --plan-out) and review the new plan.");
    exit::ERROR
}

/// Changes need the lease when one is configured; a dry run makes none and needs none.
async fn with_lease(
    pass: &Pass<'_>,
    aws: &reconciler_aws::Aws,
    desired: &reconciler_spec::Desired,
    gate: Gate<'_>,
) -> i32 {
    let lease = match (pass.dry_run, pass.args.lease.settings()) {
        (false, Some(settings)) => {
            match crate::lease::take(aws, &settings, &pass.owner_id, pass.args.lease.lease_wait).await {
                Ok(lease) => Some(lease),
                Err(code) => return code,
            }
        }
        _ => None,
    };
    let code = run_with(pass, aws, desired, gate).await;
    if let Some(lease) = lease {
        crate::lease::give_up(&lease).await;
    }
    code
}

/// What the gate decides once the plan is made: go on, or stop with the exit code (and what it said).
fn pass_gate(pass: &Pass<'_>, gate: &Gate<'_>, plan: &Plan, observed: &Observed) -> Result<(), i32> {
    match gate {
        Gate::Open => Ok(()),
        Gate::Save { path, files } => {
            let pruning = SavedPruning::of(&pass.pruning);
            let saved = SavedPlan::new(&pass.owner_id, &pass.config_dir, pruning, files.clone(), plan, observed);
            match saved.write(path) {
                Ok(()) => {
                    eprintln!(
                        "Saved the plan to {}: apply it with `reconciler apply {}`.",
                        path.display(),
                        path.display()
                    );
                    Ok(())
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    Err(exit::ERROR)
                }
            }
        }
        Gate::Saved { saved, path } => {
            let mut changed = differences("live resource", &saved.live, &live_digests(observed));
            if changed.is_empty() && reconciler_render::plan_json(plan) != saved.plan {
                changed.push("the plan made now differs from the saved one".to_string());
            }
            if changed.is_empty() { Ok(()) } else { Err(refuse(path, &changed)) }
        }
    }
}

async fn run_with(
    pass: &Pass<'_>,
    aws: &reconciler_aws::Aws,
    desired: &reconciler_spec::Desired,
    gate: Gate<'_>,
) -> i32 {
    let args = pass.args;
    let (aws, desired) = (aws.clone(), desired);
    let options = PassOptions {
        owner_id: pass.owner_id.clone(),
        pruning: pass.pruning.clone(),
        dry_run: pass.dry_run,
        apply: ApplyOptions {
            concurrency: usize::from(args.concurrency),
            wait_timeout: args.wait_timeout,
            ..ApplyOptions::default()
        },
    };
    let text = TextOptions { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() };
    let mut stopped = None;
    let on_plan = |plan: &Plan, observed: &Observed| {
        if let Err(code) = pass_gate(pass, &gate, plan, observed) {
            stopped = Some(code);
            return Proceed::Stop;
        }
        if pass.output == Output::Text {
            println!("{}", reconciler_render::plan_text(plan, &text));
        }
        Proceed::Apply
    };
    let result = match run_pass(&aws, desired, &options, on_plan).await {
        Ok(result) => result,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    if let Some(code) = stopped {
        return code;
    }
    let summary = result.line(0, pass.dry_run);
    if pass.output == Output::Text {
        if let Some(report) = &result.report {
            println!("{}", reconciler_render::report_text(report, &text));
        }
        println!("{summary}");
    }

    // Follow the rollouts the pass started; progress goes where a person watches (stdout for text, stderr
    // when stdout is JSON for a script).
    let targets = result
        .report
        .as_ref()
        .filter(|_| args.wait)
        .map(|report| crate::wait::targets(&result.plan, report))
        .unwrap_or_default();
    let waited = if targets.is_empty() {
        None
    } else {
        let json = pass.output == Output::Json;
        let verdicts = crate::wait::follow(&aws, &targets, args.wait_timeout, |line| {
            if json { eprintln!("{line}") } else { println!("{line}") }
        })
        .await;
        let summary = reconciler_rollout::summarize(&verdicts);
        if json {
            eprintln!("{summary}")
        } else {
            println!("{summary}")
        }
        Some((verdicts, summary))
    };

    match pass.output {
        Output::Text => {}
        Output::Json => {
            let mut document = reconciler_render::plan_json(&result.plan);
            document["pass"] = json!({
                "dry_run": pass.dry_run,
                "api_calls": result.calls.total(),
                "mutating_api_calls": result.calls.mutating(),
                "elapsed_ms": u64::try_from(result.elapsed.as_millis()).unwrap_or(u64::MAX),
            });
            if let Some(report) = &result.report {
                document["apply"] = reconciler_render::report_json(report);
            }
            if let Some((verdicts, summary)) = &waited {
                document["wait"] = json!({ "success": summary.is_success(), "services": verdicts });
            }
            println!("{}", serde_json::to_string_pretty(&document).expect("JSON values serialize"));
            eprintln!("{summary}");
        }
    }
    if waited.as_ref().is_some_and(|(_, summary)| !summary.is_success()) {
        return exit::ERROR;
    }
    exit::code(&result.plan, result.report.as_ref(), args.detailed_exitcode)
}
