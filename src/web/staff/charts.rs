//! Bar charts drawn on the server as SVG geometry (no JavaScript): thank-yous and complaints
//! side by side for each period. The template draws what this computes; a table with the
//! same numbers sits beside every chart.

use serde::Serialize;

use crate::store::stats::Bucket;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

#[derive(Debug, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub class: &'static str,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub x: f64,
    pub y: f64,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    pub x_labels: Vec<Tick>,
    pub y_labels: Vec<Tick>,
    pub baseline: f64,
    pub left: f64,
    /// One sentence for the SVG's title, for assistive technology.
    pub summary: String,
}

/// A "nice" top for the axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice_top(max: i64) -> i64 {
    let max = max.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

pub fn grouped(buckets: &[Bucket], what: &str) -> Chart {
    let top = nice_top(
        buckets
            .iter()
            .map(|b| b.thanks.max(b.complaints))
            .max()
            .unwrap_or(0),
    );
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / buckets.len().max(1) as f64;
    let bar_w = (slot * 0.36).min(22.0);
    let scale = |n: i64| n as f64 / top as f64 * plot_h;
    let mut bars = Vec::new();
    let mut x_labels = Vec::new();
    for (i, b) in buckets.iter().enumerate() {
        let center = LEFT + slot * (i as f64 + 0.5);
        for (n, offset, class, noun) in [
            (b.thanks, -bar_w, "bar-thanks", "thank-you"),
            (b.complaints, 0.0, "bar-complaints", "complaint"),
        ] {
            let h = scale(n);
            bars.push(Bar {
                x: round(center + offset),
                y: round(HEIGHT - BOTTOM - h),
                width: round(bar_w),
                height: round(h),
                class,
                title: format!("{}: {n} {noun}{}", b.label, if n == 1 { "" } else { "s" }),
            });
        }
        // Every other label when they would crowd.
        if buckets.len() <= 8 || i.is_multiple_of(2) {
            x_labels.push(Tick {
                x: round(center),
                y: HEIGHT - 8.0,
                label: b.label.clone(),
            });
        }
    }
    let y_labels = [0, top / 2, top]
        .iter()
        .map(|v| Tick {
            x: LEFT - 6.0,
            y: round(HEIGHT - BOTTOM - scale(*v) + 4.0),
            label: v.to_string(),
        })
        .collect();
    let thanks: i64 = buckets.iter().map(|b| b.thanks).sum();
    let complaints: i64 = buckets.iter().map(|b| b.complaints).sum();
    Chart {
        width: WIDTH,
        height: HEIGHT,
        bars,
        x_labels,
        y_labels,
        baseline: HEIGHT - BOTTOM,
        left: LEFT,
        summary: format!(
            "{what}: {thanks} thank-yous and {complaints} complaints in all; the table that follows gives each period."
        ),
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round_and_bars_fit() {
        assert_eq!(nice_top(0), 1);
        assert_eq!(nice_top(7), 10);
        assert_eq!(nice_top(120), 200);
        assert_eq!(nice_top(5000), 5000);
        let buckets = vec![
            Bucket {
                label: "a".into(),
                thanks: 10,
                complaints: 2,
            },
            Bucket {
                label: "b".into(),
                thanks: 0,
                complaints: 0,
            },
        ];
        let chart = grouped(&buckets, "Weeks");
        assert_eq!(chart.bars.len(), 4);
        let tallest = &chart.bars[0];
        assert_eq!(tallest.y, TOP, "the largest value reaches the top");
        assert!(
            chart
                .bars
                .iter()
                .all(|b| b.y + b.height <= chart.baseline + 0.01)
        );
        assert_eq!(chart.bars[2].height, 0.0);
        assert!(chart.summary.contains("10 thank-yous and 2 complaints"));
    }
}
