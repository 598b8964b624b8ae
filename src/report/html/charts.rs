//! The report's charts, drawn server-side as SVG with plotters: bars with
//! their 95% intervals, a histogram with its median and p90 marked, a
//! conversation's timeline and its sentiment line.
//!
//! Each semantic colour is used for one thing only ([`PASS`] for pass-rate
//! bars, [`UNSCORED`] for unscored shares ...), so that the SVG elements of
//! a chart can be counted by colour, as the browser test does. Text drawn
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

/// One bar: a value with its interval, or nothing to show.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub interval: Option<(f64, f64)>,
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

/// Draws horizontal bars, the first at the top, each with its interval as
/// an error bar; a bar without a value draws nothing. Each bar is one
/// `rect` of the panel's colour, drawn in order.
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
    chart
        .draw_series(spec.bars.iter().enumerate().filter_map(|(i, b)| {
            let value = b.value?;
            // From zero (or the axis start) to the value, either side.
            let zero = 0f64.clamp(spec.range.start, spec.range.end);
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
            let (low, high) = b.interval?;
            Some(ErrorBar::new_horizontal(
                SegmentValue::CenterOf(slot(i) * SUB + 1),
                low,
                b.value.unwrap_or(low),
                high,
                BLACK.stroke_width(1),
                8,
            ))
        }))
        .map_err(|e| fail(&e))?;
    Ok(())
}

fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root)?;
        root.present().map_err(|e| failed("svg")(&e))?;
    }
    Ok(out)
}

/// One panel of bars as an SVG document.
pub fn bars(spec: &Bars<'_>, width: u32) -> Result<String, ChartError> {
    svg((width, spec.height()), |root| draw_bars(root, spec))
}

/// Panels of bars side by side, each with its width in pixels.
pub fn panels(panels: &[(Bars<'_>, u32)]) -> Result<String, ChartError> {
    let height = panels.iter().map(|(p, _)| p.height()).max().unwrap_or(46);
    let width: u32 = panels.iter().map(|(_, w)| *w).sum();
    svg((width, height), |root| {
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
    svg((760, 92), |root| {
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
    let chart_svg = svg((760, 260), |root| {
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
    svg((760, 200), |root| {
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

/// The customer's sentiment over time: (seconds, score in [-1, 1]).
pub fn sentiment(points: &[(f64, f64)], end: f64) -> Result<String, ChartError> {
    let fail = failed("sentiment");
    svg((380, 180), |root| {
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
            .x_label_formatter(&|v| super::duration(*v))
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
    fn steps_are_round() {
        assert_eq!(nice_step(3.7), 5.0);
        assert_eq!(nice_step(0.9), 1.0);
        assert_eq!(nice_step(11.0), 20.0);
    }

    #[test]
    fn every_valued_bar_is_one_rect_of_its_colour() {
        let items = [
            Bar {
                label: "a".into(),
                value: Some(0.5),
                interval: Some((0.4, 0.6)),
            },
            Bar {
                label: "b".into(),
                value: None,
                interval: None,
            },
            Bar {
                label: "<c>".into(),
                value: Some(0.0),
                interval: Some((0.0, 0.1)),
            },
        ];
        let spec = Bars {
            title: "t",
            bars: &items,
            range: 0.0..1.0,
            format: percent,
            color: PASS,
            label_width: 60,
        };
        let out = bars(&spec, 400).unwrap();
        assert_eq!(out.matches("fill=\"#2E7D32\"").count(), 2);
        assert!(out.contains("&lt;c&gt;"));
    }
}
