// Shared by every map pipeline: view globals, the slot style table, and the per-tile placement.
// Positions arrive in tile units (0..4096); a tile's origin is already relative to the view
// centre (computed in f64 on the CPU), so nothing here loses precision at high zoom.
// The Rust twins of these structs (render/map.rs) assert their sizes against the layouts here.

struct Globals {
    viewport: vec2<f32>,
    // cos and sin of the bearing
    rotation: vec2<f32>,
    zoom: f32,
    time: f32,
    _pad: vec2<f32>,
}

struct Slot {
    color: vec4<f32>,
    casing: vec4<f32>,
    width: f32,
    casing_width: f32,
    _pad: vec2<f32>,
}

struct TilePlacement {
    origin: vec2<f32>,
    scale: f32,
    _pad: f32,
}

@group(0) @binding(0) var<uniform> globals: Globals;
@group(0) @binding(1) var<uniform> slots: array<Slot, 32>;
@group(1) @binding(0) var<uniform> tile: TilePlacement;

// Tile units -> pixels from the viewport centre, rotated by the bearing.
fn tile_to_px(p: vec2<f32>) -> vec2<f32> {
    let s = tile.origin + p * tile.scale;
    let r = globals.rotation;
    return vec2<f32>(s.x * r.x - s.y * r.y, s.x * r.y + s.y * r.x);
}

fn px_to_clip(px: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(px.x * 2.0 / globals.viewport.x, -px.y * 2.0 / globals.viewport.y, 0.0, 1.0);
}
