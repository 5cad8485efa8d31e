//! Client-side load balancing for calls between services. In Kubernetes a service is a
//! headless Service: its name resolves to one address per ready pod. A plain channel
//! connects to whichever address came first and keeps that one pod until it goes away; a
//! balanced channel keeps a connection to every address the name resolves to (re-resolved
//! every few seconds, so scaled-up pods join and deleted ones leave) and spreads calls over
//! them (tower's power-of-two-choices), so one replica of routing does not take every event
//! intake sends while its siblings idle. A pod that dies costs the calls sent to it until its
//! address leaves the name (Kubernetes drops a pod that is not ready from a headless
//! Service's DNS within seconds, and the name is resolved again every few seconds); callers
//! of idempotent calls retry those (the relay does).
//!
//! An IP literal or `localhost` (tests, `frontdesk dev`, a process that names its peer by
//! address) gets a plain lazily connected channel: there is nothing to balance over.

use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tonic::transport::channel::Change;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

/// How often a service name is resolved again.
pub const RESOLVE_EVERY: Duration = Duration::from_secs(5);

/// Settings every endpoint of a balanced channel gets.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub connect_timeout: Duration,
    /// Per-call timeout; `None` leaves it to the caller's deadline.
    pub timeout: Option<Duration>,
    /// How often a name is resolved again.
    pub resolve_every: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connect_timeout: Duration::from_secs(2),
            timeout: None,
            resolve_every: RESOLVE_EVERY,
        }
    }
}

fn endpoint(uri: String, s: Settings, tls: Option<&ClientTlsConfig>) -> anyhow::Result<Endpoint> {
    let mut e = Endpoint::from_shared(uri.clone())
        .map_err(|e| anyhow::anyhow!("bad address {uri:?}: {e}"))?
        .tcp_nodelay(true)
        .connect_timeout(s.connect_timeout);
    if let Some(t) = s.timeout {
        e = e.timeout(t);
    }
    if let Some(tls) = tls {
        e = e
            .tls_config(tls.clone())
            .map_err(|e| anyhow::anyhow!("TLS settings for {uri}: {e}"))?;
    }
    Ok(e)
}

/// A channel to `address` (`http://host:port`): balanced over every address `host` resolves
/// to when it is a name, a plain lazy channel otherwise. Must be called inside a Tokio
/// runtime (the resolver runs as a task, and ends when the channel is dropped).
pub fn channel(address: &str, s: Settings) -> anyhow::Result<Channel> {
    let uri: http::Uri = address
        .parse()
        .map_err(|e| anyhow::anyhow!("bad address {address:?}: {e}"))?;
    let host = uri.host().unwrap_or_default().to_string();
    let single = host.is_empty() || host == "localhost" || crate::tls::is_ip(&host);
    // https:// is verified against the name the caller used (the Service's DNS name), also
    // when the connection goes to one of its pods' addresses.
    let tls = match uri.scheme_str() {
        Some("https") if single => Some(crate::tls::client_for(&host)?),
        Some("https") => Some(crate::tls::client_for(&host)?.domain_name(host.clone())),
        _ => None,
    };
    if single {
        return Ok(endpoint(address.to_string(), s, tls.as_ref())?.connect_lazy());
    }
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let scheme = uri.scheme_str().unwrap_or("http").to_string();
    let name = format!("{host}:{port}");
    Ok(balanced(scheme, s, tls, move || {
        let name = name.clone();
        async move {
            tokio::net::lookup_host(name.as_str())
                .await
                .map(Iterator::collect)
                .map_err(|e| anyhow::anyhow!("resolving {name}: {e}"))
        }
    }))
}

/// A channel balanced over the addresses `resolve` returns, asked again every
/// `s.resolve_every`. A failed or empty resolution keeps the last known addresses: a DNS
/// hiccup must not take a working service away.
pub fn balanced<R, F>(
    scheme: String,
    s: Settings,
    tls: Option<ClientTlsConfig>,
    resolve: R,
) -> Channel
where
    R: Fn() -> F + Send + 'static,
    F: Future<Output = anyhow::Result<Vec<SocketAddr>>> + Send,
{
    let (channel, changes) = Channel::balance_channel::<SocketAddr>(64);
    tokio::spawn(async move {
        let mut known: BTreeSet<SocketAddr> = BTreeSet::new();
        loop {
            match resolve().await {
                Ok(found) if !found.is_empty() => {
                    let found: BTreeSet<SocketAddr> = found.into_iter().collect();
                    for gone in known.difference(&found) {
                        if changes.send(Change::Remove(*gone)).await.is_err() {
                            return;
                        }
                    }
                    for new in found.difference(&known) {
                        let uri = format!("{scheme}://{new}");
                        match endpoint(uri, s, tls.as_ref()) {
                            Ok(e) => {
                                if changes.send(Change::Insert(*new, e)).await.is_err() {
                                    return;
                                }
                            }
                            Err(e) => tracing::warn!(error = %e, "skipping an address"),
                        }
                    }
                    if found != known {
                        tracing::debug!(addresses = ?found, "peer addresses changed");
                    }
                    known = found;
                }
                Ok(_) => {
                    tracing::warn!("a peer name resolved to no address; keeping the last ones")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot resolve a peer; keeping the last addresses")
                }
            }
            tokio::time::sleep(s.resolve_every).await;
            if changes.is_closed() {
                return;
            }
        }
    });
    channel
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_health::ServingStatus;
    use tonic_health::pb::health_check_response::ServingStatus as Wire;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

    /// A replica answering health for "probe" with `status`, until the returned sender fires.
    async fn replica(status: ServingStatus) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let (reporter, service) = tonic_health::server::health_reporter();
        reporter.set_service_status("probe", status).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(
                    tokio_stream::wrappers::TcpListenerStream::new(listener),
                    async {
                        let _ = stopped.await;
                    },
                ),
        );
        (addr, stop)
    }

    async fn ask(client: &mut HealthClient<Channel>) -> Result<i32, tonic::Status> {
        client
            .check(HealthCheckRequest {
                service: "probe".into(),
            })
            .await
            .map(|r| r.into_inner().status)
    }

    /// Two pods behind one name: calls reach both; when one goes away (and so leaves the
    /// name, as Kubernetes does with a pod that is not ready) the other takes every call,
    /// without a new channel.
    #[tokio::test]
    async fn calls_spread_over_every_address_and_follow_the_name() {
        let (a, stop_a) = replica(ServingStatus::Serving).await;
        let (b, _stop_b) = replica(ServingStatus::NotServing).await;
        let dns = std::sync::Arc::new(std::sync::Mutex::new(vec![a, b]));
        let answers = dns.clone();
        let settings = Settings {
            resolve_every: Duration::from_millis(50),
            ..Settings::default()
        };
        let channel = balanced("http".into(), settings, None, move || {
            let now = answers.lock().map(|v| v.clone()).unwrap_or_default();
            async move { Ok(now) }
        });
        let mut client = HealthClient::new(channel);
        let mut seen = BTreeSet::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while seen.len() < 2 && tokio::time::Instant::now() < deadline {
            if let Ok(status) = ask(&mut client).await {
                seen.insert(status);
            }
        }
        assert_eq!(
            seen,
            BTreeSet::from([Wire::Serving as i32, Wire::NotServing as i32]),
            "both replicas answered"
        );

        drop(stop_a);
        if let Ok(mut v) = dns.lock() {
            v.retain(|x| *x != a);
        }
        // Calls sent to the stopped pod before the name dropped it may fail; after that,
        // every call is answered by the other one.
        let mut answered_by_b = 0;
        while answered_by_b < 20 && tokio::time::Instant::now() < deadline {
            match ask(&mut client).await {
                Ok(s) if s == Wire::NotServing as i32 => answered_by_b += 1,
                _ => answered_by_b = 0,
            }
        }
        assert_eq!(
            answered_by_b, 20,
            "20 calls in a row reached the pod still up"
        );
    }

    /// A name resolves through DNS, an address needs no resolver: both give working
    /// channels, and a bad address is an error naming it.
    #[tokio::test]
    async fn names_and_addresses_both_connect() {
        let (a, _stop) = replica(ServingStatus::Serving).await;
        for address in [
            format!("http://{a}"),
            format!("http://localhost:{}", a.port()),
        ] {
            let mut client =
                HealthClient::new(channel(&address, Settings::default()).expect("channel"));
            assert_eq!(
                ask(&mut client).await.ok(),
                Some(Wire::Serving as i32),
                "{address}"
            );
        }
        let err = channel("http://exa mple:1", Settings::default()).expect_err("bad address");
        assert!(err.to_string().contains("exa mple"), "{err}");
    }
}
