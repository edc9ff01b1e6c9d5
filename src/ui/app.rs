//! The window: eframe with the wgpu renderer, the console inside (its frame drawn by
//! `ui::frame`), the canvas set up with the theme and its palette, and an optional timed
//! screenshot (for the window test and for reports) taken through egui's own screenshot request,
//! written with the overview map's place and view beside it (`NAME.view.json`), so the same
//! view can be rendered headless and compared.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use eframe::egui;

use super::canvas::Canvas;
use super::speaker::Speaker;
use super::state::{Console, Place};
use crate::model::now_millis;
use crate::ops::{Session, SessionConfig};
use crate::render::{Image, Theme, ThemeName};

pub struct AppOptions {
    pub session: SessionConfig,
    pub wall: bool,
    /// The wall's focus view in a window of its own.
    pub focus_window: bool,
    pub theme: ThemeName,
    /// Stations and alarm sites to find and draw (name, lon, lat).
    pub stations: Vec<Place>,
    pub sites: Vec<Place>,
    /// Write a screenshot here after this many seconds, then close.
    pub screenshot: Option<(PathBuf, f32)>,
    /// Start with alert sounds off.
    pub mute: bool,
    /// The home view's centre (`LON, LAT`) and zoom, each instead of the city's road extent.
    pub center: Option<(f64, f64)>,
    pub zoom: Option<f64>,
    /// How long an officer's SOS may wait unacknowledged before the stronger alert.
    pub escalate_after: std::time::Duration,
    /// The name the login screen starts with.
    pub login_name: Option<String>,
}

pub struct PantauApp {
    console: Console,
    /// Set when SIGTERM or SIGINT arrives: the window closes as if closed by hand, so the
    /// session stops cleanly (journal synced, a snapshot written).
    stop_asked: Arc<AtomicBool>,
    canvas: Option<Canvas>,
    screenshot: Option<(PathBuf, f32)>,
    started: Instant,
    asked: bool,
    shot: Arc<AtomicBool>,
}

impl PantauApp {
    fn new(cc: &eframe::CreationContext<'_>, options: AppOptions, session: Session) -> Result<Self> {
        let roads = session
            .road_names
            .iter()
            .map(|(name, [lon, lat])| Place { id: name.clone(), label: name.clone(), lon: *lon, lat: *lat })
            .collect();
        let theme = Theme::builtin(options.theme);
        let palette = theme.palette.clone();
        let canvas = canvas(cc, &session, theme, &options)?;
        let ctx = cc.egui_ctx.clone();
        session.desk.set_waker(move || ctx.request_repaint());
        let mut console = Console::new(session, options.wall, options.stations, options.sites, roads);
        console.palette = palette;
        console.focus_window = options.focus_window;
        console.speaker = Speaker::open();
        if options.center.is_some() || options.zoom.is_some() {
            let (lon, lat) = options.center.unwrap_or_else(|| console.home.center_lonlat());
            console.home = crate::render::View::new(lon, lat, options.zoom.unwrap_or(console.home.zoom), 1280, 800);
            console.view = console.home;
        }
        console.alerts.muted = options.mute;
        console.login.0 = options.login_name.unwrap_or_default();
        console.alerts.escalate_after_ms = options.escalate_after.as_millis() as i64;
        if options.wall {
            console.set_wall(&cc.egui_ctx, true);
        }
        Ok(Self {
            console,
            stop_asked: crate::ops::session::stop_flag_on_signal(),
            canvas: Some(canvas),
            screenshot: options.screenshot,
            started: Instant::now(),
            asked: false,
            shot: Arc::default(),
        })
    }

    /// After the delay, asks egui for a picture of the window; once written, closes.
    fn screenshot(&mut self, ui: &mut egui::Ui) {
        let Some((path, after)) = &self.screenshot else { return };
        if self.shot.load(Ordering::Acquire) {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if !self.asked && self.started.elapsed().as_secs_f32() >= *after {
            self.asked = true;
            let shown = shown_view(&self.console, ui.ctx().pixels_per_point());
            let (path, done, ctx) = (path.clone(), self.shot.clone(), ui.ctx().clone());
            ui.ctx().request_screenshot(move |image| {
                let rgba = image.pixels.iter().flat_map(|c| c.to_array()).collect();
                let picture = Image { width: image.size[0] as u32, height: image.size[1] as u32, rgba };
                let written = picture.write_png(&path).and_then(|()| {
                    let sidecar = path.with_extension("view.json");
                    std::fs::write(&sidecar, shown.to_string())
                        .with_context(|| format!("cannot write {}", sidecar.display()))
                });
                if let Err(e) = written {
                    tracing::error!("screenshot: {e:#}");
                }
                done.store(true, Ordering::Release);
                ctx.request_repaint();
            });
        }
    }
}

/// The overview map in the window: its rectangle in physical pixels and its view.
fn shown_view(console: &Console, pixels_per_point: f32) -> serde_json::Value {
    let rect = console.overview;
    let view = &console.view;
    let (lon, lat) = crate::crs::world_to_lonlat(view.center.0, view.center.1);
    serde_json::json!({
        "x": (rect.min.x * pixels_per_point).round(),
        "y": (rect.min.y * pixels_per_point).round(),
        "width": view.width,
        "height": view.height,
        "lon": lon,
        "lat": lat,
        "world": [view.center.0, view.center.1],
        "zoom": view.zoom,
        "bearing": view.bearing,
    })
}

impl eframe::App for PantauApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // Alerts are sounded from here, which runs even while the window is hidden.
        self.console.poll();
        ctx.request_repaint_after(std::time::Duration::from_secs(1));
        if self.stop_asked.load(Ordering::Acquire) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.console.frame(ui, self.canvas.as_mut());
        self.screenshot(ui);
    }

    fn on_exit(&mut self) {
        if let Err(e) = self.console.session.stop() {
            tracing::error!("stopping the session: {e:#}");
        }
    }
}

/// The map canvas on eframe's wgpu device in `theme`, its live layers given the theme's palette
/// (before anything is written: instances take their colours when written) and the fixed
/// layers: zones and their names, cameras, stations and alarm sites.
fn canvas(cc: &eframe::CreationContext<'_>, session: &Session, theme: Theme, options: &AppOptions) -> Result<Canvas> {
    let state = cc.wgpu_render_state.as_ref().ok_or_else(|| anyhow!("eframe started without wgpu"))?;
    let palette = theme.palette.clone();
    let mut canvas = Canvas::new(state, &session.map, theme, now_millis())?;
    canvas.live.set_palette(palette);
    let lonlat = |p: &Place| (p.lon, p.lat);
    canvas.live.set_zones(&session.desk.live.zones);
    canvas.map.set_world_labels(crate::render::live::zone_names(session.desk.live.zones.zones()));
    canvas.live.set_cameras(session.desk.live.cameras.cameras());
    canvas.live.set_places(
        &options.stations.iter().map(lonlat).collect::<Vec<_>>(),
        &options.sites.iter().map(lonlat).collect::<Vec<_>>(),
    );
    Ok(canvas)
}

/// Opens the window and runs until it is closed; the session (feeds, journal) stops cleanly.
pub fn run(options: AppOptions) -> Result<()> {
    let session = Session::start(options.session.clone())?;
    // Where devices (and `pantau sim`) send to, on stdout as `pantau serve` prints it.
    match (session.bound(), &session.journal) {
        (Some(bound), Some(journal)) => println!("pantau: feeds on {bound}; journal {}", journal.display()),
        _ => println!("pantau: a desk on {}", session.desk.hub()),
    }
    let native = eframe::NativeOptions {
        renderer: eframe::Renderer::Wgpu,
        viewport: egui::ViewportBuilder::default().with_title("pantau").with_inner_size([1600.0, 900.0]),
        ..Default::default()
    };
    let mut app_session = Some(session);
    let result = eframe::run_native(
        "pantau",
        native,
        Box::new(move |cc| {
            let session = app_session.take().ok_or("the session was already taken")?;
            let app = PantauApp::new(cc, options, session).map_err(|e| format!("{e:#}"))?;
            Ok(Box::new(app))
        }),
    );
    result.map_err(|e| anyhow!("the window failed: {e}"))
}
