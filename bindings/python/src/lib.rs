//! `jixiao._jixiao`: the Python module behind the `jixiao` package (PyO3, abi3).
//!
//! Python values become the JSON a `.json` data file would hold (numbers keep their exact
//! text), [`jixiao::Rules::unit_from_json`] reads them, and an [`jixiao::Evaluation`] comes
//! back as the JSON contract (`docs/schema/evaluation.schema.json`) in Python objects, its
//! exact numbers as `decimal.Decimal` (terminating) or `fractions.Fraction` (not): the
//! `topy` serializer builds them straight from the `Evaluation`.
//!
//! `evaluate_many` converts a chunk of rows under the GIL, evaluates it on all cores
//! without the GIL, converts the results back, and goes on with the next chunk.

mod topy;

use std::str::FromStr;

use jixiao::{Error, ErrorKind, Evaluation, InputType, Options, Rules};
use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rayon::prelude::*;
use serde_json::{Map, Number, Value};
use topy::{exact, Cache};

create_exception!(
    jixiao,
    JixiaoError,
    PyValueError,
    "A rule file that does not load, or a unit whose data is wrong. str(e) is the Chinese \
     message; .code is the stable code (jixiao::data::out_of_range …), .kind one of io, \
     syntax, check, data, eval; .problems (data) and .diagnostics (rule files) give the \
     details as dicts; .rendered the full text with the rule-file excerpt."
);

/// Rust's allocations in this extension (not Python's objects, which CPython allocates).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rows converted and evaluated together: bounds the memory of a large batch.
const CHUNK: usize = 4096;

/// What a top-level key of a unit's data is, for the conversion of Python values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    /// An amount, count or rate: `None`/NaN is "not reported" (`缺失时` applies, with a note).
    Number,
    /// A target list: a string is read as the JSON array a CSV cell holds.
    List,
    /// Text or 是/否: `None` leaves the field out.
    Other,
}

/// A compiled rule file (`jixiao.Rules.load(path)` or `jixiao.Rules.compile(text)`).
#[pyclass(module = "jixiao", name = "Rules", frozen)]
struct PyRules {
    rules: Rules,
    /// Looked up for every cell of every row: a fast hash.
    keys: foldhash::HashMap<String, Key>,
    /// Indicator (leaf) and category names, in the rule file's order: the DataFrame's
    /// score columns.
    leaves: Vec<String>,
    categories: Vec<String>,
}

impl PyRules {
    fn new(rules: Rules) -> PyRules {
        let mut keys = foldhash::HashMap::default();
        for input in rules.inputs() {
            let key = match input.input_type {
                InputType::Amount { .. } | InputType::Count { .. } | InputType::Percent => Key::Number,
                InputType::Targets { .. } => Key::List,
                _ => Key::Other,
            };
            for name in std::iter::once(&input.name).chain(&input.aliases) {
                keys.insert(name.clone(), key);
            }
        }
        let model = &rules.compiled().model;
        let leaves = model
            .nodes
            .iter()
            .filter(|n| n.leaf.is_some())
            .map(|n| n.name.clone())
            .collect();
        let categories = model
            .nodes
            .iter()
            .filter(|n| n.leaf.is_none())
            .map(|n| n.name.clone())
            .collect();
        PyRules {
            rules,
            keys,
            leaves,
            categories,
        }
    }

    fn options(explain: bool, audit: bool, partial: bool) -> Options {
        Options::default().explain(explain).audit(audit).partial(partial)
    }
}

#[pymethods]
impl PyRules {
    /// Reads and compiles a rule file (its `基于` files are read relative to it).
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyRules> {
        let rules = py.detach(|| Rules::load(&path));
        rules.map(PyRules::new).map_err(|e| raise(py, &e))
    }

    /// Compiles rule text; `name` names it in diagnostics.
    #[staticmethod]
    #[pyo3(signature = (text, name = "（规则）"))]
    fn compile(py: Python<'_>, text: &str, name: &str) -> PyResult<PyRules> {
        let rules = py.detach(|| Rules::compile(name, text));
        rules.map(PyRules::new).map_err(|e| raise(py, &e))
    }

    /// The rule set's 标题.
    #[getter]
    fn title(&self) -> &str {
        self.rules.title()
    }

    /// The 年度 it evaluates.
    #[getter]
    fn year(&self) -> u32 {
        self.rules.year()
    }

    /// The 满分, exact.
    #[getter]
    fn full_marks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        exact(py, &self.rules.full_marks().to_string())
    }

    /// The checker's warnings, as dicts (code, severity, message, file, line, column, help …).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Cache::default().convert(py, &self.rules.warnings())
    }

    /// The figures a unit reports, in the rule file's order: name, aliases, type, ranges,
    /// default, required, section, description.
    fn inputs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Cache::default().convert(py, &self.rules.inputs())
    }

    /// Evaluates one unit given as a dict; returns the JSON contract as a dict.
    #[pyo3(signature = (unit, *, explain = false, audit = true, partial = false))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        unit: &Bound<'py, PyAny>,
        explain: bool,
        audit: bool,
        partial: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let unit = unit
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err("evaluate() 需要一个 dict（一个单位的数据）"))?;
        let value = self.unit_value(unit.iter())?;
        let options = PyRules::options(explain, audit, partial);
        let result = py.detach(|| {
            let unit = self.rules.unit_from_json(&value);
            self.rules.evaluate(&unit, &options)
        });
        match result {
            Ok(evaluation) => Cache::default().convert(py, &evaluation),
            Err(e) => Err(raise(py, &e)),
        }
    }

    /// Evaluates many units: a list (any iterable) of dicts gives a list of results
    /// (number, source, unit, status, error, evaluation), a pandas DataFrame a DataFrame
    /// with the same index. One bad row never stops the others.
    #[pyo3(signature = (rows, *, explain = false, audit = true, partial = false, evaluation = true, jobs = None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_many<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
        explain: bool,
        audit: bool,
        partial: bool,
        evaluation: bool,
        jobs: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = PyRules::options(explain, audit, partial);
        let pool = pool(jobs)?;
        if is_data_frame(rows)? {
            return self.evaluate_frame(py, rows, &options, &pool, evaluation);
        }
        let _no_gc = NoGc::new(py)?;
        let out = PyList::empty(py);
        let mut rows = rows.try_iter()?;
        let mut read = 0;
        let next = || -> PyResult<Vec<(Value, String)>> {
            let mut chunk = Vec::with_capacity(CHUNK);
            for row in rows.by_ref().take(CHUNK) {
                let row = row?;
                let row = row.cast::<PyDict>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "evaluate_many() 的每一行应为 dict，rows[{read}] 是 {}",
                        row.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                    ))
                })?;
                chunk.push((self.unit_value(row.iter())?, format!("rows[{read}]")));
                read += 1;
            }
            Ok(chunk)
        };
        let mut number = 0;
        let mut cache = Cache::default();
        let take = |chunk: &[(Value, String)], results: &[Done]| -> PyResult<()> {
            for ((value, source), result) in chunk.iter().zip(results) {
                number += 1;
                out.append(self.record(py, &mut cache, number, source, value, result)?)?;
            }
            Ok(())
        };
        self.pipeline(py, &pool, &options, evaluation, next, take)?;
        Ok(out.into_any())
    }

    fn __repr__(&self) -> String {
        format!("<jixiao.Rules {} {}>", self.rules.title(), self.rules.year())
    }
}

/// One row's evaluation, done without the GIL: the evaluation itself (when the full result
/// is asked for), and the figures of the DataFrame's own columns.
type Done = Result<(Option<Evaluation>, Summary), Error>;

/// What a DataFrame row shows besides the full evaluation.
struct Summary {
    unit: String,
    complete: bool,
    total: Option<String>,
    total_display: String,
    grade: Option<String>,
    self_total: Option<String>,
    reason: Option<String>,
    scores: Vec<Option<String>>,
    subtotals: Vec<Option<String>>,
}

impl PyRules {
    /// Evaluates a chunk on the pool, in order (no Python here: it runs without the GIL).
    fn evaluate_chunk(
        &self,
        pool: &rayon::ThreadPool,
        chunk: &[(Value, String)],
        options: &Options,
        full: bool,
    ) -> Vec<Done> {
        pool.install(|| {
            chunk
                .par_iter()
                .map(|(value, source)| {
                    let unit = self.rules.unit_from_json(value).with_source(source.as_str());
                    let e = self.rules.evaluate(&unit, options)?;
                    let summary = Summary {
                        unit: e.unit.clone(),
                        complete: e.complete,
                        total: e.total.as_ref().map(|t| t.to_string()),
                        total_display: e.total_display.clone(),
                        grade: e.grade.clone(),
                        self_total: e.self_evaluation.total.map(|t| t.to_string()),
                        reason: if e.complete {
                            None
                        } else {
                            e.scoring.as_ref().map(|s| s.text.clone())
                        },
                        scores: e.indicators.iter().map(|i| decimal_text(&i.score_display)).collect(),
                        subtotals: e.categories.iter().map(|c| decimal_text(&c.score_display)).collect(),
                    };
                    Ok((full.then_some(e), summary))
                })
                .collect()
        })
    }

    /// Runs a batch chunk by chunk: `next` reads a chunk's rows (with the GIL; an empty chunk
    /// ends the batch), the pool evaluates it in the background while `take` turns the
    /// previous chunk's results into Python objects, so that conversion and evaluation
    /// overlap; a chunk's rows and evaluations are freed in the background too.
    fn pipeline(
        &self,
        py: Python<'_>,
        pool: &rayon::ThreadPool,
        options: &Options,
        full: bool,
        mut next: impl FnMut() -> PyResult<Vec<(Value, String)>>,
        mut take: impl FnMut(&[(Value, String)], &[Done]) -> PyResult<()>,
    ) -> PyResult<()> {
        type Batch = (Vec<(Value, String)>, Vec<Done>);
        std::thread::scope(|scope| -> PyResult<()> {
            let mut pending: Option<std::thread::ScopedJoinHandle<'_, Batch>> = None;
            loop {
                let chunk = next()?;
                let last = chunk.is_empty();
                let running = (!last).then(|| {
                    scope.spawn(move || {
                        let results = self.evaluate_chunk(pool, &chunk, options, full);
                        (chunk, results)
                    })
                });
                if let Some(handle) = pending.take() {
                    let (chunk, results) = py.detach(|| handle.join().expect("evaluation thread"));
                    take(&chunk, &results)?;
                    scope.spawn(move || drop((chunk, results)));
                }
                pending = running;
                if last {
                    return Ok(());
                }
            }
        })
    }

    /// A row of a list result: `number`, `source`, `unit`, `status`, `error`, `evaluation`
    /// (the CLI's JSON batch output, with `error` a dict).
    fn record<'py>(
        &self,
        py: Python<'py>,
        cache: &mut Cache,
        number: usize,
        source: &str,
        input: &Value,
        done: &Done,
    ) -> PyResult<Bound<'py, PyAny>> {
        let d = PyDict::new(py);
        d.set_item("number", number)?;
        d.set_item("source", source)?;
        match done {
            Ok((evaluation, summary)) => {
                d.set_item("unit", &summary.unit)?;
                d.set_item("status", jixiao::report::unit_status(summary.complete))?;
                d.set_item("error", py.None())?;
                match evaluation {
                    Some(e) => d.set_item("evaluation", cache.convert(py, e)?)?,
                    None => d.set_item("evaluation", py.None())?,
                }
            }
            Err(e) => {
                d.set_item("unit", unit_name(input))?;
                d.set_item("status", jixiao::report::UNIT_ERROR)?;
                d.set_item("error", error_dict(py, e)?)?;
                d.set_item("evaluation", py.None())?;
            }
        }
        Ok(d.into_any())
    }

    fn evaluate_frame<'py>(
        &self,
        py: Python<'py>,
        frame: &Bound<'py, PyAny>,
        options: &Options,
        pool: &rayon::ThreadPool,
        full: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        // Column by column: `Series.tolist()` gives Python ints, floats, str, None …
        let names: Vec<String> = frame
            .getattr("columns")?
            .try_iter()?
            .map(|c| c.and_then(|c| c.str().map(|s| s.to_string())))
            .collect::<PyResult<_>>()?;
        let mut columns: Vec<Bound<'py, PyList>> = Vec::with_capacity(names.len());
        let iloc = frame.getattr("iloc")?;
        for j in 0..names.len() {
            let series = iloc.get_item((pyo3::types::PySlice::full(py), j))?;
            columns.push(series.call_method0("tolist")?.cast_into::<PyList>()?);
        }
        let n: usize = frame.len()?;
        let labels: Vec<String> = frame
            .getattr("index")?
            .try_iter()?
            .map(|label| label.and_then(|l| l.repr().map(|r| format!("df.loc[{r}]"))))
            .collect::<PyResult<_>>()?;
        let keys: Vec<Bound<'py, PyAny>> = names.iter().map(|k| PyString::new(py, k).into_any()).collect();
        let _no_gc = NoGc::new(py)?;
        let mut out = FrameColumns::new(self, n, full);
        let mut start = 0;
        let next = || -> PyResult<Vec<(Value, String)>> {
            let end = (start + CHUNK).min(n);
            let mut chunk = Vec::with_capacity(end - start);
            for (i, label) in labels.iter().enumerate().take(end).skip(start) {
                let mut cells = Vec::with_capacity(keys.len());
                for (key, column) in keys.iter().zip(&columns) {
                    cells.push((key.clone(), column.get_item(i)?));
                }
                chunk.push((self.unit_value(cells.into_iter())?, label.clone()));
            }
            start = end;
            Ok(chunk)
        };
        let take = |chunk: &[(Value, String)], results: &[Done]| -> PyResult<()> {
            for ((value, _), done) in chunk.iter().zip(results) {
                out.push(py, value, done)?;
            }
            Ok(())
        };
        self.pipeline(py, pool, options, full, next, take)?;
        let pandas = py.import("pandas")?;
        let data = PyDict::new(py);
        for (name, column) in out.names.iter().zip(out.columns) {
            data.set_item(name, column)?;
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("index", frame.getattr("index")?)?;
        // Object columns throughout: a missing value is None (not NaN), numbers stay exact.
        kwargs.set_item("dtype", "object")?;
        pandas.getattr("DataFrame")?.call((data,), Some(&kwargs))
    }

    /// A unit's data as JSON: nested dicts and lists as they are; at the top level, dotted
    /// keys (`评审.经济效益`, `自评.得分.预算配置`) nest as the CSV reader's column headers do,
    /// `None`/NaN for a figure is "not reported", a string for a target list is its JSON.
    fn unit_value<'py>(&self, items: impl Iterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)>) -> PyResult<Value> {
        let mut map = Map::new();
        for (key, value) in items {
            let key = key_text(&key)?;
            let trimmed = key.trim();
            let kind = self.keys.get(trimmed).copied();
            if is_missing(&value)? || is_blank(&value)? {
                // Not reported: a figure with `缺失时` takes it (with a note), one without is
                // missing (or 无法计算 under `partial`); anything else is left out.
                if kind == Some(Key::Number) {
                    map.insert(key, Value::String(String::new()));
                }
                continue;
            }
            let json = if kind == Some(Key::List) {
                match value.cast::<PyString>() {
                    Ok(s) => {
                        let text = s.to_str()?;
                        serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_owned()))
                    }
                    Err(_) => to_json(&value)?,
                }
            } else {
                to_json(&value)?
            };
            match nested_path(trimmed, kind.is_some()) {
                Some(path) => insert_nested(&mut map, &path, json),
                None => {
                    map.insert(key, json);
                }
            }
        }
        Ok(Value::Object(map))
    }
}

/// The columns of the DataFrame `evaluate_many` returns for a DataFrame.
struct FrameColumns<'r> {
    rules: &'r PyRules,
    names: Vec<String>,
    columns: Vec<Vec<Py<PyAny>>>,
    full: bool,
    cache: Cache,
}

const FIXED: [&str; 10] = [
    "unit",
    "status",
    "complete",
    "total",
    "total_exact",
    "total_display",
    "grade",
    "self_total",
    "error",
    "error_code",
];

impl<'r> FrameColumns<'r> {
    fn new(rules: &'r PyRules, n: usize, full: bool) -> FrameColumns<'r> {
        let mut names: Vec<String> = FIXED.iter().map(|s| (*s).to_owned()).collect();
        names.extend(rules.leaves.iter().map(|l| format!("得分.{l}")));
        names.extend(rules.categories.iter().map(|c| format!("小计.{c}")));
        if full {
            names.push("evaluation".into());
        }
        let columns = names.iter().map(|_| Vec::with_capacity(n)).collect();
        FrameColumns {
            rules,
            names,
            columns,
            full,
            cache: Cache::default(),
        }
    }

    fn push(&mut self, py: Python<'_>, input: &Value, done: &Done) -> PyResult<()> {
        let none = || py.None();
        let text = |s: &str| PyString::new(py, s).into_any().unbind();
        let opt_text = |s: &Option<String>| s.as_deref().map_or_else(none, text);
        let decimal = |s: &Option<String>| -> PyResult<Py<PyAny>> {
            match s {
                Some(s) => Ok(exact(py, s)?.unbind()),
                None => Ok(none()),
            }
        };
        let mut row: Vec<Py<PyAny>> = Vec::with_capacity(self.names.len());
        match done {
            Ok((evaluation, s)) => {
                row.push(text(&s.unit));
                row.push(text(jixiao::report::unit_status(s.complete)));
                row.push(PyBool::new(py, s.complete).to_owned().into_any().unbind());
                row.push(decimal(&decimal_text(&s.total_display).filter(|_| s.complete))?);
                row.push(decimal(&s.total)?);
                row.push(text(&s.total_display));
                row.push(opt_text(&s.grade));
                row.push(decimal(&s.self_total)?);
                row.push(opt_text(&s.reason));
                row.push(none());
                for i in 0..self.rules.leaves.len() {
                    row.push(decimal(&s.scores.get(i).cloned().flatten())?);
                }
                for i in 0..self.rules.categories.len() {
                    row.push(decimal(&s.subtotals.get(i).cloned().flatten())?);
                }
                if self.full {
                    row.push(match evaluation {
                        Some(e) => self.cache.convert(py, e)?.unbind(),
                        None => none(),
                    });
                }
            }
            Err(e) => {
                row.push(text(&unit_name(input)));
                row.push(text(jixiao::report::UNIT_ERROR));
                // complete, total, total_exact, total_display, grade, self_total
                row.extend((0..6).map(|_| none()));
                row.push(text(&e.to_string()));
                row.push(text(e.code()));
                row.extend((0..self.rules.leaves.len() + self.rules.categories.len()).map(|_| none()));
                if self.full {
                    row.push(none());
                }
            }
        }
        for (column, cell) in self.columns.iter_mut().zip(row) {
            column.push(cell);
        }
        Ok(())
    }
}

/// A display text that is a plain decimal (`"3.80"`), not `不适用`, `无法计算`, `不完整（…）`.
fn decimal_text(s: &str) -> Option<String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let ok = !digits.is_empty()
        && digits.split('.').count() <= 2
        && digits
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| s.to_owned())
}

/// The unit's name as the row gives it (for a row that could not be evaluated).
fn unit_name(value: &Value) -> String {
    jixiao::data::UNIT_NAME_KEYS
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// The nesting of a dotted top-level key, as the CSV reader maps column headers:
/// `评审.X`, `自评.总分`, `自评.等级`, `自评.得分.X`, `自评.指标值.X`. A key the rule file
/// declares is never split.
fn nested_path(key: &str, declared: bool) -> Option<Vec<String>> {
    if declared || !key.contains('.') {
        return None;
    }
    let parts: Vec<String> = key.split('.').map(|p| p.trim().to_owned()).collect();
    if parts.len() < 2 || parts.iter().any(String::is_empty) {
        return None;
    }
    let first = parts[0].as_str();
    if jixiao::data::REVIEW_KEYS.contains(&first) || jixiao::data::STATED_KEYS.contains(&first) {
        Some(parts)
    } else {
        None
    }
}

fn insert_nested(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut level = map;
    for key in parents {
        let entry = level.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
        match entry {
            Value::Object(inner) => level = inner,
            // `评审` given both as a dict and as dotted keys: the binder reports the dict.
            _ => return,
        }
    }
    level.insert(last.clone(), value);
}

fn key_text(key: &Bound<'_, PyAny>) -> PyResult<String> {
    match key.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_owned()),
        Err(_) => Ok(key.str()?.to_str()?.to_owned()),
    }
}

/// `None`, NaN (float or Decimal), pandas' `NA` and `NaT`: a value not reported.
fn is_missing(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    if value.is_none() {
        return Ok(true);
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(f.value().is_nan());
    }
    if value.is_instance_of::<PyString>() || value.is_instance_of::<PyInt>() {
        return Ok(false);
    }
    let ty = value.get_type();
    let name = ty.name()?;
    let name = name.to_str()?;
    if name == "Decimal" {
        return value.call_method0("is_nan")?.is_truthy();
    }
    Ok(matches!(name, "NAType" | "NaTType"))
}

/// An empty (or all-space) string: a blank cell, as the CSV reader takes it.
fn is_blank(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.trim().is_empty()),
        Err(_) => Ok(false),
    }
}

/// A Python value as JSON, numbers with their exact text (floats by their shortest
/// round-trip text, the same digits as `repr`).
fn to_json(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return match value.extract::<i64>() {
            Ok(n) => Ok(Value::Number(n.into())),
            Err(_) => number(&value.str()?.to_string()),
        };
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let f = f.value();
        return if f.is_finite() {
            // Rust's Display for f64 is the shortest round-trip text, never an exponent.
            number(&format!("{f}"))
        } else {
            Ok(Value::String(format!("{f}")))
        };
    }
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            if is_missing(&v)? {
                continue;
            }
            map.insert(key_text(&k)?, to_json(&v)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = value.cast::<PyList>() {
        return Ok(Value::Array(l.iter().map(|x| to_json(&x)).collect::<PyResult<_>>()?));
    }
    if let Ok(t) = value.cast::<PyTuple>() {
        return Ok(Value::Array(t.iter().map(|x| to_json(&x)).collect::<PyResult<_>>()?));
    }
    let ty = value.get_type();
    let name = ty.name()?.to_string();
    if name == "Decimal" {
        // `format(d, "f")`: never an exponent (Decimal("1E+2") → "100").
        let text = value.call_method1("__format__", ("f",))?.str()?.to_string();
        return number(&text);
    }
    // numpy and other numeric scalars.
    if name.starts_with("bool") {
        return Ok(Value::Bool(value.is_truthy()?));
    }
    if value.hasattr("__index__")? {
        return number(&value.call_method0("__index__")?.str()?.to_string());
    }
    if value.hasattr("__float__")? {
        let f: f64 = value.call_method0("__float__")?.extract()?;
        return if f.is_finite() {
            number(&format!("{f}"))
        } else {
            Ok(Value::String(format!("{f}")))
        };
    }
    // Anything else as its text: the binder says what it should have been.
    Ok(Value::String(value.str()?.to_string()))
}

fn number(text: &str) -> PyResult<Value> {
    Number::from_str(text)
        .map(Value::Number)
        .or_else(|_| Ok(Value::String(text.to_owned())))
}

/// Turns Python's cyclic garbage collector off while it lives: the millions of dicts and
/// lists of a batch's results hold no cycles, and each collection would walk them all.
struct NoGc<'py> {
    gc: Bound<'py, PyModule>,
    was_enabled: bool,
}

impl<'py> NoGc<'py> {
    fn new(py: Python<'py>) -> PyResult<NoGc<'py>> {
        let gc = py.import("gc")?;
        let was_enabled = gc.call_method0("isenabled")?.is_truthy()?;
        gc.call_method0("disable")?;
        Ok(NoGc { gc, was_enabled })
    }
}

impl Drop for NoGc<'_> {
    fn drop(&mut self) {
        if self.was_enabled {
            let _ = self.gc.call_method0("enable");
        }
    }
}

fn kind_text(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Io => "io",
        ErrorKind::Syntax => "syntax",
        ErrorKind::Check => "check",
        ErrorKind::Data(_) => "data",
        ErrorKind::Eval(_) => "eval",
        _ => "other",
    }
}

/// An error's details as a dict: code, kind, message, problems, diagnostics, rendered.
fn error_dict<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("code", e.code())?;
    d.set_item("kind", kind_text(e.kind()))?;
    d.set_item("message", e.to_string())?;
    let problems = PyList::empty(py);
    for p in e.problems() {
        let item = PyDict::new(py);
        item.set_item("kind", p.kind.code())?;
        item.set_item("code", p.kind.code())?;
        item.set_item("field", &p.field)?;
        item.set_item("value", &p.value)?;
        item.set_item("message", &p.message)?;
        item.set_item("location", p.location)?;
        item.set_item("text", p.to_string())?;
        problems.append(item)?;
    }
    d.set_item("problems", problems)?;
    d.set_item("diagnostics", Cache::default().convert(py, &e.diagnostics())?)?;
    Ok(d)
}

/// A `jixiao.JixiaoError` carrying the error's details as attributes.
fn raise(py: Python<'_>, e: &Error) -> PyErr {
    let err = JixiaoError::new_err(e.to_string());
    let set = || -> PyResult<()> {
        let value = err.value(py);
        for (k, v) in error_dict(py, e)?.iter() {
            value.setattr(k.cast::<PyString>()?, v)?;
        }
        value.setattr("rendered", e.render())?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(other) => other,
    }
}

fn is_data_frame(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let ty = obj.get_type();
    let module = ty.module()?.to_string();
    Ok(module.starts_with("pandas") && ty.name()?.to_str()? == "DataFrame")
}

fn pool(jobs: Option<usize>) -> PyResult<rayon::ThreadPool> {
    let n = match jobs {
        Some(0) => return Err(PyValueError::new_err("jobs 应为正整数")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

#[pymodule]
fn _jixiao(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRules>()?;
    m.add("JixiaoError", m.py().get_type::<JixiaoError>())?;
    m.add("JSON_VERSION", jixiao::JSON_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
