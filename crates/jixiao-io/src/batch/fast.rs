//! The direct CSV path: CSV in, CSV out, straight from the bytes of each record to the
//! bytes of its output line.
//!
//! The general path turns every row into a [`jixiao::data::Raw`] table of strings, binds it
//! by name, builds the full [`jixiao::report::Evaluation`] (indicator paths, display
//! strings, check expressions, the 复核 audit) and then picks the table's cells out of it.
//! For a CSV file whose columns are only the unit's name and inputs, written as CSV
//! without explanations or audit, this module does the same work without any of that:
//!
//! * the header plan is turned once into a column → input-slot map ([`DirectColumn`]);
//! * each record's cells are parsed straight into the reused input slots
//!   ([`jixiao::data::convert_text`], the very conversion binding uses);
//! * [`jixiao::eval::evaluate_into`] evaluates into a reused [`Outcome`];
//! * the line is written from the outcome with the writers' own formatting
//!   ([`jixiao::numfmt::write_decimal`]), into one buffer per worker.
//!
//! Nothing is allocated per row. Any row that is not plain sailing — a blank or bad
//! cell, a cell beyond the header, an evaluation error — is handed whole to the general
//! path ([`super::process`] and [`CsvWriter`]), so its output line, its error text and
//! the run's tally are exactly what they would have been. The direct path only ever
//! produces lines for rows the general path would have evaluated successfully, and
//! produces the same bytes for them (tests compare both paths).

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;

use rayon::prelude::*;

use super::input::{blank_record, DirectColumn, FileInfo, Item, Opened, Origin, Plan};
use super::output::{check_text, put_field, Column, CsvWriter, Layout, OutputFormat, Writer, STATUS_OK};
use super::records::{Record as ReadMeta, CHUNK_BYTES, KEEP_BYTES};
use super::{BatchError, Status, Tally, CHUNK};
use jixiao::ast::Display;
use jixiao::data::{self, Record, Stated};
use jixiao::eval::{self, Outcome};
use jixiao::model::{Model, Value};
use jixiao::numfmt::write_decimal;

/// How each input file's columns are read, when the whole run can take the direct path.
pub(super) fn direct_plan(layout: &Layout, inputs: &[Opened]) -> Option<Vec<Vec<DirectColumn>>> {
    let options = layout.options;
    let model = layout.model;
    if !options.fast_path || options.format != OutputFormat::Csv || options.explain || options.audit {
        return None;
    }
    if !model.lists.is_empty() || !model.review_leaves.is_empty() {
        return None;
    }
    let needs_report = |c: &Column| matches!(c, Column::Explanation | Column::AuditSummary | Column::AuditFindings);
    if layout.columns.iter().any(needs_report) {
        return None;
    }
    inputs.iter().map(Opened::direct_columns).collect()
}

/// A cell of the output line, resolved against the model once.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Number,
    Source,
    Unit,
    Status,
    /// Always empty on a row evaluated here (错误原因, 自评 columns: no 自评 columns are read).
    Empty,
    /// A value slot with its display format; `None` for an indicator without a formula.
    Slot(Option<usize>, Option<Display>),
    /// A tree node's score or subtotal.
    Score(usize),
    Total,
    Grade,
    FailedChecks,
    RulesSha,
    DataSha,
    Check(usize),
}

struct Shared<'a> {
    model: &'a Model,
    layout: &'a Layout<'a>,
    /// Each input file's header plan (a copy: the files are read while rows are evaluated)
    /// and columns.
    plans: Vec<(Plan, Vec<DirectColumn>)>,
    cells: Vec<Cell>,
}

impl<'a> Shared<'a> {
    fn new(layout: &'a Layout<'a>, inputs: &[Opened], files: Vec<Vec<DirectColumn>>) -> Option<Shared<'a>> {
        let model = layout.model;
        let categories: Vec<usize> = (0..model.nodes.len())
            .filter(|&i| model.nodes[i].leaf.is_none())
            .collect();
        let cells = layout
            .columns
            .iter()
            .map(|c| match *c {
                Column::Number => Cell::Number,
                Column::Source => Cell::Source,
                Column::Unit => Cell::Unit,
                Column::Status => Cell::Status,
                Column::Reason | Column::SelfTotal | Column::SelfGrade => Cell::Empty,
                // Never chosen: `direct_plan` leaves such runs to the general path.
                Column::Explanation | Column::AuditSummary | Column::AuditFindings => Cell::Empty,
                Column::Value(i) => {
                    let slot = model
                        .leaves
                        .get(i)
                        .and_then(|&n| model.nodes[n].leaf.as_ref())
                        .and_then(|l| l.value_slot);
                    Cell::Slot(slot, slot.and_then(|s| model.slot_display(s)))
                }
                Column::Score(i) => Cell::Score(model.leaves[i]),
                Column::Subtotal(i) => Cell::Score(categories[i]),
                Column::Total => Cell::Total,
                Column::Grade => Cell::Grade,
                Column::FailedChecks => Cell::FailedChecks,
                Column::RulesSha => Cell::RulesSha,
                Column::DataSha => Cell::DataSha,
                Column::Slot(slot, display) => Cell::Slot(Some(slot), display),
                Column::Check(i) => Cell::Check(i),
            })
            .collect();
        let plans = inputs
            .iter()
            .zip(files)
            .map(|(i, f)| Some((i.csv_plan()?.clone(), f)))
            .collect::<Option<Vec<_>>>()?;
        Some(Shared {
            model,
            layout,
            plans,
            cells,
        })
    }

    fn info(&self, file: usize) -> &FileInfo {
        self.plans[file].0.info()
    }
}

/// A record read but not yet evaluated; its buffers are reused from chunk to chunk.
#[derive(Default)]
struct Pending {
    record: csv::ByteRecord,
    number: usize,
    row: usize,
    /// How the record was read: its text line, and whether a quote broke or the line was cut.
    meta: ReadMeta,
    file: usize,
}

/// One thread's share of a chunk, and its reused buffers.
struct Worker<'m> {
    evaluator: eval::Evaluator<'m>,
    record: Record,
    outcome: Outcome,
    filled: Vec<bool>,
    /// The output lines of this worker's rows, in order.
    out: Vec<u8>,
    /// Rows handed to the general path (errors among them), in order.
    statuses: Vec<Status>,
    /// Rows evaluated here.
    evaluated: usize,
    text: String,
}

impl<'m> Worker<'m> {
    fn new(model: &'m Model) -> Worker<'m> {
        Worker {
            evaluator: eval::Evaluator::new(model),
            record: Record {
                unit: String::new(),
                values: Vec::with_capacity(model.inputs.len()),
                lists: Vec::new(),
                reviews: Vec::new(),
                stated: Stated::default(),
                unknown_keys: Vec::new(),
                notes: Vec::new(),
                set_aside: Vec::new(),
                lists_missing: Vec::new(),
                source_file: String::new(),
                source_sha256: String::new(),
            },
            outcome: Outcome::default(),
            filled: Vec::with_capacity(model.inputs.len()),
            out: Vec::new(),
            statuses: Vec::new(),
            evaluated: 0,
            text: String::new(),
        }
    }

    fn run(&mut self, shared: &Shared, rows: &[Pending]) {
        for pending in rows {
            self.row(shared, pending);
        }
    }

    fn row(&mut self, shared: &Shared, pending: &Pending) {
        let model = shared.model;
        let (plan, columns) = &shared.plans[pending.file];
        let plain = pending.meta.broken.is_none() && !pending.meta.too_long;
        if plain
            && self.bind(model, columns, &pending.record)
            && self.evaluator.evaluate_into(&self.record, &mut self.outcome).is_ok()
            // 不适用 or no score somewhere: the general path words it.
            && self.outcome.partial.is_none()
        {
            self.write_line(shared, pending);
            self.evaluated += 1;
            return;
        }
        // Anything unusual: the general path, for the very same line and tally entry.
        if let Item::Row(row) = plan.item(pending.row, pending.meta, &pending.record) {
            let processed = super::process(model, row, pending.number, false, shared.layout.options.partial);
            self.out
                .extend_from_slice(&CsvWriter::prepare(shared.layout, &processed));
            self.statuses.push(Status::of(processed));
        }
    }

    /// The record's cells into the input slots, as [`data::bind`] would read them; `false`
    /// when binding would report any problem.
    fn bind(&mut self, model: &Model, columns: &[DirectColumn], record: &csv::ByteRecord) -> bool {
        // A short or long row is an error (its cells may have slid).
        if record.len() != columns.len() {
            return false;
        }
        let inputs = &model.inputs;
        let values = &mut self.record.values;
        values.clear();
        values.resize(inputs.len(), Value::Bool(false));
        self.filled.clear();
        self.filled.resize(inputs.len(), false);
        let mut named = false;
        for (field, column) in record.iter().zip(columns) {
            let index = match column {
                DirectColumn::Ignored => continue,
                DirectColumn::Unit => None,
                DirectColumn::Input(i) => Some(*i),
            };
            // A number cell (`3029.36`) needs no UTF-8 check nor trimming: its first and last
            // bytes are ASCII digits, so `str::trim` would leave it as it is.
            if let (Some(i), Some(first), Some(last)) = (index, field.first(), field.last()) {
                if (first.is_ascii_digit() || *first == b'-') && last.is_ascii_digit() {
                    match data::convert_plain_number(&inputs[i], field) {
                        Some(Some(v)) => {
                            values[i] = v;
                            self.filled[i] = true;
                            continue;
                        }
                        Some(None) => return false,
                        None => {}
                    }
                }
            }
            let Ok(text) = std::str::from_utf8(field) else {
                return false;
            };
            let text = text.trim();
            // An undecodable byte (`�`) in a cell that is read is an error.
            if text.contains('\u{FFFD}') {
                return false;
            }
            match index {
                None => {
                    if text.is_empty() {
                        return false;
                    }
                    self.record.unit.clear();
                    self.record.unit.push_str(text);
                    named = true;
                }
                Some(_) if text.is_empty() => {}
                Some(i) => match data::convert_text(&inputs[i], text) {
                    Some(v) => {
                        values[i] = v;
                        self.filled[i] = true;
                    }
                    None => return false,
                },
            }
        }
        if !named {
            return false;
        }
        for (i, def) in inputs.iter().enumerate() {
            if !self.filled[i] {
                match &def.default {
                    Some(d) => values[i] = d.clone(),
                    None => return false,
                }
            }
        }
        true
    }

    fn write_line(&mut self, shared: &Shared, pending: &Pending) {
        let model = shared.model;
        let outcome = &self.outcome;
        let out = &mut self.out;
        let precision = model.score_precision;
        let raw = shared.layout.options.csv_raw;
        for (k, cell) in shared.cells.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            match *cell {
                Cell::Number => {
                    let _ = write!(out, "{}", pending.number);
                }
                Cell::Source => {
                    let info = shared.info(pending.file);
                    self.text.clear();
                    let _ = write!(self.text, "{} 第 {} 行", info.name, pending.row);
                    if pending.meta.line != pending.row {
                        let _ = write!(self.text, "（文本第 {} 行）", pending.meta.line);
                    }
                    put_field(out, &self.text, raw);
                }
                Cell::Unit => put_field(out, &self.record.unit, raw),
                Cell::Status => out.extend_from_slice(STATUS_OK.as_bytes()),
                Cell::Empty | Cell::Slot(None, _) => {}
                Cell::Slot(Some(slot), display) => match (&outcome.slots[slot], display) {
                    (Value::Num(n), Some(d)) => write_decimal(out, n.clone(), d.percent, d.decimals),
                    (Value::Num(n), None) => out.extend_from_slice(n.exact_text().as_bytes()),
                    (Value::Bool(b), _) => out.extend_from_slice(if *b { "是" } else { "否" }.as_bytes()),
                    (Value::Text(t), _) => put_field(out, t, raw),
                    (v @ Value::Undefined(_), _) => put_field(out, &jixiao::model::Value::text(v), raw),
                },
                Cell::Score(node) => write_decimal(out, outcome.scores[node].clone(), false, precision),
                Cell::Total => write_decimal(out, outcome.total.clone(), false, precision),
                Cell::Grade => {
                    if let Some((grade, _)) = outcome.grade.and_then(|g| model.grades.bands.get(g)) {
                        put_field(out, grade, raw);
                    }
                }
                Cell::FailedChecks => {
                    self.text.clear();
                    for (def, result) in model.checks.iter().zip(&outcome.checks) {
                        if !result.ok {
                            if !self.text.is_empty() {
                                self.text.push('；');
                            }
                            // As `output::failed_checks` writes it on the general path.
                            let mark = if result.undefined.is_some() {
                                "无法核对"
                            } else {
                                def.severity.label()
                            };
                            let _ = write!(self.text, "{}[{mark}]", def.name);
                        }
                    }
                    put_field(out, &self.text, raw);
                }
                Cell::RulesSha => out.extend_from_slice(model.sha256.as_bytes()),
                Cell::DataSha => out.extend_from_slice(shared.info(pending.file).sha256.as_bytes()),
                Cell::Check(i) => out.extend_from_slice(
                    check_text(outcome.checks[i].ok, outcome.checks[i].undefined.is_some()).as_bytes(),
                ),
            }
        }
        out.push(b'\n');
    }
}

/// Runs the whole job on the direct path (see [`direct_plan`]).
///
/// Chunks of [`CHUNK`] records: with several jobs, the next chunk is read while the
/// workers evaluate the current one; each chunk is written in input order once evaluated.
pub(super) fn drive(
    layout: &Layout,
    mut inputs: Vec<Opened>,
    files: Vec<Vec<DirectColumn>>,
    out: &mut dyn Write,
) -> Result<Tally, BatchError> {
    let options = layout.options;
    let model = layout.model;
    let mut tally = Tally {
        files: inputs.len(),
        ..Tally::default()
    };
    let estimated: usize = inputs.iter().map(|i| i.estimated_rows).sum();
    let bar = (options.progress && estimated > super::PROGRESS_THRESHOLD).then(|| super::progress_bar(estimated));
    let jobs = options.jobs.max(1);
    let pool = if jobs > 1 {
        rayon::ThreadPoolBuilder::new().num_threads(jobs).build().ok()
    } else {
        None
    };
    let shared = Shared::new(layout, &inputs, files).ok_or_else(not_csv)?;
    let mut writer = CsvWriter;
    writer.begin(layout, out)?;
    // With several threads, a chunk is cut into more shares than threads (each with its
    // own buffers), taken as threads come free: a thread the system pauses does not hold
    // up the chunk.
    let shares = if jobs > 1 { (jobs * 4).max(8) } else { 1 };
    let mut workers: Vec<Worker> = (0..shares).map(|_| Worker::new(model)).collect();
    let mut reader = Reader::default();
    let mut current = Vec::with_capacity(CHUNK);
    let mut next = Vec::with_capacity(CHUNK);
    let mut filled = reader.fill(&mut inputs, &mut current, &mut tally)?;
    while filled > 0 {
        let rows = &current[..filled];
        let read = match &pool {
            // Both on the pool's threads (no third thread competing for the cores): one
            // reads while the others evaluate, then joins them.
            Some(pool) => {
                pool.install(|| {
                    rayon::join(
                        || reader.fill(&mut inputs, &mut next, &mut tally),
                        || evaluate_chunk(&shared, rows, &mut workers, true),
                    )
                })
                .0
            }
            None => {
                evaluate_chunk(&shared, rows, &mut workers, false);
                reader.fill(&mut inputs, &mut next, &mut tally)
            }
        };
        write_chunk(&mut workers, &mut tally, out)?;
        if let Some(bar) = &bar {
            bar.set_position(tally.units as u64);
        }
        filled = read?;
        std::mem::swap(&mut current, &mut next);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    tally.warnings.dedup();
    tally.text_lines = inputs.iter().filter_map(Opened::line_summary).collect();
    writer.finish(layout, out)?;
    out.flush()?;
    Ok(tally)
}

/// Reads records across the input files, numbering units and skipping blank rows.
#[derive(Default)]
struct Reader {
    file: usize,
    number: usize,
}

impl Reader {
    /// Fills `chunk` with up to [`CHUNK`] records or [`CHUNK_BYTES`] (reusing its buffers);
    /// how many.
    fn fill(
        &mut self,
        inputs: &mut [Opened],
        chunk: &mut Vec<Pending>,
        tally: &mut Tally,
    ) -> Result<usize, BatchError> {
        let mut filled = 0;
        let mut bytes = 0;
        while filled < CHUNK && bytes < CHUNK_BYTES && self.file < inputs.len() {
            if filled == chunk.len() {
                chunk.push(Pending {
                    record: csv::ByteRecord::with_capacity(256, 32),
                    ..Pending::default()
                });
            }
            let slot = &mut chunk[filled];
            // A buffer a huge line made huge is not kept for the next chunks.
            if slot.record.as_slice().len() > KEEP_BYTES {
                slot.record = csv::ByteRecord::with_capacity(256, 32);
            }
            let (row, meta) = match inputs[self.file].next_csv_record(&mut slot.record) {
                None => {
                    self.file += 1;
                    continue;
                }
                Some(Err(e)) => return Err(BatchError::Input(e)),
                Some(Ok(at)) => at,
            };
            if meta.broken.is_none() && !meta.too_long && blank_record(&slot.record) {
                tally.blank_rows += 1;
                if tally.blanks.len() < Tally::LISTED {
                    tally.blanks.push(Origin {
                        file: Arc::clone(&inputs[self.file].info),
                        row,
                        line: meta.line,
                    });
                }
                continue;
            }
            bytes += slot.record.as_slice().len();
            self.number += 1;
            slot.number = self.number;
            slot.row = row;
            slot.meta = meta;
            slot.file = self.file;
            filled += 1;
        }
        Ok(filled)
    }
}

fn not_csv() -> BatchError {
    BatchError::Format("内部错误：直通路径只用于 CSV 输入".into())
}

/// Evaluates a chunk on the workers: one contiguous share each, so that their outputs,
/// one after the other, are in input order. `parallel`: on the current rayon pool.
fn evaluate_chunk(shared: &Shared, rows: &[Pending], workers: &mut [Worker], parallel: bool) {
    for w in workers.iter_mut() {
        w.out.clear();
        w.statuses.clear();
        w.evaluated = 0;
    }
    let share = rows.len().div_ceil(workers.len()).max(1);
    if parallel {
        workers
            .par_iter_mut()
            .zip(rows.par_chunks(share))
            .for_each(|(w, part)| w.run(shared, part));
    } else {
        for (w, part) in workers.iter_mut().zip(rows.chunks(share)) {
            w.run(shared, part);
        }
    }
}

/// Writes an evaluated chunk and counts it.
fn write_chunk(workers: &mut [Worker], tally: &mut Tally, out: &mut dyn Write) -> Result<(), BatchError> {
    for w in workers.iter_mut() {
        out.write_all(&w.out)?;
        for status in w.statuses.drain(..) {
            tally.add(&status);
        }
        tally.units += w.evaluated;
        tally.evaluated += w.evaluated;
    }
    Ok(())
}
