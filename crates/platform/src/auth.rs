//! Authentication and authorisation. Every call carries `authorization: Bearer <jwt>`
//! (HS256, shared secret); the claims say who (subject), what role, and which properties the
//! caller may touch. A caller never sees another property's data.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tonic::{Request, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Supervisor,
    Manager,
    Integration,
    Service,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "manager" => Some(Role::Manager),
            "integration" => Some(Role::Integration),
            "service" => Some(Role::Service),
            _ => None,
        }
    }
}

/// Token claims. `props` lists property ids, or `"*"` for the whole chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    pub props: Vec<String>,
    pub iat: i64,
    pub exp: i64,
}

/// The authenticated caller, put in each request's extensions by [`Authenticator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: String,
    pub role: Role,
    properties: Vec<String>,
}

impl Caller {
    pub fn new(subject: impl Into<String>, role: Role, properties: Vec<String>) -> Self {
        Caller {
            subject: subject.into(),
            role,
            properties,
        }
    }

    pub fn all_properties(&self) -> bool {
        self.properties.iter().any(|p| p == "*")
    }

    pub fn can_access(&self, property_id: &str) -> bool {
        self.all_properties() || self.properties.iter().any(|p| p == property_id)
    }

    /// The properties this caller may see; `None` means all of them.
    pub fn property_scope(&self) -> Option<&[String]> {
        if self.all_properties() {
            None
        } else {
            Some(&self.properties)
        }
    }

    pub fn require_access(&self, property_id: &str) -> Result<(), Status> {
        if self.can_access(property_id) {
            Ok(())
        } else {
            Err(Status::permission_denied(format!(
                "caller may not access property {property_id}"
            )))
        }
    }

    pub fn require_role(&self, allowed: &[Role]) -> Result<(), Status> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(Status::permission_denied(format!(
                "role {:?} may not do this; needs one of {allowed:?}",
                self.role
            )))
        }
    }

    /// Reads the caller the interceptor stored; a missing one is a wiring bug, not a client
    /// error, but must still not panic.
    pub fn from_request<T>(req: &Request<T>) -> Result<Caller, Status> {
        req.extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Status::unauthenticated("no caller identity on request"))
    }
}

/// Verifies bearer tokens (and mints them for `frontdesk dev` and `frontdesk token`).
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// `--insecure`: no token needed, every call is a chain-wide manager. Dev only.
    insecure: bool,
}

impl Authenticator {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        Authenticator {
            inner: Arc::new(Inner {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                insecure: false,
            }),
        }
    }

    pub fn insecure() -> Self {
        let mut a = Self::new(b"insecure");
        if let Some(inner) = Arc::get_mut(&mut a.inner) {
            inner.insecure = true;
        }
        a
    }

    pub fn issue(
        &self,
        subject: &str,
        role: Role,
        properties: &[String],
        ttl: std::time::Duration,
    ) -> anyhow::Result<String> {
        let now = crate::time::now_micros() / 1_000_000;
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: subject.to_string(),
            role,
            props: properties.to_vec(),
            iat: now,
            exp: now.saturating_add(ttl),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Caller, Status> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
                .map_err(|e| Status::unauthenticated(format!("invalid bearer token: {e}")))?;
        let c = data.claims;
        if c.sub.trim().is_empty() {
            return Err(Status::unauthenticated("token has an empty subject"));
        }
        Ok(Caller::new(c.sub, c.role, c.props))
    }

    /// Tonic interceptor body: authenticate, then store the [`Caller`] in the extensions.
    pub fn authenticate(&self, mut req: Request<()>) -> Result<Request<()>, Status> {
        let caller = if self.inner.insecure {
            Caller::new("dev", Role::Manager, vec!["*".into()])
        } else {
            let header = req
                .metadata()
                .get("authorization")
                .ok_or_else(|| Status::unauthenticated("missing authorization: Bearer <token>"))?
                .to_str()
                .map_err(|_| Status::unauthenticated("authorization header is not ASCII"))?;
            let token = header
                .strip_prefix("Bearer ")
                .or_else(|| header.strip_prefix("bearer "))
                .ok_or_else(|| Status::unauthenticated("authorization must be `Bearer <token>`"))?;
            self.verify(token.trim())?
        };
        req.extensions_mut().insert(caller);
        Ok(req)
    }
}

/// Generates a random secret for `frontdesk dev` (kept in its data directory).
pub fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn issued_tokens_verify_and_scope_properties() {
        let a = Authenticator::new(b"secret");
        let t = a
            .issue(
                "alice",
                Role::Agent,
                &["sh-bund".into()],
                Duration::from_secs(60),
            )
            .expect("issue");
        let c = a.verify(&t).expect("verify");
        assert_eq!(c.subject, "alice");
        assert!(c.can_access("sh-bund"));
        assert!(!c.can_access("bj-wfj"));
    }

    #[test]
    fn tokens_signed_with_another_secret_are_rejected() {
        let t = Authenticator::new(b"one")
            .issue("x", Role::Manager, &["*".into()], Duration::from_secs(60))
            .expect("issue");
        let err = Authenticator::new(b"two")
            .verify(&t)
            .expect_err("must fail");
        assert_eq!(err.code(), tonic::Code::Unauthenticated);
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let a = Authenticator::new(b"s");
        let now = crate::time::now_micros() / 1_000_000;
        let claims = Claims {
            sub: "x".into(),
            role: Role::Agent,
            props: vec![],
            iat: now - 7200,
            exp: now - 3600,
        };
        let t = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &a.inner.encoding)
            .expect("encode");
        assert!(a.verify(&t).is_err());
    }
}
