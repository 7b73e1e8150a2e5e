//! Writes the compile benchmark's generated rule file to standard output, so that it can
//! be profiled through the command line: `cargo run --release --example generated_rules --
//! 10 > /tmp/generated.jx; valgrind --tool=callgrind target/release/jixiao check
//! /tmp/generated.jx` (docs/performance.md).

#[path = "generated.rs"]
mod generated;

fn main() {
    let tens = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    print!("{}", generated::generated(tens));
}
