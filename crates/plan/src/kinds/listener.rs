//! A load balancer listener: HTTP, or HTTPS with an ACM certificate and a TLS policy. Its default action
//! forwards to a service's target group (a service's own load balancer), answers 404 (a shared load
//! balancer's, whose rules forward), or redirects plain HTTP to HTTPS.

use super::{Declared, Resource};
use crate::node::Ref;
use crate::value::{Field, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ListenerSpec {
    pub load_balancer: Ref,
    pub port: u16,
    /// HTTPS with this certificate and policy; `None`: HTTP.
    pub tls: Option<ListenerTls>,
    pub default_action: DefaultAction,
}

/// What an HTTPS listener presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerTls {
    /// The ACM certificate's ARN.
    pub certificate: String,
    pub ssl_policy: String,
}

/// What a listener does with a request no rule takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultAction {
    Forward(Ref),
    /// A fixed 404 (a shared load balancer's: its rules forward).
    NotFound,
    /// A permanent redirect to HTTPS on this port, same host, path and query.
    RedirectToHttps {
        port: u16,
    },
    /// Found only: any other action (a redirect elsewhere, another fixed response), as text. Never equal to
    /// what a file declares, so it shows as drift and is put back.
    Other(String),
}

pub mod field {
    use crate::value::FieldId;
    pub const LOAD_BALANCER: FieldId = FieldId::new("load_balancer");
    pub const PORT: FieldId = FieldId::new("port");
    pub const PROTOCOL: FieldId = FieldId::new("protocol");
    pub const CERTIFICATE: FieldId = FieldId::new("certificate");
    pub const SSL_POLICY: FieldId = FieldId::new("ssl_policy");
    /// The default action: the target group, `404 Not Found`, or `redirect to HTTPS:PORT`.
    pub const FORWARD_TO: FieldId = FieldId::new("forward_to");
    /// What ModifyListener writes.
    pub const MODIFIABLE: [FieldId; 5] = [PORT, PROTOCOL, CERTIFICATE, SSL_POLICY, FORWARD_TO];
}

impl Resource for ListenerSpec {
    fn declared_by(child: Option<&str>) -> Declared {
        let shared = child.is_some_and(|c| c.starts_with(super::SHARED_CHILD));
        if shared { Declared::LoadBalancer } else { Declared::Service }
    }

    fn fields(&self) -> Vec<Field> {
        let action = match &self.default_action {
            DefaultAction::Forward(target) => Value::from(target),
            DefaultAction::NotFound => Value::Text("404 Not Found".into()),
            DefaultAction::RedirectToHttps { port } => Value::Text(format!("redirect to HTTPS:{port}")),
            DefaultAction::Other(what) => Value::Text(what.clone()),
        };
        let tls = |part: fn(&ListenerTls) -> &String| {
            self.tls.as_ref().map_or(Value::Absent, |t| Value::Text(part(t).clone()))
        };
        vec![
            Field::replace(field::LOAD_BALANCER, &self.load_balancer),
            Field::update(field::PORT, Value::Int(self.port.into())),
            Field::update(field::PROTOCOL, Value::Text(if self.tls.is_some() { "HTTPS" } else { "HTTP" }.into())),
            Field::update(field::CERTIFICATE, tls(|t| &t.certificate)),
            Field::update(field::SSL_POLICY, tls(|t| &t.ssl_policy)),
            Field::update(field::FORWARD_TO, action),
        ]
    }

    fn references(&self) -> Vec<&Ref> {
        let mut refs = vec![&self.load_balancer];
        if let DefaultAction::Forward(target) = &self.default_action {
            refs.push(target);
        }
        refs
    }

    /// A replaced target group is replaced under its listener too: ELB refuses to delete a target group a
    /// listener forwards to, and a replacement deletes the old one first.
    fn fixed_references(&self) -> Vec<&Ref> {
        self.references()
    }

    fn map_refs(&mut self, f: &mut dyn FnMut(&Ref) -> Ref) {
        self.load_balancer = f(&self.load_balancer);
        if let DefaultAction::Forward(target) = &mut self.default_action {
            *target = f(target);
        }
    }

    fn unique_identity(&self) -> Option<String> {
        Some(format!("{}/{}", self.load_balancer, self.port))
    }
}
