//! PMTiles v3 archives of MVT tiles: writing (atomically: temporary file, then rename) and
//! reading, with pantau's metadata (layers, feature counts, attribution).

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use pmtiles::{AsyncPmTilesReader, MmapBackend, NoCache, TileCoord, TileType};
use serde::{Deserialize, Serialize};

use crate::crs::TileId;

/// A TileJSON `vector_layers` entry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VectorLayer {
    pub id: String,
    pub fields: BTreeMap<String, String>,
    pub minzoom: u8,
    pub maxzoom: u8,
}

/// The archive's JSON metadata.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub attribution: String,
    #[serde(default)]
    pub vector_layers: Vec<VectorLayer>,
    /// Source features per layer.
    #[serde(default)]
    pub feature_counts: BTreeMap<String, u64>,
    #[serde(default)]
    pub generator: String,
}

/// Geographic extent and zooms, from the archive header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArchiveHeader {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// `(west, south, east, north)` in degrees.
    pub bounds: (f64, f64, f64, f64),
    pub center: (f64, f64),
    pub tile_count: u64,
}

/// Writes tiles (already sorted by PMTiles id) to `out`, replacing it only on success.
pub fn write(out: &Path, tiles: &[(TileId, Vec<u8>)], header: &ArchiveHeader, metadata: &Metadata) -> Result<()> {
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".pantau-import-").suffix(".pmtiles.tmp");
    // A map is shared reading, like any file the user writes (temporary files default to 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let tmp =
        builder.tempfile_in(dir).with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let (w, s, e, n) = header.bounds;
    let json = serde_json::to_string(metadata)?;
    let mut writer = pmtiles::PmTilesWriter::new(TileType::Mvt)
        .min_zoom(header.min_zoom)
        .max_zoom(header.max_zoom)
        .bounds(w, s, e, n)
        .center(header.center.0, header.center.1)
        .center_zoom(header.min_zoom.max(12).min(header.max_zoom))
        .metadata(json)
        .create(BufWriter::new(tmp.as_file().try_clone()?))
        .map_err(|e| anyhow!("cannot start the archive: {e}"))?;
    for (id, bytes) in tiles {
        let coord = TileCoord::new(id.z, id.x, id.y).map_err(|e| anyhow!("tile {id}: {e}"))?;
        writer.add_tile(coord, bytes).map_err(|e| anyhow!("cannot write tile {id}: {e}"))?;
    }
    writer.finalize().map_err(|e| anyhow!("cannot finish the archive: {e}"))?;
    tmp.persist(out).map_err(|e| anyhow!("cannot move the archive into place: {e}"))?;
    Ok(())
}

/// A PMTiles archive opened for reading. The reader is async only, so it carries a small
/// runtime of its own and offers blocking calls: use it from plain threads (loader threads,
/// `spawn_blocking`), never from inside an async task.
pub struct Archive {
    path: PathBuf,
    runtime: tokio::runtime::Runtime,
    reader: AsyncPmTilesReader<MmapBackend, NoCache>,
    pub header: ArchiveHeader,
    pub metadata: Metadata,
}

impl Archive {
    pub fn open(path: &Path) -> Result<Self> {
        let run = || -> Result<Self> {
            if !path.exists() {
                bail!("file not found");
            }
            let runtime = tokio::runtime::Builder::new_current_thread().build()?;
            let reader = runtime
                .block_on(AsyncPmTilesReader::new_with_path(path))
                .map_err(|e| anyhow!("not a readable PMTiles v3 archive ({e})"))?;
            let h = reader.get_header();
            if h.tile_type != TileType::Mvt {
                bail!("the archive holds {:?} tiles, not vector tiles", h.tile_type);
            }
            let header = ArchiveHeader {
                min_zoom: h.min_zoom,
                max_zoom: h.max_zoom,
                bounds: (h.min_longitude, h.min_latitude, h.max_longitude, h.max_latitude),
                center: (h.center_longitude, h.center_latitude),
                tile_count: h.n_addressed_tiles().map_or(0, |n| n.get()),
            };
            let json = runtime.block_on(reader.get_metadata()).map_err(|e| anyhow!("cannot read metadata ({e})"))?;
            let metadata = serde_json::from_str(&json)
                .unwrap_or_else(|_| Metadata { name: "unnamed".into(), ..Default::default() });
            Ok(Self { path: path.to_path_buf(), runtime, reader, header, metadata })
        };
        run().with_context(|| format!("{}", path.display()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every tile of the most detailed zoom over the archive's bounds, decoded, that holds
    /// `layer` (readers that need full detail: road graph, OSM cameras).
    pub fn max_zoom_layers(&self, layer: &str) -> Result<Vec<(TileId, geozero::mvt::tile::Layer)>> {
        use geozero::mvt::Message;
        let (w, s, e, n) = self.header.bounds;
        let (x0, y0) = crate::crs::lonlat_to_world(w, n);
        let (x1, y1) = crate::crs::lonlat_to_world(e, s);
        let mut out = Vec::new();
        for id in crate::crs::TileRange::covering(self.header.max_zoom, x0, y0, x1, y1).iter() {
            let Some(bytes) = self.tile(id)? else { continue };
            let tile = geozero::mvt::Tile::decode(bytes.as_slice())
                .map_err(|e| anyhow!("{}: tile {id}: not a vector tile ({e})", self.path.display()))?;
            out.extend(tile.layers.into_iter().filter(|l| l.name == layer).map(|l| (id, l)));
        }
        Ok(out)
    }

    /// The decompressed MVT bytes of a tile, or `None` where the archive has no tile.
    pub fn tile(&self, id: TileId) -> Result<Option<Vec<u8>>> {
        let coord = TileCoord::new(id.z, id.x, id.y).map_err(|e| anyhow!("tile {id}: {e}"))?;
        let bytes = self
            .runtime
            .block_on(self.reader.get_tile_decompressed(coord))
            .map_err(|e| anyhow!("{}: tile {id}: {e}", self.path.display()))?;
        Ok(bytes.map(|b| b.to_vec()))
    }
}
