//! Repeated groups of fields on a form without JavaScript: rows named `group.<i>.field`,
//! added and removed by submit buttons (`more:group`, `remove:group:i`).

use std::collections::BTreeMap;

use crate::pages::FormState;

/// A repeated group: its name and the fields of one row.
pub struct RowGroup {
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

/// The rows of a repeated group: `prefix.i.field` → row i's `field`.
pub fn rows(values: &BTreeMap<String, String>, prefix: &str) -> Vec<BTreeMap<String, String>> {
    let mut rows: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in values {
        let Some(rest) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let Some((index, field)) = rest.split_once('.') else {
            continue;
        };
        // At most 50 rows: a form is typed by a person, not generated.
        if let Ok(i) = index.parse::<usize>()
            && i < 50
        {
            rows.entry(i)
                .or_default()
                .insert(field.to_owned(), v.clone());
        }
    }
    rows.into_values().collect()
}

/// Writes `rows` back as `prefix.i.field`, renumbered from 0.
fn set_rows(
    values: &mut BTreeMap<String, String>,
    prefix: &str,
    rows: Vec<BTreeMap<String, String>>,
) {
    values.retain(|k, _| !k.starts_with(&format!("{prefix}.")));
    for (i, row) in rows.into_iter().enumerate() {
        for (field, v) in row {
            values.insert(format!("{prefix}.{i}.{field}"), v);
        }
    }
}

/// What a row button asked for: `more:segments`, `remove:leaders:1`, `up:questions:2`,
/// `down:questions:0`; false for a submit.
/// The form comes back with one row more or less.
pub fn apply_row_action(
    values: &mut BTreeMap<String, String>,
    groups: &[RowGroup],
    action: &str,
) -> bool {
    let mut parts = action.split(':');
    let (verb, name, index) = (parts.next(), parts.next(), parts.next());
    let Some(group) = groups.iter().find(|g| Some(g.name) == name) else {
        return false;
    };
    let mut all = rows(values, group.name);
    match (verb, index) {
        (Some("more"), None) => all.push(empty_row(group)),
        (Some("remove"), Some(i)) => {
            if let Ok(i) = i.parse::<usize>()
                && i < all.len()
            {
                all.remove(i);
            }
        }
        (Some("up"), Some(i)) => {
            if let Ok(i) = i.parse::<usize>()
                && i > 0
                && i < all.len()
            {
                all.swap(i - 1, i);
            }
        }
        (Some("down"), Some(i)) => {
            if let Ok(i) = i.parse::<usize>()
                && i + 1 < all.len()
            {
                all.swap(i, i + 1);
            }
        }
        _ => return false,
    }
    set_rows(values, group.name, all);
    true
}

fn empty_row(group: &RowGroup) -> BTreeMap<String, String> {
    group
        .fields
        .iter()
        .map(|f| ((*f).to_owned(), String::new()))
        .collect()
}

/// Every form shows at least one row of each group.
pub fn ensure_rows(values: &mut BTreeMap<String, String>, groups: &[RowGroup]) {
    for group in groups {
        if rows(values, group.name).is_empty() {
            set_rows(values, group.name, vec![empty_row(group)]);
        }
    }
}

/// The row indices of a group on the form.
pub fn row_count(form: &FormState, group: &str) -> Vec<usize> {
    (0..rows(&form.values, group).len()).collect()
}
