//! The report's charts, drawn server-side as SVG with plotters: bars with
//! their 95% intervals, ranges where a figure is known only within bounds,
//! a histogram with its median and p90 marked, a conversation's timeline
//! and its sentiment line.
//!
//! Each semantic colour is used for one thing only ([`PASS`] for pass-rate
//! bars, [`UNSCORED`] for unscored shares, [`RANGE`] for ranges ...), so
//! that the SVG elements of a chart can be counted by colour, as the
//! browser test does. Text drawn
//! into a chart goes through [`super::visible`] first; plotters escapes it.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pass-rate bars.
pub const PASS: RGBColor = RGBColor(46, 125, 50);
/// Unscored shares, kept apart from pass and fail.
pub const UNSCORED: RGBColor = RGBColor(144, 144, 144);
/// Rates where lower is better (re-contact), and failures.
pub const FAIL: RGBColor = RGBColor(198, 40, 40);
/// Means (CSAT) and the candidate run of a gate.
pub const MEAN: RGBColor = RGBColor(21, 101, 192);
/// The baseline run of a gate.
pub const BASELINE: RGBColor = RGBColor(120, 144, 156);
/// The change from baseline to candidate.
pub const CHANGE: RGBColor = RGBColor(239, 108, 0);
/// Histogram bins.
pub const BIN: RGBColor = RGBColor(92, 107, 192);
/// Not applicable.
pub const NA: RGBColor = RGBColor(215, 215, 215);
/// Ranges: where some verdicts went unscored, the band a rate lies in.
pub const RANGE: RGBColor = RGBColor(123, 31, 162);

const FONT: &str = "sans-serif";
const ROW: u32 = 22;

/// A chart that could not be drawn (a bug, not a user error).
#[derive(Debug, thiserror::Error)]
#[error("chart `{chart}`: {message}")]
pub struct ChartError {
    chart: String,
    message: String,
}

fn failed(chart: &str) -> impl Fn(&dyn std::fmt::Display) -> ChartError + '_ {
    move |err| ChartError {
        chart: chart.to_string(),
        message: err.to_string(),
    }
}

/// One row of a bar panel: its label and what is known of its figure.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub mark: Mark,
}

/// What a row of a bar panel draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    /// Nothing known: the row stays empty.
    Empty,
    /// A measured value: a bar from zero (in the panel's colour) and, when
    /// given, its interval as an error bar.
    Value {
        value: f64,
        interval: Option<(f64, f64)>,
    },
    /// A range the value lies in, not a measurement: a band from `low` to
    /// `high` outlined in [`RANGE`], with no bar from zero and no interval.
    Range { low: f64, high: f64 },
}

impl Mark {
    pub fn value(&self) -> Option<f64> {
        match self {
            Mark::Value { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// The highest point the mark reaches: the interval's or the range's top.
    pub fn top(&self) -> Option<f64> {
        match self {
            Mark::Empty => None,
            Mark::Value { value, interval } => Some(interval.map_or(*value, |i| i.1)),
            Mark::Range { high, .. } => Some(*high),
        }
    }
}

/// A panel of horizontal bars.
pub struct Bars<'a> {
    pub title: &'a str,
    pub bars: &'a [Bar],
    pub range: Range<f64>,
    pub format: fn(f64) -> String,
    pub color: RGBColor,
    /// Pixels for the labels left of the bars.
    pub label_width: u32,
}

impl Bars<'_> {
    fn height(&self) -> u32 {
        46 + ROW * self.bars.len().max(1) as u32
    }
}

/// Sub-segments per bar on the category axis: the bar spans the middle
/// three, its label and interval sit at the centre of the second.
const SUB: i32 = 5;

/// Draws horizontal bars, the first at the top: a value as one `rect` of
/// the panel's colour with its interval as an error bar; a range as two
/// `rect`s in [`RANGE`] (a light fill, then an outline: `stroke` is
/// [`RANGE`] on the outline only); an empty row as nothing. Marks of each
/// kind are drawn in row order.
fn draw_bars(area: &DrawingArea<SVGBackend<'_>, Shift>, spec: &Bars<'_>) -> Result<(), ChartError> {
    let fail = failed(spec.title);
    let n = spec.bars.len().max(1) as i32;
    let mut chart = ChartBuilder::on(area)
        .margin(4)
        .margin_right(14)
        .caption(super::visible(spec.title), (FONT, 14))
        .x_label_area_size(20)
        .y_label_area_size(spec.label_width)
        .set_label_area_size(LabelAreaPosition::Left, spec.label_width)
        .build_cartesian_2d(spec.range.clone(), (0..n * SUB).into_segmented())
        .map_err(|e| fail(&e))?;
    // Two no-break spaces keep a label off the axis it ends at.
    let labels: Vec<String> = spec
        .bars
        .iter()
        .map(|b| format!("{}\u{a0}\u{a0}", super::visible(&b.label)))
        .collect();
    // The first bar at the top: bar i sits in the segments of slot n-1-i.
    let slot = |i: usize| n - 1 - i as i32;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(5)
        .y_labels((n * SUB) as usize)
        .set_tick_mark_size(LabelAreaPosition::Left, 0)
        .x_label_formatter(&|v| (spec.format)(*v))
        .y_label_formatter(&|v| match v {
            // A panel beside another shares its labels.
            _ if spec.label_width < 20 => String::new(),
            SegmentValue::CenterOf(j) if j % SUB == 1 => labels
                .get((n - 1 - j / SUB) as usize)
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .label_style((FONT, 12))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(|e| fail(&e))?;
    let zero = 0f64.clamp(spec.range.start, spec.range.end);
    chart
        .draw_series(spec.bars.iter().enumerate().filter_map(|(i, b)| {
            let value = b.mark.value()?;
            // From zero (or the axis start) to the value, either side.
            let segment = slot(i) * SUB;
            Some(Rectangle::new(
                [
                    (zero.min(value), SegmentValue::Exact(segment + 1)),
                    (zero.max(value), SegmentValue::Exact(segment + 3)),
                ],
                spec.color.filled(),
            ))
        }))
        .map_err(|e| fail(&e))?;
    chart
        .draw_series(spec.bars.iter().enumerate().filter_map(|(i, b)| {
            let Mark::Value {
                value,
                interval: Some((low, high)),
            } = b.mark
            else {
                return None;
            };
            Some(ErrorBar::new_horizontal(
                SegmentValue::CenterOf(slot(i) * SUB + 1),
                low,
                value,
                high,
                BLACK.stroke_width(1),
                8,
            ))
        }))
        .map_err(|e| fail(&e))?;
    // A range too narrow to see still shows as a sliver.
    let least = (spec.range.end - spec.range.start) * 0.006;
    let ranges: Vec<(usize, f64, f64)> = spec
        .bars
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b.mark {
            Mark::Range { low, high } => Some((i, low, high.max(low + least))),
            _ => None,
        })
        .collect();
    let band = |(i, low, high): &(usize, f64, f64), style: ShapeStyle| {
        let segment = slot(*i) * SUB;
        Rectangle::new(
            [
                (*low, SegmentValue::Exact(segment + 1)),
                (*high, SegmentValue::Exact(segment + 3)),
            ],
            style,
        )
    };
    chart
        .draw_series(ranges.iter().map(|r| band(r, RANGE.mix(0.12).filled())))
        .map_err(|e| fail(&e))?;
    // Hatching, in pixels from each band's top-left corner: a range reads
    // as what is not known, never as a bar.
    let mut strokes = Vec::new();
    for &(i, low, high) in &ranges {
        let segment = slot(i) * SUB;
        let corner = (low, SegmentValue::Exact(segment + 3));
        let (x0, y0) = chart.backend_coord(&corner);
        let (x1, y1) = chart.backend_coord(&(high, SegmentValue::Exact(segment + 1)));
        for line in hatch(x1 - x0, y1 - y0, 6) {
            strokes.push(
                EmptyElement::at(corner.clone())
                    + PathElement::new(line.to_vec(), RANGE.mix(0.6).stroke_width(1)),
            );
        }
    }
    chart.draw_series(strokes).map_err(|e| fail(&e))?;
    chart
        .draw_series(ranges.iter().map(|r| band(r, RANGE.stroke_width(2))))
        .map_err(|e| fail(&e))?;
    Ok(())
}

/// Diagonal strokes `step` pixels apart filling a `width` by `height` box,
/// each from lower left to upper right, in pixels from its top-left corner.
fn hatch(width: i32, height: i32, step: usize) -> Vec<[(i32, i32); 2]> {
    (1 - height..width)
        .step_by(step.max(1))
        .filter_map(|k| {
            let from = 0.max(-k);
            let to = height.min(width - k);
            (to > from).then(|| [(k + from, height - from), (k + to, height - to)])
        })
        .collect()
}

/// Draws an SVG document named for assistive technology: `role="img"`,
/// an `aria-label` and a `<title>` holding `name`, which states the values
/// drawn, so that a screen reader (or a printout's reader) gets the figures
/// without the picture (WAI-ARIA `img` role; SVG `title` element).
fn svg(
    size: (u32, u32),
    name: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root)?;
        root.present().map_err(|e| failed("svg")(&e))?;
    }
    Ok(named(out, name))
}

/// Escapes text for an XML attribute or element.
fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Adds the role, the `aria-label` and the `<title>` to the `<svg>` element.
fn named(svg: String, name: &str) -> String {
    let Some(open) = svg.find("<svg") else {
        return svg;
    };
    let Some(close) = svg[open..].find('>').map(|i| open + i) else {
        return svg;
    };
    let name = xml_text(name);
    let mut out = String::with_capacity(svg.len() + 2 * name.len() + 48);
    out.push_str(&svg[..close]);
    out.push_str(&format!(r#" role="img" aria-label="{name}">"#));
    out.push_str(&format!("<title>{name}</title>"));
    out.push_str(&svg[close + 1..]);
    out
}

/// What a mark shows, in words.
fn mark_text(mark: &Mark, format: fn(f64) -> String) -> String {
    match mark {
        Mark::Empty => "none".to_string(),
        Mark::Value {
            value,
            interval: Some((low, high)),
        } => format!("{} [{} to {}]", format(*value), format(*low), format(*high)),
        Mark::Value { value, .. } => format(*value),
        Mark::Range { low, high } => {
            format!("between {} and {}", format(*low), format(*high))
        }
    }
}

/// A panel of bars in words: its title, then each bar's label and mark.
fn bars_text(spec: &Bars<'_>) -> String {
    let bars: Vec<String> = spec
        .bars
        .iter()
        .map(|b| format!("{} {}", b.label, mark_text(&b.mark, spec.format)))
        .collect();
    format!("{}: {}", spec.title, bars.join("; "))
}

/// One panel of bars as an SVG document.
pub fn bars(spec: &Bars<'_>, width: u32) -> Result<String, ChartError> {
    svg((width, spec.height()), &bars_text(spec), |root| {
        draw_bars(root, spec)
    })
}

/// Panels of bars side by side, each with its width in pixels.
pub fn panels(panels: &[(Bars<'_>, u32)]) -> Result<String, ChartError> {
    let height = panels.iter().map(|(p, _)| p.height()).max().unwrap_or(46);
    let width: u32 = panels.iter().map(|(_, w)| *w).sum();
    let name: Vec<String> = panels.iter().map(|(p, _)| bars_text(p)).collect();
    svg((width, height), &name.join(". "), |root| {
        let mut rest = root.clone();
        for (spec, w) in panels {
            let (area, right) = rest.split_horizontally(*w);
            draw_bars(&area, spec)?;
            rest = right;
        }
        Ok(())
    })
}

/// Percent of a fraction.
pub fn percent(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// A number with one decimal.
pub fn one_decimal(v: f64) -> String {
    format!("{v:.1}")
}

/// Signed percentage points of a fraction.
pub fn points(v: f64) -> String {
    let points = (v * 100.0).round();
    if points == 0.0 {
        "0".to_string()
    } else {
        format!("{points:+.0}")
    }
}

/// A stacked bar of call verdicts: (label, count, colour) in order.
pub fn stacked(title: &str, parts: &[(&str, u64, RGBColor)]) -> Result<String, ChartError> {
    let fail = failed(title);
    let total: u64 = parts.iter().map(|p| p.1).sum();
    let counts: Vec<String> = parts.iter().map(|(l, c, _)| format!("{l} {c}")).collect();
    let name = format!("{title}: {} of {total}", counts.join(", "));
    svg((760, 92), &name, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(4)
            .margin_right(14)
            .caption(title, (FONT, 14))
            .x_label_area_size(20)
            .build_cartesian_2d(0f64..total.max(1) as f64, 0f64..1f64)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .disable_y_axis()
            .x_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 12))
            .draw()
            .map_err(|e| fail(&e))?;
        let mut start = 0.0;
        let mut segments = Vec::new();
        for (label, count, color) in parts {
            let end = start + *count as f64;
            if *count > 0 {
                segments.push((start, end, *label, *count, *color));
            }
            start = end;
        }
        chart
            .draw_series(segments.iter().map(|(a, b, _, _, color)| {
                Rectangle::new([(*a, 0.15), (*b, 0.85)], color.mix(0.85).filled())
            }))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(
                segments
                    .iter()
                    .filter(|s| (s.1 - s.0) / total.max(1) as f64 > 0.06)
                    .map(|(a, b, label, count, _)| {
                        Text::new(
                            format!("{label} {count}"),
                            ((a + b) / 2.0, 0.5),
                            (FONT, 12)
                                .into_font()
                                .color(&BLACK)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        )
                    }),
            )
            .map_err(|e| fail(&e))?;
        Ok(())
    })
}

/// A histogram of seconds with the median and p90 marked as vertical lines.
pub fn response_times(
    title: &str,
    times: &[f32],
    median: Option<f64>,
    p90: Option<f64>,
) -> Result<(String, usize), ChartError> {
    let fail = failed(title);
    let mut sorted: Vec<f32> = times.iter().copied().filter(|t| t.is_finite()).collect();
    sorted.sort_by(f32::total_cmp);
    // Bins up to the 99th percentile; slower calls go in the last bin.
    let top = sorted
        .get((sorted.len() * 99 / 100).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(60.0)
        .max(p90.unwrap_or(0.0) as f32)
        .max(1.0) as f64;
    let width = nice_step(top / 24.0);
    let bins = (top / width).ceil().max(1.0) as usize;
    let mut counts = vec![0u64; bins];
    for t in &sorted {
        let i = ((*t as f64 / width).floor().max(0.0) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let highest = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let filled = counts.iter().filter(|c| **c > 0).count();
    let name = format!(
        "{title}: {} measured; median {}, p90 {}",
        sorted.len(),
        median.map_or("-".to_string(), super::duration),
        p90.map_or("-".to_string(), super::duration)
    );
    let chart_svg = svg((760, 260), &name, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(6)
            .margin_right(18)
            .caption(title, (FONT, 14))
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..bins as f64 * width, 0f64..highest * 1.15)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("seconds from connect to the first meaningful human turn")
            .y_desc("calls")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 12))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(i, c)| {
                        let x = i as f64 * width;
                        Rectangle::new([(x, 0.0), (x + width * 0.92, *c as f64)], BIN.filled())
                    }),
            )
            .map_err(|e| fail(&e))?;
        for (name, value, color) in [("median", median, BLACK), ("p90", p90, FAIL)] {
            let Some(value) = value else { continue };
            let x = value.min(bins as f64 * width);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, highest * 1.12)],
                    color.stroke_width(2),
                )))
                .map_err(|e| fail(&e))?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{name} {}", super::duration(value)),
                    (x, highest * 1.12),
                    (FONT, 12)
                        .into_font()
                        .color(&color)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))
                .map_err(|e| fail(&e))?;
        }
        Ok(())
    })?;
    Ok((chart_svg, filled))
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

/// What a conversation's timeline shows, in seconds from its start.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub end: f64,
    /// Where the AI phase ends: the escalation, else the end.
    pub escalation: Option<f64>,
    pub queue_joined: Option<f64>,
    pub context_delivered: Option<f64>,
    pub human_connected: Option<f64>,
    /// Turns: (seconds, lane) with lanes 0 customer, 1 AI, 3 human.
    pub turns: Vec<(f64, usize)>,
    /// Tool calls, offers and human actions: (seconds, lane).
    pub actions: Vec<(f64, usize)>,
}

const LANES: [&str; 5] = ["customer", "AI agent", "queue", "context", "human agent"];

/// The timeline as lanes: the AI phase, the queue, the context delivery
/// and the human phase as bars, turns and actions as dots, and the gap
/// between `contextDelivered` and `humanConnected` drawn and labelled.
pub fn timeline(spec: &Timeline) -> Result<String, ChartError> {
    let fail = failed("timeline");
    let end = spec.end.max(1.0);
    let lane = |i: usize| (LANES.len() - 1 - i) as f64;
    let at = |label: &str, t: Option<f64>| t.map(|t| format!("{label} at {}", super::duration(t)));
    let moments: Vec<String> = [
        at("escalation", spec.escalation),
        at("queue joined", spec.queue_joined),
        at("context delivered", spec.context_delivered),
        at("human connected", spec.human_connected),
    ]
    .into_iter()
    .flatten()
    .collect();
    let name = format!(
        "timeline of {}: {}{}; {} turns and {} actions drawn",
        super::duration(spec.end),
        if moments.is_empty() {
            "no escalation".to_string()
        } else {
            moments.join(", ")
        },
        match (spec.context_delivered, spec.human_connected) {
            (Some(d), Some(c)) => format!("; {} from context to connect", super::duration(c - d)),
            _ => String::new(),
        },
        spec.turns.len(),
        spec.actions.len()
    );
    svg((760, 200), &name, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(6)
            .margin_right(18)
            .x_label_area_size(22)
            .y_label_area_size(86)
            .build_cartesian_2d(0f64..end * 1.02, -0.6f64..(LANES.len() as f64 - 0.4))
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(8)
            .y_labels(LANES.len())
            .x_label_formatter(&|v| super::duration(*v))
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                LANES
                    .get(LANES.len().wrapping_sub(1 + i as usize))
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            })
            .label_style((FONT, 12))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| fail(&e))?;
        let band = |from: f64, to: f64, at: usize, color: RGBColor| {
            Rectangle::new(
                [
                    (from, lane(at) - 0.28),
                    (to.max(from + end * 0.004), lane(at) + 0.28),
                ],
                color.mix(0.35).filled(),
            )
        };
        let mut bands = Vec::new();
        bands.push(band(0.0, spec.escalation.unwrap_or(end), 1, MEAN));
        if let Some(queued) = spec.queue_joined {
            bands.push(band(
                queued,
                spec.human_connected.unwrap_or(end),
                2,
                UNSCORED,
            ));
        }
        if let Some(connected) = spec.human_connected {
            bands.push(band(connected, end, 4, PASS));
        }
        chart.draw_series(bands).map_err(|e| fail(&e))?;
        chart
            .draw_series(
                spec.turns
                    .iter()
                    .map(|(t, at)| Circle::new((*t, lane(*at)), 4, BLACK.filled())),
            )
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(
                spec.actions
                    .iter()
                    .map(|(t, at)| TriangleMarker::new((*t, lane(*at)), 5, MEAN.filled())),
            )
            .map_err(|e| fail(&e))?;
        let marker = |t: f64, text: &str, color: RGBColor| {
            EmptyElement::at((t, lane(3)))
                + Cross::new((0, 0), 5, color.stroke_width(2))
                + Text::new(
                    text.to_string(),
                    (8, 2),
                    (FONT, 11).into_font().color(&color),
                )
        };
        if let Some(t) = spec.escalation {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((t, lane(1)))
                        + Cross::new((0, 0), 6, FAIL.stroke_width(2))
                        + Text::new("escalation", (6, -16), (FONT, 11).into_font().color(&FAIL)),
                ))
                .map_err(|e| fail(&e))?;
        }
        if let Some(t) = spec.context_delivered {
            chart
                .draw_series(std::iter::once(marker(t, "context delivered", MEAN)))
                .map_err(|e| fail(&e))?;
        }
        if let (Some(delivered), Some(connected)) = (spec.context_delivered, spec.human_connected) {
            let gap = connected - delivered;
            let (color, text) = if gap >= 0.0 {
                (PASS, format!("{} before connect", super::duration(gap)))
            } else {
                (FAIL, format!("{} after connect", super::duration(-gap)))
            };
            let y = lane(3);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(delivered, y), (connected, y)],
                    color.stroke_width(4),
                )))
                .map_err(|e| fail(&e))?;
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (delivered.min(connected), y + 0.22),
                    (FONT, 11)
                        .into_font()
                        .color(&color)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))
                .map_err(|e| fail(&e))?;
        }
        if let Some(t) = spec.human_connected {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((t, lane(4)))
                        + Cross::new((0, 0), 6, PASS.stroke_width(2))
                        + Text::new(
                            "human connected",
                            (6, -16),
                            (FONT, 11).into_font().color(&PASS),
                        ),
                ))
                .map_err(|e| fail(&e))?;
        }
        Ok(())
    })
}

/// Where a sentiment line's points sit along its axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Along {
    /// Seconds from the start of the conversation.
    Seconds,
    /// The index of the event (a conversation without a clock).
    Event,
}

impl Along {
    fn label(self, v: f64) -> String {
        match self {
            Along::Seconds => super::duration(v),
            Along::Event => format!("#{v:.0}"),
        }
    }
}

/// The customer's sentiment: (position, score in [-1, 1]), the position
/// in seconds or by event, as `along` says.
pub fn sentiment(points: &[(f64, f64)], end: f64, along: Along) -> Result<String, ChartError> {
    let fail = failed("sentiment");
    let scores: Vec<String> = points
        .iter()
        .map(|(t, score)| match along {
            Along::Seconds => format!("{score:+.2} at {}", along.label(*t)),
            Along::Event => format!("{score:+.2} at event {}", along.label(*t)),
        })
        .collect();
    let name = format!("customer sentiment: {}", scores.join(", "));
    svg((380, 180), &name, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(6)
            .margin_right(14)
            .caption("customer sentiment", (FONT, 13))
            .x_label_area_size(22)
            .y_label_area_size(34)
            .build_cartesian_2d(0f64..end.max(1.0) * 1.02, -1f64..1f64)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_labels(4)
            .y_labels(5)
            .x_label_formatter(&|v| along.label(*v))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .label_style((FONT, 11))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (end, 0.0)],
                RGBColor(180, 180, 180).stroke_width(1),
            )))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                MEAN.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 3, MEAN.filled())))
            .map_err(|e| fail(&e))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hatching_stays_inside_its_box() {
        let lines = hatch(20, 10, 6);
        assert_eq!(lines.len(), 5);
        for [(x0, y0), (x1, y1)] in &lines {
            assert!((0..=20).contains(x0) && (0..=20).contains(x1));
            assert!((0..=10).contains(y0) && (0..=10).contains(y1));
            assert_eq!(x1 - x0, y0 - y1, "45 degrees");
        }
        assert!(hatch(0, 10, 6).is_empty());
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(3.7), 5.0);
        assert_eq!(nice_step(0.9), 1.0);
        assert_eq!(nice_step(11.0), 20.0);
    }

    fn row(label: &str, mark: Mark) -> Bar {
        Bar {
            label: label.into(),
            mark,
        }
    }

    fn panel(items: &[Bar]) -> String {
        let spec = Bars {
            title: "t",
            bars: items,
            range: 0.0..1.0,
            format: percent,
            color: PASS,
            label_width: 60,
        };
        bars(&spec, 400).unwrap()
    }

    fn measured(value: f64, low: f64, high: f64) -> Mark {
        Mark::Value {
            value,
            interval: Some((low, high)),
        }
    }

    #[test]
    fn every_valued_bar_is_one_rect_of_its_colour() {
        let out = panel(&[
            row("a", measured(0.5, 0.4, 0.6)),
            row("b", Mark::Empty),
            row("<c>", measured(0.0, 0.0, 0.1)),
        ]);
        assert_eq!(out.matches("fill=\"#2E7D32\"").count(), 2);
        assert_eq!(out.matches("#7B1FA2").count(), 0, "no range drawn");
        assert!(out.contains("&lt;c&gt;"));
    }

    /// The `x`, `width` and `y` of each `rect` with `attribute="value"`.
    fn rects(svg: &str, attribute: &str) -> Vec<(f64, f64, f64)> {
        let number = |tag: &str, name: &str| -> f64 {
            let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            let end = start + tag[start..].find('"').unwrap();
            tag[start..end].parse().unwrap()
        };
        svg.split("<rect")
            .skip(1)
            .map(|tag| &tag[..tag.find('>').unwrap()])
            .filter(|tag| tag.contains(attribute))
            .map(|tag| (number(tag, "x"), number(tag, "width"), number(tag, "y")))
            .collect()
    }

    #[test]
    fn a_range_is_a_band_from_low_to_high_with_no_bar_from_zero() {
        let out = panel(&[
            row("measured", measured(0.5, 0.4, 0.6)),
            row(
                "ranged",
                Mark::Range {
                    low: 0.2,
                    high: 0.7,
                },
            ),
            row(
                "narrow",
                Mark::Range {
                    low: 0.9,
                    high: 0.9,
                },
            ),
        ]);
        let measured = rects(&out, "fill=\"#2E7D32\"");
        let outlines = rects(&out, "stroke=\"#7B1FA2\"");
        let fills = rects(&out, "fill=\"#7B1FA2\"");
        assert_eq!(measured.len(), 1, "only the measured row has a bar");
        assert_eq!(outlines.len(), 2);
        assert_eq!(fills.len(), 2);
        // Pixels per unit from the bar that starts at zero.
        let (zero, width, bar_y) = measured[0];
        let scale = width / 0.5;
        let (x, w, y) = outlines[0];
        assert!((x - (zero + 0.2 * scale)).abs() < 1.5, "{x} {zero} {scale}");
        assert!((w - 0.5 * scale).abs() < 1.5, "{w}");
        assert!(y > bar_y, "the range sits in its own row, below the first");
        assert!(outlines[1].1 >= 1.0, "a range of one point still shows");
    }
}
