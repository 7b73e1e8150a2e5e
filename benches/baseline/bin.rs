//! The hand-written baseline as a program: `baseline IN.csv OUT.csv` reads the workload's
//! units and writes the workload's output (WORKLOAD.md §3), single-threaded, streaming.
//! Built by `cargo build --release --example baseline`; run by `benches/e2e.sh`.

#[path = "workload.rs"]
mod workload;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        eprintln!("usage: baseline IN.csv OUT.csv");
        return ExitCode::from(2);
    };
    match run(input, output) {
        Ok(rows) => {
            eprintln!("{rows} rows");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("baseline: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(input: &str, output: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(input)?);
    let mut out = BufWriter::with_capacity(1 << 16, std::fs::File::create(output)?);
    writeln!(out, "{}", workload::HEADER)?;
    let mut line = String::new();
    reader.read_line(&mut line)?; // the header
    let mut rows = 0;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            continue;
        }
        let (name, row) = workload::parse_line(text).map_err(|e| e.0)?;
        let evaluated = workload::evaluate(&row);
        workload::write_line(&mut out, name, &evaluated)?;
        rows += 1;
    }
    out.flush()?;
    Ok(rows)
}
