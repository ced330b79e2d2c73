//! AWS error answers in each protocol's format, so the SDK parses them as it would AWS's own: the error code it
//! reports, and whether it retries, come from them.

use super::request::Protocol;

/// An error the proxy answers with instead of (or after) the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A client error the SDK does not retry.
    InvalidParameter,
    /// The service's "slow down", which the SDK retries with backoff.
    Throttling,
    /// HTTP 500.
    InternalError,
    /// HTTP 503.
    Unavailable,
}

impl Refusal {
    fn status(self) -> &'static str {
        match self {
            Refusal::InvalidParameter | Refusal::Throttling => "400 Bad Request",
            Refusal::InternalError => "500 Internal Server Error",
            Refusal::Unavailable => "503 Service Unavailable",
        }
    }

    /// The code each protocol's services use: EC2 has its own names, the other services AWS's common errors.
    fn code(self, protocol: Protocol) -> &'static str {
        match (protocol, self) {
            (Protocol::Ec2Query | Protocol::Unknown, Refusal::InvalidParameter) => "InvalidParameterValue",
            (Protocol::Ec2Query | Protocol::Unknown, Refusal::Throttling) => "RequestLimitExceeded",
            (Protocol::Ec2Query | Protocol::Unknown, Refusal::InternalError) => "InternalError",
            (Protocol::Ec2Query | Protocol::Unknown, Refusal::Unavailable) => "Unavailable",
            (Protocol::AwsQuery, Refusal::InvalidParameter) => "ValidationError",
            (Protocol::AwsQuery, Refusal::Throttling) => "Throttling",
            (Protocol::AwsJson(_), Refusal::InvalidParameter) => "ValidationException",
            (Protocol::AwsJson(_), Refusal::Throttling) => "ThrottlingException",
            (_, Refusal::InternalError) => "InternalFailure",
            (_, Refusal::Unavailable) => "ServiceUnavailable",
        }
    }

    /// The whole HTTP response. `Connection: close`, as every answer through this proxy.
    pub fn response(self, protocol: Protocol) -> String {
        let code = self.code(protocol);
        let message = "injected by the test's fault proxy";
        let (content_type, body) = match protocol {
            Protocol::Ec2Query | Protocol::Unknown => ("text/xml", ec2_error(code, message)),
            Protocol::AwsQuery => ("text/xml", query_error(code, message, self.fault_side())),
            Protocol::AwsJson(content_type) => {
                (content_type, format!(r#"{{"__type":"{code}","message":"{message}"}}"#))
            }
        };
        format!(
            "HTTP/1.1 {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: fault-proxy\r\n\
             Connection: close\r\n\r\n{body}",
            self.status(),
            body.len()
        )
    }

    /// Whose fault the query protocol says it is.
    fn fault_side(self) -> &'static str {
        match self {
            Refusal::InvalidParameter | Refusal::Throttling => "Sender",
            Refusal::InternalError | Refusal::Unavailable => "Receiver",
        }
    }
}

fn ec2_error(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>\
         <Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
    )
}

fn query_error(code: &str, message: &str, side: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error><Type>{side}</Type><Code>{code}</Code>\
         <Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ec2_invalid_parameter_answer_is_the_one_the_proxy_always_gave() {
        let response = Refusal::InvalidParameter.response(Protocol::Ec2Query);
        assert!(response.starts_with("HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\n"), "{response}");
        assert!(response.contains("<Response><Errors><Error><Code>InvalidParameterValue</Code>"), "{response}");
    }

    #[test]
    fn the_content_length_is_the_body_length() {
        let response = Refusal::Throttling.response(Protocol::AwsJson("application/x-amz-json-1.1"));
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())), "{response}");
        assert_eq!(body, r#"{"__type":"ThrottlingException","message":"injected by the test's fault proxy"}"#);
    }
}
