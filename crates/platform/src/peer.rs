//! Calls to another frontdesk service, with this service's own identity: a lazily connected
//! channel, a short-lived service token minted from the shared signing key and renewed
//! before it expires, the caller's trace context, and a deadline on every call.

use crate::auth::{Authenticator, Role};
use std::sync::Mutex;
use std::time::Duration;
use tonic::transport::Channel;

/// How long a minted service token lives; renewed at half-life.
const TOKEN_TTL: Duration = Duration::from_secs(3600);

pub struct Peer {
    channel: Channel,
    auth: Authenticator,
    subject: String,
    timeout: Duration,
    /// (token, unix seconds after which to renew)
    token: Mutex<(String, i64)>,
}

impl Peer {
    /// `endpoint` like http://intake:50051; nothing connects until the first call. Call
    /// inside a Tokio runtime (a name is re-resolved by a task).
    pub fn new(
        endpoint: &str,
        auth: Authenticator,
        subject: &str,
        timeout: Duration,
    ) -> anyhow::Result<Peer> {
        // Balanced over every pod of a headless Service (see `balance`).
        let channel = crate::balance::channel(endpoint, crate::balance::Settings::default())?;
        Ok(Peer {
            channel,
            auth,
            subject: subject.to_string(),
            timeout,
            token: Mutex::new((String::new(), 0)),
        })
    }

    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// A request carrying this service's token, the current trace context and a deadline.
    pub fn request<T>(&self, message: T) -> anyhow::Result<tonic::Request<T>> {
        let mut req = tonic::Request::new(message);
        req.set_timeout(self.timeout);
        let token = self.token()?;
        req.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
        crate::grpc::inject_trace_context(req.metadata_mut());
        Ok(req)
    }

    fn token(&self) -> anyhow::Result<String> {
        let now = crate::time::now_micros() / 1_000_000;
        let mut slot = self
            .token
            .lock()
            .map_err(|_| anyhow::anyhow!("token lock poisoned"))?;
        if slot.0.is_empty() || now >= slot.1 {
            let token =
                self.auth
                    .issue(&self.subject, Role::Service, &["*".to_string()], TOKEN_TTL)?;
            *slot = (token, now + TOKEN_TTL.as_secs() as i64 / 2);
        }
        Ok(slot.0.clone())
    }
}
