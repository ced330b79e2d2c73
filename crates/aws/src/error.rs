//! Our error type for AWS calls. SDK error types stop here: callers match on [`ErrorKind`].

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What kind of failure, as far as a caller needs to decide what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The resource does not exist (any more).
    NotFound,
    /// AWS asked us to slow down.
    Throttled,
    /// The resource is in a state that does not allow the call (in use, already exists, dependency).
    Conflict,
    /// The request itself is wrong (bad parameter, limit exceeded, no permission).
    Invalid,
    /// Network, timeout or 5xx: may work if tried again.
    Transient,
    /// A wait for AWS to finish something ran out of time.
    Timeout,
}

/// A failed AWS call, with the operation and AWS's own code and message.
#[derive(Debug, Clone)]
pub struct AwsError {
    pub kind: ErrorKind,
    /// `Service.Operation`, e.g. `EC2.CreateVpc`.
    pub operation: String,
    /// AWS's error code, e.g. `InvalidVpcID.NotFound`.
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// Names the endpoint in a failure to reach it (a timeout, a refused or dropped connection: no answer
    /// from AWS, so no code), where the person reading needs to know which endpoint did not answer.
    pub fn at_endpoint(mut self, endpoint: &str) -> Self {
        if self.kind == ErrorKind::Transient && self.code.is_none() {
            self.message = format!("{} (endpoint {endpoint})", self.message);
        }
        self
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
        if let Some(code) = &self.code {
            write!(f, ": {code}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    pub fn timeout(operation: impl Into<String>, message: impl Into<String>) -> Self {
        AwsError { kind: ErrorKind::Timeout, operation: operation.into(), code: None, message: message.into() }
    }

    /// An error found by our own checks around a call (unexpected response, missing reference).
    pub fn invalid(operation: impl Into<String>, message: impl Into<String>) -> Self {
        AwsError { kind: ErrorKind::Invalid, operation: operation.into(), code: None, message: message.into() }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

/// `None` for an answer that the thing asked for does not exist; other errors stay errors.
pub(crate) fn found_or_none<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// Turns an SDK error into ours. `operation` names the call for messages.
pub fn classify<E, R>(operation: &str, error: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    let (kind, code, message) = match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().map(str::to_string);
            let message = err.message().map_or_else(|| err.to_string(), str::to_string);
            (kind_of_code(code.as_deref().unwrap_or("")), code, message)
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            (ErrorKind::Transient, None, full_chain(&error))
        }
        _ => (ErrorKind::Invalid, None, full_chain(&error)),
    };
    AwsError { kind, operation: operation.to_string(), code, message }
}

fn kind_of_code(code: &str) -> ErrorKind {
    let lower = code.to_ascii_lowercase();
    if lower.contains("notfound") || lower.contains("not_found") || lower.starts_with("nosuch") {
        ErrorKind::NotFound
    } else if lower.contains("throttl") || lower.contains("requestlimitexceeded") || lower == "toomanyrequestsexception"
    {
        ErrorKind::Throttled
    } else if lower.contains("inuse")
        || lower.contains("dependencyviolation")
        || lower.contains("alreadyexists")
        || lower.contains("duplicate")
        || lower.contains("alreadyassociated")
        || lower.contains("conflict")
    {
        ErrorKind::Conflict
    } else if lower.contains("internal") || lower.contains("unavailable") {
        ErrorKind::Transient
    } else {
        ErrorKind::Invalid
    }
}

/// The error and its sources on one line, for messages that must carry the whole cause.
fn full_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_codes_map_to_the_kind_callers_act_on() {
        assert_eq!(kind_of_code("InvalidVpcID.NotFound"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("ClusterNotFoundException"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("NoSuchEntity"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("RequestLimitExceeded"), ErrorKind::Throttled);
        assert_eq!(kind_of_code("ThrottlingException"), ErrorKind::Throttled);
        assert_eq!(kind_of_code("DependencyViolation"), ErrorKind::Conflict);
        assert_eq!(kind_of_code("InvalidPermission.Duplicate"), ErrorKind::Conflict);
        assert_eq!(kind_of_code("Resource.AlreadyAssociated"), ErrorKind::Conflict);
        assert_eq!(kind_of_code("InvalidParameterValue"), ErrorKind::Invalid);
        assert_eq!(kind_of_code("InternalError"), ErrorKind::Transient);
    }
}
