//! Which subject a message of records is published on: that of the smallest organisation node
//! whose zones hold every record's place (a fix's, an alarm's), as the path of node ids from
//! the root, `pantau.<mabes>.<polda>.<polres>.<polsek>`. A record with no place, or a place in
//! no node's zones, belongs to the root; without an organisation tree every message goes on
//! `pantau.centre`. A Polda hub can so subscribe to `pantau.<mabes>.<polda>.>`, and the stream
//! can be read per node.

use std::collections::HashMap;

use super::SUBJECT_ROOT;
use crate::model::{Event, Zone};
use crate::org::Org;
use crate::spatial::ZoneIndex;

pub struct Subjects {
    tree: Option<(Org, ZoneIndex)>,
    /// Each node's path of subject tokens from the root, by node id.
    paths: HashMap<String, Vec<String>>,
    root: Vec<String>,
}

impl Subjects {
    pub fn new(tree: Option<(Org, Vec<Zone>)>) -> Self {
        let Some((org, zones)) = tree else {
            return Self { tree: None, paths: HashMap::new(), root: vec!["centre".into()] };
        };
        let paths: HashMap<String, Vec<String>> = org
            .nodes()
            .iter()
            .map(|node| {
                let mut path: Vec<String> = org.path_up(&node.id).iter().map(|n| token(&n.id)).collect();
                path.reverse();
                (node.id.clone(), path)
            })
            .collect();
        let root = paths.get(&org.root().id).cloned().unwrap_or_else(|| vec![token(&org.root().id)]);
        Self { tree: Some((org, ZoneIndex::new(zones))), paths, root }
    }

    /// Every subject of the relay (what the stream takes).
    pub fn all() -> String {
        format!("{SUBJECT_ROOT}.>")
    }

    /// The subject of a message holding these records: the smallest node covering them all.
    pub fn of(&self, events: &[Event]) -> String {
        let mut common: Option<&[String]> = None;
        for event in events {
            let path = self.path(event);
            let shared = match common {
                None => path.len(),
                Some(so_far) => so_far.iter().zip(path).take_while(|(a, b)| a == b).count(),
            };
            common = Some(&path[..shared]);
            if shared <= 1 {
                break;
            }
        }
        let path = common.filter(|p| !p.is_empty()).unwrap_or(&self.root);
        format!("{SUBJECT_ROOT}.{}", path.join("."))
    }

    /// The path of the deepest node holding a record's place (the root's without one).
    fn path(&self, event: &Event) -> &[String] {
        let place = match event {
            Event::Position { fix, .. } => Some((fix.lon, fix.lat)),
            Event::Alarm { fix, .. } => fix.as_ref().map(|f| (f.lon, f.lat)),
            Event::CallerLocation { location, .. } => Some((location.lon, location.lat)),
            Event::Command { .. } | Event::Call { .. } => None,
        };
        let (Some((org, zones)), Some((lon, lat))) = (&self.tree, place) else { return &self.root };
        let codes: Vec<&str> =
            zones.lookup_slots(lon, lat).iter().map(|&z| zones.zones()[z as usize].code.as_str()).collect();
        // Nodes come top down: the last is the deepest.
        let deepest = org.nodes_at(codes.iter().copied()).last().map(|n| n.id.clone());
        deepest.and_then(|id| self.paths.get(&id)).map_or(&self.root, Vec::as_slice)
    }
}

/// A node id as one subject token: what NATS gives a meaning to (`.`, `*`, `>`, spaces) and
/// anything outside printable ASCII becomes `_`.
fn token(id: &str) -> String {
    let token: String =
        id.chars().map(|c| if c.is_ascii_graphic() && !matches!(c, '.' | '*' | '>') { c } else { '_' }).collect();
    if token.is_empty() {
        "_".into()
    } else {
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_become_safe_subject_tokens() {
        assert_eq!(token("polres-99.71"), "polres-99_71");
        assert_eq!(token("a b*>"), "a_b__");
        assert_eq!(token("kecamatan ü"), "kecamatan__");
        assert_eq!(token(""), "_");
    }
}
