//! Zones written as layer files, for the GIS office and for pantau's own `--zones`: GeoJSON,
//! FlatGeobuf or an ESRI Shapefile with its `.prj` (WGS84 longitude/latitude), chosen by the
//! file's extension. Each zone's properties go along (`kode`, `nama`, `admin_level`, `node`,
//! `station`, `units`; in a Shapefile's dBase table `admin_lvl`, its names being ten letters
//! at most), so [`super::load_zones`] reads back the same codes, names and levels. Files are
//! written beside their final name and renamed into place, so a failed save leaves the old
//! file whole.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use geo::Geometry;

use crate::model::Zone;

/// The `.prj` of WGS84 longitude/latitude, as GIS packages write it.
const WGS84_PRJ: &str = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],\
PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";
/// The widest text a dBase character field holds.
const DBF_TEXT: usize = 254;

/// The file formats zones can be saved in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneFormat {
    GeoJson,
    FlatGeobuf,
    Shapefile,
}

impl ZoneFormat {
    /// The format a file name asks for, by its extension.
    pub fn of(path: &Path) -> Result<Self> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("geojson" | "json") => Ok(Self::GeoJson),
            Some("fgb") => Ok(Self::FlatGeobuf),
            Some("shp") => Ok(Self::Shapefile),
            _ => bail!("{}: zones are saved as .geojson, .fgb or .shp", path.display()),
        }
    }
}

/// The properties a zone is written with, in this order.
const FIELDS: [&str; 6] = ["kode", "nama", "admin_level", "node", "station", "units"];

fn field(zone: &Zone, name: &str) -> String {
    match name {
        "kode" => zone.code.clone(),
        "nama" => zone.name.clone(),
        "admin_level" => zone.level.to_string(),
        other => zone.properties.get(other).cloned().unwrap_or_default(),
    }
}

/// Writes `zones` to `path` in the format its extension names.
pub fn save_zones(path: &Path, zones: &[Zone]) -> Result<()> {
    let format = ZoneFormat::of(path)?;
    if zones.is_empty() {
        bail!("{}: no zones to save", path.display());
    }
    let written = match format {
        ZoneFormat::GeoJson => write_replacing(path, &geojson_bytes(zones)?),
        ZoneFormat::FlatGeobuf => write_replacing(path, &fgb_bytes(zones)?),
        ZoneFormat::Shapefile => write_shapefile(path, zones),
    };
    written.with_context(|| format!("{}: cannot save the zones", path.display()))
}

fn geojson_bytes(zones: &[Zone]) -> Result<Vec<u8>> {
    let features = zones
        .iter()
        .map(|zone| {
            let properties = FIELDS
                .iter()
                .map(|f| (f.to_string(), serde_json::Value::String(field(zone, f))))
                .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
                .collect();
            geojson::Feature {
                geometry: Some(geojson::Geometry::new(geojson::Value::from(&zone.polygon))),
                properties: Some(properties),
                ..Default::default()
            }
        })
        .collect();
    let collection = geojson::FeatureCollection { features, bbox: None, foreign_members: None };
    Ok(serde_json::to_vec(&collection)?)
}

fn fgb_bytes(zones: &[Zone]) -> Result<Vec<u8>> {
    use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
    use geozero::{ColumnValue, PropertyProcessor};
    let options = FgbWriterOptions { crs: FgbCrs { code: 4326, ..Default::default() }, ..Default::default() };
    let mut fgb = FgbWriter::create_with_options("zones", GeometryType::MultiPolygon, options)
        .map_err(|e| anyhow!("cannot start a FlatGeobuf file: {e}"))?;
    for name in FIELDS {
        fgb.add_column(name, ColumnType::String, |_, column| column.nullable = true);
    }
    for zone in zones {
        let mut failed = None;
        fgb.add_feature_geom(Geometry::MultiPolygon(zone.polygon.clone()), |feature| {
            for (i, name) in FIELDS.iter().enumerate() {
                if let Err(e) = feature.property(i, name, &ColumnValue::String(&field(zone, name))) {
                    failed = Some(e);
                }
            }
        })
        .map_err(|e| anyhow!("zone {}: {e}", zone.code))?;
        if let Some(e) = failed {
            bail!("zone {}: {e}", zone.code);
        }
    }
    let mut bytes = Vec::new();
    fgb.write(&mut bytes).map_err(|e| anyhow!("cannot write the FlatGeobuf file: {e}"))?;
    Ok(bytes)
}

/// The Shapefile's `.shp`, `.shx`, `.dbf` and `.prj`, written in a folder beside it and moved
/// into place.
fn write_shapefile(path: &Path, zones: &[Zone]) -> Result<()> {
    use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
    fn dbf_name(name: &str) -> &str {
        if name == "admin_level" {
            "admin_lvl"
        } else {
            name
        }
    }
    let mut table = TableWriterBuilder::new();
    for name in FIELDS {
        let field = FieldName::try_from(dbf_name(name)).map_err(|e| anyhow!("field {name}: {e:?}"))?;
        table = table.add_character_field(field, DBF_TEXT as u8);
    }
    let folder = tempfile::Builder::new()
        .prefix(".zones-")
        .tempdir_in(parent(path))
        .context("cannot make a folder to write in")?;
    let name = path.file_name().context("no file name")?;
    let staged = folder.path().join(name);
    // The shapes and the table written apart, so that finishing each (the headers, the last
    // bytes) fails loudly rather than in a drop.
    let mut shapes = shapefile::ShapeWriter::from_path(&staged)?;
    let mut records = table.build_with_file_dest(staged.with_extension("dbf"))?;
    for zone in zones {
        let mut record = Record::default();
        for name in FIELDS {
            let value = field(zone, name);
            if value.len() > DBF_TEXT {
                bail!("zone {}: its {name} is over the {DBF_TEXT} bytes a Shapefile field holds", zone.code);
            }
            record.insert(dbf_name(name).to_string(), FieldValue::Character(Some(value)));
        }
        let shape = shapefile::Polygon::from(zone.polygon.clone());
        shapes.write_shape(&shape).with_context(|| format!("zone {}", zone.code))?;
        records.write_record(&record).with_context(|| format!("zone {}", zone.code))?;
    }
    shapes.finalize().context("cannot finish the .shp and .shx")?;
    records.finalize().context("cannot finish the .dbf")?;
    drop((shapes, records));
    std::fs::write(staged.with_extension("prj"), WGS84_PRJ)?;
    for ext in ["shx", "dbf", "prj", "shp"] {
        let file = std::fs::File::open(staged.with_extension(ext))?;
        file.sync_all().with_context(|| format!("cannot sync the .{ext}"))?;
    }
    // The .shp last: a reader finds the new files whole, or the old .shp.
    for ext in ["shx", "dbf", "prj", "shp"] {
        let (from, to) = (staged.with_extension(ext), path.with_extension(ext));
        std::fs::rename(&from, &to).with_context(|| format!("cannot move {} into place", to.display()))?;
    }
    Ok(())
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `bytes` beside `path` and renames them over it.
fn write_replacing(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut staged = tempfile::Builder::new().prefix(".zones-").tempfile_in(parent(path))?;
    std::io::Write::write_all(&mut staged, bytes)?;
    staged.as_file().sync_all()?;
    staged.persist(path).map_err(|e| anyhow!("cannot move it into place: {}", e.error))?;
    Ok(())
}
