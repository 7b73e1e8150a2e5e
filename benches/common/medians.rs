//! Reads back what criterion measured in this run, so a bench can print the issue's
//! figure (a ratio, or a time against its target) after criterion's own report.

/// Criterion's median time (ns) for `group/function` in this run, if it ran.
pub fn median_ns(id: &str) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = std::path::Path::new(&target)
        .join("criterion")
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}
