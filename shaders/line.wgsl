// Lines as instanced capsules: each segment becomes a quad around it, widened here so widths
// stay constant in pixels; the fragment shader measures the distance to the segment, which
// gives round joins, round caps and an antialiased edge. CASING selects the casing pass.

override CASING: bool = false;

struct LineOut {
    @builtin(position) position: vec4<f32>,
    // pixels along and across the segment from its start
    @location(0) local: vec2<f32>,
    // segment length and half width, in pixels
    @location(1) @interpolate(flat) len_half: vec2<f32>,
    @location(2) @interpolate(flat) color: vec4<f32>,
}

@vertex
fn vs_line(
    @builtin(vertex_index) vi: u32,
    @location(0) a: vec2<f32>,
    @location(1) b: vec2<f32>,
    @location(2) slot: u32,
) -> LineOut {
    let style = slots[slot];
    var half = style.width * 0.5;
    var color = style.color;
    if CASING {
        half = half + style.casing_width;
        color = style.casing;
    }
    let pa = tile_to_px(a);
    let pb = tile_to_px(b);
    let d = pb - pa;
    let len = length(d);
    var dir = vec2<f32>(1.0, 0.0);
    if len > 1e-4 {
        dir = d / len;
    }
    let normal = vec2<f32>(-dir.y, dir.x);
    let reach = half + 1.0;
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(0.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(0.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(0.0, 1.0),
    );
    let c = corners[vi];
    let along = c.x * (len + 2.0 * reach) - reach;
    let across = c.y * reach;
    var out: LineOut;
    out.position = px_to_clip(pa + dir * along + normal * across);
    out.local = vec2<f32>(along, across);
    out.len_half = vec2<f32>(len, half);
    out.color = color;
    return out;
}

@fragment
fn fs_line(in: LineOut) -> @location(0) vec4<f32> {
    let nearest = clamp(in.local.x, 0.0, in.len_half.x);
    let dist = length(vec2<f32>(in.local.x - nearest, in.local.y));
    let coverage = clamp(in.len_half.y - dist + 0.5, 0.0, 1.0);
    if coverage <= 0.0 {
        discard;
    }
    return vec4<f32>(in.color.rgb, in.color.a * coverage);
}
