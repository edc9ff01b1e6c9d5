// Glyphs turned to follow a line (road names): each glyph is a quad in screen pixels that
// samples its coverage from a one-channel atlas. Drawn twice: HALO = 1 lays the coverage widened
// by about a pixel and a half in the halo colour under every name, HALO = 0 the glyphs on top.

struct TextGlobals {
    screen: vec2<f32>,
    atlas: vec2<f32>,
    halo: vec4<f32>,
}

@group(0) @binding(0) var<uniform> globals: TextGlobals;
@group(0) @binding(1) var atlas_texture: texture_2d<f32>;
@group(0) @binding(2) var atlas_sampler: sampler;

override HALO: f32 = 0.0;

struct GlyphOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
    @location(1) color: vec4<f32>,
}

@vertex
fn vs_glyph(@location(0) pos: vec2<f32>, @location(1) uv: vec2<f32>, @location(2) color: vec4<f32>) -> GlyphOut {
    var out: GlyphOut;
    out.position = vec4<f32>(pos.x / globals.screen.x * 2.0 - 1.0, 1.0 - pos.y / globals.screen.y * 2.0, 0.0, 1.0);
    out.uv = uv / globals.atlas;
    out.color = color;
    return out;
}

fn coverage(uv: vec2<f32>) -> f32 {
    return textureSampleLevel(atlas_texture, atlas_sampler, uv, 0.0).r;
}

@fragment
fn fs_glyph(in: GlyphOut) -> @location(0) vec4<f32> {
    if HALO > 0.5 {
        let texel = 1.0 / globals.atlas;
        var widened = coverage(in.uv);
        for (var i = 0; i < 8; i++) {
            let angle = f32(i) * 0.785398;
            let step = vec2<f32>(cos(angle), sin(angle)) * texel;
            widened = max(widened, coverage(in.uv + step));
            widened = max(widened, coverage(in.uv + step * 1.6));
        }
        return vec4<f32>(globals.halo.rgb, globals.halo.a * clamp(widened * 1.5, 0.0, 1.0));
    }
    return vec4<f32>(in.color.rgb, in.color.a * coverage(in.uv));
}
