//! The data directory: created private to its owner, checked writable, and home of the
//! generated secret key; and the helpers that write files only their owner may read.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;

use super::{ConfigError, Secret, Settings};

impl Settings {
    /// Where emails are written as `.eml` files when no SMTP server is set.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Creates the data directory if needed and checks that it can be written to.
    pub fn ensure_data_dir(&self) -> Result<(), ConfigError> {
        let fail = |e| self.data_dir_error(e);
        create_private_dir(&self.data_dir).map_err(fail)?;
        let probe = self.data_dir.join(".write-test");
        fs::write(&probe, b"").map_err(fail)?;
        fs::remove_file(&probe).map_err(fail)
    }

    /// The key that signs sessions: configured, or read from (or generated once into) the data dir.
    pub fn resolve_secret_key(&self) -> Result<Secret, ConfigError> {
        if let Some(key) = &self.secret_key {
            return Ok(key.clone());
        }
        let path = self.data_dir.join("secret_key");
        if let Ok(existing) = fs::read_to_string(&path) {
            let existing = existing.trim();
            if existing.len() >= 32 {
                return Ok(Secret::new(existing));
            }
        }
        self.ensure_data_dir()?;
        let mut bytes = [0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        let key = hex::encode(bytes);
        write_private_file(&path, key.as_bytes()).map_err(|e| self.data_dir_error(e))?;
        tracing::info!(
            path = %path.display(),
            "generated a new secret key; keep this file, or set HEARD_SECRET_KEY (the same on every instance)"
        );
        Ok(Secret::new(key))
    }

    fn data_dir_error(&self, e: std::io::Error) -> ConfigError {
        ConfigError::DataDir {
            path: self.data_dir.display().to_string(),
            reason: e.kind().to_string(),
        }
    }
}

/// Writes the whole file or nothing: a temporary file, renamed into place, readable by the owner only.
fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    write_private(&tmp, contents)?;
    fs::rename(&tmp, path)
}

/// Creates a directory (and any missing parents) that only its owner may enter (0700 on
/// Unix); one that already exists is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes an existing file readable and writable by its owner only (0600 on Unix).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes a file (replacing its contents) that only its owner may read (0600 on Unix),
/// synced to disk.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // A file left by an earlier run keeps its mode when opened: set it.
    make_private(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
