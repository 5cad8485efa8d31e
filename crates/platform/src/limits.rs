//! Per-caller and per-peer request rates and a cap on each caller's open streams, so one
//! runaway integration (or a flood of forged tokens from one address) cannot starve a
//! hotel's call center. Refusals are RESOURCE_EXHAUSTED with `RetryInfo` saying when to try
//! again. Service identities (relays, peers) are exempt: their volume is the system's own.

use crate::auth::{Caller, Role};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Settings; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests per second per token subject (bursts up to twice that).
    pub per_caller: u32,
    /// Requests per second per client address, authenticated or not.
    pub per_peer: u32,
    /// Server streams (watches) one subject may hold open at once.
    pub streams_per_caller: u32,
}

impl Limits {
    pub const OFF: Limits = Limits {
        per_caller: 0,
        per_peer: 0,
        streams_per_caller: 0,
    };
}

/// The shared limiter of one process (every mounted service counts against the same budget).
pub struct Limiter {
    callers: Option<DefaultKeyedRateLimiter<String>>,
    peers: Option<DefaultKeyedRateLimiter<IpAddr>>,
    max_streams: u32,
    streams: Mutex<HashMap<String, u32>>,
}

fn keyed<K: std::hash::Hash + Eq + Clone>(per_second: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
    Some(RateLimiter::keyed(
        Quota::per_second(rate).allow_burst(burst),
    ))
}

/// Keys kept before idle ones are dropped (so addresses and subjects cannot grow memory).
const KEYS_BEFORE_CLEANUP: usize = 10_000;

impl Limiter {
    pub fn new(limits: Limits) -> Arc<Limiter> {
        Arc::new(Limiter {
            callers: keyed(limits.per_caller),
            peers: keyed(limits.per_peer),
            max_streams: limits.streams_per_caller,
            streams: Mutex::new(HashMap::new()),
        })
    }

    /// Counts one request from `peer`; refused when the address is over its rate.
    pub fn check_peer(&self, peer: Option<IpAddr>) -> Result<(), Status> {
        let (Some(l), Some(ip)) = (&self.peers, peer) else {
            return Ok(());
        };
        if l.len() > KEYS_BEFORE_CLEANUP {
            l.retain_recent();
        }
        l.check_key(&ip).map_err(|n| {
            exhausted(
                "client address",
                n.wait_time_from(DefaultClock::default().now()),
            )
        })
    }

    /// Counts one request of `caller`; refused when the subject is over its rate.
    pub fn check_caller(&self, caller: &Caller) -> Result<(), Status> {
        let Some(l) = &self.callers else {
            return Ok(());
        };
        if caller.role == Role::Service {
            return Ok(());
        }
        if l.len() > KEYS_BEFORE_CLEANUP {
            l.retain_recent();
        }
        l.check_key(&caller.subject)
            .map_err(|n| exhausted("caller", n.wait_time_from(DefaultClock::default().now())))
    }

    /// A slot for one open stream of `caller`, released when dropped (the stream ended).
    pub fn stream_slot(self: &Arc<Self>, caller: &Caller) -> Result<StreamSlot, Status> {
        if self.max_streams > 0 && caller.role != Role::Service {
            let mut open = self.streams.lock().unwrap_or_else(|p| p.into_inner());
            let n = open.entry(caller.subject.clone()).or_insert(0);
            if *n >= self.max_streams {
                metrics::counter!(crate::metrics::RATE_LIMITED, "limit" => "streams").increment(1);
                return Err(Status::with_error_details(
                    Code::ResourceExhausted,
                    format!(
                        "{} already has {} streams open, the most allowed; close one first",
                        crate::inbox::bounded(&caller.subject, 80),
                        self.max_streams
                    ),
                    quota_details("STREAMS_PER_CALLER", "streams", None),
                ));
            }
            *n += 1;
        }
        Ok(StreamSlot {
            limiter: self.clone(),
            subject: caller.subject.clone(),
            counted: self.max_streams > 0 && caller.role != Role::Service,
        })
    }

    fn release(&self, subject: &str) {
        let mut open = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(subject) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(subject);
            }
        }
    }
}

/// Held by a server stream for as long as it runs.
pub struct StreamSlot {
    limiter: Arc<Limiter>,
    subject: String,
    counted: bool,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if self.counted {
            self.limiter.release(&self.subject);
        }
    }
}

/// The limiter the interceptor put on a request, and a stream slot from it (no limiter: no
/// limit).
pub fn stream_slot<T>(
    req: &tonic::Request<T>,
    caller: &Caller,
) -> Result<Option<StreamSlot>, Status> {
    match req.extensions().get::<Arc<Limiter>>() {
        Some(l) => l.stream_slot(caller).map(Some),
        None => Ok(None),
    }
}

fn quota_details(reason: &str, subject: &str, retry: Option<Duration>) -> ErrorDetails {
    let mut d = ErrorDetails::new();
    d.set_error_info(reason, crate::error::ERROR_DOMAIN, HashMap::new());
    d.add_quota_failure_violation(subject, "over the configured limit");
    if let Some(r) = retry {
        d.set_retry_info(Some(r));
    }
    d
}

fn exhausted(who: &'static str, wait: Duration) -> Status {
    metrics::counter!(crate::metrics::RATE_LIMITED, "limit" => who).increment(1);
    // Round up: "retry in 0 ms" invites a busy loop.
    let wait = wait.max(Duration::from_millis(1));
    Status::with_error_details(
        Code::ResourceExhausted,
        format!(
            "too many requests from this {who}; retry in {} ms",
            wait.as_millis().max(1)
        ),
        quota_details("RATE_LIMITED", who, Some(wait)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_over_its_rate_waits_and_others_go_on() {
        let l = Limiter::new(Limits {
            per_caller: 5,
            per_peer: 0,
            streams_per_caller: 0,
        });
        let amy = Caller::new("amy", Role::Agent, vec![]);
        let bob = Caller::new("bob", Role::Agent, vec![]);
        // A burst of twice the rate passes, then the caller is told when to come back.
        for _ in 0..10 {
            l.check_caller(&amy).expect("within the burst");
        }
        let err = l.check_caller(&amy).expect_err("over");
        assert_eq!(err.code(), Code::ResourceExhausted);
        let retry = err
            .get_details_retry_info()
            .and_then(|r| r.retry_delay)
            .expect("retry");
        assert!(
            retry > Duration::ZERO && retry <= Duration::from_millis(200),
            "{retry:?}"
        );
        l.check_caller(&bob).expect("bob has his own budget");
        let relay = Caller::new("routing", Role::Service, vec![]);
        for _ in 0..100 {
            l.check_caller(&relay).expect("services are exempt");
        }
    }

    #[test]
    fn stream_slots_are_capped_and_released_on_drop() {
        let l = Limiter::new(Limits {
            per_caller: 0,
            per_peer: 0,
            streams_per_caller: 2,
        });
        let amy = Caller::new("amy", Role::Agent, vec![]);
        let a = l.stream_slot(&amy).expect("1");
        let _b = l.stream_slot(&amy).expect("2");
        assert_eq!(
            l.stream_slot(&amy).err().map(|e| e.code()),
            Some(Code::ResourceExhausted)
        );
        drop(a);
        l.stream_slot(&amy)
            .expect("a slot freed when a stream ends");
    }
}
