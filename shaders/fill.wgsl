// Polygon fills (landuse, water, buildings), tessellated on the CPU by lyon.

struct FillOut {
    @builtin(position) position: vec4<f32>,
    @location(0) @interpolate(flat) color: vec4<f32>,
}

@vertex
fn vs_fill(@location(0) pos: vec2<f32>, @location(1) slot: u32) -> FillOut {
    var out: FillOut;
    out.position = px_to_clip(tile_to_px(pos));
    out.color = slots[slot].color;
    return out;
}

@fragment
fn fs_fill(in: FillOut) -> @location(0) vec4<f32> {
    return in.color;
}
