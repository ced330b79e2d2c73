//! The plan as text.
//!
//! Layout: a header, one block per entry (actions in the order they will run, then conflicts, then
//! resources not declared), a summary line and a legend of the symbols used, separated by blank lines.
//! Inside an action's block, `+` / `~` / `-` mark fields and set elements added, changed, removed.

use std::collections::BTreeSet;

use reconciler_plan::{
    Action, ActionKind, Conflict, FieldChange, HeldBy, NotDeclared, Plan, PruneGuard, RevisionMove, Summary, Value,
};
use reconciler_spec::Location;

use super::{finish, one_line};
use crate::TextOptions;
use crate::action_words::ActionWords;
use crate::style::{Color, Painter};
use crate::symbol::Symbol;
use crate::value::{display, quote, set_diff};
use crate::words;

const HEADER: &str = "Reconciler will perform the following actions:";
const NO_CHANGES: &str = "No changes. The live state matches the desired state.";

/// Width of the column in which a resource's symbol is right-aligned (`  +`, `-/+`).
const GUTTER: usize = 3;
/// Indentation of a block's comment lines.
const COMMENT_INDENT: &str = "  ";
/// Indentation of field lines.
const FIELD_INDENT: &str = "      ";
/// Indentation of a set's element lines.
const ELEMENT_INDENT: &str = "          ";
/// Further indentation of the fields of a new task definition revision, under the service that moves to it.
const NESTED_INDENT: &str = "    ";

/// The plan as text, ending in a newline, with no trailing whitespace on any line.
///
/// Conflicts and resources not declared are always shown, also when there is nothing to do. With no
/// actions, conflicts or undeclared resources at all, the text is the single line
/// `No changes. The live state matches the desired state.`
pub fn plan_text(plan: &Plan, options: &TextOptions) -> String {
    let painter = Painter::new(options.color);
    let mut used = BTreeSet::new();
    let mut blocks = Vec::new();
    // A revision a service moves to is drawn inside the service's block.
    for action in plan.actions.iter().filter(|a| plan.moved_service(a).is_none()) {
        used.insert(Symbol::for_action(action.action));
        blocks.push(action_block(plan, action, painter));
    }
    for conflict in &plan.conflicts {
        used.insert(Symbol::Conflict);
        blocks.push(conflict_block(conflict, plan.declared_at.get(&conflict.address), painter));
    }
    for not_declared in &plan.not_declared {
        blocks.push(not_declared_block(not_declared, plan.prune_guard.as_ref(), painter));
    }
    if !plan.unread.is_empty() {
        blocks.push(unread_block(plan, painter));
    }
    let rollback_holds = words::rollback_holds(plan);
    if !rollback_holds.is_empty() {
        let mut lines = vec![painter.paint(Color::Red, "Held after a circuit-breaker rollback:")];
        lines.extend(rollback_holds.iter().map(|hold| format!("{COMMENT_INDENT}{hold}")));
        blocks.push(lines.join("\n"));
    }

    let summary = plan.summary();
    let mut sections = Vec::new();
    if plan.actions.is_empty() {
        if blocks.is_empty() {
            return finish(&painter.paint(Color::Green, NO_CHANGES));
        }
        sections.extend(blocks);
        if summary.held_after_rollback > 0 && plan.unread.is_empty() {
            // Not "matches": the file asks for what ECS rolled back.
            sections.push(format!("{} while held after a rollback.", painter.paint(Color::Bold, "No changes")));
        } else if plan.unread.is_empty() {
            sections.push(no_changes(summary.conflicts, painter));
        } else {
            // Not "matches": part of the live state is unknown.
            sections.push(format!("{} for what could be read.", painter.paint(Color::Bold, "No changes")));
        }
    } else {
        sections.push(header(plan, painter));
        sections.extend(blocks);
    }
    sections.push(summary_line(&summary, painter));
    if let Some(guard) = &plan.prune_guard {
        sections.push(format!(
            "{} {}",
            painter.paint(Color::Red, "Deletions held back:"),
            one_line(&words::prune_guard(guard))
        ));
    }
    if !used.is_empty() {
        sections.push(legend(&used, painter));
    }
    finish(&sections.join("\n\n"))
}

/// The header, and, when some resource gets them, the ownership tags said once for all.
fn header(plan: &Plan, painter: Painter) -> String {
    let header = painter.paint(Color::Bold, HEADER);
    let tags_ours = plan.actions.iter().any(|a| a.changes.iter().any(|c| plan.is_ownership_tagging(a, c)));
    if tags_ours { format!("{header}\n{}", one_line(&words::ownership_tagging(&plan.owner_id))) } else { header }
}

fn action_block(plan: &Plan, action: &Action, painter: Painter) -> String {
    let revision_move = revision_move(plan, action);
    let mut lines = comment_lines(plan, action, revision_move, painter);
    lines.push(format!("{} {}", mark(Symbol::for_action(action.action), painter), action.address));
    let mut fields = field_lines(plan, action);
    fields.extend(revision_move.map(|(moved, _)| move_line(moved)));
    let width = name_width(&fields);
    lines.extend(fields.iter().map(|line| line.draw(painter, width)));
    if let Some((_, registration)) = revision_move {
        // What makes the revision new, under the line that moves the service to it. Nothing is replaced: the
        // old revision stays registered, so no field "forces replacement".
        let mut nested = field_lines(plan, registration);
        nested.iter_mut().for_each(FieldLine::unforce);
        let width = name_width(&nested);
        lines.extend(nested.iter().map(|line| format!("{NESTED_INDENT}{}", line.draw(painter, width))));
    }
    lines.join("\n")
}

/// The comment lines opening an action's block: what will happen and why, where it comes from, what blocks it.
fn comment_lines(
    plan: &Plan,
    action: &Action,
    revision_move: Option<(&RevisionMove, &Action)>,
    painter: Painter,
) -> Vec<String> {
    let id = action.id.as_deref().map(|id| format!(" ({})", one_line(id))).unwrap_or_default();
    let why = match revision_move {
        Some((moved, registration)) => {
            words::revision_move_reason(&action.reason, &registration.reason, &moved.task_definition)
        }
        None => words::action_reason(&action.reason),
    };
    let future = ActionWords::of(action.action).future;
    let mut lines = vec![comment(&action.address.to_string(), &format!("{id} {future}: {}", one_line(&why)), painter)];
    lines.extend(origin_line(plan, action));
    if let Some(blocker) = &action.blocked_by {
        lines.push(format!("{COMMENT_INDENT}# (blocked: {blocker} is in conflict)"));
    }
    lines
}

/// The service's move to a new task definition revision, and the action registering that revision.
fn revision_move<'a>(plan: &'a Plan, service: &Action) -> Option<(&'a RevisionMove, &'a Action)> {
    let moved = plan.revision_moves.get(&service.address)?;
    Some((moved, registration(plan, moved)?))
}

/// `~ task_definition = "web:3" -> "web:4"`.
fn move_line(moved: &RevisionMove) -> FieldLine<'static> {
    let (from, to) = (words::revision(&moved.family, moved.from), words::revision(&moved.family, moved.to));
    FieldLine::Value {
        symbol: Symbol::Change,
        name: "task_definition".to_string(),
        value: format!("{from} -> {to}"),
        forces: false,
    }
}

/// The action registering the revision a service moves to.
fn registration<'a>(plan: &'a Plan, moved: &RevisionMove) -> Option<&'a Action> {
    plan.actions.iter().find(|a| a.address == moved.task_definition)
}

/// `# (from config/web.toml:3)`: the declaration a resource comes from; for a deletion no file asks for, that
/// it is ours by its tags.
fn origin_line(plan: &Plan, action: &Action) -> Option<String> {
    let declared_at = plan.declared_at.get(&action.address);
    let deleted = matches!(action.action, ActionKind::Delete | ActionKind::Release);
    (declared_at.is_some() || deleted).then(|| origin_comment(declared_at))
}

/// `  # (from FILE:LINE)`, or that no file declares it.
fn origin_comment(declared_at: Option<&Location>) -> String {
    format!("{COMMENT_INDENT}# ({})", one_line(&words::origin(declared_at)))
}

fn conflict_block(conflict: &Conflict, declared_at: Option<&Location>, painter: Painter) -> String {
    let mut lines = vec![comment(
        &conflict.address.to_string(),
        &format!(" cannot be created: conflict with {} (name {})", one_line(&conflict.id), quote(&conflict.identity)),
        painter,
    )];
    if declared_at.is_some() {
        lines.push(origin_comment(declared_at));
    }
    lines.push(format!(
        "{}   {}",
        mark(Symbol::Conflict, painter),
        one_line(&words::conflict_reason(&conflict.reason))
    ));
    lines.join("\n")
}

/// The kinds that could not be read, and what the pass leaves alone because of them.
fn unread_block(plan: &Plan, painter: Painter) -> String {
    let mut lines = vec![painter.paint(Color::Red, "Could not read the live state of:")];
    for unread in &plan.unread {
        lines.push(format!("{COMMENT_INDENT}{}: {}", unread.kind, one_line(&unread.error)));
    }
    if !plan.held.is_empty() {
        lines.push("Left as they are this pass (they are, or refer to, what could not be read):".to_string());
        for held in plan.held.iter().filter(|h| !matches!(h.by, HeldBy::FailedRollout { .. })) {
            lines.push(format!("{COMMENT_INDENT}{} (needs {})", held.address, words::held_by(&held.by)));
        }
    }
    lines.join("\n")
}

fn not_declared_block(not_declared: &NotDeclared, guard: Option<&PruneGuard>, painter: Painter) -> String {
    comment(
        &not_declared.address.to_string(),
        &format!(
            " ({}) is not declared: {}",
            one_line(&not_declared.id),
            one_line(&words::stay_reason(&not_declared.reason, guard))
        ),
        painter,
    )
}

/// `  # address rest`, the address part in bold like Terraform.
fn comment(address: &str, rest: &str, painter: Painter) -> String {
    format!("{COMMENT_INDENT}{}{rest}", painter.paint(Color::Bold, &format!("# {address}")))
}

/// A resource-level symbol, right-aligned in the symbol column.
fn mark(symbol: Symbol, painter: Painter) -> String {
    let text = symbol.text();
    format!("{}{}", " ".repeat(GUTTER.saturating_sub(text.len())), painter.paint(symbol.color(), text))
}

/// One line under a resource.
enum FieldLine<'a> {
    /// `~ name = value`, aligned on `=` with the other such lines of the block.
    Value { symbol: Symbol, name: String, value: String, forces: bool },
    /// `~ name`, above the element lines of a set.
    SetHeading { symbol: Symbol, name: String, forces: bool },
    /// `+ "element"`.
    Element { symbol: Symbol, text: &'a str },
    /// How many elements of a set did not change.
    Hidden(usize),
}

impl FieldLine<'_> {
    /// The line without a `# forces replacement` mark.
    fn unforce(&mut self) {
        if let FieldLine::Value { forces, .. } | FieldLine::SetHeading { forces, .. } = self {
            *forces = false;
        }
    }

    fn draw(&self, painter: Painter, width: usize) -> String {
        let forces = |forces: bool| {
            if forces { format!(" {}", painter.paint(Color::Red, "# forces replacement")) } else { String::new() }
        };
        match self {
            FieldLine::Value { symbol, name, value, forces: f } => {
                let padding = " ".repeat(width.saturating_sub(name.chars().count()));
                format!("{FIELD_INDENT}{} {name}{padding} = {value}{}", paint(*symbol, painter), forces(*f))
            }
            FieldLine::SetHeading { symbol, name, forces: f } => {
                format!("{FIELD_INDENT}{} {name}{}", paint(*symbol, painter), forces(*f))
            }
            FieldLine::Element { symbol, text } => {
                format!("{ELEMENT_INDENT}{} {}", paint(*symbol, painter), quote(text))
            }
            FieldLine::Hidden(count) => {
                let s = if *count == 1 { "" } else { "s" };
                format!("{ELEMENT_INDENT}# ({count} unchanged element{s} hidden)")
            }
        }
    }
}

fn paint(symbol: Symbol, painter: Painter) -> String {
    painter.paint(symbol.color(), symbol.text())
}

/// The width to which names are padded so that `=` lines up within one block.
fn name_width(lines: &[FieldLine<'_>]) -> usize {
    lines
        .iter()
        .filter_map(|line| match line {
            FieldLine::Value { name, .. } => Some(name.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// The field lines of an action, without the ownership tagging the header speaks for.
fn field_lines<'a>(plan: &Plan, action: &'a Action) -> Vec<FieldLine<'a>> {
    // A replacement forced by a dependency's replacement lists the new resource's fields, all from nothing
    // (no field differs): show them as a create does rather than as `(none) -> value`.
    let as_create = match action.action {
        ActionKind::Create => true,
        ActionKind::Replace => action.changes.iter().all(|c| c.before == Value::Absent && !c.forces_replacement),
        ActionKind::Update | ActionKind::Delete | ActionKind::Adopt | ActionKind::Release => false,
    };
    let mut lines = Vec::new();
    for change in action.changes.iter().filter(|c| !plan.is_ownership_tagging(action, c)) {
        if action.action == ActionKind::Delete {
            deleted_field(change, &mut lines);
        } else if as_create {
            created_field(change, &mut lines);
        } else {
            changed_field(change, &mut lines);
        }
    }
    lines
}

fn created_field<'a>(change: &'a FieldChange, lines: &mut Vec<FieldLine<'a>>) {
    let name = change.field.to_string();
    match &change.after {
        Value::Set(items) if !items.is_empty() => {
            lines.push(FieldLine::SetHeading { symbol: Symbol::Add, name, forces: false });
            lines.extend(items.iter().map(|item| FieldLine::Element { symbol: Symbol::Add, text: item }));
        }
        after => lines.push(FieldLine::Value { symbol: Symbol::Add, name, value: display(after), forces: false }),
    }
}

/// A field of a resource being deleted: `- name = value`, what goes with it.
fn deleted_field<'a>(change: &'a FieldChange, lines: &mut Vec<FieldLine<'a>>) {
    let name = change.field.to_string();
    match &change.before {
        Value::Set(items) if !items.is_empty() => {
            lines.push(FieldLine::SetHeading { symbol: Symbol::Remove, name, forces: false });
            lines.extend(items.iter().map(|item| FieldLine::Element { symbol: Symbol::Remove, text: item }));
        }
        before => lines.push(FieldLine::Value { symbol: Symbol::Remove, name, value: display(before), forces: false }),
    }
}

fn changed_field<'a>(change: &'a FieldChange, lines: &mut Vec<FieldLine<'a>>) {
    let name = change.field.to_string();
    let forces = change.forces_replacement;
    match set_diff(&change.before, &change.after) {
        Some(diff) if !diff.added.is_empty() || !diff.removed.is_empty() => {
            lines.push(FieldLine::SetHeading { symbol: Symbol::Change, name, forces });
            lines.extend(diff.added.into_iter().map(|text| FieldLine::Element { symbol: Symbol::Add, text }));
            lines.extend(diff.removed.into_iter().map(|text| FieldLine::Element { symbol: Symbol::Remove, text }));
            if diff.unchanged > 0 {
                lines.push(FieldLine::Hidden(diff.unchanged));
            }
        }
        _ => lines.push(FieldLine::Value {
            symbol: Symbol::Change,
            name,
            value: format!("{} -> {}", display(&change.before), display(&change.after)),
            forces,
        }),
    }
}

fn no_changes(conflicts: usize, painter: Painter) -> String {
    match conflicts {
        0 => painter.paint(Color::Green, NO_CHANGES),
        1 => format!(
            "{} The live state matches the desired state, except for the conflict above.",
            painter.paint(Color::Bold, "No changes.")
        ),
        n => format!(
            "{} The live state matches the desired state, except for the {n} conflicts above.",
            painter.paint(Color::Bold, "No changes.")
        ),
    }
}

/// `Plan: 3 to add, 1 to change, 1 to replace.`, then conflicts and undeclared resources when there are any.
fn summary_line(summary: &Summary, painter: Painter) -> String {
    let mut line = format!("{} {}.", painter.paint(Color::Bold, "Plan:"), words::action_counts(summary));
    let mut extras = Vec::new();
    if summary.conflicts > 0 {
        extras.push(format!("{} conflict{}", summary.conflicts, if summary.conflicts == 1 { "" } else { "s" }));
    }
    if summary.not_declared > 0 {
        extras.push(format!("{} not declared", summary.not_declared));
    }
    if summary.held > 0 {
        extras.push(format!("{} left unread", summary.held));
    }
    if summary.held_after_rollback > 0 {
        extras.push(format!("{} held after a rollback", summary.held_after_rollback));
    }
    if !extras.is_empty() {
        line.push_str(&format!(" {}.", extras.join(", ")));
    }
    line
}

/// `Legend: + create, ~ update in place`: only the resource-level symbols that appear.
fn legend(used: &BTreeSet<Symbol>, painter: Painter) -> String {
    let entries: Vec<String> =
        used.iter().map(|symbol| format!("{} {}", paint(*symbol, painter), symbol.legend())).collect();
    format!("Legend: {}", entries.join(", "))
}
