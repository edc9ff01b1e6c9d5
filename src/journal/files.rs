//! The journal's file helpers: listing numbered files (segments, snapshots) and making a
//! folder's entries durable (fsync of the directory after a create, rename or removal).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The files of `dir` named `<number><suffix>`, by number (segments, snapshots).
pub(super) fn numbered_files(dir: &Path, suffix: &str) -> Result<Vec<(u64, PathBuf)>> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let path = e.path();
            let number = path.file_name()?.to_str()?.strip_suffix(suffix)?.parse().ok()?;
            Some((number, path))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Makes the folder's entries durable: a new, renamed or removed file is only safe from a power
/// cut once its directory has been synced.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
