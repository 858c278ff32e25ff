//! Bar charts drawn on the server as SVG, so pages need no chart library. A chart only pictures its table, which
//! the page shows beside it for screen readers and exports as CSV: the SVG is one labelled image. Its legend is
//! the page's (HTML text stays readable on a phone, where the drawing shrinks).
use std::fmt::Write;

use super::flow_graph::esc;

/// One kind of bar: its name (in the legend) and a value per label.
pub struct Series<'a> {
    pub name: &'a str,
    /// CSS class of its bars, for the colour.
    pub class: &'static str,
    pub values: Vec<i64>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 52.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;
/// Most labels written under the bars; the others are in the table.
const MAX_LABELS: usize = 8;

/// The smallest 1, 2 or 5 times a power of ten at or above `v` (at least 1): the top of the scale.
fn nice_ceiling(v: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= v {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// An SVG bar chart titled `title`, a group of bars per label.
pub fn bars(title: &str, labels: &[String], series: &[Series]) -> String {
    let top = nice_ceiling(series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0).max(1));
    let (plot_w, plot_h) = (WIDTH - LEFT - 8.0, HEIGHT - BOTTOM - TOP);
    let group = plot_w / labels.len().max(1) as f64;
    let bar = (group * 0.8 / series.len().max(1) as f64).max(0.5);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" preserveAspectRatio="xMidYMid meet">"#,
        esc(title)
    );
    let mut ticks = vec![0, top / 2, top];
    ticks.dedup();
    for tick in ticks {
        let y = TOP + plot_h - plot_h * tick as f64 / top as f64;
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{tick}</text>"#,
            WIDTH - 8.0,
            LEFT - 6.0,
            y + 4.0
        );
    }
    for (s, one) in series.iter().enumerate() {
        for (i, v) in one.values.iter().enumerate() {
            let h = plot_h * (*v).max(0) as f64 / top as f64;
            let x = LEFT + group * i as f64 + group * 0.1 + bar * s as f64;
            let _ = write!(
                svg,
                r#"<rect class="{}" x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{h:.1}"/>"#,
                one.class,
                TOP + plot_h - h
            );
        }
    }
    let every = labels.len().div_ceil(MAX_LABELS).max(1);
    for (i, label) in labels.iter().enumerate().step_by(every) {
        let x = LEFT + group * (i as f64 + 0.5);
        let _ = write!(
            svg,
            r#"<text class="tick" x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#,
            HEIGHT - 6.0,
            esc(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A bar as long as `part`'s share of `whole`, beside the number it pictures (so hidden from screen readers): an
/// SVG, as the pages' style rules allow no inline widths.
pub fn share_bar(part: i64, whole: i64) -> String {
    let width = if whole > 0 && part > 0 { (100.0 * part.clamp(0, whole) as f64 / whole as f64).max(0.5) } else { 0.0 };
    format!(
        r#"<svg class="share" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="share-all" width="100" height="6"/><rect class="share-part" width="{width:.1}" height="6"/></svg>"#
    )
}

/// A small line of a measure across saved runs, oldest first, beside the table of its values (so hidden from
/// screen readers); a run without the measure leaves a gap. Scaled between the smallest and largest value.
pub fn trend_line(values: &[Option<f64>]) -> String {
    const W: f64 = 120.0;
    const H: f64 = 28.0;
    let (low, high) = values.iter().flatten().fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    let step = if values.len() > 1 { W / (values.len() - 1) as f64 } else { 0.0 };
    let y = |v: f64| if high > low { H - 2.0 - (v - low) / (high - low) * (H - 4.0) } else { H / 2.0 };
    let (mut path, mut dots) = (String::new(), String::new());
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else {
            pen_down = false;
            continue;
        };
        let (x, y) = (step * i as f64, y(*v));
        let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" });
        let _ = write!(dots, r#"<circle cx="{x:.1}" cy="{y:.1}" r="2"/>"#);
        pen_down = true;
    }
    format!(
        r#"<svg class="trend" viewBox="-3 -1 {} {}" aria-hidden="true" focusable="false"><path d="{}"/>{dots}</svg>"#,
        W + 6.0,
        H + 2.0,
        path.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_bar_is_as_long_as_its_share() {
        assert!(share_bar(3, 4).contains(r#"class="share-part" width="75.0""#));
        assert!(share_bar(9, 4).contains(r#"width="100.0""#), "never longer than the whole");
        assert!(share_bar(0, 4).contains(r#"class="share-part" width="0.0""#));
        assert!(share_bar(1, 1000).contains(r#"class="share-part" width="0.5""#), "a few runs stay visible");
        assert!(share_bar(0, 0).contains(r#"class="share-part" width="0.0""#));
    }

    #[test]
    fn a_trend_line_spans_the_runs_and_leaves_gaps_where_a_run_has_no_value() {
        let svg = trend_line(&[Some(10.0), Some(20.0), None, Some(15.0)]);
        assert!(svg.contains(r#"d="M0.0,26.0 L40.0,2.0 M120.0,14.0""#), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(trend_line(&[Some(5.0)]).contains(r#"d="M0.0,14.0""#), "one run: a dot in the middle");
        assert!(trend_line(&[None, None]).contains(r#"<path d=""/>"#));
    }

    #[test]
    fn the_scale_ends_at_a_round_number() {
        assert_eq!([0, 1, 3, 7, 10, 11, 180, 501].map(nice_ceiling), [1, 1, 5, 10, 10, 20, 200, 1000]);
    }

    #[test]
    fn bars_are_as_tall_as_their_values_and_texts_are_escaped() {
        let labels = vec!["Mo".to_owned(), "Di".to_owned()];
        let series = [Series { name: "Gäste", class: "a", values: vec![10, 5] }];
        let svg = bars("Nachrichten & <Antworten>", &labels, &series);
        assert!(svg.contains(r#"aria-label="Nachrichten &amp; &lt;Antworten&gt;""#));
        let plot = HEIGHT - BOTTOM - TOP;
        assert!(svg.contains(&format!(r#"height="{plot:.1}""#)), "the highest bar fills the plot: {svg}");
        assert!(svg.contains(&format!(r#"height="{:.1}""#, plot / 2.0)));
    }

    #[test]
    fn a_long_period_labels_a_few_days_only() {
        let labels: Vec<String> = (0..365).map(|d| format!("d{d}")).collect();
        let svg = bars("t", &labels, &[Series { name: "x", class: "a", values: vec![1; 365] }]);
        assert_eq!(svg.matches(r#"text-anchor="middle""#).count(), 365usize.div_ceil(365usize.div_ceil(MAX_LABELS)));
        assert_eq!(svg.matches("<rect").count(), 365, "a bar per day");
    }
}
