//! Eval-only throughput on the benchmark workload (`../shared/bench/WORKLOAD.md`): the
//! hand-written baseline (`benches/baseline/workload.rs`) against jixiao, both on rows
//! already parsed into typed values, timed per row (criterion's elements/s).
//!
//! * baseline: `Row` (23 decimals) → `Evaluated` (rates, scores, total, grade, checks);
//! * jixiao: a bound `Record` → `eval::Evaluator::evaluate_into` (the model's values as a
//!   flat register program) into a reused `Outcome` (every value, every score,
//!   subtotals, total, grade and both cross-checks);
//! * jixiao, tree: the same with `eval::evaluate_into`, which walks the expression trees;
//! * jixiao, report: `jixiao::evaluate`, the full report (`Evaluation`) per row, as the
//!   library's one-call API and `--format json` build it — for scale, not for the ratio.
//!
//! `cargo bench --bench eval`; the ratio of the first two is the eval-only figure.

#[path = "baseline/workload.rs"]
#[allow(dead_code)]
mod baseline;
#[path = "baseline/units.rs"]
#[allow(dead_code)]
mod units;

use std::hint::black_box;
use std::str::FromStr;

use criterion::{criterion_group, Criterion, Throughput};
use jixiao::data::Record;
use jixiao::eval::Outcome;
use jixiao::model::Value;
use rust_decimal::Decimal;

const ROWS: usize = 10_000;
const RULES: &str = include_str!("workload/workload.jx");

fn records(model: &jixiao::model::Model, lines: &[String]) -> Vec<Record> {
    lines
        .iter()
        .map(|line| {
            let mut cells = line.split(',');
            let unit = cells.next().unwrap_or_default().to_owned();
            // The workload declares its inputs in the CSV's column order.
            let values: Vec<Value> = cells
                .map(|c| Value::Num(Decimal::from_str(c).expect("a number").into()))
                .collect();
            assert_eq!(values.len(), model.inputs.len());
            Record {
                unit,
                values,
                lists: Vec::new(),
                reviews: Vec::new(),
                stated: Default::default(),
                unknown_keys: Vec::new(),
                notes: Vec::new(),
                set_aside: Vec::new(),
                lists_missing: Vec::new(),
                source_file: String::new(),
                source_sha256: String::new(),
            }
        })
        .collect()
}

fn eval_only(c: &mut Criterion) {
    let lines = units::lines(ROWS);
    let rows: Vec<baseline::Row> = lines
        .iter()
        .map(|l| baseline::parse_line(l).expect("a workload row").1)
        .collect();
    let compiled = jixiao::compile("workload.jx", RULES).expect("the workload checks");
    let model = &compiled.model;
    let bound = records(model, &lines);

    // Both compute the same thing (the integration test checks every column).
    let mut outcome = Outcome::default();
    for (row, record) in rows.iter().zip(&bound) {
        jixiao::eval::evaluate_into(model, record, &mut outcome).expect("evaluates");
        assert_eq!(baseline::evaluate(row).income_check, outcome.checks[0].ok);
    }

    let mut group = c.benchmark_group("eval-only");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("baseline", |b| {
        b.iter(|| {
            for row in &rows {
                black_box(baseline::evaluate(black_box(row)));
            }
        })
    });
    group.bench_function("jixiao", |b| {
        let mut evaluator = jixiao::eval::Evaluator::new(model);
        assert!(evaluator.compiled(), "the workload compiles to a flat program");
        let mut outcome = Outcome::default();
        b.iter(|| {
            for record in &bound {
                evaluator
                    .evaluate_into(black_box(record), &mut outcome)
                    .expect("evaluates");
                black_box(&outcome);
            }
        })
    });
    group.bench_function("jixiao-tree", |b| {
        let mut outcome = Outcome::default();
        b.iter(|| {
            for record in &bound {
                jixiao::eval::evaluate_into(model, black_box(record), &mut outcome).expect("evaluates");
                black_box(&outcome);
            }
        })
    });
    group.sample_size(10);
    group.bench_function("jixiao-report", |b| {
        b.iter(|| {
            for record in &bound {
                black_box(jixiao::evaluate(model, black_box(record), false).expect("evaluates"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, eval_only);

#[path = "common/medians.rs"]
mod medians;
use medians::median_ns;

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if let (Some(base), Some(ours)) = (median_ns("eval-only/baseline"), median_ns("eval-only/jixiao")) {
        println!(
            "\neval-only, medians: baseline {:.0} rows/s, jixiao {:.0} rows/s → jixiao = {:.2}× the baseline (target ≥ 0.5×)",
            ROWS as f64 / base * 1e9,
            ROWS as f64 / ours * 1e9,
            base / ours
        );
    }
}
