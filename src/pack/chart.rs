//! The pack's charts as inline SVG, drawn by `plotters` (its SVG backend). Values
//! arrive as exact decimals; `f64` is used for pixel geometry only: every label on
//! a chart (axis ticks, bar values) is written from a `Decimal`. Tick steps are
//! chosen in `Decimal` (1, 2 or 5 × a power of ten), so a tick label is exactly the
//! value its line stands for. Each SVG carries a `<title>` and `<desc>` and is
//! labelled by them; the page puts its numbers in a table beside it.

use maud::{Markup, PreEscaped, html};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::render::Kind;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 360;
/// A bar chart grows by this much per bar past ten, so labels never overlap.
const BAR_PITCH: u32 = 26;
const FONT: &str = "sans-serif";
/// About how wide a character of a 12 px label is (to see whether a label fits).
const LABEL_CHAR_PX: i32 = 7;

/// Series colours (colour-blind-safe Okabe–Ito order), cycled.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];
const GRID: RGBColor = RGBColor(221, 226, 231);
const INK: RGBColor = RGBColor(29, 39, 51);
const UP: RGBColor = RGBColor(26, 127, 55);
const DOWN: RGBColor = RGBColor(180, 35, 24);

/// What a chart says about itself: its id (for `aria-labelledby`), title, the
/// sentence a screen reader gets, and its axes' names with units.
pub struct Labels<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub x: &'a str,
    pub y: &'a str,
}

/// One line of a line chart: a value per category (`None`: no point).
pub struct Line {
    pub name: String,
    pub values: Vec<Option<Decimal>>,
}

/// A line chart over `categories` (months), one line per series, with a legend.
pub fn lines(
    labels: &Labels<'_>,
    categories: &[String],
    series: &[Line],
) -> anyhow::Result<Markup> {
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied());
    let ticks = ticks(values);
    let n = categories.len().max(1);
    let svg = draw(labels, HEIGHT, |root| {
        let (lo, hi) = (f(ticks[0]), f(ticks[ticks.len() - 1]));
        let mut chart = frame(root, labels, 84, (-0.5, n as f64 - 0.5), (lo, hi))?;
        y_ticks(root, &chart, &ticks, -0.5, n as f64 - 0.5)?;
        let every = n.div_ceil(12);
        for (i, month) in categories.iter().enumerate() {
            // Counted from the newest month, so it is always labelled.
            if (n - 1 - i).is_multiple_of(every) {
                let (x, y) = chart.backend_coord(&(i as f64, lo));
                let style = (FONT, 12).into_font().color(&INK);
                let style = style.pos(Pos::new(HPos::Center, VPos::Top));
                root.draw(&Text::new(clean(month), (x, y + 6), style))
                    .map_err(drawing)?;
            }
        }
        for (k, line) in series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let points: Vec<(f64, f64)> = line
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i as f64, f(v))))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(drawing)?
                .label(clean(&line.name))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(drawing)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .label_font((FONT, 13).into_font().color(&INK))
            .draw()
            .map_err(drawing)?;
        Ok(())
    })?;
    Ok(svg)
}

/// Horizontal bars of money, one per (label, value), the first at the top;
/// negative values extend left, positive right (`signed`: red and green by sign).
pub fn bars(
    labels: &Labels<'_>,
    bars: &[(String, Decimal)],
    signed: bool,
) -> anyhow::Result<Markup> {
    // Room beyond the longest bar for its value label: the range covers 115 % of it.
    let room = Decimal::new(115, 2);
    let ticks = ticks(bars.iter().map(|(_, v)| *v * room));
    let n = bars.len().max(1);
    let height = HEIGHT.max(100 + BAR_PITCH * n as u32);
    let svg = draw(labels, height, |root| {
        let (lo, hi) = (f(ticks[0]), f(ticks[ticks.len() - 1]));
        let mut chart = frame(root, labels, 250, (lo, hi), (-0.5, n as f64 - 0.5))?;
        // Value ticks along the bottom, with vertical grid lines.
        for &t in &ticks {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(f(t), -0.5), (f(t), n as f64 - 0.5)],
                    GRID.stroke_width(1),
                )))
                .map_err(drawing)?;
            let (x, y) = chart.backend_coord(&(f(t), -0.5));
            let style = (FONT, 12).into_font().color(&INK);
            let style = style.pos(Pos::new(HPos::Center, VPos::Top));
            root.draw(&Text::new(tick_label(t), (x, y + 6), style))
                .map_err(drawing)?;
        }
        for (i, (label, value)) in bars.iter().enumerate() {
            // The first bar at the top.
            let row = (n - 1 - i) as f64;
            let color = match (signed, value.is_sign_negative()) {
                (true, true) => DOWN,
                (true, false) => UP,
                (false, _) => PALETTE[0],
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, row - 0.35), (f(*value), row + 0.35)],
                    color.filled(),
                )))
                .map_err(drawing)?;
            let (x0, y) = chart.backend_coord(&(lo, row));
            let name_style = (FONT, 12).into_font().color(&INK);
            let name_style = name_style.pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(shortened(label, 38), (x0 - 8, y), name_style))
                .map_err(drawing)?;
            let (xv, _) = chart.backend_coord(&(f(*value), row));
            let (x_zero, _) = chart.backend_coord(&(0.0, row));
            let (x_hi, _) = chart.backend_coord(&(hi, row));
            // Beyond the bar's end, or (when the plot's edge leaves too little room
            // there, as for a credit far larger than the other moves) inside it, in white.
            let text = Kind::Money.decimal(*value);
            let width = LABEL_CHAR_PX * text.chars().count() as i32 + 4;
            let outward = xv >= x_zero;
            let room = if outward { x_hi - xv } else { xv - x0 };
            let inside = room < width;
            let (at, pos) = if outward != inside {
                (xv + 4, HPos::Left)
            } else {
                (xv - 4, HPos::Right)
            };
            let ink = if inside { &WHITE } else { &INK };
            let value_style = (FONT, 12).into_font().color(ink);
            let value_style = value_style.pos(Pos::new(pos, VPos::Center));
            root.draw(&Text::new(text, (at, y), value_style))
                .map_err(drawing)?;
        }
        Ok(())
    })?;
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The chart's frame: its caption, plotting area over `x` × `y`, the axes and their
/// names (tick labels are drawn by the caller, from exact values).
fn frame<'a>(
    root: &Area<'a>,
    labels: &Labels<'_>,
    y_label_area: u32,
    x: (f64, f64),
    y: (f64, f64),
) -> anyhow::Result<Chart<'a>> {
    let mut chart = ChartBuilder::on(root)
        .caption(clean(labels.title), (FONT, 20).into_font().color(&INK))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(clean(labels.x))
        .y_desc(clean(labels.y))
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .axis_style(INK)
        .draw()
        .map_err(drawing)?;
    Ok(chart)
}

/// Draws on a fresh SVG and returns it with its `<title>` and `<desc>`, labelled
/// for screen readers, without the XML namespace URL (inline SVG needs none).
fn draw(
    labels: &Labels<'_>,
    height: u32,
    paint: impl FnOnce(&Area<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Markup> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        paint(&root)?;
        root.present().map_err(drawing)?;
    }
    let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let Some(open_end) = svg.find('>') else {
        anyhow::bail!("the chart {} has no <svg> element", labels.id);
    };
    let (open, rest) = svg.split_at(open_end);
    let id = labels.id;
    let head = html! {
        title id={ (id) "-title" } { (labels.title) }
        desc id={ (id) "-desc" } { (labels.desc) }
    };
    Ok(PreEscaped(format!(
        "{} role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">{}{}",
        open.trim_end(),
        head.into_string(),
        &rest[1..]
    )))
}

/// Horizontal grid lines and their labels at `ticks` (on the left axis).
fn y_ticks<'a>(
    root: &Area<'a>,
    chart: &Chart<'a>,
    ticks: &[Decimal],
    x0: f64,
    x1: f64,
) -> anyhow::Result<()> {
    for &t in ticks {
        let (px, py) = chart.backend_coord(&(x0, f(t)));
        if t.is_zero() || t != ticks[0] {
            let grid = if t.is_zero() { INK } else { GRID };
            root.draw(&PathElement::new(
                vec![(px, py), (chart.backend_coord(&(x1, f(t))).0, py)],
                grid.stroke_width(1),
            ))
            .map_err(drawing)?;
        }
        let style = (FONT, 12).into_font().color(&INK);
        let style = style.pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(tick_label(t), (px - 6, py), style))
            .map_err(drawing)?;
    }
    Ok(())
}

/// A tick's label: the exact tick value, grouped, without trailing zeros.
fn tick_label(t: Decimal) -> String {
    Kind::Quantity.decimal(t)
}

/// Evenly spaced round ticks (1, 2 or 5 × 10ⁿ apart, about five of them) that
/// cover every value and 0, computed in `Decimal`.
pub fn ticks(values: impl Iterator<Item = Decimal>) -> Vec<Decimal> {
    let (mut lo, mut hi) = (Decimal::ZERO, Decimal::ZERO);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo == hi {
        hi = lo + Decimal::ONE;
    }
    let raw = (hi - lo) / Decimal::from(5);
    let mut power = Decimal::ONE;
    while power * Decimal::TEN <= raw {
        power *= Decimal::TEN;
    }
    while power > raw && power > Decimal::new(1, 4) {
        power /= Decimal::TEN;
    }
    let step = [1, 2, 5, 10]
        .into_iter()
        .map(|k| power * Decimal::from(k))
        .find(|s| *s >= raw)
        .unwrap_or(power * Decimal::TEN);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut t = first;
    while t <= last {
        ticks.push(t.normalize());
        t += step;
    }
    ticks
}

/// A decimal as a pixel-geometry coordinate (the only place a float appears).
fn f(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// Text for a chart, control characters replaced (SVG is XML).
fn clean(text: &str) -> String {
    crate::render::html::printable(text).into_owned()
}

fn shortened(text: &str, max: usize) -> String {
    let text = clean(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn drawing<E: std::fmt::Debug>(error: E) -> anyhow::Error {
    anyhow::anyhow!("drawing a chart: {error:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn shown(ticks: Vec<Decimal>) -> Vec<String> {
        ticks.into_iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn ticks_are_round_exact_and_cover_zero_and_every_value() {
        assert_eq!(
            shown(ticks([d("0"), d("1234.56")].into_iter())),
            ["0", "500", "1000", "1500"]
        );
        assert_eq!(
            shown(ticks([d("-35.2"), d("80")].into_iter())),
            ["-50", "0", "50", "100"]
        );
        assert_eq!(
            shown(ticks(std::iter::empty())),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
        assert_eq!(
            shown(ticks([d("0.03")].into_iter())),
            ["0", "0.01", "0.02", "0.03"]
        );
    }

    #[test]
    fn a_chart_has_its_title_and_description_and_no_url() {
        let labels = Labels {
            id: "trend",
            title: "Cost <per> month",
            desc: "Cost & sell",
            x: "billing month",
            y: "USD",
        };
        let svg = lines(
            &labels,
            &["2019-11".into(), "2019-12".into()],
            &[Line {
                name: "cost".into(),
                values: vec![Some(d("1234.5")), Some(d("1300"))],
            }],
        )
        .unwrap()
        .into_string();
        assert!(svg.starts_with("<svg "), "{}", &svg[..80]);
        assert!(svg.contains("role=\"img\" aria-labelledby=\"trend-title trend-desc\">"));
        assert!(svg.contains("<title id=\"trend-title\">Cost &lt;per&gt; month</title>"));
        assert!(svg.contains("<desc id=\"trend-desc\">Cost &amp; sell</desc>"));
        assert!(!svg.contains("http"));
        for label in ["1,500", "2019-11", "2019-12", "billing month", "USD"] {
            assert!(svg.contains(label), "{label} missing");
        }
        let bars = bars(
            &labels,
            &[("a".into(), d("-5.25")), ("b".into(), d("12"))],
            true,
        )
        .unwrap()
        .into_string();
        assert!(
            bars.contains(">\n-5.25\n<") && bars.contains(">\n12.00\n<"),
            "{bars}"
        );
    }

    /// A value label goes beyond its bar's end, or inside the bar in white where
    /// the plot's edge leaves no room for it (a credit far larger than the other
    /// moves ran into the sub-accounts' names).
    #[test]
    fn a_value_label_without_room_outside_goes_inside_its_bar() {
        let labels = Labels {
            id: "movers",
            title: "Moves",
            desc: "Moves",
            x: "change",
            y: "sub-account",
        };
        let svg = bars(
            &labels,
            &[
                ("1300063 Harbor Dental 222".into(), d("1928.50")),
                ("1332899 Bücher & Söhne 242".into(), d("-1721.27")),
                ("1317357 Cedar Law 128".into(), d("-1030.46")),
            ],
            true,
        )
        .unwrap()
        .into_string();
        // The text element holding a value, with its attributes.
        let text_of = |value: &str| {
            let end = svg.find(&format!(">\n{value}\n<")).expect(value);
            let start = svg[..end].rfind("<text").unwrap();
            svg[start..end].to_owned()
        };
        let inside = text_of("-1,721.27");
        assert!(
            inside.contains("fill=\"#FFFFFF\"") && inside.contains("text-anchor=\"start\""),
            "{inside}"
        );
        let outside = text_of("-1,030.46");
        assert!(
            !outside.contains("#FFFFFF") && outside.contains("text-anchor=\"end\""),
            "{outside}"
        );
    }
}
