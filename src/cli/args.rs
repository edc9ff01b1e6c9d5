//! What several commands' arguments share: `--map demo` for the generated demo city, image
//! sizes, and file names in reports.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};

/// `--map demo` names the demo city, unless a file called `demo` is there.
pub fn is_demo(map: &Path) -> bool {
    map == Path::new("demo") && !map.exists()
}

/// A map argument: a file, or `demo` for the cached demo city (`render` takes a `--seed`;
/// elsewhere the default seed's city).
pub fn map_path(map: &Path, seed: u64) -> Result<PathBuf> {
    if is_demo(map) {
        return Ok(crate::demo::cached(seed)?.map);
    }
    Ok(map.to_path_buf())
}

/// `WIDTHxHEIGHT` in pixels, each 16-8192.
pub fn parse_size(s: &str) -> Result<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| anyhow!("expected WIDTHxHEIGHT, got {s:?}"))?;
    let (w, h): (u32, u32) = (w.parse()?, h.parse()?);
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        bail!("{s:?}: width and height must be 16-8192 pixels");
    }
    Ok((w, h))
}

/// The last part of a path, for reports.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
