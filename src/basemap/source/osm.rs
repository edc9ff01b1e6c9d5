//! OpenStreetMap PBF extracts: tagged nodes, ways (lines or closed areas) and multipolygon /
//! administrative-boundary relations assembled into polygons.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use osmpbf::{Element, ElementReader, RelMemberType};

use crate::basemap::schema::RawFeature;

/// Keys whose presence on a closed way means an area rather than a closed line.
const AREA_KEYS: [&str; 8] = ["building", "landuse", "leisure", "natural", "amenity", "water", "place", "boundary"];

type Tags = Vec<(String, String)>;

struct Way {
    refs: Vec<i64>,
    tags: Tags,
}

/// A multipolygon or boundary relation: member way ids (with "is inner ring") and tags.
struct Relation {
    members: Vec<(i64, bool)>,
    tags: Tags,
}

#[derive(Default)]
struct OsmData {
    nodes: HashMap<i64, Coord<f64>>,
    tagged_nodes: Vec<(i64, Tags)>,
    ways: HashMap<i64, Way>,
    relations: Vec<Relation>,
}

/// Reads every drawable feature of a PBF file.
pub fn read(path: &Path) -> Result<Vec<RawFeature>> {
    let data = load(path)?;
    let mut out = Vec::new();
    for (id, tags) in &data.tagged_nodes {
        if let Some(c) = data.nodes.get(id) {
            out.push(RawFeature { geometry: Geometry::Point(Point(*c)), tags: tags.clone() });
        }
    }
    let mut used_by_relations = HashSet::new();
    for Relation { members, tags } in &data.relations {
        if let Some(polygons) = assemble(&data, members) {
            used_by_relations.extend(members.iter().map(|(id, _)| *id));
            out.push(RawFeature { geometry: Geometry::MultiPolygon(polygons), tags: tags.clone() });
        }
    }
    // Ways in id order, so the same extract always gives the same archive.
    let mut way_ids: Vec<&i64> = data.ways.keys().collect();
    way_ids.sort_unstable();
    for Way { refs, tags } in way_ids.into_iter().filter_map(|id| data.ways.get(id)) {
        if tags.is_empty() {
            continue;
        }
        if let Some(geometry) = way_geometry(&data, refs, tags) {
            out.push(RawFeature { geometry, tags: tags.clone() });
        }
    }
    Ok(out)
}

fn load(path: &Path) -> Result<OsmData> {
    let reader = ElementReader::from_path(path).context("cannot open the PBF file")?;
    let mut data = OsmData::default();
    reader
        .for_each(|element| match element {
            Element::DenseNode(n) => {
                data.nodes.insert(n.id(), Coord { x: n.lon(), y: n.lat() });
                let tags = collect_tags(n.tags());
                if !tags.is_empty() {
                    data.tagged_nodes.push((n.id(), tags));
                }
            }
            Element::Node(n) => {
                data.nodes.insert(n.id(), Coord { x: n.lon(), y: n.lat() });
                let tags = collect_tags(n.tags());
                if !tags.is_empty() {
                    data.tagged_nodes.push((n.id(), tags));
                }
            }
            Element::Way(w) => {
                data.ways.insert(w.id(), Way { refs: w.refs().collect(), tags: collect_tags(w.tags()) });
            }
            Element::Relation(r) => {
                let tags = collect_tags(r.tags());
                let kind = tags.iter().find(|(k, _)| k == "type").map(|(_, v)| v.as_str());
                if matches!(kind, Some("multipolygon" | "boundary")) {
                    let members = r
                        .members()
                        .filter(|m| m.member_type == RelMemberType::Way)
                        .map(|m| (m.member_id, m.role().map(|r| r == "inner").unwrap_or(false)))
                        .collect();
                    data.relations.push(Relation { members, tags });
                }
            }
        })
        .context("corrupt or unreadable PBF data")?;
    Ok(data)
}

fn collect_tags<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    tags.map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn way_coords(data: &OsmData, refs: &[i64]) -> Option<Vec<Coord<f64>>> {
    let coords: Vec<_> = refs.iter().filter_map(|id| data.nodes.get(id).copied()).collect();
    (coords.len() >= 2 && coords.len() == refs.len()).then_some(coords)
}

fn way_geometry(data: &OsmData, refs: &[i64], tags: &[(String, String)]) -> Option<Geometry<f64>> {
    let coords = way_coords(data, refs)?;
    let closed = refs.len() >= 4 && refs.first() == refs.last();
    let tag = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let area_tagged = tag("area") == Some("yes") || AREA_KEYS.iter().any(|k| tag(k).is_some());
    let is_line_feature = tag("highway").is_some() && tag("area") != Some("yes");
    if closed && area_tagged && !is_line_feature && tag("boundary").is_none() {
        Some(Geometry::Polygon(Polygon::new(LineString(coords), vec![])))
    } else {
        Some(Geometry::LineString(LineString(coords)))
    }
}

/// Joins member ways into closed rings; inner rings go to the outer ring that holds them.
fn assemble(data: &OsmData, members: &[(i64, bool)]) -> Option<MultiPolygon<f64>> {
    let mut outer_parts = Vec::new();
    let mut inner_parts = Vec::new();
    for (id, inner) in members {
        let way = data.ways.get(id)?;
        let coords = way_coords(data, &way.refs)?;
        if *inner {
            inner_parts.push(coords);
        } else {
            outer_parts.push(coords);
        }
    }
    let outers = join_rings(outer_parts);
    if outers.is_empty() {
        return None;
    }
    let inners = join_rings(inner_parts);
    let mut polygons: Vec<Polygon<f64>> = outers.into_iter().map(|r| Polygon::new(r, vec![])).collect();
    for inner in inners {
        use geo::Contains;
        let first = inner.0[0];
        if let Some(p) = polygons.iter_mut().find(|p| p.exterior().contains(&Point(first)) || p.contains(&Point(first)))
        {
            p.interiors_push(inner);
        }
    }
    Some(MultiPolygon(polygons))
}

/// Greedily chains open ways end to end until each ring closes; unclosable chains are dropped.
fn join_rings(mut parts: Vec<Vec<Coord<f64>>>) -> Vec<LineString<f64>> {
    let mut rings = Vec::new();
    while let Some(mut ring) = parts.pop() {
        while ring.first() != ring.last() {
            let Some(&end) = ring.last() else { break };
            let Some(i) = parts.iter().position(|p| p.first() == Some(&end) || p.last() == Some(&end)) else {
                break;
            };
            let mut next = parts.swap_remove(i);
            if next.first() != Some(&end) {
                next.reverse();
            }
            ring.extend(next.into_iter().skip(1));
        }
        if ring.len() >= 4 && ring.first() == ring.last() {
            rings.push(LineString(ring));
        }
    }
    rings
}
