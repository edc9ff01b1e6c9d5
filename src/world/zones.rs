//! The zones as edited: every zone a commander's edits drew, redrew or removed, by code, laid
//! over the zone files the centre started from. The world keeps only the edits (the files are
//! the hub's and the desks'), so a replay of the journal brings back the same zones.

use std::collections::BTreeMap;

use super::Outcome;
use crate::model::zones::{check_edit, corners as corners_of, EditedZone, Owner, ZoneChange};
use crate::model::Zone;

/// The most zone codes the edits may have touched in all.
pub const MAX_EDITED: usize = 10_000;
/// The most corners the edited zones may hold in all (about 8 MB of coordinates).
pub const MAX_EDITED_CORNERS: usize = 500_000;

/// Each edited code's latest state: its zone, or none once removed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneBook {
    edits: BTreeMap<String, Option<EditedZone>>,
    /// Edits applied, so a desk sees at a glance that the zones changed.
    version: u64,
}

impl ZoneBook {
    pub fn from_saved(saved: Vec<(String, Option<EditedZone>)>, version: u64) -> Self {
        Self { edits: saved.into_iter().collect(), version }
    }

    pub fn saved(&self) -> Vec<(String, Option<EditedZone>)> {
        self.edits.iter().map(|(code, zone)| (code.clone(), zone.clone())).collect()
    }

    /// Edits applied since the journal began; changes exactly when the zones do.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Takes one edit whole, or refuses it whole: made against other zones than those in force
    /// now (`base`), or over the limits.
    pub fn apply(&mut self, base: Option<u64>, changes: &[ZoneChange]) -> Outcome {
        if let Some(base) = base.filter(|&b| b != self.version) {
            return Outcome::Refused(format!(
                "the zones changed since this edit was made (edit {base}, now {}): edit them again",
                self.version
            ));
        }
        if let Err(why) = check_edit(changes) {
            return Outcome::Refused(why);
        }
        let new_codes = changes.iter().filter(|c| !self.edits.contains_key(c.code())).count();
        if self.edits.len() + new_codes > MAX_EDITED {
            return Outcome::Refused(format!("the zone edits would touch over {MAX_EDITED} zones"));
        }
        let kept = self.edits.iter().filter(|(code, _)| !changes.iter().any(|c| c.code() == *code));
        let corners = kept.filter_map(|(_, z)| z.as_ref()).chain(changes.iter().filter_map(|c| match c {
            ZoneChange::Put(zone) => Some(zone),
            ZoneChange::Remove { .. } => None,
        }));
        if corners.map(|z| corners_of(&z.polygon)).sum::<usize>() > MAX_EDITED_CORNERS {
            return Outcome::Refused(format!("the edited zones would hold over {MAX_EDITED_CORNERS} corners"));
        }
        for change in changes {
            let zone = match change {
                ZoneChange::Put(zone) => Some(zone.clone()),
                ZoneChange::Remove { .. } => None,
            };
            self.edits.insert(change.code().to_string(), zone);
        }
        self.version += 1;
        Outcome::Applied
    }

    /// The zones of `base` (the files') with the edits laid over: redrawn ones replaced,
    /// removed ones gone, new ones added after them.
    pub fn lay_over(&self, base: &[Zone]) -> Vec<Zone> {
        let mut zones: Vec<Zone> = base
            .iter()
            .filter_map(|z| match self.edits.get(&z.code) {
                None => Some(z.clone()),
                Some(edited) => edited.as_ref().map(EditedZone::to_zone),
            })
            .collect();
        let in_base = |code: &str| base.iter().any(|z| z.code == code);
        zones.extend(
            self.edits
                .iter()
                .filter(|(code, _)| !in_base(code))
                .filter_map(|(_, z)| z.as_ref())
                .map(EditedZone::to_zone),
        );
        zones
    }

    /// Who covers each edited code now, for the organisation tree.
    pub fn owners(&self) -> impl Iterator<Item = (&str, Owner<'_>)> + '_ {
        self.edits.iter().map(|(code, zone)| {
            let owner = match zone {
                None => Owner::Removed,
                Some(EditedZone { node: Some(node), .. }) => Owner::Node(node),
                Some(_) => Owner::Unchanged,
            };
            (code.as_str(), owner)
        })
    }
}

#[cfg(test)]
mod tests {
    use geo::{LineString, MultiPolygon, Polygon};

    use super::*;

    fn square(code: &str, x: f64, node: Option<&str>) -> EditedZone {
        let ring = LineString::from(vec![(x, 0.0), (x + 1.0, 0.0), (x + 1.0, 1.0), (x, 1.0), (x, 0.0)]);
        EditedZone {
            code: code.into(),
            name: code.to_uppercase(),
            level: 7,
            polygon: MultiPolygon(vec![Polygon::new(ring, vec![])]),
            node: node.map(str::to_string),
            station: None,
            units: vec![],
        }
    }

    #[test]
    fn edits_are_taken_whole_or_refused_whole_and_laid_over_the_files() {
        let files = vec![square("a", 0.0, None).to_zone(), square("b", 1.0, None).to_zone()];
        let mut book = ZoneBook::default();
        // B redrawn and given to a node, A removed, C new: one edit.
        let edit = vec![
            ZoneChange::Put(square("b", 1.0, Some("polsek-2"))),
            ZoneChange::Remove { code: "a".into() },
            ZoneChange::Put(square("c", 2.0, None)),
        ];
        assert_eq!(book.apply(None, &edit), Outcome::Applied);
        let codes: Vec<String> = book.lay_over(&files).into_iter().map(|z| z.code).collect();
        assert_eq!(codes, ["b", "c"]);
        let owners: Vec<(&str, Owner)> = book.owners().collect();
        assert_eq!(owners, [("a", Owner::Removed), ("b", Owner::Node("polsek-2")), ("c", Owner::Unchanged)]);

        // A bad change refuses the whole edit: nothing of it is kept.
        let mut flat = square("d", 3.0, None);
        flat.polygon = MultiPolygon(vec![Polygon::new(LineString::from(vec![(3.0, 0.0), (4.0, 0.0)]), vec![])]);
        let bad = vec![ZoneChange::Put(square("e", 4.0, None)), ZoneChange::Put(flat)];
        assert!(matches!(book.apply(None, &bad), Outcome::Refused(r) if r.contains("under three corners")));
        let twice = vec![ZoneChange::Remove { code: "b".into() }, ZoneChange::Remove { code: "b".into() }];
        assert!(matches!(book.apply(None, &twice), Outcome::Refused(r) if r.contains("twice")));
        assert!(matches!(book.apply(None, &[]), Outcome::Refused(_)));
        let mut far = square("f", 0.0, None);
        far.polygon.0[0].exterior_mut(|r| r.0[1].x = 181.0);
        assert!(
            matches!(book.apply(None, &[ZoneChange::Put(far)]), Outcome::Refused(r) if r.contains("off the globe"))
        );
        assert_eq!(book.version(), 1, "only the first edit counted");
        assert_eq!(ZoneBook::from_saved(book.saved(), book.version()), book, "saved and restored");
    }
}
