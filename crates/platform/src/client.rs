//! The client side every caller of frontdesk shares (the CLI, the load generator, the
//! tests): a channel to a server and an interceptor that adds the bearer token.

use std::time::Duration;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

/// Adds `authorization: Bearer <token>` to every call (nothing when there is no token).
#[derive(Clone, Default)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Bearer {
    pub fn new(token: &str) -> anyhow::Result<Bearer> {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| anyhow::anyhow!("the token is not a valid header value"))?;
        Ok(Bearer(Some(value)))
    }

    /// Calls without a token (to test refusals).
    pub fn none() -> Bearer {
        Bearer(None)
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        Ok(req)
    }
}

/// A connected channel to `server` (e.g. http://127.0.0.1:50051), with TCP_NODELAY; over
/// TLS with `tls` for an https:// address.
pub async fn connect(server: &str, tls: Option<ClientTlsConfig>) -> anyhow::Result<Channel> {
    let mut endpoint = Endpoint::from_shared(server.to_string())
        .map_err(|e| anyhow::anyhow!("bad server address {server:?}: {e}"))?;
    if server.starts_with("https://") {
        let tls = tls.ok_or_else(|| {
            anyhow::anyhow!(
                "{server} is https: give --tls-ca (and --tls-cert/--tls-key for mutual TLS)"
            )
        })?;
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|e| anyhow::anyhow!("TLS settings: {e}"))?;
    }
    endpoint
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach frontdesk at {server}: {e}"))
}
