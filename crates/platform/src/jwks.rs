//! Tokens from the chain's identity provider: RS256, ES256 or EdDSA JWTs verified against a
//! JSON Web Key Set (a file or an `http://` URL), chosen by the token's `kid`, refreshed on a
//! period so a key rotation at the provider needs no restart. HS256 tokens signed with the
//! deployment's secret keep working (services mint their own; `frontdesk token` for dev).

use jsonwebtoken::jwk::JwkSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Where the key set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    File(std::path::PathBuf),
    /// Plain `http://` (an in-cluster endpoint or a sidecar that mirrors the provider's).
    Url(String),
}

impl JwksSource {
    pub fn describe(&self) -> String {
        match self {
            JwksSource::File(p) => p.display().to_string(),
            JwksSource::Url(u) => u.clone(),
        }
    }
}

/// The current key set, shared by every clone of an authenticator.
#[derive(Clone, Default)]
pub struct Keys(Arc<RwLock<JwkSet>>);

impl Keys {
    pub fn new(set: JwkSet) -> Self {
        Keys(Arc::new(RwLock::new(set)))
    }

    pub fn find(&self, kid: &str) -> Option<jsonwebtoken::jwk::Jwk> {
        self.0.read().ok()?.find(kid).cloned()
    }

    fn replace(&self, set: JwkSet) {
        if let Ok(mut keys) = self.0.write() {
            *keys = set;
        }
    }
}

/// Reads and parses the key set once.
pub async fn load(source: &JwksSource) -> anyhow::Result<JwkSet> {
    let body = match source {
        JwksSource::File(path) => tokio::fs::read(path)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read JWKS file {}: {e}", path.display()))?,
        JwksSource::Url(url) => fetch(url).await?,
    };
    let set: JwkSet = serde_json::from_slice(&body)
        .map_err(|e| anyhow::anyhow!("JWKS at {} is not a key set: {e}", source.describe()))?;
    anyhow::ensure!(
        !set.keys.is_empty(),
        "JWKS at {} has no keys",
        source.describe()
    );
    Ok(set)
}

async fn fetch(url: &str) -> anyhow::Result<Vec<u8>> {
    use http_body_util::BodyExt;
    anyhow::ensure!(
        url.starts_with("http://"),
        "JWKS URL {url}: only http:// is supported (mount the provider's key set as a file, or \
         mirror it in-cluster)"
    );
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let uri: http::Uri = url
        .parse()
        .map_err(|e| anyhow::anyhow!("JWKS URL {url}: {e}"))?;
    let res = tokio::time::timeout(Duration::from_secs(5), client.get(uri))
        .await
        .map_err(|_| anyhow::anyhow!("JWKS URL {url}: no answer within 5 s"))?
        .map_err(|e| anyhow::anyhow!("cannot fetch JWKS from {url}: {e}"))?;
    anyhow::ensure!(
        res.status().is_success(),
        "JWKS URL {url} answered {}",
        res.status()
    );
    let body = tokio::time::timeout(Duration::from_secs(5), res.into_body().collect())
        .await
        .map_err(|_| anyhow::anyhow!("JWKS URL {url}: body not received within 5 s"))?
        .map_err(|e| anyhow::anyhow!("JWKS URL {url}: {e}"))?;
    Ok(body.to_bytes().to_vec())
}

/// Reloads the key set every `every` until shutdown; a failed reload keeps the last good
/// set (the provider being briefly down must not lock everyone out) and is logged.
pub async fn refresh(
    keys: Keys,
    source: JwksSource,
    every: Duration,
    mut shutdown: crate::shutdown::Shutdown,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.wait() => return,
        }
        match load(&source).await {
            Ok(set) => keys.replace(set),
            Err(e) => {
                tracing::warn!(error.message = %e, "JWKS refresh failed; keeping the last key set")
            }
        }
    }
}
