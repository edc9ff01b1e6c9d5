//! The analyst's reports window: for the world on screen (live, or the record at a replayed
//! moment), response times per Polres, zone or shift over a chosen period as a table, with
//! charts: answer times and response times as histograms (the 10-second and 10-minute targets
//! marked) and calls per hour; and the table saved as CSV.

use eframe::egui::{self, RichText};
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoints, VLine};

use crate::analysis::report::{histogram, to_csv, GroupBy, Row, Series};
use crate::model::now_millis;
use crate::ui::state::Console;

const PERIODS: [(i64, &str); 4] =
    [(1, "the last day"), (7, "the last week"), (30, "the last 30 days"), (0, "the whole record")];
const GROUPS: [(GroupBy, &str); 3] =
    [(GroupBy::Polres, "per Polres"), (GroupBy::Zone, "per zone"), (GroupBy::Shift, "per shift")];

/// The window, when open.
pub fn window(ctx: &egui::Context, console: &mut Console) {
    let mut open = console.reports.open;
    egui::Window::new("Reports").open(&mut open).default_size([720.0, 640.0]).show(ctx, |ui| {
        choices(ui, console);
        if let Some(worked) = &mut console.reports.worked {
            table(ui, &worked.rows);
            charts(ui, &worked.series);
            if ui.button("Save as CSV").clicked() {
                worked.saved = Some(save(&worked.rows));
            }
            if let Some(said) = &worked.saved {
                ui.label(said.as_str());
            }
        }
    });
    console.reports.open = open;
}

fn choices(ui: &mut egui::Ui, console: &mut Console) {
    let r = &mut console.reports;
    let mut again = r.worked.is_none();
    ui.horizontal(|ui| {
        let period = PERIODS.iter().find(|p| p.0 == r.days).map_or("", |p| p.1);
        egui::ComboBox::from_id_salt("report-period").selected_text(period).show_ui(ui, |ui| {
            for (days, name) in PERIODS {
                again |= ui.selectable_value(&mut r.days, days, name).changed();
            }
        });
        let by = GROUPS.iter().find(|g| g.0 == r.by).map_or("", |g| g.1);
        egui::ComboBox::from_id_salt("report-by").selected_text(by).show_ui(ui, |ui| {
            for (group, name) in GROUPS {
                again |= ui.selectable_value(&mut r.by, group, name).changed();
            }
        });
        again |= ui.button("Work out again").clicked();
    });
    if again {
        console.work_out_report(now_millis());
    }
}

fn table(ui: &mut egui::Ui, rows: &[Row]) {
    let share = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{:.0}%", v * 100.0));
    let secs = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.0} s"));
    let minutes = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{:.1} min", v / 60.0));
    egui::ScrollArea::vertical().id_salt("report-rows").max_height(220.0).show(ui, |ui| {
        egui::Grid::new("report-table").striped(true).show(ui, |ui| {
            for head in [
                "",
                "calls",
                "in 10 s",
                "answer p50/p90",
                "not genuine",
                "incidents",
                "response p50/p90",
                "on scene in 10 min",
            ] {
                ui.label(RichText::new(head).strong());
            }
            ui.end_row();
            for r in rows {
                ui.label(r.group.as_str());
                ui.label(r.calls.to_string());
                ui.label(share(r.answered_within_target));
                ui.label(format!("{} / {}", secs(r.answer_p50_s), secs(r.answer_p90_s)));
                ui.label(share(r.not_genuine));
                ui.label(r.incidents.to_string());
                ui.label(format!("{} / {}", minutes(r.response_p50_s), minutes(r.response_p90_s)));
                ui.label(share(r.on_scene_within_target));
                ui.end_row();
            }
        });
    });
}

fn charts(ui: &mut egui::Ui, s: &Series) {
    ui.label(format!("Answer times ({} calls answered), seconds; the 10 s target marked", s.answer_s.len()));
    let answers = bars(&histogram(&s.answer_s, 2.0, 30), 2.0);
    Plot::new("answer-times").height(140.0).allow_scroll(false).show(ui, |plot| {
        plot.bar_chart(BarChart::new("calls", answers));
        plot.vline(VLine::new("10 s", 10.0));
    });
    ui.label(format!(
        "Response times ({} incidents reached), minutes; the 10 minute target marked",
        s.response_s.len()
    ));
    let minutes: Vec<f64> = s.response_s.iter().map(|v| v / 60.0).collect();
    let responses = bars(&histogram(&minutes, 1.0, 40), 1.0);
    Plot::new("response-times").height(140.0).allow_scroll(false).show(ui, |plot| {
        plot.bar_chart(BarChart::new("incidents", responses));
        plot.vline(VLine::new("10 min", 10.0));
    });
    ui.label("Calls per hour (hours before the end of the period)");
    let end = s.calls_per_hour.last().map_or(0, |h| h.0);
    let points: PlotPoints =
        s.calls_per_hour.iter().map(|(t, n)| [(t - end) as f64 / 3_600_000.0, *n as f64]).collect();
    Plot::new("calls-per-hour").height(120.0).allow_scroll(false).show(ui, |plot| {
        plot.line(Line::new("calls", points));
    });
}

fn bars(bins: &[(f64, usize)], width: f64) -> Vec<Bar> {
    bins.iter().map(|(start, n)| Bar::new(start + width / 2.0, *n as f64).width(width * 0.9)).collect()
}

/// Writes the table as CSV under `reports/` in the working folder; says where, or why not.
fn save(rows: &[Row]) -> String {
    let dir = std::path::Path::new("reports");
    let path = dir.join(format!("report-{}.csv", chrono::Local::now().format("%Y%m%d-%H%M%S")));
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, to_csv(rows))) {
        Ok(()) => format!("saved {}", path.display()),
        Err(e) => format!("not saved: {}: {e}", path.display()),
    }
}
