//! Files that hold personal data or secrets (`frontdesk dev`'s SQLite databases, the token
//! secret, the dev token): created owner-only, 0600 in a 0700 directory, from the first byte
//! (no window in which another local user could open them), and tightened if an older
//! version left them readable.

use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) owner-only; tightens it if it exists.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    builder.create(dir)
}

/// Creates `path` empty and owner-only when missing; tightens it when present.
pub fn touch(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    options.open(path).map(|_| ())
}

/// Writes `contents` to `path` owner-only (replacing what was there).
pub fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    touch(path)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)?;
    f.write_all(contents)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    }

    #[test]
    fn data_files_are_owner_only() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data/nested");
        create_dir(&dir).expect("dir");
        assert_eq!(mode(&dir), 0o700);
        let secret = dir.join("jwt-secret");
        write(&secret, b"s3cret").expect("write");
        assert_eq!(mode(&secret), 0o600);
        assert_eq!(std::fs::read(&secret).expect("read"), b"s3cret");
        // An older, world-readable file is tightened.
        let old = dir.join("intake.db");
        std::fs::write(&old, b"").expect("old");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        touch(&old).expect("touch");
        assert_eq!(mode(&old), 0o600);
    }
}
