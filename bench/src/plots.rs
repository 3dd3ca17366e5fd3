//! The plots of `docs/performance.md`, drawn as SVG from the figures of the same run.

use std::path::Path;
use std::time::Duration;

use plotters::prelude::*;

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// The share of a rush answered within each latency: one line per rush.
pub fn rush_latency(file: &Path, rushes: &[(String, Vec<Duration>)]) -> Drawn {
    let root = SVGBackend::new(file, (720, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let longest = rushes
        .iter()
        .flat_map(|(_, l)| l.last())
        .max()
        .map_or(1.0, |d| d.as_secs_f64() * 1000.0 * 1.05);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Registration rush: share answered within a latency",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..longest, 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms)")
        .y_desc("answered (%)")
        .draw()?;
    for (i, (label, latencies)) in rushes.iter().enumerate() {
        let colour = Palette99::pick(i).to_rgba();
        let n = latencies.len() as f64;
        let points = latencies
            .iter()
            .enumerate()
            .map(|(k, d)| (d.as_secs_f64() * 1000.0, 100.0 * (k + 1) as f64 / n));
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Items a notice sweep read, against the plans in the table (the due count fixed).
pub fn sweep_cost(file: &Path, points: &[(u32, u32, u64)]) -> Drawn {
    let root = SVGBackend::new(file, (720, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let most = points.iter().map(|p| p.2).max().unwrap_or(1) as f64 * 1.5;
    let widest = points.iter().map(|p| p.0).max().unwrap_or(10) as f64 * 2.0;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Notice sweep: items read as the table grows",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((500.0..widest).log_scale(), 0.0..most)?;
    chart
        .configure_mesh()
        .x_desc("plans in the table (log scale)")
        .y_desc("items read by one run")
        .draw()?;
    let series: Vec<(f64, f64)> = points
        .iter()
        .map(|&(total, _, read)| (f64::from(total), read as f64))
        .collect();
    chart.draw_series(LineSeries::new(series.clone(), BLUE.stroke_width(2)))?;
    chart.draw_series(
        series
            .iter()
            .map(|&(x, y)| Circle::new((x, y), 4, BLUE.filled())),
    )?;
    root.present()?;
    Ok(())
}
