//! Figures for the book, drawn with plotters as SVG: the terminal gets ASCII
//! bars, the book gets these.

use plotters::prelude::*;

/// One bar of a stacked bar chart: a label and one value per segment.
pub struct Bar<'a> {
    pub label: &'a str,
    pub values: Vec<f64>,
}

/// The colours of successive segments (a palette that survives greyscale).
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
    let mut svg = String::new();
    {
        let height = 120 + 50 * bars.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        draw(&root, title, unit, segments, bars).map_err(|e| format!("cannot draw: {e}"))?;
        root.present().map_err(|e| format!("cannot draw: {e}"))?;
    }
    Ok(svg)
}

type Drawing<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw(root: &Drawing, title: &str, unit: &str, segments: &[&str], bars: &[Bar]) -> DrawResult {
    root.fill(&WHITE)?;
    let longest = bars
        .iter()
        .map(|bar| bar.values.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        // Room on the right for the legend.
        .build_cartesian_2d(0.0..longest * 1.3, 0.0..bars.len() as f64)?;
    let labels: Vec<&str> = bars.iter().map(|bar| bar.label).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(unit)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(bars.len() * 2 + 1)
        .y_label_formatter(&|y| {
            // Bar i spans i..i+1: label its middle only.
            let i = y.floor() as usize;
            if (y - y.floor() - 0.5).abs() < 1e-9 && i < labels.len() {
                labels[labels.len() - 1 - i].to_string()
            } else {
                String::new()
            }
        })
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
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
