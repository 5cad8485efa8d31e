//! Tokens from the chain's identity provider: RS256, ES256 or EdDSA JWTs verified against a
//! JSON Web Key Set (a file, or an `https://` or in-cluster `http://` URL), chosen by the
//! token's `kid`, refreshed on a
//! period so a key rotation at the provider needs no restart. HS256 tokens signed with the
//! deployment's secret keep working (services mint their own; `frontdesk token` for dev).

use jsonwebtoken::jwk::JwkSet;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Where the key set comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    File(std::path::PathBuf),
    /// The provider's `https://` endpoint (verified against `ca_file`, or the system's trust
    /// store), or a plain `http://` one in-cluster.
    Url {
        url: String,
        /// PEM certificates to trust instead of the system's (a private CA).
        ca_file: Option<std::path::PathBuf>,
    },
}

impl JwksSource {
    pub fn describe(&self) -> String {
        match self {
            JwksSource::File(p) => p.display().to_string(),
            JwksSource::Url { url, .. } => url.clone(),
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
        JwksSource::Url { url, ca_file } => fetch(url, ca_file.as_deref()).await?,
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

async fn fetch(url: &str, ca_file: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    use http_body_util::BodyExt;
    let uri: http::Uri = url
        .parse()
        .map_err(|e| anyhow::anyhow!("JWKS URL {url}: {e}"))?;
    let answer = async {
        match uri.scheme_str() {
            Some("https") => get_https(&uri, ca_file).await,
            Some("http") => {
                let client = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .build_http::<http_body_util::Empty<bytes::Bytes>>();
                Ok(client.get(uri.clone()).await?)
            }
            _ => anyhow::bail!("only https:// and http:// are supported"),
        }
    };
    let res = tokio::time::timeout(FETCH_TIMEOUT, answer)
        .await
        .map_err(|_| anyhow::anyhow!("JWKS URL {url}: no answer within 5 s"))?
        .map_err(|e| anyhow::anyhow!("cannot fetch JWKS from {url}: {e:#}"))?;
    anyhow::ensure!(
        res.status().is_success(),
        "JWKS URL {url} answered {}",
        res.status()
    );
    // A key set is a few kilobytes; reading stops at the bound, whatever the server sends.
    let limited = http_body_util::Limited::new(res.into_body(), MAX_JWKS_BYTES);
    let body = tokio::time::timeout(FETCH_TIMEOUT, limited.collect())
        .await
        .map_err(|_| anyhow::anyhow!("JWKS URL {url}: body not received within 5 s"))?
        .map_err(|e| anyhow::anyhow!("JWKS URL {url}: {e} (at most {MAX_JWKS_BYTES} bytes)"))?;
    Ok(body.to_bytes().to_vec())
}

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_JWKS_BYTES: usize = 1 << 20;

/// Where Debian, Ubuntu and Alpine keep the system's trusted roots (and `SSL_CERT_FILE`
/// overrides, as OpenSSL lets it).
const SYSTEM_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// One GET over TLS (rustls, verified by the URL's host name): the identity provider's key
/// set is public but must be the provider's.
async fn get_https(
    uri: &http::Uri,
    ca_file: Option<&Path>,
) -> anyhow::Result<http::Response<hyper::body::Incoming>> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
    let host = uri.host().ok_or_else(|| anyhow::anyhow!("no host"))?;
    let port = uri.port_u16().unwrap_or(443);
    let system = std::env::var_os("SSL_CERT_FILE").map(std::path::PathBuf::from);
    let roots_file = ca_file
        .map(Path::to_path_buf)
        .or(system)
        .unwrap_or_else(|| SYSTEM_ROOTS.into());
    let pem = tokio::fs::read(&roots_file).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot read trusted certificates {}: {e}",
            roots_file.display()
        )
    })?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        // A bundle may hold certificates this TLS stack cannot use; the others still count.
        let _ = roots.add(cert?);
    }
    anyhow::ensure!(
        !roots.is_empty(),
        "no usable certificate in {}",
        roots_file.display()
    );
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']'))?.to_owned();
    let tcp = tokio::net::TcpStream::connect((host, port)).await?;
    let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect(name, tcp)
        .await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let req = http::Request::get(path)
        .header(http::header::HOST, host)
        .body(http_body_util::Empty::<bytes::Bytes>::new())?;
    Ok(sender.send_request(req).await?)
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
