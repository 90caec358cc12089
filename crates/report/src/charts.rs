//! The report's drawings: Duval Triangle 1 and Pentagon 1 with their zones (the outlines the
//! engine classifies with) and the transformer's path of samples, and one trend chart per key
//! gas with its IEEE C57.104-2019 limit lines. Colours are the app's, muted to print well.

use chrono::NaiveDate;
use substation_dga::methods::duval_pentagons::{self, pentagon_1_zones};
use substation_dga::methods::duval_triangles::{Triangle1Lines, triangle_1_zones};
use substation_dga::readout::code;

use crate::canvas::{BLACK, MUTED, Page, Pen, RULE, Rgb, Style};
use crate::fonts::Fonts;

const PATH: Rgb = Rgb(0x1f, 0x4e, 0x79);
const LATEST: Rgb = Rgb(0xc0, 0x39, 0x2b);
const TABLE1: Rgb = Rgb(0xd4, 0x8a, 0x1c);
const TABLE2: Rgb = Rgb(0xc0, 0x39, 0x2b);

/// The app's zone colours (ui/src/components/zones.ts).
pub fn zone_fill(zone: &str) -> Rgb {
    match zone {
        "PD" => Rgb(0xd9, 0xd2, 0xf0),
        "S" => Rgb(0xe4, 0xe7, 0xd2),
        "T1" => Rgb(0xfb, 0xe7, 0xb5),
        "T2" => Rgb(0xf8, 0xcf, 0x8e),
        "T3" => Rgb(0xf3, 0xa8, 0x77),
        "D1" => Rgb(0xbf, 0xe0, 0xf2),
        "D2" => Rgb(0x8f, 0xc3, 0xe6),
        "DT" => Rgb(0xd9, 0xc3, 0xa6),
        _ => Rgb(0xe8, 0xeb, 0xee),
    }
}

/// A drawing's box on the page.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

const HEIGHT: f64 = 0.866_025_403_784_438_6; // √3 / 2

/// %CH4, %C2H4, %C2H2 on a unit triangle: CH4 at the apex, C2H4 bottom right, C2H2 bottom
/// left, as IEC 60599 and IEEE C57.104 draw it (y upwards).
fn ternary([ch4, c2h4, c2h2]: [f64; 3]) -> Option<(f64, f64)> {
    let sum = ch4 + c2h4 + c2h2;
    if sum.is_nan() || sum <= 0.0 {
        return None;
    }
    let (a, b) = (ch4 / sum, c2h4 / sum);
    Some((b + a / 2.0, a * HEIGHT))
}

fn centroid(points: &[(f32, f32)]) -> (f32, f32) {
    let n = points.len().max(1) as f32;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
    (sx / n, sy / n)
}

/// Duval Triangle 1 with the samples' path (oldest to latest; the last point filled red when
/// it is the latest sample's, `latest_plotted`).
pub fn triangle_1(
    page: &mut Page,
    fonts: &Fonts,
    frame: Frame,
    path: &[[f64; 3]],
    latest_plotted: bool,
) {
    let side = (frame.w).min((frame.h - 14.0) / HEIGHT as f32);
    let left = frame.x + (frame.w - side) / 2.0;
    let bottom = frame.y + 4.0 + side * HEIGHT as f32;
    let at = |(x, y): (f64, f64)| (left + x as f32 * side, bottom - y as f32 * side);
    let zones: Vec<(String, Vec<(f32, f32)>)> = triangle_1_zones(Triangle1Lines::default())
        .into_iter()
        .map(|(zone, vertices)| {
            let points = vertices
                .iter()
                .filter_map(|v| ternary(*v))
                .map(at)
                .collect();
            (code(&zone), points)
        })
        .collect();
    zones_with_labels(page, fonts, &zones);
    let outline = vec![at((0.0, 0.0)), at((1.0, 0.0)), at((0.5, HEIGHT))];
    page.polygon(outline, None, Some(Pen::solid(BLACK, 0.7)));
    page.text_centred(
        fonts,
        (left + side / 2.0, frame.y + 1.0),
        Style::new(6.5, false, MUTED),
        "CH4",
    );
    page.text(left - 4.0, bottom + 9.0, 6.5, false, MUTED, "C2H2");
    page.text_right(fonts, left + side + 4.0, bottom + 9.0, 6.5, MUTED, "C2H4");
    let points: Vec<(f32, f32)> = path.iter().filter_map(|p| ternary(*p)).map(at).collect();
    draw_path(page, points, latest_plotted);
}

/// Duval Pentagon 1 with the samples' path.
pub fn pentagon_1(
    page: &mut Page,
    fonts: &Fonts,
    frame: Frame,
    path: &[[f64; 2]],
    latest_plotted: bool,
) {
    // The published figure has radius 40 around the origin, y upwards.
    let scale = (frame.w.min(frame.h - 10.0) / 2.0 - 8.0) / 40.0;
    let cx = frame.x + frame.w / 2.0;
    let cy = frame.y + frame.h / 2.0;
    let at = |x: f64, y: f64| (cx + x as f32 * scale, cy - y as f32 * scale);
    let zones: Vec<(String, Vec<(f32, f32)>)> = pentagon_1_zones()
        .into_iter()
        .map(|(zone, points)| (code(&zone), points.iter().map(|p| at(p.x, p.y)).collect()))
        .collect();
    zones_with_labels(page, fonts, &zones);
    let outline: Vec<(f32, f32)> = duval_pentagons::outline()
        .iter()
        .map(|p| at(p.x, p.y))
        .collect();
    for (point, gas) in outline.iter().zip(["H2", "C2H6", "CH4", "C2H4", "C2H2"]) {
        let (dx, dy) = (point.0 - cx, point.1 - cy);
        let norm = (dx * dx + dy * dy).sqrt().max(1.0);
        let (lx, ly) = (point.0 + dx / norm * 5.0, point.1 + dy / norm * 6.0 + 2.5);
        // Beside the vertex, on its outer side.
        if dx > norm * 0.3 {
            page.text(lx + 1.0, ly, 6.5, false, MUTED, gas);
        } else if dx < -norm * 0.3 {
            page.text_right(fonts, lx - 1.0, ly, 6.5, MUTED, gas);
        } else {
            page.text_centred(fonts, (lx, ly), Style::new(6.5, false, MUTED), gas);
        }
    }
    page.polygon(outline, None, Some(Pen::solid(BLACK, 0.7)));
    let points: Vec<(f32, f32)> = path.iter().map(|p| at(p[0], p[1])).collect();
    draw_path(page, points, latest_plotted);
}

/// The zones filled, then their names on top where a name fits (the thin PD band at the
/// triangle's apex is left unnamed, as in the standards' figures at this size).
fn zones_with_labels(page: &mut Page, fonts: &Fonts, zones: &[(String, Vec<(f32, f32)>)]) {
    for (name, points) in zones {
        page.polygon(
            points.clone(),
            Some(zone_fill(name)),
            Some(Pen::solid(Rgb(0xff, 0xff, 0xff), 0.6)),
        );
    }
    for (name, points) in zones {
        let (min_x, max_x, min_y, max_y) = points.iter().fold(
            (f32::MAX, f32::MIN, f32::MAX, f32::MIN),
            |(a, b, c, d), (x, y)| (a.min(*x), b.max(*x), c.min(*y), d.max(*y)),
        );
        if max_x - min_x < 12.0 || max_y - min_y < 9.0 {
            continue;
        }
        let (cx, cy) = centroid(points);
        page.text_centred(fonts, (cx, cy + 2.5), Style::new(7.0, true, MUTED), name);
    }
}

fn draw_path(page: &mut Page, points: Vec<(f32, f32)>, latest_plotted: bool) {
    let Some(&(lx, ly)) = points.last() else {
        return;
    };
    page.polyline(points.clone(), Pen::solid(PATH, 0.8));
    let older = if latest_plotted {
        points.len() - 1
    } else {
        points.len()
    };
    for &(x, y) in &points[..older] {
        let pen = Some(Pen::solid(PATH, 0.7));
        page.marker(x, y, 1.8, Rgb(0xff, 0xff, 0xff), pen);
    }
    if latest_plotted {
        page.marker(lx, ly, 3.2, LATEST, Some(Pen::solid(BLACK, 0.5)));
    }
}

/// One gas's history for a trend chart.
pub struct Trend<'a> {
    pub gas: &'a str,
    /// (date, ppm) of the measured values, oldest first.
    pub points: Vec<(NaiveDate, f64)>,
    /// Dates of the samples that found the gas below the detection limit (drawn at 0).
    pub below: Vec<NaiveDate>,
    /// The first and the latest sample of the transformer: every chart spans the same dates,
    /// and only a value of the latest sample is marked as the latest.
    pub range: (NaiveDate, NaiveDate),
    pub table1: Option<f64>,
    pub table2: Option<f64>,
    /// Dates to mark with a vertical line (oil processed).
    pub marks: Vec<NaiveDate>,
}

/// A small trend chart: ppm over time, limits dashed.
pub fn trend(page: &mut Page, fonts: &Fonts, frame: Frame, trend: &Trend<'_>, empty: &str) {
    page.rect(
        frame.x,
        frame.y,
        frame.w,
        frame.h,
        None,
        Some(Pen::solid(RULE, 0.5)),
    );
    page.text(frame.x + 4.0, frame.y + 9.0, 7.5, true, BLACK, trend.gas);
    let plot = Frame {
        x: frame.x + 30.0,
        y: frame.y + 14.0,
        w: frame.w - 36.0,
        h: frame.h - 26.0,
    };
    if trend.points.is_empty() && trend.below.is_empty() {
        page.text_centred(
            fonts,
            (plot.x + plot.w / 2.0, plot.y + plot.h / 2.0),
            Style::new(7.0, false, MUTED),
            empty,
        );
        return;
    }
    let top = trend
        .points
        .iter()
        .map(|p| p.1)
        .chain(trend.table1)
        .chain(trend.table2)
        .fold(1.0_f64, f64::max)
        * 1.12;
    let (first, last) = trend.range;
    let span = (last - first).num_days().max(1) as f32;
    let x_of = |d: NaiveDate| plot.x + (d - first).num_days() as f32 / span * plot.w;
    let y_of = |v: f64| plot.y + plot.h - (v / top) as f32 * plot.h;
    // Axis labels: 0 and the top, first and last dates.
    page.line(
        (plot.x, plot.y + plot.h),
        (plot.x + plot.w, plot.y + plot.h),
        Pen::solid(RULE, 0.5),
    );
    page.text_right(fonts, plot.x - 3.0, plot.y + plot.h + 2.0, 6.0, MUTED, "0");
    page.text_right(fonts, plot.x - 3.0, plot.y + 4.0, 6.0, MUTED, &ppm(top));
    page.text(
        plot.x,
        frame.y + frame.h - 3.0,
        6.0,
        false,
        MUTED,
        &first.to_string(),
    );
    if last != first {
        page.text_right(
            fonts,
            plot.x + plot.w,
            frame.y + frame.h - 3.0,
            6.0,
            MUTED,
            &last.to_string(),
        );
    }
    for mark in &trend.marks {
        if (first..=last).contains(mark) {
            let x = x_of(*mark);
            page.line((x, plot.y), (x, plot.y + plot.h), Pen::dashed(PATH, 0.7));
        }
    }
    for (limit, colour) in [(trend.table1, TABLE1), (trend.table2, TABLE2)] {
        if let Some(limit) = limit {
            let y = y_of(limit);
            page.line((plot.x, y), (plot.x + plot.w, y), Pen::dashed(colour, 0.7));
        }
    }
    for date in &trend.below {
        let (x, y) = (x_of(*date), y_of(0.0));
        page.marker(
            x,
            y,
            1.6,
            Rgb(0xff, 0xff, 0xff),
            Some(Pen::solid(PATH, 0.6)),
        );
    }
    let points: Vec<(f32, f32)> = trend
        .points
        .iter()
        .map(|(d, v)| (x_of(*d), y_of(*v)))
        .collect();
    page.polyline(points.clone(), Pen::solid(PATH, 0.9));
    for (&(x, y), (date, _)) in points.iter().zip(&trend.points) {
        let (r, fill) = if *date == last {
            (2.2, LATEST)
        } else {
            (1.2, PATH)
        };
        page.marker(x, y, r, fill, None);
    }
}

/// A legend line under the trend charts: the two limit styles.
pub fn trend_legend(page: &mut Page, fonts: &Fonts, x: f32, y: f32, table1: &str, table2: &str) {
    page.line((x, y - 2.5), (x + 16.0, y - 2.5), Pen::dashed(TABLE1, 0.8));
    page.text(x + 20.0, y, 7.0, false, MUTED, table1);
    let x2 = x + 28.0 + fonts.regular.width(table1, 7.0);
    page.line(
        (x2, y - 2.5),
        (x2 + 16.0, y - 2.5),
        Pen::dashed(TABLE2, 0.8),
    );
    page.text(x2 + 20.0, y, 7.0, false, MUTED, table2);
}

/// A ppm figure as the app prints it: no decimals from 100, one below.
pub fn ppm(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        format!("{value:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

/// A gas reading as the lab writes it: ppm, `<n` below a detection limit, `ND`, `—` not
/// measured.
pub fn gas_value(value: substation_dga::GasValue) -> String {
    use substation_dga::GasValue;
    match value {
        GasValue::Measured(value) => ppm(value),
        GasValue::BelowDetection { limit: Some(limit) } => format!("<{}", ppm(limit)),
        GasValue::BelowDetection { limit: None } => "ND".into(),
        GasValue::NotMeasured => "—".into(),
    }
}
