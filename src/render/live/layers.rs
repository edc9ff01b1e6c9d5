//! What each live layer draws, and how objects become instances: one slot per unit (and one
//! ring of trail segments for all units), per alarm, per camera, per road direction with observed
//! congestion; zones tessellated once.

use lyon::tessellation::{BuffersBuilder, FillOptions, FillTessellator, FillVertex as LyonVertex, VertexBuffers};
use rustc_hash::FxHashMap;

use super::gpu::*;
use super::{LayerId, LiveLayers};
use crate::crs::{ground_metres_per_world_unit, lonlat_to_world};
use crate::model::{Alarm, AlarmState, Camera, Unit, UnitStatus, Zone};
use crate::render::style::{bytes, Palette, Rgba};
use crate::render::{ThemeName, WorldLabel};
use crate::spatial::borders::borders;
use crate::spatial::congestion::{Level, SegmentId};
use crate::spatial::zones::ZoneIndex;
use crate::spatial::RoadGraph;
use geo::{InteriorPoint, MapCoords};

/// Cameras, stations and alarm sites are drawn from this zoom in.
pub const DETAIL_ZOOM: f64 = 13.5;
/// Below this zoom the unit markers are not drawn here: the console draws the units gathered
/// into clusters with their counts by status instead.
pub const CLUSTER_ZOOM: f64 = 13.0;
/// Trail segments kept, all units together: one ring, oldest overwritten first (segments also
/// fade out with age, so under very heavy traffic trails get shorter, never wrong).
const TRAIL_RING: usize = 1 << 19;

#[derive(Default)]
pub(super) struct Buffers {
    zone_fill: Option<(wgpu::Buffer, u32)>,
    zone_vertices: Vec<FillVertex>,
    zone_fill_dirty: bool,
    zone_lines: Option<SlotBuffer<Segment>>,
    congestion: Option<SlotBuffer<Segment>>,
    /// One slot per road piece, in the coverage's order.
    coverage: Option<SlotBuffer<Segment>>,
    /// Congestion slot per road edge id.
    congestion_slots: FxHashMap<SegmentId, usize>,
    sectors: Option<SlotBuffer<Sector>>,
    cameras: Option<SlotBuffer<Marker>>,
    places: Option<SlotBuffer<Marker>>,
    routes: Option<SlotBuffer<Segment>>,
    trails: Option<SlotBuffer<Segment>>,
    /// The trail ring's next slot.
    trail_head: usize,
    units: Option<SlotBuffer<Marker>>,
    alarms: Option<SlotBuffer<Marker>>,
    /// The colours instances are written with (`None`: the built-in day palette).
    palette: Option<Palette>,
}

fn buffer<'a, T: bytemuck::Pod + PartialEq>(
    slot: &'a mut Option<SlotBuffer<T>>,
    label: &'static str,
) -> &'a mut SlotBuffer<T> {
    slot.get_or_insert_with(|| SlotBuffer::new(label))
}

impl Buffers {
    pub(super) fn upload(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) -> usize {
        if std::mem::take(&mut self.zone_fill_dirty) {
            use wgpu::util::DeviceExt;
            self.zone_fill = (!self.zone_vertices.is_empty()).then(|| {
                let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("zone fills"),
                    contents: bytemuck::cast_slice(&self.zone_vertices),
                    usage: wgpu::BufferUsages::VERTEX,
                });
                (buffer, self.zone_vertices.len() as u32)
            });
        }
        let mut written = 0;
        let segments =
            [&mut self.zone_lines, &mut self.coverage, &mut self.congestion, &mut self.routes, &mut self.trails];
        for b in segments.into_iter().flatten() {
            written += b.upload(device, queue);
        }
        for b in [&mut self.cameras, &mut self.places, &mut self.units, &mut self.alarms].into_iter().flatten() {
            written += b.upload(device, queue);
        }
        if let Some(b) = &mut self.sectors {
            written += b.upload(device, queue);
        }
        written
    }

    pub(super) fn draw<'a>(
        &'a self,
        pass: &mut wgpu::RenderPass<'a>,
        p: &'a Pipelines,
        zoom: f64,
        units_gathered: bool,
        shown: impl Fn(LayerId) -> bool,
    ) {
        // Cameras and alarm sites crowd a city-wide view: they appear from street zooms; units
        // are clustered by the console below CLUSTER_ZOOM.
        let shown = |layer: LayerId| {
            let crowded = match layer {
                LayerId::Cameras | LayerId::Places => zoom < DETAIL_ZOOM,
                LayerId::Units => units_gathered && zoom < CLUSTER_ZOOM,
                _ => false,
            };
            shown(layer) && !crowded
        };
        if shown(LayerId::Zones) {
            if let Some((buffer, count)) = &self.zone_fill {
                pass.set_pipeline(&p.fill);
                pass.set_vertex_buffer(0, buffer.slice(..));
                pass.draw(0..*count, 0..1);
            }
            self.zone_lines.iter().for_each(|b| b.draw(pass, &p.segment));
        }
        let segments = [(LayerId::Coverage, &self.coverage), (LayerId::Congestion, &self.congestion)];
        for (layer, b) in segments {
            if shown(layer) {
                b.iter().for_each(|b| b.draw(pass, &p.segment));
            }
        }
        if shown(LayerId::Cameras) {
            self.sectors.iter().for_each(|b| b.draw(pass, &p.sector));
        }
        for (layer, b) in [(LayerId::Routes, &self.routes), (LayerId::Trails, &self.trails)] {
            if shown(layer) {
                b.iter().for_each(|b| b.draw(pass, &p.segment));
            }
        }
        let markers = [
            (LayerId::Places, &self.places),
            (LayerId::Cameras, &self.cameras),
            (LayerId::Units, &self.units),
            (LayerId::Alarms, &self.alarms),
        ];
        for (layer, b) in markers {
            if shown(layer) {
                b.iter().for_each(|b| b.draw(pass, &p.marker));
            }
        }
    }
}

/// A status's colour in the built-in palette, which the live layers draw with unless given
/// another ([`LiveLayers::set_palette`]): green available, amber dispatched, orange en route,
/// red on scene, blue returning, grey off duty.
pub fn unit_colour(status: UnitStatus) -> [u8; 4] {
    bytes(Palette::builtin(ThemeName::Day).unit(status))
}

/// A palette colour as an instance's packed colour.
fn packed(c: Rgba) -> u32 {
    rgba(bytes(c))
}

/// The zones' names, each at a point inside its zone found the way the tiler places
/// district names (so a zone the map already names is not named twice), styled as map
/// districts of its level. The map layer draws them (see `MapLayer::set_world_labels`).
/// A caption at a world point (a picture's stamp), in the largest boundary names' style.
pub fn caption(text: String, world: [f64; 2]) -> Option<WorldLabel> {
    let slot = crate::basemap::mesh::slot("boundary.4")?;
    Some(WorldLabel { text, world, slot })
}

pub fn zone_names(zones: &[Zone]) -> Vec<WorldLabel> {
    zones
        .iter()
        .filter(|zone| !zone.name.is_empty())
        .filter_map(|zone| {
            let world = zone.polygon.map_coords(|c| {
                let (x, y) = lonlat_to_world(c.x, c.y);
                geo::Coord { x, y }
            });
            let at = world.interior_point()?;
            let slot = crate::basemap::mesh::slot(&format!("boundary.{}", zone.level.clamp(4, 7)))?;
            Some(WorldLabel { text: zone.name.clone(), world: [at.x(), at.y()], slot })
        })
        .collect()
}

impl LiveLayers {
    /// The colours every layer is written with from now on (the theme's palette); objects
    /// already written keep theirs until rewritten, so this comes before the first `set_*`.
    pub fn set_palette(&mut self, palette: Palette) {
        self.layers.palette = Some(palette);
    }

    /// The palette instances are written with.
    fn palette(&self) -> Palette {
        self.layers.palette.clone().unwrap_or_else(|| Palette::builtin(ThemeName::Day).clone())
    }

    /// Zones as translucent fills (finest level only, so levels do not stack up) and their
    /// borders (`spatial::borders`: coarser levels along the finer zones' edges, drawn wider).
    pub fn set_zones(&mut self, index: &ZoneIndex) {
        let zones = index.zones();
        let finest = zones.iter().map(|z| z.level).max().unwrap_or(0);
        let palette = self.palette();
        let outline = packed(palette.zone_outline);
        let flags = LayerId::Zones.flags();
        let lines = borders(index)
            .into_iter()
            .map(|border| Segment {
                a: self.rel(border.a.0, border.a.1),
                b: self.rel(border.b.0, border.b.1),
                color: outline,
                width: 1.0 + f32::from(finest.saturating_sub(border.level)) * 1.2,
                since: -1.0,
                flags,
                ..Default::default()
            })
            .collect();
        let mut vertices = Vec::new();
        let mut tessellator = FillTessellator::new();
        for (i, zone) in zones.iter().enumerate().filter(|(_, z)| z.level == finest) {
            let fill = packed(palette.zone_fills[i % palette.zone_fills.len()]);
            for polygon in &zone.polygon.0 {
                self.tessellate(&mut tessellator, polygon, fill, i as u32, &mut vertices);
            }
        }
        self.layers.zone_vertices = vertices;
        self.layers.zone_fill_dirty = true;
        buffer(&mut self.layers.zone_lines, "zone outlines").replace(lines);
    }

    fn tessellate(
        &self,
        tessellator: &mut FillTessellator,
        polygon: &geo::Polygon<f64>,
        color: u32,
        zone: u32,
        out: &mut Vec<FillVertex>,
    ) {
        let mut builder = lyon::path::Path::builder();
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            let mut points = ring.0.iter().map(|c| self.rel(c.x, c.y));
            let Some(first) = points.next() else { continue };
            builder.begin(lyon::math::point(first[0] * 1e4, first[1] * 1e4));
            for p in points {
                builder.line_to(lyon::math::point(p[0] * 1e4, p[1] * 1e4));
            }
            builder.end(true);
        }
        let path = builder.build();
        let mut buffers: VertexBuffers<[f32; 2], u32> = VertexBuffers::new();
        // Tessellated at 1e4x (lyon's tolerance is absolute), scaled back after.
        let filled = tessellator.tessellate_path(
            &path,
            &FillOptions::default(),
            &mut BuffersBuilder::new(&mut buffers, |v: LyonVertex| v.position().to_array()),
        );
        if filled.is_ok() {
            let flags = LayerId::Zones.flags();
            out.extend(buffers.indices.iter().map(|i| {
                let p = buffers.vertices[*i as usize];
                FillVertex { pos: [p[0] * 1e-4, p[1] * 1e-4], color, zone, flags }
            }));
        }
    }

    /// Cameras: view sectors (in metres, turned into world units at the camera's latitude)
    /// and icons.
    pub fn set_cameras(&mut self, cameras: &[Camera]) {
        let (sector_flags, icon_flags) = (LayerId::Cameras.flags(), LayerId::Cameras.flags());
        let palette = self.palette();
        let (sector_colour, icon_colour) = (packed(palette.camera_sector), packed(palette.camera));
        let sectors = cameras
            .iter()
            .map(|c| Sector {
                pos: self.rel(c.lon, c.lat),
                color: sector_colour,
                // Direction unknown: drawn as the full circle it may be looking into.
                direction: c.direction.unwrap_or(0.0),
                half_angle: if c.direction.is_some() { (c.fov / 2.0).min(180.0) } else { 180.0 },
                range: (f64::from(c.range) / ground_metres_per_world_unit(c.lat)) as f32,
                flags: sector_flags,
                _pad: 0,
            })
            .collect();
        buffer(&mut self.layers.sectors, "camera sectors").replace(sectors);
        let icons = cameras
            .iter()
            .map(|c| Marker {
                pos: self.rel(c.lon, c.lat),
                color: icon_colour,
                shape: SHAPE_CAMERA,
                size: 9.0,
                flags: icon_flags,
                ..Default::default()
            })
            .collect();
        buffer(&mut self.layers.cameras, "camera icons").replace(icons);
    }

    /// Police stations (blue diamonds) and panic-button sites (small purple diamonds), lon/lat.
    pub fn set_places(&mut self, stations: &[(f64, f64)], sites: &[(f64, f64)]) {
        let flags = LayerId::Places.flags();
        let palette = self.palette();
        let marker = |(lon, lat): &(f64, f64), shape, color, size| Marker {
            pos: self.rel(*lon, *lat),
            color: packed(color),
            shape,
            size,
            flags,
            ..Default::default()
        };
        let mut all: Vec<Marker> = stations.iter().map(|p| marker(p, SHAPE_STATION, palette.station, 16.0)).collect();
        all.extend(sites.iter().map(|p| marker(p, SHAPE_SITE, palette.site, 8.0)));
        buffer(&mut self.layers.places, "places").replace(all);
    }

    /// Rewrites the units in `changed` (their marker, and a trail segment from where each was
    /// last drawn); `selected` gets a ring.
    pub fn update_units(&mut self, units: &[Unit], changed: &[u32], selected: Option<u32>) {
        let flags = LayerId::Units.flags();
        let trail_flags = LayerId::Trails.flags();
        let palette = self.palette();
        let trail_colour = packed(palette.trail);
        for &slot in changed {
            // A slot the world shown lacks, or without a fix (the record before the unit joined
            // or reported): hidden, whatever was drawn there.
            let Some(fix) = units.get(slot as usize).and_then(|u| u.last_fix) else {
                hide(&mut self.layers.units, "units", slot);
                continue;
            };
            let unit = &units[slot as usize];
            let pos = self.rel(fix.lon, fix.lat);
            let since = self.clock(fix.time);
            let mut f = flags;
            if fix.heading.is_some() && fix.speed.is_some_and(|s| s > 0.5) {
                f |= FLAG_HEADING;
            }
            if selected == Some(slot) {
                f |= FLAG_SELECTED;
            }
            let marker = Marker {
                pos,
                color: packed(palette.unit(unit.status)),
                shape: SHAPE_UNIT,
                size: 14.0,
                heading: fix.heading.unwrap_or(0.0),
                since,
                flags: f,
            };
            let markers = buffer(&mut self.layers.units, "units");
            // Where it was drawn before (a hidden, never-drawn slot has size 0); after a long
            // silence no trail is drawn, rather than a straight line across the map.
            let trail_seconds = self.style.trail_seconds;
            let before = markers
                .get(slot as usize)
                .filter(|m| m.size > 0.0 && (0.0..trail_seconds).contains(&(since - m.since)))
                .map(|m| m.pos);
            markers.set(slot as usize, marker);
            if let Some(from) = before.filter(|b| *b != pos) {
                let segment = Segment {
                    a: from,
                    b: pos,
                    color: trail_colour,
                    width: 2.5,
                    offset: 0.0,
                    // Never negative: that marks segments that do not fade.
                    since: since.max(0.0),
                    flags: trail_flags,
                    _pad: 0,
                };
                // Appended at the ring's head: a batch of moves is one contiguous write.
                let head = self.layers.trail_head;
                buffer(&mut self.layers.trails, "trails").set(head, segment);
                self.layers.trail_head = (head + 1) % TRAIL_RING;
            }
        }
    }

    /// Rewrites the alarms in `changed`; closed alarms are hidden, acknowledged ones stop
    /// pulsing; `selected` gets a ring.
    /// Writes the changed alarms' slots; an alarm not `shown` (closed, or outside the seat's
    /// jurisdiction) keeps its slot with no marker.
    pub fn update_alarms(
        &mut self,
        alarms: &[Alarm],
        changed: &[u32],
        selected: Option<u32>,
        shown: impl Fn(&Alarm) -> bool,
    ) {
        let flags = LayerId::Alarms.flags();
        let palette = self.palette();
        for &slot in changed {
            let Some((alarm, lon, lat)) = alarms.get(slot as usize).and_then(|a| Some((a, a.lon?, a.lat?))) else {
                hide(&mut self.layers.alarms, "alarms", slot);
                continue;
            };
            let raised = alarm.state == AlarmState::Raised;
            let mut f = flags | if raised { 0 } else { FLAG_QUIET };
            if selected == Some(slot) {
                f |= FLAG_SELECTED;
            }
            let marker = Marker {
                pos: self.rel(lon, lat),
                color: packed(if raised { palette.alarm } else { palette.alarm_acknowledged }),
                shape: SHAPE_ALARM,
                size: if alarm.state.is_open() && shown(alarm) { 20.0 } else { 0.0 },
                heading: 0.0,
                since: self.clock(alarm.time),
                flags: f,
            };
            buffer(&mut self.layers.alarms, "alarms").set(slot as usize, marker);
        }
    }

    /// Road directions with an observed level: each directed edge has its own slot, drawn on
    /// the side its traffic keeps to (the left: Indonesia drives on the left), so both
    /// directions of a two-way road show; only edges whose
    /// colour changed are written.
    pub fn update_congestion(&mut self, graph: &RoadGraph, ends: &[(u32, u32)], levels: &[(SegmentId, f32, Level)]) {
        let flags = LayerId::Congestion.flags();
        let palette = self.palette();
        let seen: rustc_hash::FxHashSet<SegmentId> = levels.iter().map(|l| l.0).collect();
        let stale: Vec<usize> =
            self.layers.congestion_slots.iter().filter(|(id, _)| !seen.contains(id)).map(|(_, slot)| *slot).collect();
        let b = buffer(&mut self.layers.congestion, "congestion");
        for slot in stale {
            if let Some(mut s) = b.get(slot).copied() {
                s.width = 0.0;
                b.set(slot, s);
            }
        }
        for &(id, _, level) in levels {
            let Some(&(from, to)) = ends.get(id as usize) else { continue };
            let (a, z) = (graph.nodes[from as usize], graph.nodes[to as usize]);
            let next = self.layers.congestion_slots.len();
            let slot = *self.layers.congestion_slots.entry(id).or_insert(next);
            let colour = palette.congestion(level);
            let segment = Segment {
                a: self.rel(a[0], a[1]),
                b: self.rel(z[0], z[1]),
                color: colour.map_or(0, packed),
                width: if colour.is_some() { 4.0 } else { 0.0 },
                offset: -3.0,
                since: -1.0,
                flags,
                _pad: 0,
            };
            buffer(&mut self.layers.congestion, "congestion").set(slot, segment);
        }
    }

    /// Drive-time coverage: every road piece `(from, to, covered share)`, in the same order each
    /// time (one slot each), the covered ones thin, those mostly out of reach wide in the gap
    /// colour; only pieces whose look changed are written.
    pub fn update_coverage(&mut self, graph: &RoadGraph, pieces: impl Iterator<Item = (u32, u32, f32)>) {
        let flags = LayerId::Coverage.flags();
        let palette = self.palette();
        let (covered, gap) = (packed(palette.coverage_covered), packed(palette.coverage_gap));
        let mut segments = Vec::new();
        for (from, to, share) in pieces {
            let (a, z) = (graph.nodes[from as usize], graph.nodes[to as usize]);
            let reached = share >= 0.5;
            segments.push(Segment {
                a: self.rel(a[0], a[1]),
                b: self.rel(z[0], z[1]),
                color: if reached { covered } else { gap },
                width: if reached { 3.0 } else { 4.0 },
                offset: 0.0,
                since: -1.0,
                flags,
                _pad: 0,
            });
        }
        let b = buffer(&mut self.layers.coverage, "coverage");
        for (slot, segment) in segments.into_iter().enumerate() {
            b.set(slot, segment);
        }
    }

    /// Routes to draw (lon/lat lines), e.g. the candidates' routes to a selected alarm.
    pub fn set_routes(&mut self, routes: &[Vec<[f64; 2]>]) {
        let flags = LayerId::Routes.flags();
        let palette = self.palette();
        let mut segments = Vec::new();
        for (i, route) in routes.iter().enumerate() {
            let colour = packed(if i == 0 { palette.route } else { palette.route_alternative });
            for w in route.windows(2) {
                segments.push(Segment {
                    a: self.rel(w[0][0], w[0][1]),
                    b: self.rel(w[1][0], w[1][1]),
                    color: colour,
                    width: if i == 0 { 5.0 } else { 3.0 },
                    offset: 0.0,
                    since: -1.0,
                    flags,
                    _pad: 0,
                });
            }
        }
        buffer(&mut self.layers.routes, "routes").replace(segments);
    }
}

/// Hides a marker slot that was drawn (a slot never written stays as it is).
fn hide(slots: &mut Option<SlotBuffer<Marker>>, label: &'static str, slot: u32) {
    let markers = buffer(slots, label);
    if markers.get(slot as usize).is_some_and(|m| m.size > 0.0) {
        markers.set(slot as usize, Marker::default());
    }
}
