//! `reconciler --once`: one pass of the loop. Load and validate the files, observe AWS, plan, and print
//! the plan; then apply it unless `--dry-run`. Ends with a one-line summary that counts the API calls.

use std::io::IsTerminal;

use reconciler_aws::ApplyOptions;
use reconciler_controller::{PassOptions, run_pass};
use reconciler_render::TextOptions;
use serde_json::json;

use crate::args::{Output, RunArgs};
use crate::exit;

/// Runs one pass; returns the exit code.
pub async fn run(args: &RunArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    if args.wait && args.dry_run {
        eprintln!("error: --wait follows the changes a pass applies: it cannot go with --dry-run");
        return exit::ERROR;
    }
    let (desired, aws) = match crate::validate::desired_and_aws(&args.config_dir, client).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    // Changes need the lease when one is configured; a dry run makes none and needs none.
    let lease = match (args.dry_run, args.lease.settings()) {
        (false, Some(settings)) => {
            match crate::lease::take(&aws, &settings, &args.owner_id, args.lease.lease_wait).await {
                Ok(lease) => Some(lease),
                Err(code) => return code,
            }
        }
        _ => None,
    };
    let code = run_with(args, &aws, &desired).await;
    if let Some(lease) = lease {
        crate::lease::give_up(&lease).await;
    }
    code
}

async fn run_with(args: &RunArgs, aws: &reconciler_aws::Aws, desired: &reconciler_spec::Desired) -> i32 {
    let (aws, desired) = (aws.clone(), desired);
    let options = PassOptions {
        owner_id: args.owner_id.clone(),
        pruning: crate::args::pruning(args),
        dry_run: args.dry_run,
        apply: ApplyOptions {
            concurrency: usize::from(args.concurrency),
            wait_timeout: args.wait_timeout,
            ..ApplyOptions::default()
        },
    };
    let text = TextOptions { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() };
    let print_plan = |plan: &reconciler_plan::Plan| {
        if args.output == Output::Text {
            println!("{}", reconciler_render::plan_text(plan, &text));
        }
    };
    let result = match run_pass(&aws, desired, &options, print_plan).await {
        Ok(result) => result,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    let summary = result.line(0, args.dry_run);
    if args.output == Output::Text {
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
        let json = args.output == Output::Json;
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

    match args.output {
        Output::Text => {}
        Output::Json => {
            let mut document = reconciler_render::plan_json(&result.plan);
            document["pass"] = json!({
                "dry_run": args.dry_run,
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
