// Point symbols (police stations, cameras, traffic signals): a filled disc with a ring.

struct PointOut {
    @builtin(position) position: vec4<f32>,
    @location(0) local: vec2<f32>,
    @location(1) @interpolate(flat) radii: vec2<f32>,
    @location(2) @interpolate(flat) fill: vec4<f32>,
    @location(3) @interpolate(flat) ring: vec4<f32>,
}

@vertex
fn vs_point(@builtin(vertex_index) vi: u32, @location(0) pos: vec2<f32>, @location(1) slot: u32) -> PointOut {
    let style = slots[slot];
    let inner = style.width * 0.5;
    let outer = inner + style.casing_width;
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    );
    let local = corners[vi] * (outer + 1.0);
    var out: PointOut;
    out.position = px_to_clip(tile_to_px(pos) + local);
    out.local = local;
    out.radii = vec2<f32>(inner, outer);
    out.fill = style.color;
    out.ring = style.casing;
    return out;
}

@fragment
fn fs_point(in: PointOut) -> @location(0) vec4<f32> {
    let d = length(in.local);
    let outer = clamp(in.radii.y - d + 0.5, 0.0, 1.0);
    if outer <= 0.0 {
        discard;
    }
    let inner = clamp(in.radii.x - d + 0.5, 0.0, 1.0);
    let color = mix(in.ring, in.fill, inner);
    return vec4<f32>(color.rgb, color.a * outer);
}
