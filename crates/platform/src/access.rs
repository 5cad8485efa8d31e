//! Who may call which RPC. Each service declares one [`Table`] (its `access.rs`): every
//! method it serves and the roles allowed to call it. The authenticator enforces the table
//! before a handler runs, so a handler cannot forget a check and the proto, the README and
//! the code cannot disagree: `frontdesk roles` prints the union of the tables, the README
//! holds that print-out, and a test calls every RPC with every role.
//!
//! Handlers still decide what depends on the request itself (a staff member may set only
//! their own duty; an outside-caller lookup never shows a room): the table is the coarse
//! gate, never the only rule.

use crate::auth::{Caller, Role};
use tonic::Status;
use tonic_types::{ErrorDetails, StatusExt};

/// Every role, in the order tables and the README list them.
pub const ALL_ROLES: [Role; 6] = [
    Role::Agent,
    Role::Editor,
    Role::Supervisor,
    Role::Manager,
    Role::Integration,
    Role::Service,
];

/// One service's access rules: `(method, roles allowed)`.
#[derive(Debug)]
pub struct Table {
    /// The full gRPC service name, e.g. `frontdesk.intake.v1.IntakeService`.
    pub service: &'static str,
    pub rules: &'static [(&'static str, &'static [Role])],
}

impl Table {
    /// The roles that may call `method`; `None` for a method the table does not list.
    pub fn roles(&self, method: &str) -> Option<&'static [Role]> {
        self.rules
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, roles)| *roles)
    }

    /// Refuses `caller` unless the table lets their role call `rpc`. A method missing from
    /// the table is refused for everyone: a new RPC is closed until someone decides who may
    /// call it.
    pub fn check(&self, caller: &Caller, rpc: Option<&Rpc>) -> Result<(), Status> {
        let Some(rpc) = rpc.filter(|r| r.service == self.service) else {
            return Err(refusal(caller, "this method", &[]));
        };
        match self.roles(rpc.method) {
            Some(roles) if roles.contains(&caller.role) => Ok(()),
            Some(roles) => Err(refusal(caller, rpc.method, roles)),
            None => Err(refusal(caller, rpc.method, &[])),
        }
    }
}

/// The RPC a request is for, put in its extensions by [`crate::grpc::GrpcLayer`] (only for
/// methods this binary serves; anything else never reaches a table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rpc {
    pub service: &'static str,
    pub method: &'static str,
}

/// The reason callers (and the RPC × role test) can tell the gate's refusal by.
pub const ROLE_NOT_ALLOWED: &str = "ROLE_NOT_ALLOWED";

fn refusal(caller: &Caller, method: &str, allowed: &[Role]) -> Status {
    let allowed: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
    let message = if allowed.is_empty() {
        format!("no role may call {method}")
    } else {
        format!(
            "a caller with role {} may not call {method}; it needs role {}",
            caller.role,
            allowed.join(" or ")
        )
    };
    tracing::info!(
        enduser.id = %caller.subject,
        enduser.role = %caller.role,
        rpc.method = method,
        "call refused by the role table"
    );
    let mut details = ErrorDetails::new();
    details.set_error_info(
        ROLE_NOT_ALLOWED,
        crate::error::ERROR_DOMAIN,
        [
            ("role".to_string(), caller.role.to_string()),
            ("method".to_string(), method.to_string()),
            ("allowed_roles".to_string(), allowed.join(",")),
        ],
    );
    Status::with_error_details(tonic::Code::PermissionDenied, message, details)
}

/// The tables as a Markdown matrix (a row per RPC, a column per role), for the README and
/// `frontdesk roles`.
pub fn markdown(tables: &[&Table]) -> String {
    let mut out = String::from("| service | method |");
    for r in ALL_ROLES {
        out.push_str(&format!(" {r} |"));
    }
    out.push_str("\n|---|---|");
    for _ in ALL_ROLES {
        out.push_str(":-:|");
    }
    out.push('\n');
    for t in tables {
        let short = t
            .service
            .rsplit('.')
            .next()
            .unwrap_or(t.service)
            .trim_end_matches("Service");
        for (method, roles) in t.rules {
            out.push_str(&format!("| {short} | {method} |"));
            for r in ALL_ROLES {
                out.push_str(if roles.contains(&r) { " ✓ |" } else { " |" });
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table {
        service: "x.v1.Desk",
        rules: &[
            ("Read", &[Role::Agent, Role::Manager]),
            ("Erase", &[Role::Manager]),
        ],
    };

    fn rpc(method: &'static str) -> Rpc {
        Rpc {
            service: "x.v1.Desk",
            method,
        }
    }

    #[test]
    fn the_table_decides_and_refusals_say_who_may() {
        let agent = Caller::new("amy", Role::Agent, vec!["*".into()]);
        assert!(T.check(&agent, Some(&rpc("Read"))).is_ok());
        let err = T.check(&agent, Some(&rpc("Erase"))).expect_err("denied");
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
        assert_eq!(
            err.message(),
            "a caller with role agent may not call Erase; it needs role manager"
        );
        assert_eq!(
            err.get_details_error_info().expect("ErrorInfo").reason,
            ROLE_NOT_ALLOWED
        );
    }

    #[test]
    fn unlisted_methods_and_other_services_are_closed() {
        let manager = Caller::new("max", Role::Manager, vec!["*".into()]);
        assert!(T.check(&manager, Some(&rpc("Other"))).is_err());
        assert!(T.check(&manager, None).is_err());
        let elsewhere = Rpc {
            service: "y.v1.Other",
            method: "Read",
        };
        assert!(T.check(&manager, Some(&elsewhere)).is_err());
    }

    #[test]
    fn the_matrix_has_a_row_per_method_and_a_column_per_role() {
        let md = markdown(&[&T]);
        assert!(
            md.starts_with("| service | method | agent | editor |"),
            "{md}"
        );
        assert!(md.contains("| Desk | Erase | | | | ✓ | | |"), "{md}");
        assert_eq!(md.lines().count(), 4);
    }
}
