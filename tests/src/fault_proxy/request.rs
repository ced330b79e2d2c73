//! Reading one HTTP request from the client, and finding which AWS operation it is.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;

/// The AWS wire protocol of a request: it decides what an error answer must look like for the SDK to parse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// EC2's own query protocol: errors are `<Response><Errors><Error>`.
    Ec2Query,
    /// The query protocol of IAM and ELBv2: errors are `<ErrorResponse><Error>`.
    AwsQuery,
    /// `x-amz-json-1.0`/`1.1` (ECS, Cloud Map, Logs, Application Auto Scaling), with the content type to answer in.
    AwsJson(&'static str),
    /// Not an AWS call (or one this proxy does not understand).
    Unknown,
}

/// One request, ready to forward.
#[derive(Debug)]
pub struct Request {
    /// The request line and headers as forwarded: `Connection` headers dropped and `Connection: close` added, so
    /// the emulator closes after answering and the proxy can read its answer to the end.
    pub head: Vec<u8>,
    pub body: Vec<u8>,
    pub protocol: Protocol,
    /// The AWS operation, e.g. `CreateVpc`.
    pub operation: Option<String>,
    /// The SigV4 signing name, e.g. `ec2` or `ecs` (for logs).
    pub service: Option<String>,
}

/// What the headers say, gathered while copying them.
#[derive(Default)]
struct Headers {
    content_length: usize,
    target: Option<String>,
    content_type: String,
    service: Option<String>,
}

impl Request {
    /// Reads one request; `None` if the client closed the connection before sending one.
    pub fn read(client: &TcpStream) -> std::io::Result<Option<Request>> {
        let mut reader = BufReader::new(client.try_clone()?);
        let mut head = Vec::new();
        let mut headers = Headers::default();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            if line == "\r\n" {
                break;
            }
            if !headers.note(&line) {
                head.extend_from_slice(line.as_bytes());
            }
        }
        head.extend_from_slice(b"Connection: close\r\n\r\n");
        let mut body = vec![0; headers.content_length];
        reader.read_exact(&mut body)?;
        Ok(Some(Request::new(head, body, headers)))
    }

    fn new(head: Vec<u8>, body: Vec<u8>, headers: Headers) -> Request {
        let (protocol, operation) = match headers.target {
            // `X-Amz-Target: AmazonEC2ContainerServiceV20141113.CreateCluster`
            Some(target) => {
                let content_type = if headers.content_type.contains("json-1.0") { JSON_1_0 } else { JSON_1_1 };
                (Protocol::AwsJson(content_type), target.rsplit('.').next().map(str::to_string))
            }
            // `Action=CreateVpc&Version=2016-11-15&...` in the form body.
            None => match form_action(&body) {
                Some(action) if headers.service.as_deref() == Some("ec2") => (Protocol::Ec2Query, Some(action)),
                Some(action) => (Protocol::AwsQuery, Some(action)),
                None => (Protocol::Unknown, None),
            },
        };
        Request { head, body, protocol, operation, service: headers.service }
    }

    /// Head and body as text, for matching a needle anywhere in the request (as the proxy always has).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.head).into_owned() + &String::from_utf8_lossy(&self.body)
    }

    pub fn is_mutating(&self) -> bool {
        self.operation.as_deref().is_some_and(is_mutating)
    }
}

const JSON_1_0: &str = "application/x-amz-json-1.0";
const JSON_1_1: &str = "application/x-amz-json-1.1";

impl Headers {
    /// Takes what matters from one header line; true if the line must not be forwarded.
    fn note(&mut self, line: &str) -> bool {
        let Some((name, value)) = line.split_once(':') else { return false };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => self.content_length = value.parse().unwrap_or(0),
            "x-amz-target" => self.target = Some(value.to_string()),
            "content-type" => self.content_type = value.to_ascii_lowercase(),
            "authorization" => self.service = signing_service(value),
            "connection" => return true,
            _ => {}
        }
        false
    }
}

/// The service of a SigV4 `Authorization` header: `... Credential=AKID/20250101/us-east-1/ec2/aws4_request, ...`.
/// EC2 and IAM/ELBv2 share the form encoding but not the error format, and this is what tells them apart.
fn signing_service(authorization: &str) -> Option<String> {
    let credential = authorization.split("Credential=").nth(1)?.split([',', ' ']).next()?;
    credential.split('/').nth(3).map(str::to_string)
}

fn form_action(body: &[u8]) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    body.split('&').find_map(|pair| pair.strip_prefix("Action=")).map(str::to_string)
}

/// Whether an operation changes something: everything but `Describe*`, `List*`, `Get*` and `Filter*`. It is the reconciler's
/// own rule (crates/aws/src/calls.rs, `is_read_only`), so "the N-th mutating request" here is the N-th call the
/// pass summary counts as mutating; and a verb nobody thought of (Create, Put, Tag, Run, ...) counts as a write,
/// the side to err on when the point is to cut writes.
pub fn is_mutating(operation: &str) -> bool {
    !["Describe", "List", "Get", "Filter"].iter().any(|read| operation.starts_with(read))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str, body: &str) -> Request {
        let mut headers = Headers::default();
        let kept: String = head.split_inclusive("\r\n").filter(|line| !headers.note(line)).collect();
        Request::new(kept.into_bytes(), body.as_bytes().to_vec(), headers)
    }

    const SIGNED_EC2: &str = "Authorization: AWS4-HMAC-SHA256 Credential=test/20261202/us-east-1/ec2/aws4_request, \
                              SignedHeaders=host, Signature=00\r\n";

    #[test]
    fn ec2_query_is_told_apart_from_iam_query_by_the_signing_name() {
        let ec2 = parse(SIGNED_EC2, "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16");
        assert_eq!((ec2.protocol, ec2.operation.as_deref()), (Protocol::Ec2Query, Some("CreateVpc")));
        let iam = parse(&SIGNED_EC2.replace("/ec2/", "/iam/"), "Action=ListRoles&Version=2010-05-08");
        assert_eq!((iam.protocol, iam.operation.as_deref()), (Protocol::AwsQuery, Some("ListRoles")));
        assert_eq!(iam.service.as_deref(), Some("iam"));
    }

    #[test]
    fn json_operations_come_from_the_target_header() {
        let head = "Content-Type: application/x-amz-json-1.1\r\n\
                    X-Amz-Target: AmazonEC2ContainerServiceV20141113.CreateCluster\r\nConnection: keep-alive\r\n";
        let ecs = parse(head, "{}");
        assert_eq!(ecs.protocol, Protocol::AwsJson(JSON_1_1));
        assert_eq!(ecs.operation.as_deref(), Some("CreateCluster"));
        assert!(!String::from_utf8_lossy(&ecs.head).contains("keep-alive"), "Connection is not forwarded");
    }

    #[test]
    fn a_request_without_an_operation_is_not_an_aws_call() {
        let other = parse("Host: 127.0.0.1\r\n", "");
        assert_eq!((other.protocol, other.operation.as_deref()), (Protocol::Unknown, None));
        assert!(!other.is_mutating());
    }

    #[test]
    fn reads_are_describe_list_and_get_and_the_rest_are_writes() {
        for read in ["DescribeVpcs", "ListClusters", "GetNamespace", "GetAccountAuthorizationDetails"] {
            assert!(!is_mutating(read), "{read}");
        }
        for write in ["CreateVpc", "DeleteService", "PutRetentionPolicy", "RegisterTaskDefinition", "TagResource"] {
            assert!(is_mutating(write), "{write}");
        }
        for write in [
            "RunInstances",
            "ReplaceRoute",
            "AuthorizeSecurityGroupIngress",
            "AddTags",
            "ApplySecurityGroupsToLoadBalancer",
        ] {
            assert!(is_mutating(write), "{write}");
        }
    }
}
