//! TLS for gRPC, optional and mutual when asked: the certificate this server presents, the
//! CA whose client certificates it requires (mTLS), and the trust and identity this process
//! uses when it calls an `https://` address — a peer, a subscriber, or its own services
//! mounted in the same process. Off by default (`frontdesk dev` on 127.0.0.1, and clusters
//! that leave TLS to a mesh); the NetworkPolicies stay either way.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// PEM certificate chain this server presents; with --tls-key, gRPC is TLS only. It
    /// must name the addresses callers use (Service DNS names) and allow client auth too
    /// when --tls-client-ca is set: the same identity is presented to peers.
    #[arg(long, env = "FRONTDESK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "FRONTDESK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificate(s): callers must present a client certificate signed by one
    /// (mutual TLS); without it any TLS client may connect (tokens still apply).
    #[arg(long, env = "FRONTDESK_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// PEM CA certificate(s) trusted for this process's calls to https:// addresses
    /// (peers, subscribers, its own mounted services); required for those calls.
    #[arg(long, env = "FRONTDESK_TLS_CA")]
    pub tls_ca: Option<PathBuf>,
    /// The name this server's certificate carries, used when a call goes to an IP address
    /// (its own services in this process, `--peers x=https://10.0.0.5:50051`).
    #[arg(long, env = "FRONTDESK_TLS_SERVER_NAME", default_value = "localhost")]
    pub tls_server_name: String,
}

/// What a process needs to serve and to call over TLS.
#[derive(Debug, Clone)]
pub struct Tls {
    pub server: Option<ServerTlsConfig>,
    pub client: Option<ClientTlsConfig>,
    /// See [`TlsArgs::tls_server_name`].
    pub server_name: String,
}

fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the {what} {}", path.display()))
}

impl TlsArgs {
    pub fn enabled(&self) -> bool {
        self.tls_cert.is_some() || self.tls_ca.is_some()
    }

    /// Reads the files; `None` when TLS is not configured at all.
    pub fn load(&self) -> anyhow::Result<Option<Tls>> {
        if !self.enabled() {
            return Ok(None);
        }
        let identity = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(identity(cert, key)?),
            _ => None,
        };
        let server = match &identity {
            Some(id) => {
                let mut cfg = ServerTlsConfig::new().identity(id.clone());
                if let Some(ca) = &self.tls_client_ca {
                    cfg = cfg.client_ca_root(Certificate::from_pem(read(ca, "client CA")?));
                }
                Some(cfg)
            }
            None => None,
        };
        let client = match &self.tls_ca {
            Some(ca) => {
                let mut cfg = ClientTlsConfig::new()
                    .ca_certificate(Certificate::from_pem(read(ca, "TLS CA")?));
                if let Some(id) = identity {
                    cfg = cfg.identity(id);
                }
                Some(cfg)
            }
            None => None,
        };
        Ok(Some(Tls {
            server,
            client,
            server_name: self.tls_server_name.clone(),
        }))
    }
}

/// What a client trusts (`ca`) and, for mutual TLS, presents.
pub fn client_config(ca: &Path, identity: Option<Identity>) -> anyhow::Result<ClientTlsConfig> {
    let cfg = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca, "TLS CA")?));
    Ok(match identity {
        Some(id) => cfg.identity(id),
        None => cfg,
    })
}

/// A client or server identity from PEM files.
pub fn identity(cert: &Path, key: &Path) -> anyhow::Result<Identity> {
    Ok(Identity::from_pem(
        read(cert, "TLS certificate")?,
        read(key, "TLS key")?,
    ))
}

/// An IP literal (v4, or v6 with or without brackets) rather than a name.
pub fn is_ip(host: &str) -> bool {
    host.trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok()
}

/// The process's outgoing TLS settings, set once at start by the binary (a process serves
/// one deployment: one trust store). Read by every channel to an `https://` address.
static CLIENT: RwLock<Option<(ClientTlsConfig, String)>> = RwLock::new(None);

/// Sets what calls to `https://` addresses trust and present.
pub fn set_client(tls: Option<&Tls>) {
    if let Ok(mut slot) = CLIENT.write() {
        *slot = tls.and_then(|t| t.client.clone().map(|c| (c, t.server_name.clone())));
    }
}

/// The client TLS for a call to `host`: the process's trust and identity, and for an IP
/// address the configured server name to verify. An error when the address is https://
/// but this process was given no CA to trust.
pub fn client_for(host: &str) -> anyhow::Result<ClientTlsConfig> {
    let slot = CLIENT
        .read()
        .map_err(|_| anyhow::anyhow!("TLS settings lock poisoned"))?;
    let Some((cfg, server_name)) = slot.as_ref() else {
        anyhow::bail!("https:// address {host} but no --tls-ca to trust: set --tls-ca");
    };
    Ok(if is_ip(host) {
        cfg.clone().domain_name(server_name.clone())
    } else {
        cfg.clone()
    })
}
