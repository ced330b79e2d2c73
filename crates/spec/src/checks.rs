//! Checks of single values (names, CIDRs, descriptions, tags), as pure functions that return the message to
//! show. Kept apart from the tree walking so that each rule is written, documented and tested once.

use ipnet::Ipv4Net;

/// Most characters a declaration name may have.
pub(crate) const MAX_NAME_LEN: usize = 63;

/// Declaration names (the keys under a kind): `[A-Za-z0-9][A-Za-z0-9_-]{0,62}`. No dots, so that a field's
/// dotted path (`vpc.main.cidr`) is never ambiguous.
pub(crate) fn declaration_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= MAX_NAME_LEN
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid name `{name}`: a declaration name is 1 to {MAX_NAME_LEN} letters, digits, `_` or `-`, \
             starting with a letter or digit"
        ))
    }
}

/// An IPv4 network in CIDR notation whose host bits are zero.
pub(crate) fn network(text: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = text.parse().map_err(|_| {
        if text.contains(':') {
            format!("`{text}` is not an IPv4 CIDR: only IPv4 is supported")
        } else {
            format!("`{text}` is not an IPv4 CIDR: expected a network like `10.0.0.0/16`")
        }
    })?;
    if net.addr() != net.network() {
        return Err(format!(
            "`{text}` is not a network address: its host bits are set; the network is `{}`",
            net.trunc()
        ));
    }
    Ok(net)
}

/// Characters AWS accepts in security group names and descriptions and in rule descriptions.
fn is_ec2_description_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c)
}

/// A security group's description, name, or a rule's description: what EC2 accepts.
pub(crate) fn ec2_text(text: &str, what: &str, required: bool) -> Result<(), String> {
    if text.is_empty() {
        return if required { Err(format!("{what} must not be empty")) } else { Ok(()) };
    }
    let length = text.chars().count();
    if length > 255 {
        return Err(format!("{what} is {length} characters long; AWS allows at most 255"));
    }
    if let Some(c) = text.chars().find(|&c| !is_ec2_description_char(c)) {
        return Err(format!(
            "{what} contains {c:?}; AWS allows only ASCII letters, digits, spaces and ._-:/()#,@[]+=&;{{}}!$*"
        ));
    }
    Ok(())
}

/// A security group's name in AWS.
pub(crate) fn group_name(name: &str) -> Result<(), String> {
    ec2_text(name, "a group name", true)?;
    if name.to_ascii_lowercase().starts_with("sg-") {
        return Err(format!("group name `{name}` starts with `sg-`, which AWS reserves for group ids"));
    }
    Ok(())
}

/// An ECS cluster name: 1 to 255 letters, digits, `_` and `-`.
pub(crate) fn cluster_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("invalid cluster name `{name}`: ECS allows 1 to 255 letters, digits, `_` and `-`"))
    }
}

/// A DNS name for a Cloud Map namespace: lowercase labels of 1 to 63 of `[a-z0-9-]` that neither start nor end
/// with `-`, separated by dots, 253 characters at most. Uppercase is an error rather than lowercased silently:
/// the name is compared with what AWS reports, and a name that changes on the way in is a surprise.
pub(crate) fn dns_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("invalid DNS name `{name}`: {why}"));
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 253 {
        return bad("it is longer than 253 characters");
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return bad("it has uppercase letters; write it in lowercase");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return bad("it has an empty label (two dots in a row, or a dot at the start or end)");
        }
        if label.len() > 63 {
            return bad(&format!("label `{label}` is longer than 63 characters"));
        }
        if let Some(c) = label.chars().find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')) {
            return bad(&format!("{c:?} is not allowed; labels have only a-z, 0-9 and `-`"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad(&format!("label `{label}` starts or ends with `-`"));
        }
    }
    Ok(())
}

/// An IAM role name: 1 to 64 of `[A-Za-z0-9+=,.@_-]`.
pub(crate) fn role_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!("invalid role name `{name}`: IAM allows 1 to 64 letters, digits and `+=,.@_-`"))
    }
}

/// The service principal of a role's trust policy: `NAME.amazonaws.com`, NAME of `[a-z0-9.-]`.
pub(crate) fn service_principal(text: &str) -> Result<(), String> {
    let ok = text.strip_suffix(".amazonaws.com").is_some_and(|service| {
        service.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    });
    if ok { Ok(()) } else { Err(format!("`{text}` is not an AWS service principal like `ecs-tasks.amazonaws.com`")) }
}

/// The ARN of a managed IAM policy: AWS's (`arn:aws:iam::aws:policy/...`) or an account's
/// (`arn:aws:iam::123456789012:policy/...`).
pub(crate) fn policy_arn(text: &str) -> Result<(), String> {
    let ok = text.strip_prefix("arn:aws:iam::").and_then(|rest| rest.split_once(":policy/")).is_some_and(
        |(account, name)| {
            let account_ok = account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
            let name_ok = !name.is_empty() && !name.ends_with('/') && !name.contains(char::is_whitespace);
            account_ok && name_ok
        },
    );
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not an IAM policy ARN like `arn:aws:iam::aws:policy/NAME` or \
             `arn:aws:iam::123456789012:policy/NAME`"
        ))
    }
}

/// IAM's limit on a role's inline policies, in characters other than whitespace.
pub(crate) const MAX_INLINE_POLICY: usize = 10_240;

/// An inline policy document: a JSON object, within IAM's size.
pub(crate) fn inline_policy(text: &str) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("the inline policy is not valid JSON: {error}"))?;
    let found = match &value {
        serde_json::Value::Object(_) => None,
        serde_json::Value::Array(_) => Some("an array"),
        serde_json::Value::String(_) => Some("a string"),
        serde_json::Value::Number(_) => Some("a number"),
        serde_json::Value::Bool(_) => Some("a boolean"),
        serde_json::Value::Null => Some("null"),
    };
    if let Some(found) = found {
        return Err(format!(
            "the inline policy must be a JSON object (a policy document: {{\"Version\": ..., \"Statement\": [...]}}), \
             found {found}"
        ));
    }
    let size = text.chars().filter(|c| !c.is_whitespace()).count();
    if size > MAX_INLINE_POLICY {
        return Err(format!(
            "the inline policy has {size} characters besides whitespace; IAM allows at most {MAX_INLINE_POLICY}"
        ));
    }
    Ok(())
}

/// A CloudWatch Logs log group name: 1 to 512 of `[A-Za-z0-9_/.#-]`.
pub(crate) fn log_group_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_/.#-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!("invalid log group name `{name}`: CloudWatch Logs allows 1 to 512 letters, digits and `_/.#-`"))
    }
}

/// The retention periods CloudWatch Logs accepts, in days.
pub(crate) const RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

pub(crate) fn retention_days(days: i64) -> Result<u32, String> {
    match u32::try_from(days) {
        Ok(days) if RETENTION_DAYS.contains(&days) => Ok(days),
        _ => {
            let accepted: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
            Err(format!("{days} days is not a retention CloudWatch Logs accepts: one of {}", accepted.join(", ")))
        }
    }
}

/// An ECS service name: 1 to 255 letters, digits, `_` and `-` (the same rule as cluster names).
pub(crate) fn service_name(name: &str) -> Result<(), String> {
    cluster_name(name)
        .map_err(|_| format!("invalid service name `{name}`: ECS allows 1 to 255 letters, digits, `_` and `-`"))
}

/// A container name in a task definition: 1 to 255 letters, digits, `_` and `-`.
pub(crate) fn container_name(name: &str) -> Result<(), String> {
    cluster_name(name)
        .map_err(|_| format!("invalid container name `{name}`: ECS allows 1 to 255 letters, digits, `_` and `-`"))
}

/// Whether a container image is pinned: `Ok(true)` with a tag (`repo:tag`, a `:` after the last `/`) or a
/// digest (`repo@sha256:...`), `Ok(false)` without (`latest` is implied), `Err` when it is no image at all.
pub(crate) fn image(text: &str) -> Result<bool, String> {
    if text.is_empty() {
        return Err("the image must not be empty".into());
    }
    if text.contains(char::is_whitespace) {
        return Err(format!("the image `{text}` contains whitespace"));
    }
    let length = text.chars().count();
    if length > 255 {
        return Err(format!("the image is {length} characters long; ECS allows at most 255"));
    }
    if let Some((repository, digest)) = text.split_once('@') {
        if repository.is_empty() || digest.is_empty() {
            return Err(format!("the image `{text}` is not `repository@digest`: one of them is empty"));
        }
        return Ok(true);
    }
    // A `:` before the last `/` is a registry's port (`host:5000/repo`), not a tag.
    let last = text.rsplit('/').next().unwrap_or(text);
    match last.split_once(':') {
        None => Ok(false),
        Some((_, "")) => Err(format!("the image `{text}` has an empty tag")),
        Some(_) => Ok(true),
    }
}

/// The CPU units Fargate offers, each with the task memory sizes (MiB) it allows.
pub(crate) fn fargate_memory(cpu: u32) -> Option<Vec<u32>> {
    let range = |from: u32, to: u32, step: u32| (from..=to).step_by(step as usize).collect();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => range(1024, 4096, 1024),
        1024 => range(2048, 8192, 1024),
        2048 => range(4096, 16384, 1024),
        4096 => range(8192, 30720, 1024),
        8192 => range(16384, 61440, 4096),
        16384 => range(32768, 122880, 8192),
        _ => return None,
    })
}

/// The CPU values of [`fargate_memory`], for messages.
pub(crate) const FARGATE_CPU: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn environment_name(name: &str) -> Result<(), String> {
    let ok = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid environment variable name `{name}`: expected letters, digits and `_`, not starting with a digit"
        ))
    }
}

/// An SSM Parameter Store parameter as a task's secret names it: a name (`/app/db-password`, `app.key`) or an
/// ARN. Names are letters, digits and `_.-/`, at most 2048 characters; `aws` and `ssm` prefixes are AWS's.
pub(crate) fn parameter_name(name: &str) -> Result<(), String> {
    if name.starts_with("arn:") {
        return if name.contains(":ssm:") && name.contains(":parameter/") {
            Ok(())
        } else {
            Err(format!("`{name}` is not an SSM parameter ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)"))
        };
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-/".contains(c);
    if name.is_empty() || name.len() > 2048 || !name.chars().all(allowed) {
        return Err(format!(
            "invalid parameter name `{name}`: expected 1 to 2048 letters, digits and `_`, `.`, `-`, `/`"
        ));
    }
    let bare = name.trim_start_matches('/').to_ascii_lowercase();
    if bare.starts_with("aws") || bare.starts_with("ssm") {
        return Err(format!("invalid parameter name `{name}`: names starting with `aws` or `ssm` are reserved"));
    }
    Ok(())
}

/// A Secrets Manager secret as a task's secret names it: a name (letters, digits and `/_+=.@-`, at most 512)
/// or an ARN.
pub(crate) fn secret_id(id: &str) -> Result<(), String> {
    if id.starts_with("arn:") {
        return if id.contains(":secretsmanager:") && id.contains(":secret:") {
            Ok(())
        } else {
            Err(format!(
                "`{id}` is not a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)"
            ))
        };
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c);
    if id.is_empty() || id.len() > 512 || !id.chars().all(allowed) {
        return Err(format!("invalid secret name `{id}`: expected 1 to 512 letters, digits and `/_+=.@-`"));
    }
    Ok(())
}

/// A listener rule's path pattern: starts with `/`, at most 128 characters of letters, digits and
/// `_-.$/~"'@:+&*?` (`*` any run, `?` one character).
pub(crate) fn path_pattern(pattern: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.$/~\"'@:+&*?".contains(c);
    if !pattern.starts_with('/') {
        return Err(format!("the path pattern `{pattern}` must start with `/`"));
    }
    if pattern.len() > 128 || !pattern.chars().all(allowed) {
        return Err(format!("invalid path pattern `{pattern}`: at most 128 letters, digits and `_-.$/~\"'@:+&*?`"));
    }
    Ok(())
}

/// A listener rule's host header pattern: at most 128 characters of letters, digits and `-.*?`.
pub(crate) fn host_pattern(pattern: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-.*?".contains(c);
    if pattern.is_empty() || pattern.len() > 128 || !pattern.chars().all(allowed) {
        return Err(format!("invalid host pattern `{pattern}`: 1 to 128 letters, digits and `-.*?`"));
    }
    Ok(())
}

/// One DNS label (a Cloud Map service name): 1 to 63 of `[a-z0-9-]`, not starting or ending with `-`.
pub(crate) fn dns_label(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid DNS label `{name}`: expected 1 to 63 of `a-z`, `0-9` and `-`, not starting or ending with `-`"
        ))
    }
}

/// An application load balancer's (and its target group's) name: 1 to 32 letters, digits and `-`, not starting
/// or ending with `-`, not starting with `internal-`.
pub(crate) fn load_balancer_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !ok {
        return Err(format!(
            "invalid load balancer name `{name}`: expected 1 to 32 letters, digits and `-`, not starting or ending \
             with `-`"
        ));
    }
    if name.to_ascii_lowercase().starts_with("internal-") {
        return Err(format!("load balancer name `{name}` starts with `internal-`, which AWS reserves"));
    }
    Ok(())
}

/// An EC2 instance type, `FAMILY.SIZE` (`t3.medium`, `m5.2xlarge`, `u-6tb1.metal`).
pub(crate) fn instance_type(text: &str) -> Result<(), String> {
    let ok = text.split_once('.').is_some_and(|(family, size)| {
        family.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && family.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if ok { Ok(()) } else { Err(format!("`{text}` is not an instance type like `t3.medium` (FAMILY.SIZE)")) }
}

/// An AMI id: `ami-` and 8 to 17 lowercase hex digits.
pub(crate) fn ami_id(text: &str) -> Result<(), String> {
    let ok = text.strip_prefix("ami-").is_some_and(|hex| {
        (8..=17).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok { Ok(()) } else { Err(format!("`{text}` is not an AMI id like `ami-0123456789abcdef0`")) }
}

/// A tag key a user may set. `reconciler:` keys are ours (they mark what we own); `aws:` keys are AWS's.
pub(crate) fn tag_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("a tag key must not be empty".into());
    }
    let length = key.chars().count();
    if length > 127 {
        return Err(format!("tag key is {length} characters long; AWS allows at most 127"));
    }
    if key.starts_with("reconciler:") {
        return Err(format!(
            "tag key `{key}` is reserved: reconciler sets `reconciler:` tags itself to mark what it owns"
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("tag key `{key}` is reserved: AWS keeps the `aws:` prefix for itself"));
    }
    Ok(())
}

pub(crate) fn tag_value(value: &str) -> Result<(), String> {
    let length = value.chars().count();
    if length > 255 {
        return Err(format!("tag value is {length} characters long; AWS allows at most 255"));
    }
    Ok(())
}

/// The longest cooldown Application Auto Scaling takes, in seconds (a day).
pub(crate) const MAX_COOLDOWN: u32 = 86_400;

/// What a duration may be written as, for messages.
pub(crate) const DURATION_FORMS: &str =
    "an integer of seconds (30) or a string of an integer and a unit: \"30s\", \"5m\" or \"1h\"";

/// A duration written as a string: an integer followed by `s`, `m` or `h` (`"30s"`, `"5m"`, `"1h"`), in seconds.
pub(crate) fn duration(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not a duration: expected {DURATION_FORMS}");
    let unit = text.chars().last().ok_or_else(bad)?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        _ => return Err(bad()),
    };
    let number = &text[..text.len() - 1];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // Too many digits for an i64 is too long a duration all the same.
    let number: i64 = number.parse().unwrap_or(i64::MAX);
    Ok(number.saturating_mul(factor))
}

/// The name of a scaling policy or a scheduled action (`what`): 1 to 255 printable ASCII characters, not
/// starting with a space, without `:`, `/` or `|` (which Application Auto Scaling rejects).
pub(crate) fn scaling_name(name: &str, what: &str) -> Result<(), String> {
    let length = name.chars().count();
    let ok = (1..=255).contains(&length)
        && !name.starts_with(' ')
        && name.chars().all(|c| (' '..='~').contains(&c) && !":/|".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid {what} name `{name}`: expected 1 to 255 printable ASCII characters, not starting with a space, \
             without `:`, `/` or `|`"
        ))
    }
}

/// The three forms of a scheduled action's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScheduleKind {
    Cron,
    Rate,
    At,
}

/// What a schedule may be written as, for messages.
const SCHEDULE_FORMS: &str = "`cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)`, `rate(N minutes|hours|days)` \
                              or `at(yyyy-mm-ddThh:mm:ss)`";

/// A scheduled action's schedule as Application Auto Scaling takes it: `cron(` six space-separated fields `)`
/// (one of day-of-month and day-of-week `?`), `rate(` a positive integer and `minute(s)`, `hour(s)` or `day(s)`
/// `)`, or `at(yyyy-mm-ddThh:mm:ss)` (a real date and time).
pub(crate) fn schedule(text: &str) -> Result<ScheduleKind, String> {
    let inner = |prefix: &str| text.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')'));
    if let Some(fields) = inner("cron(") {
        let fields: Vec<&str> = fields.split(' ').collect();
        let allowed = |field: &&str| {
            !field.is_empty() && field.bytes().all(|b| b.is_ascii_alphanumeric() || b"*?,-/#".contains(&b))
        };
        if fields.len() != 6 || !fields.iter().all(allowed) {
            return Err(format!(
                "`{text}` is not a cron schedule: expected `cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)`, \
                 six fields separated by single spaces, e.g. `cron(0 20 * * ? *)`"
            ));
        }
        if (fields[2] == "?") == (fields[4] == "?") {
            return Err(format!(
                "`{text}`: exactly one of day-of-month (the 3rd field) and day-of-week (the 5th) must be `?`, e.g. \
                 `cron(0 20 * * ? *)`"
            ));
        }
        return Ok(ScheduleKind::Cron);
    }
    if let Some(rate) = inner("rate(") {
        let ok = rate.split_once(' ').is_some_and(|(value, unit)| {
            !value.is_empty()
                && value.bytes().all(|b| b.is_ascii_digit())
                && value.bytes().any(|b| b != b'0')
                && ["minute", "minutes", "hour", "hours", "day", "days"].contains(&unit)
        });
        if !ok {
            return Err(format!(
                "`{text}` is not a rate schedule: expected `rate(N UNIT)`, N a positive integer and UNIT one of \
                 `minute`, `minutes`, `hour`, `hours`, `day`, `days`, e.g. `rate(6 hours)`"
            ));
        }
        return Ok(ScheduleKind::Rate);
    }
    if let Some(time) = inner("at(") {
        if !is_date_time(time) {
            return Err(format!(
                "`{text}` is not a one-time schedule: expected `at(yyyy-mm-ddThh:mm:ss)` with a real date and time, \
                 e.g. `at(2025-12-31T23:00:00)`"
            ));
        }
        return Ok(ScheduleKind::At);
    }
    Err(format!("`{text}` is not a schedule: expected {SCHEDULE_FORMS}"))
}

/// `yyyy-mm-ddThh:mm:ss`, a date that exists.
fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape = "dddd-dd-ddTdd:dd:dd";
    if bytes.len() != shape.len()
        || !bytes.iter().zip(shape.bytes()).all(|(&b, s)| if s == b'd' { b.is_ascii_digit() } else { b == s })
    {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().expect("digits");
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && hour < 24 && minute < 60 && second < 60
}

/// The areas of IANA time zone names (`Area/Location`).
const TIME_ZONE_AREAS: [&str; 11] = [
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
    "Etc",
];

/// Something that looks like an IANA time zone name: `UTC`, or `Area/Location` (maybe `Area/Region/Location`)
/// with a known area and locations of letters, digits, `_`, `+` and `-`, e.g. `Europe/Paris`,
/// `America/Argentina/Buenos_Aires`, `Etc/GMT+5`. Whether the location exists is left to AWS.
pub(crate) fn time_zone(name: &str) -> Result<(), String> {
    if name == "UTC" {
        return Ok(());
    }
    let mut parts = name.split('/');
    let area = parts.next().unwrap_or_default();
    let locations: Vec<&str> = parts.collect();
    let ok = TIME_ZONE_AREAS.contains(&area)
        && (1..=2).contains(&locations.len())
        && locations.iter().all(|location| {
            location.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && location.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not an IANA time zone name: expected `UTC` or AREA/LOCATION like `Europe/Paris`, AREA one of \
             {}",
            TIME_ZONE_AREAS.join(", ")
        ))
    }
}

/// Edit distance counting a swap of two neighbouring characters as one edit (optimal string alignment), for
/// "did you mean" hints: `mian` is one edit from `main`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (distance(name, candidate), candidate))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_names() {
        for ok in ["main", "a", "container-demo", "A_1", &"x".repeat(63)] {
            assert_eq!(declaration_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-a", "_a", "a.b", "a b", "é", &"x".repeat(64)] {
            assert!(declaration_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn networks() {
        assert_eq!(network("10.0.0.0/24"), Ok("10.0.0.0/24".parse().unwrap()));
        assert_eq!(
            network("10.0.0.1/24").unwrap_err(),
            "`10.0.0.1/24` is not a network address: its host bits are set; the network is `10.0.0.0/24`"
        );
        assert_eq!(
            network("10.0.0.0").unwrap_err(),
            "`10.0.0.0` is not an IPv4 CIDR: expected a network like `10.0.0.0/16`"
        );
        assert_eq!(network("fd00::/8").unwrap_err(), "`fd00::/8` is not an IPv4 CIDR: only IPv4 is supported");
        assert!(network("10.0.0.0/33").is_err());
    }

    #[test]
    fn dns_names() {
        for ok in ["service.local", "a", "my-app.internal", "x1.y2"] {
            assert_eq!(dns_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            dns_name("Service.local").unwrap_err(),
            "invalid DNS name `Service.local`: it has uppercase letters; write it in lowercase"
        );
        for bad in ["", "a..b", ".a", "a.", "-a.b", "a-.b", "a_b", &"x".repeat(64), &"a.".repeat(127)] {
            assert!(dns_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tag_keys_and_values() {
        assert_eq!(tag_key("Environment"), Ok(()));
        assert!(tag_key("reconciler:owner").unwrap_err().contains("reserved"));
        assert!(tag_key("aws:cloudformation:stack").unwrap_err().contains("AWS keeps"));
        assert!(tag_key("AWS:x").is_err());
        assert!(tag_key("").is_err());
        assert!(tag_key(&"k".repeat(128)).is_err());
        assert_eq!(tag_key(&"k".repeat(127)), Ok(()));
        assert_eq!(tag_value(&"v".repeat(255)), Ok(()));
        assert!(tag_value(&"v".repeat(256)).is_err());
    }

    #[test]
    fn ec2_texts_and_names() {
        assert_eq!(ec2_text("frontend to backend", "a description", true), Ok(()));
        assert_eq!(ec2_text("", "a description", true).unwrap_err(), "a description must not be empty");
        assert_eq!(ec2_text("", "a description", false), Ok(()));
        assert!(ec2_text("café", "a description", true).unwrap_err().contains("'é'"));
        assert!(ec2_text(&"d".repeat(256), "a description", true).is_err());
        assert!(group_name("sg-123").is_err());
        assert!(group_name("SG-123").is_err());
        assert_eq!(group_name("services"), Ok(()));
        assert_eq!(cluster_name("container-demo"), Ok(()));
        assert!(cluster_name("a.b").is_err());
        assert!(cluster_name(&"c".repeat(256)).is_err());
    }

    #[test]
    fn roles_and_policies() {
        for ok in ["ecsdemo-task-execution", "a+b=c,d.e@f_g-h", &"r".repeat(64)] {
            assert_eq!(role_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "a b", "a/b", &"r".repeat(65)] {
            assert!(role_name(bad).is_err(), "{bad}");
        }
        assert_eq!(service_principal("ecs-tasks.amazonaws.com"), Ok(()));
        assert_eq!(service_principal("ec2.amazonaws.com"), Ok(()));
        for bad in ["amazonaws.com", ".amazonaws.com", "ecs-tasks", "ECS.amazonaws.com", "x.amazonaws.com.cn"] {
            assert!(service_principal(bad).is_err(), "{bad}");
        }
        assert_eq!(policy_arn("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"), Ok(()));
        assert_eq!(policy_arn("arn:aws:iam::123456789012:policy/mine"), Ok(()));
        for bad in ["AmazonECSTaskExecutionRolePolicy", "arn:aws:iam::1234:policy/x", "arn:aws:iam::aws:policy/"] {
            assert!(policy_arn(bad).is_err(), "{bad}");
        }
        assert_eq!(inline_policy(r#"{"Version": "2012-10-17", "Statement": []}"#), Ok(()));
        assert!(inline_policy("[]").unwrap_err().ends_with("found an array"));
        assert!(inline_policy("{").unwrap_err().starts_with("the inline policy is not valid JSON: "));
        let big = format!(r#"{{"a": "{}"}}"#, "x".repeat(MAX_INLINE_POLICY));
        assert!(inline_policy(&big).unwrap_err().contains("IAM allows at most 10240"));
    }

    #[test]
    fn log_groups() {
        assert_eq!(log_group_name("/ecs/ecsdemo-frontend"), Ok(()));
        assert_eq!(log_group_name("a#b.c_d"), Ok(()));
        assert!(log_group_name("a b").is_err());
        assert!(log_group_name("").is_err());
        assert!(log_group_name(&"l".repeat(513)).is_err());
        assert_eq!(retention_days(14), Ok(14));
        assert!(retention_days(15).is_err());
        assert!(retention_days(-1).is_err());
    }

    #[test]
    fn images() {
        assert_eq!(image("brentley/ecsdemo-frontend:latest"), Ok(true));
        assert_eq!(image("repo@sha256:abc"), Ok(true));
        assert_eq!(image("host:5000/repo:1.2"), Ok(true));
        assert_eq!(image("brentley/ecsdemo-frontend"), Ok(false));
        assert_eq!(image("host:5000/repo"), Ok(false));
        assert_eq!(image("nginx"), Ok(false));
        assert!(image("").is_err());
        assert!(image("a b").is_err());
        assert!(image("repo:").is_err());
        assert!(image("@sha256:x").is_err());
        assert!(image(&"i".repeat(256)).is_err());
    }

    #[test]
    fn fargate_sizes() {
        assert_eq!(fargate_memory(256), Some(vec![512, 1024, 2048]));
        assert_eq!(fargate_memory(512), Some(vec![1024, 2048, 3072, 4096]));
        assert_eq!(fargate_memory(4096).unwrap().len(), 23);
        assert_eq!(fargate_memory(8192).unwrap().first(), Some(&16384));
        assert_eq!(fargate_memory(16384).unwrap().last(), Some(&122880));
        assert_eq!(fargate_memory(300), None);
        assert!(FARGATE_CPU.iter().all(|&cpu| fargate_memory(cpu).is_some()));
    }

    #[test]
    fn service_values() {
        assert_eq!(service_name("ecsdemo-frontend"), Ok(()));
        assert!(service_name("a.b").is_err());
        assert_eq!(environment_name("CRYSTAL_URL"), Ok(()));
        assert_eq!(environment_name("_x1"), Ok(()));
        for bad in ["", "1A", "A-B", "A.B"] {
            assert!(environment_name(bad).is_err(), "{bad}");
        }
        assert_eq!(dns_label("ecsdemo-nodejs"), Ok(()));
        for bad in ["", "-a", "a-", "A", "a.b", "a_b", &"d".repeat(64)] {
            assert!(dns_label(bad).is_err(), "{bad}");
        }
        assert_eq!(load_balancer_name("ecsdemo-frontend"), Ok(()));
        for bad in ["", "-a", "a-", "a_b", &"l".repeat(33)] {
            assert!(load_balancer_name(bad).unwrap_err().starts_with("invalid load balancer name"), "{bad}");
        }
        assert!(load_balancer_name("internal-web").unwrap_err().contains("reserves"));
    }

    #[test]
    fn instances() {
        for ok in ["t3.medium", "m5.2xlarge", "u-6tb1.metal", "c6gn.16xlarge"] {
            assert_eq!(instance_type(ok), Ok(()), "{ok}");
        }
        for bad in ["t3", "t3.", ".medium", "T3.medium", "t3.medium.x", "3t.medium"] {
            assert!(instance_type(bad).is_err(), "{bad}");
        }
        assert_eq!(ami_id("ami-0123456789abcdef0"), Ok(()));
        assert_eq!(ami_id("ami-12345678"), Ok(()));
        for bad in ["ami-1234567", "ami-0123456789abcdef01", "ami-ABCDEF12", "0123456789abcdef0"] {
            assert!(ami_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn autoscaling_values() {
        assert_eq!(duration("30s"), Ok(30));
        assert_eq!(duration("5m"), Ok(300));
        assert_eq!(duration("1h"), Ok(3600));
        assert_eq!(duration("0s"), Ok(0));
        for bad in ["", "s", "30", "30 s", "-1s", "1.5m", "1d", "5M", "é"] {
            assert!(duration(bad).unwrap_err().contains("is not a duration"), "{bad}");
        }
        assert_eq!(duration("99999999999999999999h"), Ok(i64::MAX));

        assert_eq!(scaling_name("ecsdemo-frontend-cpu", "policy"), Ok(()));
        assert_eq!(scaling_name("night (weekdays) #1", "policy"), Ok(()));
        assert_eq!(scaling_name(&"n".repeat(255), "policy"), Ok(()));
        for bad in ["", " lead", "a:b", "a/b", "a|b", "tab\t", "café", &"n".repeat(256)] {
            assert!(scaling_name(bad, "policy").is_err(), "{bad}");
        }

        for (text, kind) in [
            ("cron(0 20 * * ? *)", ScheduleKind::Cron),
            ("cron(0/15 8-18 ? * MON-FRI *)", ScheduleKind::Cron),
            ("cron(0 0 L * ? 2030)", ScheduleKind::Cron),
            ("rate(1 minute)", ScheduleKind::Rate),
            ("rate(10 days)", ScheduleKind::Rate),
            ("at(2024-02-29T23:59:59)", ScheduleKind::At),
            ("at(2000-02-29T00:00:00)", ScheduleKind::At),
        ] {
            assert_eq!(schedule(text), Ok(kind), "{text}");
        }
        for bad in [
            "cron(0 20 * * * *)",
            "cron(0 20 ? * ? *)",
            "cron(0  20 * * ? *)",
            "cron(0 20 * * ?)",
            "cron(0 20 * * ? * *)",
            "cron(0 20 * * ? %)",
            "rate(0 days)",
            "rate(1 week)",
            "rate(-1 days)",
            "rate(1days)",
            "at(2023-02-29T00:00:00)",
            "at(1900-02-29T00:00:00)",
            "at(2024-13-01T00:00:00)",
            "at(2024-04-31T00:00:00)",
            "at(2024-01-01T24:00:00)",
            "at(2024-01-01 00:00:00)",
            "at(2024-01-01T00:00)",
            "CRON(0 20 * * ? *)",
            "0 20 * * ? *",
            "",
        ] {
            assert!(schedule(bad).is_err(), "{bad}");
        }

        for ok in ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "America/Port-au-Prince"] {
            assert_eq!(time_zone(ok), Ok(()), "{ok}");
        }
        for bad in ["", "utc", "Paris", "Europa/Paris", "Europe/", "Europe/Paris/", "Europe/Pa ris", "Europe/A/B/C"] {
            assert!(time_zone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn closest_names() {
        assert_eq!(closest("mian", ["main", "other"]), Some("main"));
        assert_eq!(closest("x", ["main"]), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("mian", "main"), 1);
    }
}
