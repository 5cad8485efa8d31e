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
    /// Keeps the knowledge base: publishes and retires articles (CI-4.2).
    Editor,
    Supervisor,
    Manager,
    Integration,
    Service,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "editor" => Some(Role::Editor),
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
    /// Not valid before (seconds since the epoch), when the issuer sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// Shortest signing secret `serve` accepts: an HS256 key shorter than its hash can be
/// brute-forced offline from any captured token.
pub const MIN_SECRET_BYTES: usize = 32;

/// Longest lifetime `frontdesk token` mints: a leaked token must expire on its own.
pub const MAX_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Clock skew tolerated between the token issuer and this server.
const LEEWAY_SECS: i64 = 30;

impl Role {
    /// The role as tokens and the README spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Editor => "editor",
            Role::Supervisor => "supervisor",
            Role::Manager => "manager",
            Role::Integration => "integration",
            Role::Service => "service",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Refuses a signing secret too short for production (`serve`).
pub fn check_secret(secret: &[u8]) -> anyhow::Result<()> {
    if secret.len() < MIN_SECRET_BYTES {
        anyhow::bail!(
            "the token signing secret is {} bytes; it must be at least {MIN_SECRET_BYTES} \
             (generate one with `openssl rand -base64 48`)",
            secret.len()
        );
    }
    Ok(())
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
            let allowed: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            Err(Status::permission_denied(format!(
                "a caller with role {} may not do this; it needs role {}",
                self.role,
                allowed.join(" or ")
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
    /// Request and stream limits; `None`: unlimited.
    limiter: Option<Arc<crate::limits::Limiter>>,
    /// The identity provider's keys (RS256, ES256, EdDSA tokens); `None`: HS256 only.
    jwks: Option<crate::jwks::Keys>,
}

impl Authenticator {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = LEEWAY_SECS.unsigned_abs();
        validation.validate_nbf = true;
        Authenticator {
            inner: Arc::new(Inner {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                insecure: false,
                limiter: None,
                jwks: None,
            }),
        }
    }

    /// The same authenticator, also enforcing `limits` on every call it authenticates.
    pub fn with_limits(mut self, limits: crate::limits::Limits) -> Self {
        let limiter =
            (limits != crate::limits::Limits::OFF).then(|| crate::limits::Limiter::new(limits));
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.limiter = limiter,
            None => tracing::warn!("limits set on a shared authenticator are ignored"),
        }
        self
    }

    /// The same authenticator, also accepting the identity provider's tokens signed by a key
    /// of `keys` (HS256 tokens keep working).
    pub fn with_jwks(mut self, keys: crate::jwks::Keys) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.jwks = Some(keys),
            None => tracing::warn!("a key set given to a shared authenticator is ignored"),
        }
        self
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
            nbf: None,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Caller, Status> {
        let refuse = |why: &'static str| {
            tracing::info!(reason = why, "bearer token refused");
            Status::unauthenticated(format!("bearer token refused: {why}"))
        };
        let header = jsonwebtoken::decode_header(token).map_err(|e| refuse(token_problem(&e)))?;
        let data = if header.alg == Algorithm::HS256 {
            jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
        } else {
            let Some(keys) = &self.inner.jwks else {
                return Err(refuse(
                    "it is signed with an algorithm this deployment does not accept",
                ));
            };
            let kid = header
                .kid
                .as_deref()
                .ok_or_else(|| refuse("it names no key (kid)"))?;
            let jwk = keys.find(kid).ok_or_else(|| {
                refuse("it is signed by a key the identity provider does not list")
            })?;
            // The key decides the algorithm family; a token cannot pick a weaker one.
            let key = DecodingKey::from_jwk(&jwk).map_err(|_| refuse("its key is unusable"))?;
            let mut validation = self.inner.validation.clone();
            validation.algorithms = vec![header.alg];
            jsonwebtoken::decode::<Claims>(token, &key, &validation)
        }
        .map_err(|e| refuse(token_problem(&e)))?;
        let c = data.claims;
        if c.iat > crate::time::now_micros() / 1_000_000 + LEEWAY_SECS {
            tracing::info!(reason = "issued in the future", "bearer token refused");
            return Err(Status::unauthenticated(
                "bearer token refused: it was issued in the future",
            ));
        }
        if c.sub.trim().is_empty() {
            return Err(Status::unauthenticated("token has an empty subject"));
        }
        Ok(Caller::new(c.sub, c.role, c.props))
    }

    /// Tonic interceptor body: authenticate, then store the [`Caller`] in the extensions.
    pub fn authenticate(&self, mut req: Request<()>) -> Result<Request<()>, Status> {
        let caller = match self.identify(&req) {
            Ok(c) => c,
            Err(e) => {
                // Forged or missing tokens count against their address too.
                if let Some(l) = &self.inner.limiter {
                    l.check_peer(req.remote_addr().map(|a| a.ip()))?;
                }
                return Err(e);
            }
        };
        if let Some(l) = &self.inner.limiter
            && caller.role != Role::Service
        {
            l.check_peer(req.remote_addr().map(|a| a.ip()))?;
            l.check_caller(&caller)?;
            req.extensions_mut().insert(l.clone());
        }
        req.extensions_mut().insert(caller);
        Ok(req)
    }

    /// [`Self::authenticate`], then the service's role table: the interceptor of every
    /// service's gRPC server.
    pub fn authorize(
        &self,
        req: Request<()>,
        table: &crate::access::Table,
    ) -> Result<Request<()>, Status> {
        let req = self.authenticate(req)?;
        let caller = Caller::from_request(&req)?;
        table.check(&caller, req.extensions().get::<crate::access::Rpc>())?;
        Ok(req)
    }

    fn identify(&self, req: &Request<()>) -> Result<Caller, Status> {
        Ok(if self.inner.insecure {
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
        })
    }
}

/// Why a token was refused, in words a caller understands (never the library's type names).
fn token_problem(e: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::ExpiredSignature => "it has expired",
        K::ImmatureSignature => "it is not valid yet",
        K::InvalidSignature => "its signature does not match this deployment's key",
        K::InvalidAlgorithm | K::InvalidAlgorithmName => {
            "it is signed with an algorithm this deployment does not accept"
        }
        K::MissingRequiredClaim(_) => "it lacks a required claim (sub, exp)",
        K::Json(_) => "its claims are not valid (unknown role or wrong types)",
        _ => "it is malformed",
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
            nbf: None,
        };
        let t = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &a.inner.encoding)
            .expect("encode");
        let err = a.verify(&t).expect_err("expired");
        assert_eq!(err.message(), "bearer token refused: it has expired");
    }

    fn signed(a: &Authenticator, iat: i64, nbf: Option<i64>) -> String {
        let now = crate::time::now_micros() / 1_000_000;
        let claims = Claims {
            sub: "x".into(),
            role: Role::Agent,
            props: vec![],
            iat,
            exp: now + 3600,
            nbf,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &a.inner.encoding)
            .expect("encode")
    }

    #[test]
    fn tokens_from_the_future_are_rejected_within_a_small_skew() {
        let a = Authenticator::new(b"s");
        let now = crate::time::now_micros() / 1_000_000;
        let err = a
            .verify(&signed(&a, now, Some(now + 600)))
            .expect_err("nbf");
        assert_eq!(err.message(), "bearer token refused: it is not valid yet");
        let err = a.verify(&signed(&a, now + 600, None)).expect_err("iat");
        assert!(err.message().contains("issued in the future"), "{err:?}");
        // Ten seconds of clock skew is tolerated.
        assert!(a.verify(&signed(&a, now + 10, Some(now + 10))).is_ok());
    }

    #[test]
    fn refusals_speak_plain_words() {
        let c = Caller::new("x", Role::Agent, vec![]);
        let err = c
            .require_role(&[Role::Supervisor, Role::Manager])
            .expect_err("denied");
        assert_eq!(
            err.message(),
            "a caller with role agent may not do this; it needs role supervisor or manager"
        );
        let t = Authenticator::new(b"one")
            .issue("x", Role::Manager, &["*".into()], Duration::from_secs(60))
            .expect("issue");
        let err = Authenticator::new(b"two").verify(&t).expect_err("key");
        assert!(!err.message().contains("InvalidSignature"), "{err:?}");
    }

    #[test]
    fn short_secrets_are_refused_for_serve() {
        assert!(check_secret(b"x").is_err());
        assert!(check_secret(random_secret().as_bytes()).is_ok());
    }
}
