//! Inline SVG charts for the HTML report, drawn with plotters' SVG backend. Text is written
//! as SVG `<text>` elements (plotters' naive font metrics), so no font file is read and the
//! browser draws the labels with its own sans-serif. Only labels that the report itself
//! writes go inside an SVG; names from the input are captioned in HTML by the caller.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DigitChart, Heatmap, Histogram};

const FONT: &str = "sans-serif";
const OBSERVED: RGBColor = RGBColor(49, 104, 142);
const WHOLE: RGBColor = RGBColor(200, 55, 45);
const EXPECTED: RGBColor = RGBColor(20, 20, 20);
const BAND: RGBColor = RGBColor(190, 190, 190);

/// Draws with `draw` on a `w`×`h` SVG and returns its text; a drawing error gives a short
/// SVG that says so (a chart is never worth failing the report for).
fn svg(
    w: u32,
    h: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
) -> String {
    let mut out = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        let r = root.fill(&WHITE).map_err(|e| e.to_string());
        let r = r.and_then(|_| draw(&root));
        r.and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    match result {
        Ok(()) => out,
        Err(e) => format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"40\"><text x=\"4\" \
             y=\"20\">chart not drawn: {}</text></svg>",
            e.replace(['<', '>', '&', '"'], " ")
        ),
    }
}

/// Observed digit counts as bars, the expectation as a mark and its 95% band as a grey box.
pub fn digits(c: &DigitChart) -> String {
    let top = c
        .observed
        .iter()
        .map(|&o| o as f64)
        .chain(c.band_high.iter().copied())
        .fold(1.0, f64::max)
        * 1.08;
    let k = c.observed.len();
    svg(330, 230, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..(k as f64 - 0.5), 0f64..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(k)
            .x_label_formatter(&|x| format!("{:.0}", x))
            .y_label_formatter(&|y| format!("{:.0}", y))
            .x_desc(format!("{} (digit)", c.digit))
            .y_desc("numbers (count)")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        let bars = c.observed.iter().enumerate().map(|(d, &o)| {
            let x = d as f64;
            Rectangle::new([(x - 0.3, 0.0), (x + 0.3, o as f64)], OBSERVED.filled())
        });
        chart.draw_series(bars).map_err(|e| e.to_string())?;
        let band = (0..k).map(|d| {
            let x = d as f64;
            Rectangle::new(
                [(x - 0.42, c.band_low[d]), (x + 0.42, c.band_high[d])],
                BAND.mix(0.55).filled(),
            )
        });
        chart.draw_series(band).map_err(|e| e.to_string())?;
        let marks = c.expected.iter().enumerate().map(|(d, &e)| {
            let x = d as f64;
            PathElement::new(vec![(x - 0.42, e), (x + 0.42, e)], EXPECTED.stroke_width(2))
        });
        chart.draw_series(marks).map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// Stations by percentage: bars per bin, whole percentages in red, the null's expected
/// counts as a line.
pub fn histogram(h: &Histogram) -> String {
    let bins = h.observed.len();
    let top = h
        .observed
        .iter()
        .map(|&o| o as f64)
        .chain(h.expected.iter().flatten().copied())
        .fold(1.0, f64::max)
        * 1.05;
    let whole = (1.0 / h.width).round().max(1.0) as usize;
    svg(900, 300, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(38)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..100f64, 0f64..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(11)
            .x_label_formatter(&|x| format!("{:.0}", x))
            .y_label_formatter(&|y| format!("{:.0}", y))
            .x_desc(h.x_label.as_str())
            .y_desc(format!("stations per {}-point bin", h.width))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        let half = h.width / 2.0;
        let bars = h
            .observed
            .iter()
            .enumerate()
            .filter(|(_, o)| **o > 0)
            .map(|(b, &o)| {
                let x = b as f64 * h.width;
                let colour = if b % whole == 0 { WHOLE } else { OBSERVED };
                Rectangle::new([(x - half, 0.0), (x + half, o as f64)], colour.filled())
            });
        chart.draw_series(bars).map_err(|e| e.to_string())?;
        if let Some(e) = &h.expected {
            let line = (0..bins).map(|b| (b as f64 * h.width, e[b]));
            chart
                .draw_series(LineSeries::new(line, EXPECTED.stroke_width(1)))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// A count's colour on a log scale: ln(1 + c) / ln(1 + max) through a viridis-like ramp.
pub fn colour(count: f64, max: f64) -> RGBColor {
    const RAMP: [(u8, u8, u8); 5] = [
        (68, 1, 84),
        (59, 82, 139),
        (33, 145, 140),
        (94, 201, 98),
        (253, 231, 37),
    ];
    let t = if max > 0.0 {
        ((1.0 + count.max(0.0)).ln() / (1.0 + max).ln()).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (RAMP.len() - 1) as f64;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A heatmap with empty cells left white, coloured on a log scale up to `max` (shared by
/// maps shown side by side); `size` is its width and height in pixels.
pub fn heatmap(m: &Heatmap, max: f64, size: u32, labels: bool) -> String {
    let (x0, x1) = (m.x_edges[0], *m.x_edges.last().unwrap_or(&1.0));
    let (y0, y1) = (m.y_edges[0], *m.y_edges.last().unwrap_or(&1.0));
    let cols = m.columns();
    svg(size, size, |root| {
        let area = if labels { 46 } else { 0 };
        let mut chart = ChartBuilder::on(root)
            .margin(if labels { 8 } else { 2 })
            .x_label_area_size(area)
            .y_label_area_size(area)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        if labels {
            chart
                .configure_mesh()
                .disable_mesh()
                .x_label_formatter(&|x| format!("{:.0}", x))
                .y_label_formatter(&|y| format!("{:.0}", y))
                .x_desc(m.x_label.as_str())
                .y_desc(m.y_label.as_str())
                .label_style((FONT, 11))
                .axis_desc_style((FONT, 12))
                .draw()
                .map_err(|e| e.to_string())?;
        }
        let cells = m
            .counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0.0)
            .map(|(i, &c)| {
                let (x, y) = (i % cols, i / cols);
                Rectangle::new(
                    [
                        (m.x_edges[x], m.y_edges[y]),
                        (m.x_edges[x + 1], m.y_edges[y + 1]),
                    ],
                    colour(c, max).filled(),
                )
            });
        chart.draw_series(cells).map_err(|e| e.to_string())?;
        if !labels {
            root.draw(&Rectangle::new(
                [(0, 0), (size as i32 - 1, size as i32 - 1)],
                BAND.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// The colour legend of the heatmaps: a vertical ramp labelled with counts on its log scale.
pub fn legend(max: f64) -> String {
    svg(110, 320, |root| {
        let top = (1.0 + max.max(1.0)).ln();
        let mut chart = ChartBuilder::on(root)
            .margin_top(18)
            .margin_bottom(56)
            .margin_right(8)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1f64, 0f64..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_labels(6)
            .y_label_formatter(&|v| format!("{:.0}", v.exp() - 1.0))
            .y_desc("stations per cell (log scale)")
            .label_style((FONT, 11))
            .axis_desc_style((FONT, 11))
            .draw()
            .map_err(|e| e.to_string())?;
        let steps = 40;
        let ramp = (0..steps).map(|s| {
            let (a, b) = (
                top * s as f64 / steps as f64,
                top * (s + 1) as f64 / steps as f64,
            );
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                colour((a.exp() - 1.0).max(0.0), max).filled(),
            )
        });
        chart.draw_series(ramp).map_err(|e| e.to_string())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_colour_scale_runs_from_dark_to_light() {
        assert_eq!(colour(0.0, 100.0), RGBColor(68, 1, 84));
        assert_eq!(colour(100.0, 100.0), RGBColor(253, 231, 37));
    }

    #[test]
    fn charts_are_svg_with_text_labels() {
        let c = DigitChart::new("last digit", &[10; 10], &[10.0; 10]);
        let s = digits(&c);
        assert!(s.starts_with("<svg") && s.contains("<text"), "{s}");
        assert!(s.contains("last digit (digit)"));
    }
}
