//! Calls to another frontdesk service, with this service's own identity: a lazily connected
//! channel (balanced over the service's pods), a short-lived service token minted from the
//! shared signing key and renewed before it expires, the caller's trace context, a deadline
//! on every call, and — for idempotent calls only — retries of UNAVAILABLE within a budget,
//! so a pod going away costs no call while an outage does not multiply the load.

use crate::auth::{Authenticator, Role};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tonic::transport::Channel;
use tower::retry::budget::{Budget, TpsBudget};

/// How long a minted service token lives; renewed at half-life.
const TOKEN_TTL: Duration = Duration::from_secs(3600);

pub struct Peer {
    channel: Channel,
    auth: Authenticator,
    subject: String,
    timeout: Duration,
    /// (token, unix seconds after which to renew)
    token: Mutex<(String, i64)>,
    /// Retries may add at most 20 % to the calls of the last 10 s (and 1 per second).
    budget: TpsBudget,
}

/// Retries of one idempotent call at the most.
const MAX_RETRIES: u32 = 2;
/// Wait before the first retry (doubled for the second).
const RETRY_BACKOFF: Duration = Duration::from_millis(50);

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
            budget: TpsBudget::new(Duration::from_secs(10), 1, 0.2),
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

    /// An idempotent call (a read, a render): sent again on UNAVAILABLE — the pod it went to
    /// is gone, another may answer — at most twice and only while the retry budget allows.
    /// `call` gets a fresh request each time. Never use it for a call that changes state.
    pub async fn idempotent<T, R, F, Fut>(
        &self,
        message: T,
        mut call: F,
    ) -> Result<tonic::Response<R>, tonic::Status>
    where
        T: Clone,
        F: FnMut(tonic::Request<T>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>>,
    {
        self.budget.deposit();
        let mut retries = 0;
        loop {
            let req = self.request(message.clone()).map_err(|e| {
                tonic::Status::internal(format!("cannot sign a call to a peer: {e}"))
            })?;
            match call(req).await {
                Err(s)
                    if s.code() == tonic::Code::Unavailable
                        && retries < MAX_RETRIES
                        && self.budget.withdraw() =>
                {
                    retries += 1;
                    metrics::counter!(crate::metrics::PEER_RETRIES, "caller" => self.subject.clone())
                        .increment(1);
                    tokio::time::sleep(RETRY_BACKOFF * retries).await;
                }
                other => return other,
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn peer() -> Peer {
        Peer::new(
            "http://127.0.0.1:9",
            Authenticator::new(b"0123456789abcdef0123456789abcdef"),
            "intake",
            Duration::from_secs(1),
        )
        .expect("peer")
    }

    /// Counts attempts of a call that always answers `code`.
    async fn attempts(peer: &Peer, code: tonic::Code) -> u32 {
        let n = AtomicU32::new(0);
        let r: Result<tonic::Response<()>, _> = peer
            .idempotent((), |req| {
                n.fetch_add(1, Ordering::Relaxed);
                assert!(req.metadata().contains_key("authorization"));
                async move { Err(tonic::Status::new(code, "no")) }
            })
            .await;
        assert_eq!(r.map_err(|s| s.code()).err(), Some(code));
        n.load(Ordering::Relaxed)
    }

    #[tokio::test]
    async fn unavailable_is_retried_within_the_budget_and_nothing_else_is() {
        let p = peer();
        assert_eq!(
            attempts(&p, tonic::Code::Unavailable).await,
            1 + MAX_RETRIES
        );
        assert_eq!(attempts(&p, tonic::Code::NotFound).await, 1);
        assert_eq!(attempts(&p, tonic::Code::InvalidArgument).await, 1);
        // An outage: 30 calls in a row fail. The budget (10 s of 1 retry/s, plus 20 % of the
        // calls) caps the retries instead of tripling the load.
        let mut total = 0;
        for _ in 0..30 {
            total += attempts(&p, tonic::Code::Unavailable).await;
        }
        assert!(total < 30 + 20, "{total} attempts for 30 calls");
        assert!(total > 30, "some retries were allowed");
    }
}
