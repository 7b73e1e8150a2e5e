//! Compile time (parse + check + compile to the slot model): the workload rule file and
//! a generated rule file with 1,000 三级 indicators (100 inputs; 10 一级 × 10 二级 × 10
//! 三级; 比例, 扣分, 分档, 达标 and 公式 scoring in turn). Target: < 20 ms for the latter.
//!
//! `cargo bench --bench compile`. The parse and check steps are also timed on their own.

use std::hint::black_box;

use criterion::{criterion_group, Criterion};

const WORKLOAD: &str = include_str!("workload/workload.jx");

#[path = "compile/generated.rs"]
mod generated;
use generated::generated;

fn compile(c: &mut Criterion) {
    let big = generated(10);
    let compiled = jixiao::compile("generated.jx", &big).expect("the generated file checks");
    assert_eq!(compiled.model.leaves.len(), 1000);
    assert!(compiled.warnings.is_empty());

    let mut group = c.benchmark_group("compile");
    group.bench_function("workload", |b| {
        b.iter(|| jixiao::compile("workload.jx", black_box(WORKLOAD)).expect("checks"))
    });
    group.sample_size(20);
    group.bench_function("1000-indicators", |b| {
        b.iter(|| jixiao::compile("generated.jx", black_box(&big)).expect("checks"))
    });
    let source = jixiao::source::SourceFile::new("generated.jx", &big);
    group.bench_function("1000-indicators/parse", |b| {
        b.iter(|| jixiao::syntax::parse(black_box(&source)).expect("parses"))
    });
    let ast = jixiao::syntax::parse(&source).expect("parses");
    group.bench_function("1000-indicators/check", |b| {
        b.iter(|| jixiao::check::check_all(&source, black_box(&ast)).expect("checks"))
    });
    group.finish();
}

criterion_group!(benches, compile);

#[path = "common/medians.rs"]
mod medians;
use medians::median_ns;

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if let Some(ns) = median_ns("compile/1000-indicators") {
        println!(
            "\ncompile of 1,000 indicators (parse + check + compile), median: {:.1} ms (target < 20 ms)",
            ns / 1e6
        );
    }
}
