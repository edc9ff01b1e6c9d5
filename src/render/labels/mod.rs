//! Map text: road, district and station names placed without overlaps (most important first),
//! each with a halo so it reads on any background, plus the attribution line. Names of points
//! and areas are set level with glyphon; road names follow their roads ([`along`] fits them,
//! [`turned`] draws the turned glyphs). Fonts are embedded, so output does not depend on the
//! machine's fonts.

mod along;
mod turned;

use rustc_hash::FxHashMap as HashMap;

use glyphon::{
    fontdb, Attrs, Buffer, Cache, CacheKey, Color, ColorMode, Family, FontSystem, Metrics, Resolution, Shaping,
    SwashCache, TextArea, TextAtlas, TextBounds, TextRenderer, Viewport,
};

use along::GlyphSpan;
use turned::{TurnedGlyph, TurnedText};

use super::gpu::Gpu;
use super::style::{Rgba, Theme};
use super::view::View;
use crate::basemap::mesh::SLOTS;

/// Most labels on screen at once.
const MAX_LABELS: usize = 160;
/// The same name is not repeated closer than this, in pixels.
const REPEAT_DISTANCE: f32 = 400.0;
const ATTRIBUTION_SIZE: f32 = 13.0;
const HALO_OFFSETS: [(f32, f32); 4] = [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)];
/// Where along its line a road name is tried, in turn (the middle first).
const ANCHORS: [f32; 3] = [0.5, 0.3, 0.7];
/// How far below the line a turned name's baseline sits, as a share of its size: the middle
/// of lower-case letters lands on the line.
const BASELINE_DROP: f32 = 0.3;

/// A label candidate at its screen position.
pub struct LabelCandidateOnScreen<'a> {
    pub text: &'a str,
    pub x: f32,
    pub y: f32,
    pub slot: u32,
    pub size: f32,
    /// For a road's name, the road (in tile units) and how its tile lands on the screen: the
    /// name is set along it. Empty for names of points and areas, set level at (x, y).
    pub path: (&'a [[f32; 2]], TileToScreen),
}

/// How a tile's points land on the screen: scaled from the tile's origin (relative to the
/// view's centre), turned by the bearing, moved to the screen's centre.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileToScreen {
    pub origin: [f32; 2],
    pub scale: f32,
    pub sin: f32,
    pub cos: f32,
    pub centre: [f32; 2],
}

impl TileToScreen {
    pub const IDENTITY: Self = Self { origin: [0.0; 2], scale: 1.0, sin: 0.0, cos: 1.0, centre: [0.0; 2] };

    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        let (dx, dy) = (self.origin[0] + p[0] * self.scale, self.origin[1] + p[1] * self.scale);
        [dx * self.cos - dy * self.sin + self.centre[0], dx * self.sin + dy * self.cos + self.centre[1]]
    }
}

struct Shaped {
    buffer: Buffer,
    width: f32,
    height: f32,
    /// Each glyph's span on the baseline, and its rasterisation key (at its own origin).
    spans: Vec<GlyphSpan>,
    keys: Vec<CacheKey>,
}

#[derive(Clone, PartialEq)]
struct Placed {
    text: String,
    size: u32,
    left: f32,
    top: f32,
    color: Rgba,
}

pub struct LabelLayer {
    fonts: FontSystem,
    swash: SwashCache,
    viewport: Viewport,
    atlas: TextAtlas,
    renderer: TextRenderer,
    /// Shaped text by size (tenths of a pixel), then by text.
    shaped: HashMap<u32, HashMap<String, Shaped>>,
    /// Road names' glyphs, turned along their roads.
    turned: TurnedText,
    /// What the glyph buffers hold now, so an unchanged frame skips the upload.
    uploaded: (Vec<Placed>, Vec<TurnedGlyph>, (u32, u32), Rgba),
}

impl LabelLayer {
    pub fn new(gpu: &Gpu, format: wgpu::TextureFormat) -> Self {
        let mut db = fontdb::Database::new();
        db.load_font_data(epaint_default_fonts::UBUNTU_LIGHT.to_vec());
        db.set_sans_serif_family("Ubuntu");
        let fonts = FontSystem::new_with_locale_and_db("id-ID".into(), db);
        let cache = Cache::new(&gpu.device);
        let viewport = Viewport::new(&gpu.device, &cache);
        let mut atlas = TextAtlas::with_color_mode(&gpu.device, &gpu.queue, &cache, format, ColorMode::Web);
        let renderer = TextRenderer::new(&mut atlas, &gpu.device, wgpu::MultisampleState::default(), None);
        let turned = TurnedText::new(gpu, format);
        Self {
            fonts,
            swash: SwashCache::new(),
            viewport,
            atlas,
            renderer,
            shaped: HashMap::default(),
            turned,
            uploaded: (Vec::new(), Vec::new(), (0, 0), [0.0; 4]),
        }
    }

    /// Places labels (highest priority first, no overlaps) and uploads their glyphs.
    pub fn prepare(
        &mut self,
        gpu: &Gpu,
        view: &View,
        theme: &Theme,
        mut candidates: Vec<LabelCandidateOnScreen>,
        attribution: &str,
    ) -> usize {
        candidates.sort_by_key(|c| std::cmp::Reverse(priority(c.slot)));
        if self.shaped.values().map(HashMap::len).sum::<usize>() > 8_000 {
            self.shaped.clear();
        }
        let (w, h) = (view.width as f32, view.height as f32);
        let mut taken = Occupancy::new(w, h);
        let mut placed: Vec<Placed> = Vec::new();
        let mut seen: HashMap<&str, Vec<(f32, f32)>> = HashMap::default();
        if !attribution.is_empty() {
            let size = size_key(ATTRIBUTION_SIZE);
            let s = self.shape(attribution, size);
            let (left, top) = ((w - s.width - 6.0).round(), (h - s.height - 4.0).round());
            taken.insert([left - 2.0, top - 2.0, w, h]);
            placed.push(Placed { text: attribution.to_string(), size, left, top, color: theme.label_text });
        }
        let mut turned: Vec<TurnedGlyph> = Vec::new();
        let mut count = placed.len();
        for c in &candidates {
            if count >= MAX_LABELS {
                break;
            }
            let on_screen = c.x >= 0.0 && c.y >= 0.0 && c.x <= w && c.y <= h;
            let repeated = || {
                seen.get(c.text).is_some_and(|at| at.iter().any(|(x, y)| (x - c.x).hypot(y - c.y) < REPEAT_DISTANCE))
            };
            if !on_screen || repeated() {
                continue;
            }
            let size = size_key(c.size);
            let district = SLOTS[c.slot as usize].starts_with("boundary.");
            let color = if district { theme.district_text } else { theme.label_text };
            let s = self.shape(c.text, size);
            let done = if c.path.0.is_empty() {
                place_level(s, c, color, &mut taken).map(|p| placed.push(p))
            } else {
                place_along(s, c, color, &mut taken).map(|glyphs| turned.extend(glyphs))
            };
            if done.is_some() {
                count += 1;
                seen.entry(c.text).or_default().push((c.x, c.y));
            }
        }
        let size = (view.width, view.height);
        let uploaded = (placed, turned, size, theme.label_halo);
        if self.uploaded != uploaded {
            self.upload(gpu, view, theme, &uploaded.0);
            self.turned.prepare(gpu, (&mut self.fonts, &mut self.swash), size, theme.label_halo, &uploaded.1);
            self.atlas.trim();
            self.uploaded = uploaded;
        }
        count
    }

    /// The shaped text, from the cache when it was seen before (no allocation on a hit).
    fn shape(&mut self, text: &str, size: u32) -> &Shaped {
        let fonts = &mut self.fonts;
        let by_text = self.shaped.entry(size).or_default();
        if !by_text.contains_key(text) {
            by_text.insert(text.to_string(), shape_text(fonts, text, size as f32 / 10.0));
        }
        &by_text[text]
    }

    fn upload(&mut self, gpu: &Gpu, view: &View, theme: &Theme, placed: &[Placed]) {
        self.viewport.update(&gpu.queue, Resolution { width: view.width, height: view.height });
        let bounds = TextBounds { left: 0, top: 0, right: view.width as i32, bottom: view.height as i32 };
        let area = |p: &Placed, dx: f32, dy: f32, color: Rgba| {
            self.shaped.get(&p.size).and_then(|m| m.get(&p.text)).map(|s| TextArea {
                buffer: &s.buffer,
                left: p.left + dx,
                top: p.top + dy,
                scale: 1.0,
                bounds,
                default_color: glyph_color(color),
                custom_glyphs: &[],
            })
        };
        let halos = placed
            .iter()
            .flat_map(|p| HALO_OFFSETS.iter().filter_map(move |(dx, dy)| area(p, *dx, *dy, theme.label_halo)));
        let texts = placed.iter().filter_map(|p| area(p, 0.0, 0.0, p.color));
        let areas: Vec<TextArea> = halos.chain(texts).collect();
        if let Err(e) = self.renderer.prepare(
            &gpu.device,
            &gpu.queue,
            &mut self.fonts,
            &mut self.atlas,
            &self.viewport,
            areas,
            &mut self.swash,
        ) {
            tracing::warn!("labels skipped this frame: {e}");
        }
    }

    pub fn render(&self, pass: &mut wgpu::RenderPass<'_>) {
        self.turned.render(pass);
        if let Err(e) = self.renderer.render(&self.atlas, &self.viewport, pass) {
            tracing::warn!("labels not drawn: {e}");
        }
    }
}

fn shape_text(fonts: &mut FontSystem, text: &str, size: f32) -> Shaped {
    let mut buffer = Buffer::new(fonts, Metrics::new(size, size * 1.2));
    buffer.set_size(None, None);
    buffer.set_text(text, &Attrs::new().family(Family::SansSerif), Shaping::Advanced, None);
    buffer.shape_until_scroll(fonts, false);
    let width = buffer.layout_runs().map(|r| r.line_w).fold(0.0, f32::max);
    let height = buffer.layout_runs().count().max(1) as f32 * size * 1.2;
    let (spans, keys) = buffer
        .layout_runs()
        .take(1)
        .flat_map(|run| run.glyphs.iter())
        .map(|g| (GlyphSpan { x: g.x, width: g.w }, g.physical((-g.x, 0.0), 1.0).cache_key))
        .unzip();
    Shaped { buffer, width, height, spans, keys }
}

/// A name set level, centred on its point; `None` where it would leave the screen or cover a
/// name already placed.
fn place_level(s: &Shaped, c: &LabelCandidateOnScreen, color: Rgba, taken: &mut Occupancy) -> Option<Placed> {
    // Whole pixels: crisp glyphs, and the glyph cache hits while the map pans.
    let (left, top) = ((c.x - s.width / 2.0).round(), (c.y - s.height / 2.0).round());
    let rect = [left - 3.0, top - 2.0, left + s.width + 3.0, top + s.height + 2.0];
    if !taken.is_free(&rect) {
        return None;
    }
    taken.insert(rect);
    Some(Placed { text: c.text.to_string(), size: size_key(c.size), left, top, color })
}

/// A road's name set along its road, tried at a few places along it; `None` where it fits
/// nowhere free.
fn place_along(s: &Shaped, c: &LabelCandidateOnScreen, color: Rgba, taken: &mut Occupancy) -> Option<Vec<TurnedGlyph>> {
    let (line, to_screen) = c.path;
    let path: Vec<[f32; 2]> = line.iter().map(|p| to_screen.apply(*p)).collect();
    let walk = along::Walk::new(&path);
    let spans = &s.spans;
    let half_height = c.size * 0.6;
    for anchor in ANCHORS {
        let Some(poses) = along::fit(&walk, spans, s.width, anchor) else { continue };
        let boxes: Vec<[f32; 4]> = poses
            .iter()
            .zip(spans)
            .map(|(pose, span)| turned_box(pose.center, pose.angle, span.width / 2.0 + 1.0, half_height))
            .collect();
        if !boxes.iter().all(|b| taken.is_free(b)) {
            continue;
        }
        for b in boxes {
            taken.insert(b);
        }
        let glyphs = poses.iter().zip(spans.iter().zip(&s.keys)).map(|(pose, (span, key))| TurnedGlyph {
            key: *key,
            center: pose.center,
            angle: pose.angle,
            pen: [-span.width / 2.0, c.size * BASELINE_DROP],
            color,
        });
        return Some(glyphs.collect());
    }
    None
}

/// The screen box around a glyph box of the given half sizes turned by `angle` about `center`.
fn turned_box(center: [f32; 2], angle: f32, half_width: f32, half_height: f32) -> [f32; 4] {
    let (sin, cos) = angle.sin_cos();
    let dx = cos.abs() * half_width + sin.abs() * half_height;
    let dy = sin.abs() * half_width + cos.abs() * half_height;
    [center[0] - dx, center[1] - dy, center[0] + dx, center[1] + dy]
}

/// Screen space taken by placed labels, bucketed in a coarse grid so a collision test only
/// looks at nearby labels.
struct Occupancy {
    width: f32,
    height: f32,
    columns: usize,
    rows: usize,
    cells: Vec<Vec<[f32; 4]>>,
}

const CELL_PX: f32 = 128.0;

impl Occupancy {
    fn new(width: f32, height: f32) -> Self {
        let columns = (width / CELL_PX).ceil().max(1.0) as usize;
        let rows = (height / CELL_PX).ceil().max(1.0) as usize;
        Self { width, height, columns, rows, cells: vec![Vec::new(); columns * rows] }
    }

    fn cells_of(&self, r: &[f32; 4]) -> impl Iterator<Item = usize> + '_ {
        let cell = |v: f32, n: usize| ((v / CELL_PX).floor().max(0.0) as usize).min(n - 1);
        let (x0, x1) = (cell(r[0], self.columns), cell(r[2], self.columns));
        let (y0, y1) = (cell(r[1], self.rows), cell(r[3], self.rows));
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| y * self.columns + x))
    }

    fn overlaps(&self, r: &[f32; 4]) -> bool {
        self.cells_of(r).any(|i| self.cells[i].iter().any(|t| overlaps(t, r)))
    }

    /// Inside the screen and clear of every box taken.
    fn is_free(&self, r: &[f32; 4]) -> bool {
        let inside = r[0] >= 0.0 && r[1] >= 0.0 && r[2] <= self.width && r[3] <= self.height;
        inside && !self.overlaps(r)
    }

    fn insert(&mut self, r: [f32; 4]) {
        let cells: Vec<usize> = self.cells_of(&r).collect();
        for i in cells {
            self.cells[i].push(r);
        }
    }
}

/// Which names win a collision: districts (coarse levels first), police stations, then roads
/// from motorway down.
fn priority(slot: u32) -> u32 {
    let name = SLOTS[slot as usize];
    match name.strip_prefix("boundary.") {
        Some(level) => 200 - level.parse::<u32>().unwrap_or(9) * 10,
        None if name == "poi.police" => 100,
        None => slot,
    }
}

fn size_key(size: f32) -> u32 {
    (size * 10.0).round() as u32
}

fn overlaps(a: &[f32; 4], b: &[f32; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

fn glyph_color(c: Rgba) -> Color {
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    Color::rgba(byte(c[0]), byte(c[1]), byte(c[2]), byte(c[3]))
}
