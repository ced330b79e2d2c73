//! `reconciler destroy`: the workshop's clean-up. Deletes every resource of ours that the directory declares,
//! dependents first (services before the load balancer, the cluster and the VPC), waiting for what AWS deletes
//! asynchronously (NAT gateways, load balancers, services draining) before what depends on it. Shows the plan
//! first and asks for confirmation on a terminal (`--yes` to skip, `--dry-run` to only show). Resources of
//! ours the directory does not declare, and anything not ours, are left alone.

use std::io::{BufRead, IsTerminal, Write};

use reconciler_aws::ApplyOptions;
use reconciler_plan::PlanContext;
use reconciler_render::TextOptions;

use crate::args::{DestroyArgs, Output};
use crate::exit;

pub async fn run(args: &DestroyArgs, client: &reconciler_aws::ClientOptions) -> i32 {
    let (desired, aws) = match crate::validate::desired_and_aws(&args.config_dir, client).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    // The deletions are changes: with a lease table, taken before the live state is read, so that the plan is
    // of a state no other writer changes under it.
    let lease = match (args.dry_run, args.lease.settings()) {
        (false, Some(settings)) => {
            match crate::lease::take(&aws, &settings, &args.owner_id, args.lease.lease_wait).await {
                Ok(lease) => Some(lease),
                Err(code) => return code,
            }
        }
        _ => None,
    };
    let code = destroy_with(args, &aws, &desired).await;
    if let Some(lease) = lease {
        crate::lease::give_up(&lease).await;
    }
    code
}

async fn destroy_with(args: &DestroyArgs, aws: &reconciler_aws::Aws, desired: &reconciler_spec::Desired) -> i32 {
    let before = aws.calls();
    let hints = reconciler_plan::ObservationHints::from_desired(desired);
    let observed = match reconciler_aws::observe(aws, &args.owner_id, &hints).await {
        Ok(observed) => observed,
        Err(err) => {
            eprintln!("error: reading the live state failed: {err}");
            return exit::ERROR;
        }
    };
    let plan = match reconciler_plan::destroy(desired, &observed, &PlanContext::new(&args.owner_id)) {
        Ok(plan) => plan,
        Err(err) => {
            eprintln!("error: planning failed: {err}");
            return exit::ERROR;
        }
    };
    let text = TextOptions { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() };
    match args.output {
        Output::Text => println!("{}", reconciler_render::plan_text(&plan, &text)),
        Output::Json => {}
    }
    // Destroying what it can see while part of the account is unreadable would leave the rest behind, and
    // deletions run dependents first: refuse, and delete nothing.
    if !plan.unread.is_empty() && !args.dry_run {
        if args.output == Output::Json {
            println!("{}", serde_json::to_string_pretty(&reconciler_render::plan_json(&plan)).expect("JSON"));
        }
        let kinds: Vec<&str> = plan.unread.iter().map(|u| u.kind.as_str()).collect();
        eprintln!("error: the live state of {} could not be read; nothing was deleted", kinds.join(", "));
        return exit::ERROR;
    }
    if plan.actions.is_empty() || args.dry_run {
        if args.output == Output::Json {
            println!("{}", serde_json::to_string_pretty(&reconciler_render::plan_json(&plan)).expect("JSON"));
        }
        return exit::OK;
    }
    if !args.yes && !confirmed(plan.actions.len()) {
        return exit::ERROR;
    }
    let options = ApplyOptions {
        concurrency: usize::from(args.concurrency),
        wait_timeout: args.wait_timeout,
        ..ApplyOptions::default()
    };
    let report = reconciler_aws::apply(aws, &plan, &observed, &args.owner_id, &options).await;
    let calls = aws.calls().since(&before);
    let summary = format!(
        "Destroy: {} deleted, {} failed, {} skipped; {} API calls ({} mutating).",
        report.outcomes.len() - report.failed() - report.skipped(),
        report.failed(),
        report.skipped(),
        calls.total(),
        calls.mutating()
    );
    match args.output {
        Output::Text => {
            println!("{}", reconciler_render::report_text(&report, &text));
            println!("{summary}");
        }
        Output::Json => {
            let mut document = reconciler_render::plan_json(&plan);
            document["apply"] = reconciler_render::report_json(&report);
            println!("{}", serde_json::to_string_pretty(&document).expect("JSON"));
            eprintln!("{summary}");
        }
    }
    if report.is_success() { exit::OK } else { exit::ERROR }
}

/// Asks on the terminal; anything but `yes` cancels. Without a terminal there is nobody to ask: refuse.
fn confirmed(count: usize) -> bool {
    if !std::io::stdin().is_terminal() {
        eprintln!("error: refusing to destroy without confirmation: run it on a terminal, or pass --yes");
        return false;
    }
    print!("Delete these {count} resources? Only 'yes' is accepted: ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        true
    } else {
        eprintln!("Destroy cancelled: nothing was deleted.");
        false
    }
}
