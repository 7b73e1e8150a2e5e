//! Editing [`Raw`] trees: the batch readers' dotted headers (`评审.经济效益`) become
//! nested tables; `jixiao test`'s `设` changes a path.

use std::collections::HashMap;

use super::*;

/// Names of keys, for "unknown key" warnings, deduplicated in order.
pub fn dedup_keys(keys: &[String]) -> Vec<String> {
    let mut seen = HashMap::new();
    keys.iter()
        .filter(|k| seen.insert(k.as_str(), ()).is_none())
        .cloned()
        .collect()
}

/// Adds `raw` at `path` (`["评审", "经济效益"]`) among `entries`, creating the tables on the
/// way (each located at `table_loc`); an existing value that is not a table on the way
/// stops it (binding then reports the clash).
pub fn insert_nested(entries: &mut Vec<Entry>, path: &[String], raw: Raw, loc: Loc, table_loc: Loc) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut level = entries;
    for key in parents {
        let index = table_index(level, key, table_loc);
        match &mut level[index].1 {
            Raw::Table(inner) => level = inner,
            _ => return,
        }
    }
    level.push((last.clone(), raw, loc));
}

/// The index of the table named `key` among `entries`, added (empty, at `loc`) if there is
/// none; a value of that name that is not a table is left alone.
pub(crate) fn table_index(entries: &mut Vec<Entry>, key: &str, loc: Loc) -> usize {
    match entries
        .iter()
        .position(|(k, v, _)| k == key && matches!(v, Raw::Table(_)))
    {
        Some(i) => i,
        None => {
            entries.push((key.to_owned(), Raw::Table(Vec::new()), loc));
            entries.len() - 1
        }
    }
}

/// Sets `path` (`实有人数`, `评审.经济效益`) in a parsed data file, replacing the value
/// wherever the file put it (grouping tables included). Used by rule-file tests.
pub fn set_path(raw: &mut Raw, path: &[String], value: Raw) {
    let Raw::Table(entries) = raw else { return };
    match path {
        [] => {}
        [key] => {
            remove_key(entries, key);
            entries.push((key.clone(), value, None));
        }
        [first, rest @ ..] => {
            let index = table_index(entries, first, None);
            set_path(&mut entries[index].1, rest, value);
        }
    }
}

/// Removes a key wherever a data file may have put it (see [`set_path`]).
pub fn remove_everywhere(raw: &mut Raw, key: &str) {
    if let Raw::Table(entries) = raw {
        remove_key(entries, key);
    }
}

/// Removes a key from a table and from the grouping tables inside it (not from the
/// reserved 评审/自评 tables, whose keys are indicator names).
pub(crate) fn remove_key(entries: &mut Vec<Entry>, key: &str) {
    entries.retain(|(k, _, _)| k != key);
    for (k, v, _) in entries.iter_mut() {
        if REVIEW_KEYS.contains(&k.as_str()) || STATED_KEYS.contains(&k.as_str()) {
            continue;
        }
        if let Raw::Table(inner) = v {
            remove_key(inner, key);
        }
    }
}
