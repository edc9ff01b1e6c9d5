//! Reading Mapbox Vector Tile features: geometry commands (MoveTo / LineTo / ClosePath with
//! zigzag deltas, per the MVT 2.1 spec) into point lists, and property lookup. Shared by the
//! mesh builder and the road graph.

use geozero::mvt::tile;

/// A decoded feature: its geometry type and parts in tile coordinates (rings closed).
pub struct Decoded {
    pub kind: i32,
    pub parts: Vec<Vec<[f32; 2]>>,
}

/// A feature's properties, looked up through its layer's key and value tables.
pub struct Props<'a> {
    pub layer: &'a tile::Layer,
    pub feature: &'a tile::Feature,
}

impl Props<'_> {
    pub fn value(&self, key: &str) -> Option<&tile::Value> {
        self.feature.tags.chunks_exact(2).find_map(|kv| {
            let k = self.layer.keys.get(kv[0] as usize)?;
            (k == key).then(|| self.layer.values.get(kv[1] as usize)).flatten()
        })
    }

    pub fn string(&self, key: &str) -> Option<&str> {
        self.value(key)?.string_value.as_deref()
    }

    pub fn number(&self, key: &str) -> Option<f64> {
        let v = self.value(key)?;
        v.uint_value
            .map(|u| u as f64)
            .or(v.int_value.map(|i| i as f64))
            .or(v.sint_value.map(|i| i as f64))
            .or(v.double_value)
            .or(v.float_value.map(f64::from))
    }

    pub fn flag(&self, key: &str) -> bool {
        self.value(key).and_then(|v| v.bool_value).unwrap_or(false)
    }
}

/// MVT geometry commands (MoveTo / LineTo / ClosePath, zigzag deltas) into parts.
pub fn decode_geometry(feature: &tile::Feature, scale: f32) -> Decoded {
    let mut parts: Vec<Vec<[f32; 2]>> = Vec::new();
    let (mut x, mut y) = (0i32, 0i32);
    let g = &feature.geometry;
    let mut i = 0;
    while i < g.len() {
        let (cmd, count) = (g[i] & 7, g[i] >> 3);
        i += 1;
        match cmd {
            1 | 2 => {
                for _ in 0..count {
                    let (Some(&dx), Some(&dy)) = (g.get(i), g.get(i + 1)) else { break };
                    i += 2;
                    x = x.wrapping_add(zigzag(dx));
                    y = y.wrapping_add(zigzag(dy));
                    if cmd == 1 {
                        parts.push(Vec::new());
                    }
                    if let Some(part) = parts.last_mut() {
                        part.push([x as f32 * scale, y as f32 * scale]);
                    }
                }
            }
            7 => {
                if let Some(part) = parts.last_mut() {
                    if let Some(&first) = part.first() {
                        part.push(first);
                    }
                }
            }
            _ => break,
        }
    }
    Decoded { kind: feature.r#type.unwrap_or(0), parts }
}

fn zigzag(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_spec_examples() {
        // Vector tile spec 2.1, section 4.3.5: a line (2,2)->(2,10)->(10,10) and a polygon.
        let line = tile::Feature { geometry: vec![9, 4, 4, 18, 0, 16, 16, 0], r#type: Some(2), ..Default::default() };
        assert_eq!(decode_geometry(&line, 1.0).parts, vec![vec![[2.0, 2.0], [2.0, 10.0], [10.0, 10.0]]]);
        let poly =
            tile::Feature { geometry: vec![9, 6, 12, 18, 10, 12, 24, 44, 15], r#type: Some(3), ..Default::default() };
        assert_eq!(decode_geometry(&poly, 1.0).parts, vec![vec![[3.0, 6.0], [8.0, 12.0], [20.0, 34.0], [3.0, 6.0]]]);
    }
}
