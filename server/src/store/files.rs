//! Attachment bytes on disk, by content hash: `<data>/attachments/<sha256[0..2]>/<sha256>`.
//!
//! A file is written whole or not at all: to a temporary file beside its place, synced,
//! then renamed (and the folder synced), so a crash never leaves half a photo under a
//! hash. Folders are `0700` and files `0600` ([`super::private`]). The same bytes named
//! by two submissions are one file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::private;

/// The SHA-256 of `bytes` as 64 lowercase hex digits, as answers name files.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write as _;
    sha2::Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The folder inside the data folder that holds attachments.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// Attachment files under one data folder.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// Tells apart the temporary files of writes running at once in this process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileStore {
    /// The attachments of the data folder `data_dir` (nothing is created yet).
    pub fn new(data_dir: &Path) -> FileStore {
        FileStore { root: data_dir.join(ATTACHMENTS_DIR) }
    }

    /// Where the bytes with SHA-256 `sha256` (64 lowercase hex digits, checked by the
    /// caller) are kept.
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Whether bytes with this hash and `size` are stored.
    pub fn has(&self, sha256: &str, size: u64) -> bool {
        std::fs::metadata(self.path(sha256)).is_ok_and(|m| m.is_file() && m.len() == size)
    }

    /// Stores `bytes`, whose SHA-256 the caller has checked is `sha256`, unless they are
    /// stored already. Durable when it returns.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> io::Result<()> {
        if self.has(sha256, bytes.len() as u64) {
            return Ok(());
        }
        let dir = self.root.join(&sha256[..2]);
        private::create_private_dir(&self.root)?;
        private::create_private_dir(&dir)?;
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".tmp-{}-{n}-{sha256}", std::process::id()));
        let written = (|| {
            let mut file = private::create_private_file(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, self.path(sha256))?;
            // The rename is durable once the folder is synced.
            #[cfg(unix)]
            std::fs::File::open(&dir)?.sync_all()?;
            Ok(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }

    /// Opens the stored bytes with this hash.
    pub fn open(&self, sha256: &str) -> io::Result<std::fs::File> {
        std::fs::File::open(self.path(sha256))
    }
}
