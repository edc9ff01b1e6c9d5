//! The organisation tree: Mabes -> Polda -> Polres -> Polsek, from a TOML file of `[[node]]`s,
//! each naming its parent and the zones it covers by code (the kecamatan codes a Polres covers,
//! say). A point belongs to every node whose zones contain it, and to those nodes' ancestors;
//! a seat of a node sees and acts on that node and the nodes below it.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use serde::{Deserialize, Serialize};

pub use crate::model::zones::Owner;
pub use crate::model::Tier;

/// One node of the tree as written in the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    /// The node above; none for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Codes of the zones the node covers (a zone file's `kode`s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    #[serde(default, rename = "node")]
    nodes: Vec<Node>,
}

/// A checked tree: one root, every parent present and of a higher tier, ids unique.
#[derive(Clone, Debug, PartialEq)]
pub struct Org {
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
    /// The nodes covering each zone code.
    by_zone: HashMap<String, Vec<usize>>,
}

impl Org {
    /// Reads and checks an organisation file; errors name the file and the node.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the organisation file", path.display()))?;
        let file: OrgFile =
            toml::from_str(&text).with_context(|| format!("{}: not an organisation file", path.display()))?;
        Self::new(file.nodes).with_context(|| format!("{}: bad organisation tree", path.display()))
    }

    pub fn new(nodes: Vec<Node>) -> Result<Self> {
        let mut index = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            ensure!(!node.id.is_empty(), "a node has an empty id");
            ensure!(index.insert(node.id.clone(), i).is_none(), "node {} is listed twice", node.id);
        }
        let roots: Vec<&str> = nodes.iter().filter(|n| n.parent.is_none()).map(|n| n.id.as_str()).collect();
        match roots.as_slice() {
            [_] => {}
            [] => bail!("no root node (one node without a parent)"),
            many => bail!("more than one root node: {}", many.join(", ")),
        }
        for node in &nodes {
            let Some(parent) = &node.parent else { continue };
            let Some(&p) = index.get(parent) else { bail!("node {}: its parent {parent} is not in the tree", node.id) };
            ensure!(nodes[p].tier < node.tier, "node {}: its parent {parent} is not of a higher tier", node.id);
        }
        let mut by_zone: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            for code in &node.zones {
                by_zone.entry(code.clone()).or_default().push(i);
            }
        }
        Ok(Self { nodes, index, by_zone })
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn root(&self) -> &Node {
        // `new` checked there is exactly one.
        self.nodes.iter().find(|n| n.parent.is_none()).unwrap_or(&self.nodes[0])
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|&i| &self.nodes[i])
    }

    /// The node and every node above it, up to the root.
    pub fn path_up(&self, id: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut at = self.index.get(id).copied();
        // A parent is always of a higher tier, so the walk ends within four steps.
        while let Some(i) = at {
            out.push(&self.nodes[i]);
            at = self.nodes[i].parent.as_ref().and_then(|p| self.index.get(p)).copied();
        }
        out
    }

    /// The nodes a place belongs to, given the codes of the zones containing it: the nodes
    /// covering those zones and all above them, each once, top down.
    pub fn nodes_at<'a>(&self, zone_codes: impl IntoIterator<Item = &'a str>) -> Vec<&Node> {
        let mut ids: Vec<&Node> = Vec::new();
        for code in zone_codes {
            for &i in self.by_zone.get(code).into_iter().flatten() {
                for node in self.path_up(&self.nodes[i].id) {
                    if !ids.iter().any(|n| n.id == node.id) {
                        ids.push(node);
                    }
                }
            }
        }
        ids.sort_by_key(|n| n.tier);
        ids
    }

    /// Whether a seat of node `seat` may see and act on what belongs to node `node`: it is
    /// that node or above it.
    pub fn oversees(&self, seat: &str, node: &str) -> bool {
        self.path_up(node).iter().any(|n| n.id == seat)
    }

    /// The tree with the zones the editor moved: a removed code covered by nobody, a code
    /// given to a node covered by that node alone (a node not in the tree is passed over: the
    /// hub refuses such an edit before it is journaled), the rest as they were.
    pub fn with_zone_owners<'a>(&self, owners: impl IntoIterator<Item = (&'a str, Owner<'a>)>) -> Self {
        let mut nodes = self.nodes.clone();
        for (code, owner) in owners {
            let to = match owner {
                Owner::Unchanged => continue,
                Owner::Removed => None,
                Owner::Node(node) if self.index.contains_key(node) => Some(node),
                Owner::Node(_) => continue,
            };
            for node in &mut nodes {
                node.zones.retain(|z| z != code);
                if to == Some(node.id.as_str()) {
                    node.zones.push(code.to_string());
                }
            }
        }
        // The same nodes, ids and parents as a checked tree: only the zone lists changed.
        Self::new(nodes).unwrap_or_else(|_| self.clone())
    }

    /// The node that covers a zone code at the finest tier, if any.
    pub fn owner_of(&self, code: &str) -> Option<&Node> {
        self.by_zone.get(code).into_iter().flatten().map(|&i| &self.nodes[i]).max_by_key(|n| n.tier)
    }

    /// The tree as a file.
    pub fn to_toml(&self) -> Result<String> {
        Ok(toml::to_string(&OrgFile { nodes: self.nodes.clone() })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, tier: Tier, parent: Option<&str>, zones: &[&str]) -> Node {
        Node {
            id: id.into(),
            name: id.to_uppercase(),
            tier,
            parent: parent.map(str::to_string),
            zones: zones.iter().map(|z| z.to_string()).collect(),
        }
    }

    fn tree() -> Org {
        Org::new(vec![
            node("mabes", Tier::Mabes, None, &[]),
            node("polda", Tier::Polda, Some("mabes"), &["31"]),
            node("polres", Tier::Polres, Some("polda"), &["31.71"]),
            node("polsek-a", Tier::Polsek, Some("polres"), &["31.71.01"]),
            node("polsek-b", Tier::Polsek, Some("polres"), &["31.71.02"]),
        ])
        .expect("tree")
    }

    #[test]
    fn a_place_belongs_to_its_nodes_and_all_above() {
        let org = tree();
        let at: Vec<&str> = org.nodes_at(["31", "31.71", "31.71.02"]).iter().map(|n| n.id.as_str()).collect();
        assert_eq!(at, vec!["mabes", "polda", "polres", "polsek-b"]);
        assert!(org.oversees("polres", "polsek-b") && org.oversees("mabes", "polsek-a"));
        assert!(!org.oversees("polsek-a", "polsek-b") && !org.oversees("polsek-a", "polres"));
        assert!(org.nodes_at(["32.01"]).is_empty(), "outside every node's zones");
    }

    #[test]
    fn zones_moved_by_edits_change_hands() {
        let org = tree().with_zone_owners([
            ("31.71.01", Owner::Node("polsek-b")),
            ("31.71.02", Owner::Removed),
            ("31.71.03", Owner::Node("polsek-a")),
            ("31.71.04", Owner::Node("no-such-node")),
            ("31.71", Owner::Unchanged),
        ]);
        let owner = |code: &str| org.owner_of(code).map(|n| n.id.as_str());
        assert_eq!(owner("31.71.01"), Some("polsek-b"));
        assert_eq!((owner("31.71.02"), owner("31.71.04")), (None, None));
        assert_eq!((owner("31.71.03"), owner("31.71")), (Some("polsek-a"), Some("polres")));
        assert_eq!(owner("31"), Some("polda"), "the finest node covering a code");
    }

    #[test]
    fn bad_trees_are_refused_with_the_node() {
        let err = |nodes: Vec<Node>| Org::new(nodes).expect_err("bad").to_string();
        assert!(err(vec![]).contains("no root"));
        assert!(err(vec![node("a", Tier::Mabes, None, &[]), node("b", Tier::Polda, None, &[])])
            .contains("more than one root"));
        let missing = err(vec![node("a", Tier::Mabes, None, &[]), node("b", Tier::Polda, Some("x"), &[])]);
        assert!(missing.contains("node b") && missing.contains("x"), "{missing}");
        let upside = err(vec![node("a", Tier::Polsek, None, &[]), node("b", Tier::Polda, Some("a"), &[])]);
        assert!(upside.contains("higher tier"), "{upside}");
        let twice = err(vec![node("a", Tier::Mabes, None, &[]), node("a", Tier::Polda, Some("a"), &[])]);
        assert!(twice.contains("twice"), "{twice}");
    }

    #[test]
    fn a_tree_survives_its_file() {
        let org = tree();
        let text = org.to_toml().expect("toml");
        let file: OrgFile = toml::from_str(&text).expect("parse");
        assert_eq!(Org::new(file.nodes).expect("tree"), org);
    }
}
