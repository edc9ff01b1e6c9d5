// Live operational layers: markers (units, alarms, cameras, stations, alarm sites), camera view
// sectors, segments (congestion, routes, trails, zone outlines) and zone fills.
// Positions arrive relative to the layer's origin in world units; `offset` (origin minus view
// centre) and `scale` turn them into pixels from the viewport centre in f32 without losing
// precision at high zoom. Pulsing alarms, fading trails and greying stale fixes are all
// functions of `time` here, not CPU work per frame.
//
// The constants shared with Rust (SHAPE_*, FLAG_*, LAYER_SHIFT, LAYER_MASK) are not defined
// here: they are written once in src/render/live/gpu.rs and prepended to this source as WGSL
// `const` declarations (`shader_source`).

struct LiveGlobals {
    viewport: vec2<f32>,
    // cos and sin of the bearing
    rotation: vec2<f32>,
    offset: vec2<f32>,
    // pixels per world unit
    scale: f32,
    // seconds since the layers' epoch
    time: f32,
    // zone under the cursor (0xffffffff: none)
    highlight: u32,
    trail_seconds: f32,
    stale_seconds: f32,
    // UI scale for markers (video wall: larger)
    marker_scale: f32,
    // per layer (see LayerId): opacity
    opacity: array<vec4<f32>, 3>,
}

@group(0) @binding(0) var<uniform> g: LiveGlobals;

fn rotate(v: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(v.x * g.rotation.x - v.y * g.rotation.y, v.x * g.rotation.y + v.y * g.rotation.x);
}

fn rel_to_px(p: vec2<f32>) -> vec2<f32> {
    return rotate((p + g.offset) * g.scale);
}

fn px_to_clip(px: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(px.x * 2.0 / g.viewport.x, -px.y * 2.0 / g.viewport.y, 0.0, 1.0);
}

fn layer_opacity(flags: u32) -> f32 {
    let layer = (flags >> LAYER_SHIFT) & LAYER_MASK;
    return g.opacity[layer / 4u][layer % 4u];
}

fn corner(vi: u32) -> vec2<f32> {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    );
    return corners[vi];
}

// ---- markers --------------------------------------------------------------------------------

struct MarkerOut {
    @builtin(position) position: vec4<f32>,
    // pixels from the marker's centre, north up on screen
    @location(0) local: vec2<f32>,
    @location(1) @interpolate(flat) color: vec4<f32>,
    @location(2) @interpolate(flat) shape: u32,
    @location(3) @interpolate(flat) size: f32,
    @location(4) @interpolate(flat) heading: f32,
    @location(5) @interpolate(flat) since: f32,
    @location(6) @interpolate(flat) flags: u32,
}

@vertex
fn vs_marker(
    @builtin(vertex_index) vi: u32,
    @location(0) pos: vec2<f32>,
    @location(1) color: u32,
    @location(2) shape: u32,
    @location(3) size: f32,
    @location(4) heading: f32,
    @location(5) since: f32,
    @location(6) flags: u32,
) -> MarkerOut {
    var out: MarkerOut;
    let s = size * g.marker_scale;
    // Heading turns with the map.
    let turn = radians(heading) + atan2(g.rotation.y, g.rotation.x);
    // A tight square around what is drawn: the symbol, a unit's heading nose (the square
    // shifts towards it), an alarm's pulse, a selection ring.
    var margin = 1.5;
    if (flags & FLAG_SELECTED) != 0u {
        margin = 6.0;
    }
    var half = s * 0.5 + margin;
    var centre = vec2<f32>(0.0, 0.0);
    if shape == SHAPE_ALARM {
        half = s * 2.2;
    } else if shape == SHAPE_UNIT && (flags & FLAG_HEADING) != 0u {
        let nose = s * 0.45;
        centre = vec2<f32>(sin(turn), -cos(turn)) * (nose * 0.5);
        half = s * 0.5 + nose * 0.5 + margin;
    }
    let local = centre + corner(vi) * half;
    out.position = px_to_clip(rel_to_px(pos) + local);
    if size <= 0.0 {
        out.position = vec4<f32>(2.0, 2.0, 0.0, 1.0);
    }
    out.local = local;
    out.color = unpack4x8unorm(color);
    out.shape = shape;
    out.size = s;
    out.heading = turn;
    out.since = since;
    out.flags = flags;
    return out;
}

fn over(top: vec4<f32>, bottom: vec4<f32>) -> vec4<f32> {
    let a = top.a + bottom.a * (1.0 - top.a);
    if a <= 0.0 {
        return vec4<f32>(0.0);
    }
    return vec4<f32>((top.rgb * top.a + bottom.rgb * bottom.a * (1.0 - top.a)) / a, a);
}

fn disc(d: f32, r: f32) -> f32 {
    return clamp(r - d + 0.5, 0.0, 1.0);
}

const WHITE = vec4<f32>(1.0, 1.0, 1.0, 1.0);
const INK = vec4<f32>(0.1, 0.1, 0.12, 1.0);

@fragment
fn fs_marker(in: MarkerOut) -> @location(0) vec4<f32> {
    let d = length(in.local);
    let r = in.size * 0.5;
    var c = vec4<f32>(0.0);
    if in.shape == SHAPE_UNIT {
        var body = in.color;
        if g.time - in.since > g.stale_seconds {
            body = vec4<f32>(0.6, 0.6, 0.6, 0.75);
        }
        c = over(vec4<f32>(body.rgb, body.a * disc(d, r - 1.5)), vec4<f32>(WHITE.rgb, disc(d, r)));
        if (in.flags & FLAG_HEADING) != 0u {
            // A nose pointing the way the unit drives.
            let dir = vec2<f32>(sin(in.heading), -cos(in.heading));
            let along = dot(in.local, dir);
            let across = abs(dot(in.local, vec2<f32>(-dir.y, dir.x)));
            let tip = r + in.size * 0.45;
            let nose = clamp((tip - along) * (r * 0.7) / (tip - r * 0.6) - across + 0.5, 0.0, 1.0)
                * step(r * 0.6, along);
            c = over(c, vec4<f32>(body.rgb, body.a * nose));
        }
        if (in.flags & FLAG_SELECTED) != 0u {
            let ring = clamp(1.5 - abs(d - (r + 3.0)), 0.0, 1.0);
            c = over(c, vec4<f32>(INK.rgb, ring));
        }
    } else if in.shape == SHAPE_ALARM {
        c = over(vec4<f32>(in.color.rgb, disc(d, r - 2.0)), vec4<f32>(WHITE.rgb, disc(d, r)));
        // A white core, so the pin reads as a pin.
        c = over(vec4<f32>(WHITE.rgb, disc(d, r * 0.3)), c);
        if (in.flags & FLAG_QUIET) == 0u {
            let phase = fract((g.time - in.since) / 1.2);
            let radius = r + phase * in.size * 1.6;
            let ring = clamp(2.5 - abs(d - radius), 0.0, 1.0) * (1.0 - phase);
            c = over(c, vec4<f32>(in.color.rgb, ring));
        }
        if (in.flags & FLAG_SELECTED) != 0u {
            let ring = clamp(1.5 - abs(d - (r + 4.0)), 0.0, 1.0);
            c = over(c, vec4<f32>(INK.rgb, ring));
        }
    } else {
        // Cameras square, stations and sites diamonds: a filled shape with a dark edge.
        var q = abs(in.local);
        if in.shape != SHAPE_CAMERA {
            q = vec2<f32>(q.x + q.y) * 0.7071;
        }
        let edge = max(q.x, q.y);
        let fill = clamp(r - 1.5 - edge + 0.5, 0.0, 1.0);
        let outline = clamp(r - edge + 0.5, 0.0, 1.0);
        c = over(vec4<f32>(in.color.rgb, fill), vec4<f32>(INK.rgb, outline));
    }
    let a = c.a * layer_opacity(in.flags);
    if a <= 0.003 {
        discard;
    }
    return vec4<f32>(c.rgb, a);
}

// ---- camera view sectors --------------------------------------------------------------------

struct SectorOut {
    @builtin(position) position: vec4<f32>,
    @location(0) local: vec2<f32>,
    @location(1) @interpolate(flat) color: vec4<f32>,
    // direction, half angle (radians), radius (px)
    @location(2) @interpolate(flat) shape: vec3<f32>,
    @location(3) @interpolate(flat) flags: u32,
}

@vertex
fn vs_sector(
    @builtin(vertex_index) vi: u32,
    @location(0) pos: vec2<f32>,
    @location(1) color: u32,
    @location(2) direction: f32,
    @location(3) half_angle: f32,
    @location(4) range: f32,
    @location(5) flags: u32,
) -> SectorOut {
    var out: SectorOut;
    let radius = range * g.scale;
    let local = corner(vi) * (radius + 1.0);
    out.position = px_to_clip(rel_to_px(pos) + rotate(local));
    out.local = local;
    out.color = unpack4x8unorm(color);
    out.shape = vec3<f32>(radians(direction), radians(half_angle), radius);
    out.flags = flags;
    return out;
}

@fragment
fn fs_sector(in: SectorOut) -> @location(0) vec4<f32> {
    let d = length(in.local);
    // Clockwise from north (local y points south).
    let angle = atan2(in.local.x, -in.local.y);
    let off = abs(atan2(sin(angle - in.shape.x), cos(angle - in.shape.x)));
    let inside = clamp(in.shape.z - d + 0.5, 0.0, 1.0) * step(off, in.shape.y);
    let a = in.color.a * inside * (1.0 - 0.6 * d / max(in.shape.z, 1.0)) * layer_opacity(in.flags);
    if a <= 0.003 {
        discard;
    }
    return vec4<f32>(in.color.rgb, a);
}

// ---- segments -------------------------------------------------------------------------------

struct SegmentOut {
    @builtin(position) position: vec4<f32>,
    // pixels along the segment from its start, and across from its centre line
    @location(0) along_across: vec2<f32>,
    @location(1) @interpolate(flat) color: vec4<f32>,
    // length (px), half width (px), fade (0..1)
    @location(2) @interpolate(flat) shape: vec3<f32>,
}

@vertex
fn vs_segment(
    @builtin(vertex_index) vi: u32,
    @location(0) a: vec2<f32>,
    @location(1) b: vec2<f32>,
    @location(2) color: u32,
    @location(3) width: f32,
    @location(4) offset: f32,
    @location(5) since: f32,
    @location(6) flags: u32,
) -> SegmentOut {
    var out: SegmentOut;
    var pa = rel_to_px(a);
    var pb = rel_to_px(b);
    let span = pb - pa;
    let length_px = length(span);
    var dir = vec2<f32>(1.0, 0.0);
    if length_px > 1e-6 {
        dir = span / length_px;
    }
    // Right of the direction of travel, on screen (y down).
    let normal = vec2<f32>(-dir.y, dir.x);
    pa += normal * offset;
    let half = width * 0.5;
    let c = corner(vi);
    let along = select(-half - 1.0, length_px + half + 1.0, c.x > 0.0);
    let across = c.y * (half + 1.0);
    out.position = px_to_clip(pa + dir * along + normal * across);
    out.along_across = vec2<f32>(along, across);
    out.color = unpack4x8unorm(color);
    var fade = 1.0;
    if since >= 0.0 {
        fade = clamp(1.0 - (g.time - since) / g.trail_seconds, 0.0, 1.0);
    }
    out.shape = vec3<f32>(length_px, half, fade * layer_opacity(flags));
    if width <= 0.0 {
        out.position = vec4<f32>(2.0, 2.0, 0.0, 1.0);
    }
    return out;
}

@fragment
fn fs_segment(in: SegmentOut) -> @location(0) vec4<f32> {
    let t = clamp(in.along_across.x, 0.0, in.shape.x);
    let d = length(vec2<f32>(in.along_across.x - t, in.along_across.y));
    let a = in.color.a * clamp(in.shape.y - d + 0.5, 0.0, 1.0) * in.shape.z;
    if a <= 0.003 {
        discard;
    }
    return vec4<f32>(in.color.rgb, a);
}

// ---- zone fills -----------------------------------------------------------------------------

struct FillOut {
    @builtin(position) position: vec4<f32>,
    @location(0) @interpolate(flat) color: vec4<f32>,
}

@vertex
fn vs_fill(@location(0) pos: vec2<f32>, @location(1) color: u32, @location(2) zone: u32, @location(3) flags: u32) -> FillOut {
    var out: FillOut;
    out.position = px_to_clip(rel_to_px(pos));
    var c = unpack4x8unorm(color);
    if zone == g.highlight {
        c = vec4<f32>(c.rgb, min(c.a * 2.5, 0.6));
    }
    out.color = vec4<f32>(c.rgb, c.a * layer_opacity(flags));
    return out;
}

@fragment
fn fs_fill(in: FillOut) -> @location(0) vec4<f32> {
    return in.color;
}
