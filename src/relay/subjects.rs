//! Which subject a record is published on: the organisation node whose zones hold its place
//! (a fix's, an alarm's), as the path of node ids from the root, `pantau.<mabes>.<polda>...`.
//! A record with no place, or a place in no node's zones, goes on the root's subject; without
//! an organisation tree every record goes on `pantau.centre`. A Polda hub can so subscribe to
//! `pantau.<mabes>.<polda>.>` and the stream can be read per node.

use std::collections::HashMap;

use super::SUBJECT_ROOT;
use crate::model::{Event, Zone};
use crate::org::Org;
use crate::spatial::ZoneIndex;

pub struct Subjects {
    tree: Option<(Org, ZoneIndex)>,
    /// Each node's subject, by node id.
    by_node: HashMap<String, String>,
    root: String,
}

impl Subjects {
    pub fn new(tree: Option<(Org, Vec<Zone>)>) -> Self {
        let Some((org, zones)) = tree else {
            return Self { tree: None, by_node: HashMap::new(), root: format!("{SUBJECT_ROOT}.centre") };
        };
        let by_node = org
            .nodes()
            .iter()
            .map(|node| {
                let mut path: Vec<String> = org.path_up(&node.id).iter().map(|n| token(&n.id)).collect();
                path.reverse();
                (node.id.clone(), format!("{SUBJECT_ROOT}.{}", path.join(".")))
            })
            .collect::<HashMap<_, _>>();
        let root = by_node.get(&org.root().id).cloned().unwrap_or_else(|| format!("{SUBJECT_ROOT}.centre"));
        Self { tree: Some((org, ZoneIndex::new(zones))), by_node, root }
    }

    /// Every subject of the relay (what the stream takes).
    pub fn all() -> String {
        format!("{SUBJECT_ROOT}.>")
    }

    /// The subject a record goes on.
    pub fn of(&self, event: &Event) -> &str {
        let place = match event {
            Event::Position { fix, .. } => Some((fix.lon, fix.lat)),
            Event::Alarm { fix, .. } => fix.as_ref().map(|f| (f.lon, f.lat)),
            Event::Command { .. } => None,
        };
        let (Some((org, zones)), Some((lon, lat))) = (&self.tree, place) else { return &self.root };
        let codes: Vec<&str> =
            zones.lookup_slots(lon, lat).iter().map(|&z| zones.zones()[z as usize].code.as_str()).collect();
        // The deepest node of the place (nodes come top down).
        let deepest = org.nodes_at(codes.iter().copied()).last().map(|n| n.id.clone());
        deepest.and_then(|id| self.by_node.get(&id)).map_or(&self.root, String::as_str)
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
