//! `reconciler --once`: one pass of the loop. Load and validate the files, observe AWS, plan, and print
//! the plan; then apply it unless `--dry-run`. Ends with a one-line summary that counts the API calls.

use std::io::IsTerminal;
use std::time::Instant;

use reconciler_aws::{ApplyOptions, Aws, CallStats};
use reconciler_plan::{ApplyReport, Plan, PlanContext};
use reconciler_render::TextOptions;
use serde_json::json;

use crate::args::{Output, RunArgs};
use crate::exit;

/// Runs one pass; returns the exit code.
pub async fn run(args: &RunArgs) -> i32 {
    let started = Instant::now();
    // Validate everything before the first AWS call: a bad file must change nothing.
    let desired = match crate::validate::load(&args.config_dir) {
        Ok(desired) => desired,
        Err(text) => {
            eprintln!("{text}");
            return exit::ERROR;
        }
    };
    let aws = Aws::from_env().await;
    if aws.region().is_none() {
        eprintln!("error: no AWS region configured (set AWS_REGION or a profile's region)");
        return exit::ERROR;
    }
    let observed = match reconciler_aws::observe(&aws, &args.owner_id).await {
        Ok(observed) => observed,
        Err(err) => {
            eprintln!("error: reading the live state failed: {err}");
            return exit::ERROR;
        }
    };
    let context = PlanContext { owner_id: args.owner_id.clone() };
    let plan = match reconciler_plan::plan(&desired, &observed, &context) {
        Ok(plan) => plan,
        Err(err) => {
            eprintln!("error: {err}");
            return exit::ERROR;
        }
    };
    let text = TextOptions { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() };

    let report = if args.dry_run || !plan.has_changes() {
        None
    } else {
        if args.output == Output::Text {
            println!("{}", reconciler_render::plan_text(&plan, &text));
        }
        let options = ApplyOptions { concurrency: usize::from(args.concurrency), wait_timeout: args.wait_timeout };
        Some(reconciler_aws::apply(&aws, &plan, &observed, &args.owner_id, &options).await)
    };
    let calls = aws.calls();
    let summary = summary_line(&plan, report.as_ref(), &calls, started, args.dry_run);

    match args.output {
        Output::Text => {
            match &report {
                Some(report) => println!("{}", reconciler_render::report_text(report, &text)),
                None => println!("{}", reconciler_render::plan_text(&plan, &text)),
            }
            println!("{summary}");
        }
        Output::Json => {
            let mut document = reconciler_render::plan_json(&plan);
            document["pass"] = json!({
                "dry_run": args.dry_run,
                "api_calls": calls.total(),
                "mutating_api_calls": calls.mutating(),
                "elapsed_ms": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            });
            if let Some(report) = &report {
                document["apply"] = reconciler_render::report_json(report);
            }
            println!("{}", serde_json::to_string_pretty(&document).expect("JSON values serialize"));
            eprintln!("{summary}");
        }
    }
    exit::code(&plan, report.as_ref(), args.detailed_exitcode)
}

/// `Pass complete: ... 57 API calls (43 mutating) in 2.3 s.`
fn summary_line(
    plan: &Plan,
    report: Option<&ApplyReport>,
    calls: &CallStats,
    started: Instant,
    dry_run: bool,
) -> String {
    let s = plan.summary();
    let what = match report {
        Some(r) => format!("Pass complete: {} applied, {} failed, {} skipped", r.succeeded(), r.failed(), r.skipped()),
        None if dry_run && plan.has_changes() => {
            format!("Dry run: {} to add, {} to change, {} to replace, nothing applied", s.create, s.update, s.replace)
        }
        None => "Pass complete: no changes".to_string(),
    };
    let conflicts = if s.conflicts > 0 { format!(", {} in conflict", s.conflicts) } else { String::new() };
    format!(
        "{what}{conflicts}; {} API calls ({} mutating) in {:.1} s.",
        calls.total(),
        calls.mutating(),
        started.elapsed().as_secs_f64()
    )
}
