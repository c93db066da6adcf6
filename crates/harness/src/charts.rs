//! Figures for the book, drawn with plotters as SVG: the terminal gets ASCII
//! bars and timelines, the book gets these.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use timeline::Timeline;

/// One bar of a stacked bar chart: a label and one value per segment.
pub struct Bar<'a> {
    pub label: &'a str,
    pub values: Vec<f64>,
}

/// The colours of successive segments or workers (Tableau's first six), in
/// turn: more workers than colours share them.
pub const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Horizontal stacked bars, one per [`Bar`], segments named by `segments`
/// (in a legend), on an axis labelled `unit`. Returns the SVG document.
pub fn stacked_bars(
    title: &str,
    unit: &str,
    segments: &[&str],
    bars: &[Bar],
) -> Result<String, String> {
    let height = 120 + 50 * bars.len() as u32;
    render((760, height), |root| {
        draw_stacked_bars(root, title, unit, segments, bars)
    })
}

type Drawing<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// Draws one figure of `size` pixels with `draw` and returns its SVG.
fn render(size: (u32, u32), draw: impl FnOnce(&Drawing) -> DrawResult) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| format!("cannot draw: {e}"))?;
        draw(&root).map_err(|e| format!("cannot draw: {e}"))?;
        root.present().map_err(|e| format!("cannot draw: {e}"))?;
    }
    Ok(svg)
}

/// Every chart's frame: its title on top, room for the axes' labels.
fn frame<'a, 'b>(
    root: &'a Drawing<'b>,
    title: &str,
    y_labels: u32,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(y_labels);
    builder
}

/// A filled square in the legend, in a series' colour.
fn legend_square(colour: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
}

/// The legend box, in one corner of the chart.
fn draw_legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    corner: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(corner)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
}

fn draw_stacked_bars(
    root: &Drawing,
    title: &str,
    unit: &str,
    segments: &[&str],
    bars: &[Bar],
) -> DrawResult {
    let longest = bars
        .iter()
        .map(|bar| bar.values.iter().sum::<f64>())
        .fold(1e-9, f64::max); // never an empty axis
    let mut chart = frame(root, title, 70)
        // Room on the right for the legend.
        .build_cartesian_2d(0.0..longest * 1.3, 0.0..bars.len() as f64)?;
    let labels: Vec<&str> = bars.iter().map(|bar| bar.label).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(unit)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(bars.len() * 2 + 1)
        .y_label_formatter(&|y| bar_label(&labels, *y))
        .draw()?;
    for (segment, name) in segments.iter().enumerate() {
        let colour = COLOURS[segment % COLOURS.len()];
        let rectangles = bars.iter().enumerate().map(|(i, bar)| {
            let start: f64 = bar.values[..segment].iter().sum();
            let end = start + bar.values[segment];
            let row = (bars.len() - 1 - i) as f64; // the first bar on top
            Rectangle::new([(start, row + 0.2), (end, row + 0.8)], colour.filled())
        });
        chart
            .draw_series(rectangles)?
            .label(*name)
            .legend(legend_square(colour));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// A timeline as a Gantt chart: one bar per task (the first on top), one
/// colour per worker, seconds along the bottom, and a grey line at the ideal
/// time. A task that panicked ends in a black mark. Returns the SVG document.
pub fn timeline(timeline: &Timeline, title: &str) -> Result<String, String> {
    let rows = timeline.spans.len().max(1) as u32;
    let height = 110 + rows * 22.min(600 / rows).max(6);
    render((800, height), |root| draw_timeline(root, timeline, title))
}

fn draw_timeline(root: &Drawing, timeline: &Timeline, title: &str) -> DrawResult {
    let spans = &timeline.spans;
    let rows = spans.len().max(1) as f64;
    let ideal = timeline.ideal_time().as_secs_f64();
    let end = spans
        .iter()
        .map(|s| s.end.as_secs_f64())
        .fold(timeline.elapsed.as_secs_f64(), f64::max)
        .max(ideal)
        .max(1e-3);
    let mut chart = frame(root, title, 60).build_cartesian_2d(0.0..end * 1.25, 0.0..rows)?;
    let tasks: Vec<usize> = spans.iter().map(|s| s.task).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("seconds")
        .y_labels(tasks.len() * 2 + 1)
        .y_label_formatter(&|y| {
            let row = y.floor() as usize;
            if (y - y.floor() - 0.5).abs() < 1e-9 && row < tasks.len() {
                format!("task {}", tasks[tasks.len() - 1 - row])
            } else {
                String::new()
            }
        })
        .draw()?;
    let top = |i: usize| rows - i as f64; // the first task on top
    for (w, worker) in timeline.workers().into_iter().enumerate() {
        let colour = COLOURS[w % COLOURS.len()];
        let bars = (spans.iter().enumerate())
            .filter(|(_, span)| span.worker == worker)
            .map(|(i, span)| {
                let (start, stop) = (span.start.as_secs_f64(), span.end.as_secs_f64());
                Rectangle::new(
                    [(start, top(i) - 0.85), (stop, top(i) - 0.15)],
                    colour.filled(),
                )
            });
        chart
            .draw_series(bars)?
            .label(worker)
            .legend(legend_square(colour));
    }
    let panics = (spans.iter().enumerate())
        .filter(|(_, span)| span.panicked)
        .map(|(i, span)| {
            let stop = span.end.as_secs_f64();
            Rectangle::new(
                [(stop - end * 0.004, top(i) - 0.95), (stop, top(i) - 0.05)],
                BLACK.filled(),
            )
        });
    chart.draw_series(panics)?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(ideal, 0.0), (ideal, rows)],
        RGBColor(120, 120, 120).stroke_width(2),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        "ideal",
        (ideal, rows),
        ("sans-serif", 12).into_font().color(&RGBColor(90, 90, 90)),
    )))?;
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// One line of a line chart: a name (in the legend) and its points.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
}

/// A line chart, one coloured line with a dot per point for each
/// [`Series`], plus an optional dashed grey `reference` line (the ideal).
/// Returns the SVG document.
pub fn lines(
    title: &str,
    (x_desc, y_desc): (&str, &str),
    series: &[Series],
    reference: Option<&Series>,
) -> Result<String, String> {
    render((760, 420), |root| {
        draw_lines(root, title, (x_desc, y_desc), series, reference)
    })
}

fn draw_lines(
    root: &Drawing,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    series: &[Series],
    reference: Option<&Series>,
) -> DrawResult {
    let points = || series.iter().chain(reference).flat_map(|s| s.points.iter());
    let x_max = points().map(|p| p.0).fold(1.0, f64::max);
    let y_max = points().map(|p| p.1).fold(1e-9, f64::max);
    let mut chart =
        frame(root, title, 50).build_cartesian_2d(0.0..x_max * 1.05, 0.0..y_max * 1.15)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| tick(*x))
        .y_label_formatter(&|y| tick(*y))
        .draw()?;
    if let Some(reference) = reference {
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(DashedLineSeries::new(
                reference.points.iter().copied(),
                6,
                4,
                grey.stroke_width(2),
            ))?
            .label(reference.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], grey));
    }
    for (i, line) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart.draw_series(LineSeries::new(
            line.points.iter().copied(),
            colour.stroke_width(2),
        ))?;
        chart
            .draw_series((line.points.iter()).map(|&point| Circle::new(point, 4, colour.filled())))?
            .label(line.name)
            .legend(move |(x, y)| Circle::new((x + 6, y), 4, colour.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// One bar of a bar chart: its label, its value, and which of the chart's
/// groups (its colour and legend entry) it belongs to.
pub struct ValueBar {
    pub label: String,
    pub value: f64,
    pub group: usize,
}

/// Horizontal bars, the first on top, coloured by group (named in a legend),
/// each with its value written at its end; on a log scale if `log` (values
/// must then be positive). Returns the SVG document.
pub fn bars(
    title: &str,
    unit: &str,
    groups: &[&str],
    bars: &[ValueBar],
    log: bool,
) -> Result<String, String> {
    // Without a value there is no scale to draw (a log scale's would never end).
    if bars.is_empty() {
        return Err("no bars to draw".into());
    }
    if log && bars.iter().any(|bar| bar.value <= 0.0) {
        return Err("a log scale needs positive values".into());
    }
    let height = 110 + 34 * bars.len() as u32;
    let values = || bars.iter().map(|bar| bar.value);
    render((760, height), |root| {
        let rows = bars.len();
        if log {
            // Whole decades around the values, and room on the right for labels.
            let low = 10f64.powf(values().fold(f64::MAX, f64::min).log10().floor());
            let high = 10f64.powf(values().fold(1e-9, f64::max).log10().ceil() + 0.6);
            let chart = bar_chart(root, title, (low..high).log_scale(), rows)?;
            draw_bars(chart, unit, groups, bars, low)
        } else {
            let longest = values().fold(1e-9, f64::max);
            let chart = bar_chart(root, title, 0.0..longest * 1.3, rows)?;
            draw_bars(chart, unit, groups, bars, 0.0)
        }
    })
}

type BarChart<'a, X> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, RangedCoordf64>>;

fn bar_chart<'a, X: AsRangedCoord<Value = f64>>(
    root: &Drawing<'a>,
    title: &str,
    x: X,
    rows: usize,
) -> Result<BarChart<'a, X::CoordDescType>, DrawingAreaErrorKind<std::io::Error>> {
    frame(root, title, 170).build_cartesian_2d(x, 0.0..rows.max(1) as f64)
}

fn draw_bars<X>(
    mut chart: BarChart<'_, X>,
    unit: &str,
    groups: &[&str],
    bars: &[ValueBar],
    start: f64,
) -> DrawResult
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let labels: Vec<&str> = bars.iter().map(|bar| bar.label.as_str()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(unit)
        .x_label_formatter(&|x| tick(*x))
        .y_labels(bars.len() * 2 + 1)
        .y_label_formatter(&|y| bar_label(&labels, *y))
        .draw()?;
    let row = |i: usize| (bars.len() - 1 - i) as f64; // the first bar on top
    for (g, name) in groups.iter().enumerate() {
        let colour = COLOURS[g % COLOURS.len()];
        let rectangles = (bars.iter().enumerate())
            .filter(|(_, bar)| bar.group == g)
            .map(|(i, bar)| {
                Rectangle::new(
                    [(start, row(i) + 0.2), (bar.value, row(i) + 0.8)],
                    colour.filled(),
                )
            });
        chart
            .draw_series(rectangles)?
            .label(*name)
            .legend(legend_square(colour));
    }
    let font = ("sans-serif", 12).into_font().color(&BLACK);
    chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
        Text::new(
            format!(" {}", significant(bar.value)),
            (bar.value, row(i) + 0.65),
            font.clone(),
        )
    }))?;
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// An axis label: up to three decimals, no trailing zeros (0.5, 2, 1000).
fn tick(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A value with three significant digits at most, whole numbers whole:
/// 0.123, 12.3, 1234, 2.
pub fn significant(value: f64) -> String {
    let digits = if value == value.trunc() {
        0
    } else {
        (2 - value.abs().log10().floor() as i32).max(0) as usize
    };
    format!("{value:.digits$}")
}

/// The y-axis label of horizontal bars: bar i spans i..i+1 and the first
/// bar is on top, so only the middle of each gets its label.
fn bar_label(labels: &[&str], y: f64) -> String {
    let i = y.floor() as usize;
    if (y - y.floor() - 0.5).abs() < 1e-9 && i < labels.len() {
        labels[labels.len() - 1 - i].to_string()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use timeline::{Ideal, Span};

    fn hex(colour: &RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
    }

    /// Rectangles filled with each colour of the palette, in palette order.
    fn filled(svg: &str) -> Vec<usize> {
        let document = roxmltree::Document::parse(svg).expect("well-formed SVG");
        assert_eq!(document.root_element().tag_name().name(), "svg");
        (COLOURS.iter().map(hex))
            .map(|fill| {
                (document.descendants())
                    .filter(|n| n.has_tag_name("rect"))
                    .filter(|n| {
                        n.attribute("fill")
                            .is_some_and(|f| f.eq_ignore_ascii_case(&fill))
                    })
                    .count()
            })
            .collect()
    }

    #[test]
    fn a_timeline_has_one_bar_per_task_in_its_workers_colour() {
        let span = |task, worker: &str, start, end| Span {
            task,
            worker: worker.into(),
            start: Duration::from_millis(start),
            end: Duration::from_millis(end),
            panicked: false,
        };
        let spans = vec![
            span(0, "T1", 0, 100),
            span(1, "T2", 0, 120),
            span(2, "T1", 100, 200),
            span(3, "T1", 200, 260),
        ];
        let timeline = Timeline {
            started: spans.len(),
            spans,
            elapsed: Duration::from_millis(260),
            ideal: Ideal::LongestTask,
        };
        let svg = super::timeline(&timeline, "test").unwrap();
        // Bars plus one legend entry per worker: T1 ran three tasks, T2 one.
        assert_eq!(filled(&svg)[..3], [3 + 1, 1 + 1, 0]);
        let document = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<&str> = (document.descendants())
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        for label in ["task 0", "task 3", "T1", "T2", "ideal", "seconds"] {
            assert!(texts.contains(&label), "no {label} in {texts:?}");
        }
    }

    #[test]
    fn stacked_bars_have_one_segment_per_bar_and_segment() {
        let bars = [
            Bar {
                label: "slow",
                values: vec![3.0, 2.0, 1.0],
            },
            Bar {
                label: "quick",
                values: vec![1.0, 0.5, 0.2],
            },
        ];
        let svg = stacked_bars("test", "ms", &["a", "b", "c"], &bars).unwrap();
        assert_eq!(
            filled(&svg)[..4],
            [3, 3, 3, 0],
            "two bars and a legend entry each"
        );
    }

    #[test]
    fn bars_have_one_rectangle_per_bar_in_their_groups_colour_and_a_value() {
        let bar = |label: &str, value, group| ValueBar {
            label: label.into(),
            value,
            group,
        };
        let bars = [
            bar("a", 150.0, 0),
            bar("b", 2300.0, 1),
            bar("c", 68000.0, 1),
        ];
        for log in [false, true] {
            let svg = super::bars("test", "µs", &["Rust", "Python"], &bars, log).unwrap();
            // Bars plus one legend entry per group.
            assert_eq!(filled(&svg)[..3], [1 + 1, 2 + 1, 0], "log: {log}");
            let document = roxmltree::Document::parse(&svg).unwrap();
            let texts: Vec<&str> = (document.descendants())
                .filter_map(|n| n.text())
                .map(str::trim)
                .collect();
            for label in ["a", "c", "150", "68000", "Rust", "Python", "µs"] {
                assert!(texts.contains(&label), "no {label} in {texts:?}");
            }
        }
        let zero = [bar("z", 0.0, 0)];
        assert!(super::bars("t", "µs", &["g"], &zero, true).is_err());
    }

    #[test]
    fn lines_have_a_dot_per_point_and_a_legend_entry_per_series() {
        let series = [
            Series {
                name: "Rust",
                points: vec![(1.0, 1.0), (2.0, 1.9), (4.0, 1.9)],
            },
            Series {
                name: "Python",
                points: vec![(1.0, 1.0), (2.0, 1.0)],
            },
        ];
        let ideal = Series {
            name: "ideal",
            points: vec![(1.0, 1.0), (4.0, 4.0)],
        };
        let svg = lines("test", ("workers", "speedup"), &series, Some(&ideal)).unwrap();
        let document = roxmltree::Document::parse(&svg).unwrap();
        let dots = |fill: &RGBColor| {
            (document.descendants())
                .filter(|n| n.has_tag_name("circle"))
                .filter(|n| {
                    (n.attribute("fill")).is_some_and(|f| f.eq_ignore_ascii_case(&hex(fill)))
                })
                .count()
        };
        // The dots, and one in the legend.
        assert_eq!(dots(&COLOURS[0]), 3 + 1);
        assert_eq!(dots(&COLOURS[1]), 2 + 1);
        let texts: Vec<&str> = (document.descendants())
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        for label in ["Rust", "Python", "ideal", "workers", "speedup"] {
            assert!(texts.contains(&label), "no {label} in {texts:?}");
        }
    }

    #[test]
    fn significant_keeps_three_digits() {
        assert_eq!(significant(0.12345), "0.123");
        assert_eq!(significant(12.345), "12.3");
        assert_eq!(significant(1234.5), "1234");
        assert_eq!(significant(0.0), "0");
        assert_eq!(significant(2.0), "2");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(1000.0), "1000");
    }
}
