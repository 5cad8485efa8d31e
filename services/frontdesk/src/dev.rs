//! `frontdesk dev`'s data directory: SQLite files, the token secret, and a ready dev token.

use anyhow::Context;
use frontdesk_platform::auth::{Authenticator, Role, random_secret};
use frontdesk_platform::private_files;
use std::path::Path;
use std::time::Duration;

pub const SECRET_FILE: &str = "jwt-secret";
pub const TOKEN_FILE: &str = "dev-token";

/// Reads the data directory's secret, creating it (mode 0600) on first run.
pub fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<String> {
    private_files::create_dir(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let path = data_dir.join(SECRET_FILE);
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok(s);
        }
    }
    let secret = random_secret();
    private_files::write(&path, secret.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(secret)
}

/// Mints a chain-wide manager token for local use and stores it where the CLI finds it.
pub fn write_dev_token(data_dir: &Path, auth: &Authenticator) -> anyhow::Result<String> {
    let token = auth.issue(
        "dev",
        Role::Manager,
        &["*".to_string()],
        Duration::from_secs(30 * 24 * 3600),
    )?;
    let path = data_dir.join(TOKEN_FILE);
    private_files::write(&path, token.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(token)
}

/// `sqlite://<dir>/<service>.db`
pub fn sqlite_url(data_dir: &Path, service: &str) -> String {
    format!(
        "sqlite://{}",
        data_dir.join(format!("{service}.db")).display()
    )
}
