//! The header plan: how a file's columns map to the rule file's inputs ([`plan`]).

use std::collections::HashMap;
use std::sync::Arc;

use jixiao::data;
use jixiao::model::{DataKey, Model};

use super::{column_letters, FileInfo, FileKind};

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Target {
    Unit,
    Input(usize),
    List(usize),
    /// `评审.经济效益`, `自评.总分`, `自评.得分.预算配置`: a key path into nested tables.
    Nested(Vec<String>),
}

#[derive(Debug, Clone)]
pub(super) struct Column {
    pub(super) target: Option<Target>,
    /// The field as binding names it in problems.
    pub(super) field: String,
    /// Whether a blank cell is an error (no declared default).
    pub(super) required: bool,
    /// A number input with a declared default: a blank cell is "not reported", which the
    /// binder turns into the default with a note (never a silent default).
    pub(super) blank_noted: bool,
}

impl Column {
    /// A column not read (no header, or not an input of the rule file).
    const IGNORED: Column = Column {
        target: None,
        field: String::new(),
        required: false,
        blank_noted: false,
    };
}

/// How a file's columns map to the rule file's inputs; built once from the header.
#[derive(Debug, Clone)]
pub struct Plan {
    pub(super) columns: Vec<Column>,
    pub(super) info: Arc<FileInfo>,
    /// `--partial`: a blank required cell is a figure not reported (binding makes it
    /// 无法计算), not a problem of the row.
    pub(super) partial: bool,
}

/// Maps a header to the rule file's inputs. Unknown columns give a warning each; a
/// missing required column or two columns for one input is an error for the whole file
/// (under `partial`, a missing column is a warning: its figures are not reported).
pub fn plan(
    model: &Model,
    name: &str,
    kind: FileKind,
    first_col: usize,
    headers: Vec<String>,
    sha256: String,
    partial: bool,
) -> Result<(Plan, Vec<String>), String> {
    let HeaderMap {
        columns,
        fields,
        seen,
        mut warnings,
        mut errors,
    } = map_headers(model, name, &kind, first_col, &headers);
    let missing = missing_columns(model, &seen);
    // The unit's name is needed even for a partial evaluation.
    let no_name = missing.first().is_some_and(|m| m.starts_with("单位名称"));
    if !missing.is_empty() && partial && !no_name {
        warnings.push(format!(
            "{name} 缺少 {} 个必需的列：{}（--partial：这些数按未填报处理，需要它们的指标无法计算）",
            missing.len(),
            missing.join("、")
        ));
    } else if !missing.is_empty() {
        errors.insert(
            0,
            format!(
                "{name} 缺少 {} 个必需的列：{}（规则文件没有为这些输入声明“缺失时”的取值，每个单位都必须填写）",
                missing.len(),
                missing.join("、")
            ),
        );
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let info = Arc::new(FileInfo {
        name: name.to_owned(),
        kind,
        headers,
        first_col,
        sha256,
        fields,
    });
    Ok((Plan { columns, info, partial }, warnings))
}

/// The header's columns mapped one by one, before checking what is missing.
struct HeaderMap {
    columns: Vec<Column>,
    /// Binding's field name → column.
    fields: HashMap<String, usize>,
    /// Each target → the first column holding it.
    seen: HashMap<Target, usize>,
    warnings: Vec<String>,
    /// Two columns for one input.
    errors: Vec<String>,
}

/// Maps each header to its target; an empty or unknown header is ignored with a warning.
fn map_headers(model: &Model, name: &str, kind: &FileKind, first_col: usize, headers: &[String]) -> HeaderMap {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut columns = Vec::with_capacity(headers.len());
    let mut fields = HashMap::new();
    let mut seen: HashMap<Target, usize> = HashMap::new();
    let where_col = |i: usize| match kind {
        FileKind::Sheet { .. } => format!("{} 列", column_letters(first_col + i)),
        _ => format!("第 {} 列", i + 1),
    };
    for (i, header) in headers.iter().enumerate() {
        if header.is_empty() {
            warnings.push(format!("{name} 的{}没有表头，这一列已忽略", where_col(i)));
            columns.push(Column::IGNORED);
            continue;
        }
        let (target, field, required) = match target_of(model, header) {
            Some(t) => t,
            None => {
                warnings.push(format!(
                    "{name} 的列「{header}」（{}）不是规则文件声明的输入，已忽略",
                    where_col(i)
                ));
                columns.push(Column::IGNORED);
                continue;
            }
        };
        if let Some(&first) = seen.get(&target) {
            errors.push(format!(
                "列「{header}」（{}）和列「{}」（{}）填的是同一项 `{field}`，请只保留一列",
                where_col(i),
                headers[first],
                where_col(first)
            ));
        } else {
            seen.insert(target.clone(), i);
        }
        fields.insert(field.clone(), i);
        let blank_noted = match target {
            Target::Input(i) => {
                let input = &model.inputs[i];
                input.default.is_some()
                    && matches!(
                        input.kind,
                        jixiao::model::Kind::Quantity(_) | jixiao::model::Kind::Percent
                    )
            }
            _ => false,
        };
        columns.push(Column {
            target: Some(target),
            field,
            required,
            blank_noted,
        });
    }
    HeaderMap {
        columns,
        fields,
        seen,
        warnings,
        errors,
    }
}

/// The required columns the header lacks: the unit's name (first), inputs without a
/// `缺失时` value, target lists and reviewer scores.
fn missing_columns(model: &Model, seen: &HashMap<Target, usize>) -> Vec<String> {
    let mut missing = Vec::new();
    if !seen.contains_key(&Target::Unit) {
        missing.push("单位名称（或 单位）".to_owned());
    }
    for (i, input) in model.inputs.iter().enumerate() {
        if input.default.is_none() && !seen.contains_key(&Target::Input(i)) {
            missing.push(with_aliases(&input.name, &input.aliases));
        }
    }
    for (l, list) in model.lists.iter().enumerate() {
        if !seen.contains_key(&Target::List(l)) {
            missing.push(with_aliases(&list.name, &list.aliases));
        }
    }
    for &leaf in &model.review_leaves {
        let path = vec![data::REVIEW_KEYS[0].to_owned(), model.nodes[leaf].name.clone()];
        if !seen.contains_key(&Target::Nested(path.clone())) {
            missing.push(path.join("."));
        }
    }
    missing
}

fn with_aliases(name: &str, aliases: &[String]) -> String {
    if aliases.is_empty() {
        name.to_owned()
    } else {
        format!("{name}（或 {}）", aliases.join("、"))
    }
}

/// A header's target, the field name binding uses for it, and whether it is required.
fn target_of(model: &Model, header: &str) -> Option<(Target, String, bool)> {
    if data::UNIT_NAME_KEYS.contains(&header) {
        return Some((Target::Unit, data::UNIT_NAME_KEYS[0].to_owned(), true));
    }
    match model.data_keys.get(header) {
        Some(DataKey::Input(i)) => {
            let input = &model.inputs[*i];
            return Some((Target::Input(*i), input.name.clone(), input.default.is_none()));
        }
        Some(DataKey::List(l)) => return Some((Target::List(*l), model.lists[*l].name.clone(), true)),
        None => {}
    }
    let parts: Vec<String> = header.split('.').map(|p| p.trim().to_owned()).collect();
    if parts.len() < 2 || parts.iter().any(String::is_empty) {
        return None;
    }
    if data::REVIEW_KEYS.contains(&parts[0].as_str()) {
        let is_review = parts.len() == 2
            && model
                .review_leaves
                .iter()
                .any(|&leaf| model.nodes[leaf].name == parts[1]);
        if !is_review {
            return None;
        }
        let field = format!("{}.{}", data::REVIEW_KEYS[0], parts[1]);
        let path = vec![data::REVIEW_KEYS[0].to_owned(), parts[1].clone()];
        return Some((Target::Nested(path), field, true));
    }
    if data::STATED_KEYS.contains(&parts[0].as_str()) {
        // What `data::bind` accepts under 自评: 总分, 等级, 得分.X, 指标值.X.
        let known = matches!(
            (parts.len(), parts[1].as_str()),
            (2, "总分" | "等级") | (3, "得分" | "指标值")
        );
        if !known {
            return None;
        }
        let mut path = parts;
        path[0] = data::STATED_KEYS[0].to_owned();
        return Some((Target::Nested(path.clone()), path.join("."), false));
    }
    None
}

impl Plan {
    pub fn info(&self) -> &Arc<FileInfo> {
        &self.info
    }
}
