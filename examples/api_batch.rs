//! The embedding API on a batch, for docs/performance.md: the same work as
//! `jixiao eval RULES units.csv --format jsonl` (every row bound, evaluated with its 复核,
//! serialised as one JSON line), done by a host through `Rules::evaluate_iter`.
//!
//!   cargo build --release --example api_batch
//!   target/release/examples/api_batch RULES units.csv > out.jsonl
//!
//! The host reads the CSV itself (the csv crate, every cell as text, as a platform holding
//! its units as strings would) and builds each unit with `Rules::unit_from_json`.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use jixiao::{Options, Rules};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [rules, data] = args.as_slice() else {
        eprintln!("用法：api_batch 规则文件 数据.csv > 结果.jsonl");
        return ExitCode::from(2);
    };
    let rules = match Rules::load(rules) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.render());
            return ExitCode::FAILURE;
        }
    };
    let mut reader = match csv::Reader::from_path(data) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法读取 {data}：{e}");
            return ExitCode::FAILURE;
        }
    };
    let headers = reader.headers().cloned().unwrap_or_default();
    // Rows are read as they are evaluated: memory stays bounded whatever the file's length.
    let mut unreadable = None;
    let units = reader.into_records().map_while(|record| match record {
        Ok(record) => {
            let object: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .zip(record.iter())
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(h, cell)| (h.to_owned(), serde_json::Value::String(cell.to_owned())))
                .collect();
            Some(rules.unit_from_json(&serde_json::Value::Object(object)))
        }
        Err(e) => {
            unreadable = Some(e);
            None
        }
    });
    let mut out = BufWriter::new(std::io::stdout().lock());
    let (mut count, mut errors) = (0, 0);
    for result in rules.evaluate_iter(units, Options::default()) {
        count += 1;
        let line = match result {
            Ok(evaluation) => serde_json::to_string(&evaluation),
            Err(e) => {
                errors += 1;
                serde_json::to_string(&serde_json::json!({"number": count, "error": e.to_string(), "code": e.code()}))
            }
        };
        if writeln!(out, "{}", line.unwrap_or_default()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    if let Some(e) = unreadable {
        eprintln!("{data}：第 {} 个单位之后无法读取：{e}", count);
        return ExitCode::FAILURE;
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    eprintln!("{count} 个单位，{errors} 个有错误");
    ExitCode::SUCCESS
}
