//! The SVG chart of the autoscale day: per region, the load (as the units it fills at
//! 100 % `Capacity`) and the units of each way, minute by minute. Hand-written SVG.

use std::fmt::Write;

use apim_capacity::autoscale::day::{DayResult, Way};

const WIDTH: f64 = 760.0;
const PANEL: f64 = 150.0;
const LEFT: f64 = 40.0;
const TOP: f64 = 64.0;
const GAP: f64 = 34.0;
const MAX_UNITS: f64 = 9.0;

/// Colour, dash pattern, width and legend of a way's line (the primary-only line is drawn
/// wide under the others, so it shows where they coincide).
fn style(way: Way) -> (&'static str, &'static str, f64, &'static str) {
    match way {
        Way::StaticPeak => ("#6b7280", "6 4", 1.5, "static, sized for the peak"),
        Way::PrimaryOnly => (
            "#f59e0b",
            "none",
            4.0,
            "autoscale of the primary only (Azure)",
        ),
        Way::EveryRegion => ("#1d4ed8", "none", 1.6, "apimcap, every region"),
    }
}

fn x(minute: usize) -> f64 {
    LEFT + (WIDTH - LEFT - 24.0) * minute as f64 / 1440.0
}

fn y(panel: usize, units: f64) -> f64 {
    let bottom = TOP + (panel as f64 + 1.0) * PANEL + panel as f64 * GAP;
    bottom - PANEL * units.clamp(0.0, MAX_UNITS) / MAX_UNITS
}

/// A step line through the units of one region.
fn steps(panel: usize, units: &[u32]) -> String {
    let mut points = String::new();
    let mut last = None;
    for (m, u) in units.iter().enumerate() {
        let level = y(panel, f64::from(*u));
        if let Some(previous) = last
            && previous != level
        {
            let _ = write!(points, "{:.1},{previous:.1} ", x(m));
        }
        if last != Some(level) {
            let _ = write!(points, "{:.1},{level:.1} ", x(m));
        }
        last = Some(level);
    }
    if let Some(level) = last {
        let _ = write!(points, "{:.1},{level:.1}", x(units.len()));
    }
    points
}

/// The chart of `days` (one per way, the same load) for regions named `names`.
pub fn svg(days: &[DayResult], names: &[&str], rps_per_unit: f64) -> String {
    let height = TOP + names.len() as f64 * (PANEL + GAP) + 4.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{LEFT}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">One simulated day: units per region (load shaded, in units at 100 % Capacity)</text>\n"
    );
    for (i, day) in days.iter().enumerate() {
        let (stroke, dash, width, label) = style(day.way);
        let lx = LEFT + i as f64 * 250.0;
        let _ = writeln!(
            out,
            "<line x1=\"{lx}\" y1=\"34\" x2=\"{}\" y2=\"34\" stroke=\"{stroke}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"38\">{label}</text>",
            lx + 22.0,
            lx + 28.0,
        );
    }
    let Some(first) = days.first() else {
        return out + "</svg>\n";
    };
    for (panel, name) in names.iter().enumerate() {
        let load = &first.load[panel];
        let mut area = format!("{:.1},{:.1} ", x(0), y(panel, 0.0));
        for (m, rps) in load.iter().enumerate() {
            let _ = write!(area, "{:.1},{:.1} ", x(m), y(panel, rps / rps_per_unit));
        }
        let _ = write!(area, "{:.1},{:.1}", x(load.len()), y(panel, 0.0));
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" font-weight=\"bold\">{name}</text>\n<polygon points=\"{area}\" fill=\"#e5e7eb\"/>",
            LEFT + 4.0,
            y(panel, MAX_UNITS) - 8.0
        );
        for u in (0..=MAX_UNITS as u32).step_by(3) {
            let _ = writeln!(
                out,
                "<line x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#d1d5db\" stroke-width=\"0.5\"/><text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\">{u}</text>",
                y(panel, f64::from(u)),
                x(1440),
                LEFT - 4.0,
                y(panel, f64::from(u)) + 4.0
            );
        }
        for hour in (0..=24).step_by(3) {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{hour:02}:00</text>",
                x(hour * 60),
                y(panel, 0.0) + 13.0
            );
        }
        let mut order: Vec<&DayResult> = days.iter().collect();
        order.sort_by_key(|d| d.way != Way::PrimaryOnly);
        for day in order {
            let (stroke, dash, width, _) = style(day.way);
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\"/>",
                steps(panel, &day.units[panel])
            );
        }
    }
    out + "</svg>\n"
}
