//! The plan form: every field of a plan as plain HTML fields, rows of segments and leaders
//! added and removed by submit buttons (no JavaScript), read back into the rules crate's
//! [`PlanDraft`] so that the form is judged by the very rules the API applies.
//!
//! Field names: scalars by their wire name; `segments[i].type` (`kind:subtype`, one select
//! with a group per kind) written `segments.<i>.type`, and `segments.<i>.description`;
//! `interactions.<value>`, `experiences.<value>`, `channels.<value>` (one checkbox each);
//! `experiences.other_text`; `leaders.<i>.name|title|government_leader`. (Dots, not
//! brackets: every name is flat, so the form body reads without nesting.)

use std::collections::BTreeMap;

use openday_rules::WireEnum;
use openday_rules::plan::{
    Channel, ExperienceDraft, ExperienceKind, Interaction, LeaderDraft, Plan, PlanDraft,
    SegmentDraft, SegmentKind, Subtype,
};
use openday_rules::text::{BoolLike, NumberLike};

use super::form_rows::{RowGroup, rows};

pub const SEGMENTS: &str = "segments";
pub const LEADERS: &str = "leaders";

/// The plan form's repeated groups.
pub const PLAN_ROWS: [RowGroup; 2] = [
    RowGroup {
        name: SEGMENTS,
        fields: &["type", "description"],
    },
    RowGroup {
        name: LEADERS,
        fields: &["name", "title"],
    },
];

fn text(values: &BTreeMap<String, String>, name: &str) -> Option<String> {
    values.get(name).map(|v| v.trim().to_owned())
}

fn ticked(values: &BTreeMap<String, String>, name: &str) -> bool {
    matches!(
        values.get(name).map(String::as_str),
        Some("on" | "true" | "1")
    )
}

fn ticked_of<E: WireEnum>(values: &BTreeMap<String, String>, group: &str) -> Vec<String> {
    E::ALL
        .iter()
        .filter(|e| ticked(values, &format!("{group}.{}", e.wire())))
        .map(|e| e.wire().to_owned())
        .collect()
}

/// The form's fields as the plan body the rules read. Blank rows are left out.
pub fn draft_of(values: &BTreeMap<String, String>) -> PlanDraft {
    let segments = rows(values, SEGMENTS)
        .into_iter()
        .filter(|r| r.values().any(|v| !v.trim().is_empty()))
        .map(|r| {
            let (kind, subtype) = match r.get("type").map(|t| t.trim()).unwrap_or("") {
                "" => (None, None),
                t => match t.split_once(':') {
                    Some((k, s)) => (Some(k.to_owned()), Some(s.to_owned())),
                    None => (Some(t.to_owned()), None),
                },
            };
            SegmentDraft {
                kind,
                subtype,
                description: r
                    .get("description")
                    .map(|d| d.trim().to_owned())
                    .filter(|d| !d.is_empty()),
            }
        })
        .collect();
    let leaders = rows(values, LEADERS)
        .into_iter()
        .filter(|r| {
            ["name", "title"]
                .iter()
                .any(|f| r.get(*f).is_some_and(|v| !v.trim().is_empty()))
        })
        .map(|r| LeaderDraft {
            name: r.get("name").map(|v| v.trim().to_owned()),
            title: r.get("title").map(|v| v.trim().to_owned()),
            government_leader: Some(BoolLike::Bool(matches!(
                r.get("government_leader").map(String::as_str),
                Some("on" | "true")
            ))),
        })
        .collect();
    let experiences = ticked_of::<ExperienceKind>(values, "experiences")
        .into_iter()
        .map(|kind| {
            if kind == ExperienceKind::Other.wire() {
                ExperienceDraft::Detailed {
                    kind: Some(kind),
                    description: text(values, "experiences.other_text").filter(|t| !t.is_empty()),
                }
            } else {
                ExperienceDraft::Plain(kind)
            }
        })
        .collect();
    PlanDraft {
        year: text(values, "year").map(NumberLike::Text),
        name: text(values, "name"),
        theme: text(values, "theme"),
        format: text(values, "format").filter(|f| !f.is_empty()),
        start_date: text(values, "start_date"),
        end_date: text(values, "end_date"),
        segments: Some(segments),
        interactions: Some(ticked_of::<Interaction>(values, "interactions")),
        experiences: Some(experiences),
        capacity: text(values, "capacity").map(NumberLike::Text),
        channels: Some(ticked_of::<Channel>(values, "channels")),
        leaders: Some(leaders),
        venue: text(values, "venue"),
        livestream: text(values, "livestream").filter(|l| !l.is_empty()),
        contact_name: text(values, "contact_name"),
        contact_phone: text(values, "contact_phone"),
        no_deputy_inspection_overlap: Some(BoolLike::Bool(ticked(
            values,
            "no_deputy_inspection_overlap",
        ))),
    }
}

/// A stored plan as the form's fields, to revise it.
pub fn values_of(plan: &Plan) -> BTreeMap<String, String> {
    let wire = serde_json::to_value(plan).unwrap_or_default();
    let mut values = BTreeMap::new();
    let scalar = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    for name in [
        "year",
        "name",
        "theme",
        "format",
        "start_date",
        "end_date",
        "capacity",
        "venue",
        "livestream",
        "contact_name",
        "contact_phone",
    ] {
        if let Some(v) = wire.get(name) {
            values.insert(name.to_owned(), scalar(v));
        }
    }
    for (i, s) in plan.segments.iter().enumerate() {
        values.insert(
            format!("segments.{i}.type"),
            format!("{}:{}", s.kind().wire(), s.subtype().wire()),
        );
        values.insert(
            format!("segments.{i}.description"),
            s.description().map(|d| d.to_string()).unwrap_or_default(),
        );
    }
    for i in plan.interactions.iter() {
        values.insert(format!("interactions.{}", i.wire()), "on".into());
    }
    for (e, raw) in plan.experiences.iter().zip(
        wire.get("experiences")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default(),
    ) {
        values.insert(format!("experiences.{}", e.kind().wire()), "on".into());
        if let Some(d) = raw.get("description").and_then(|d| d.as_str()) {
            values.insert("experiences.other_text".into(), d.to_owned());
        }
    }
    for c in plan.channels.iter() {
        values.insert(format!("channels.{}", c.wire()), "on".into());
    }
    for (i, l) in plan.leaders.iter().enumerate() {
        values.insert(format!("leaders.{i}.name"), l.name.to_string());
        values.insert(format!("leaders.{i}.title"), l.title.to_string());
        // A stored leader passed R9: a government leader.
        values.insert(format!("leaders.{i}.government_leader"), "on".into());
    }
    values.insert("no_deputy_inspection_overlap".into(), "on".into());
    values
}

/// Where a rule's message goes on the form: a segment's kind or subtype at its one select,
/// an experience at the experiences group, a leader's field at its row.
pub fn field_of(rule_field: &str) -> String {
    if rule_field.starts_with("experiences") {
        return "experiences".into();
    }
    for group in [SEGMENTS, LEADERS] {
        if let Some(rest) = rule_field
            .strip_prefix(group)
            .and_then(|r| r.strip_prefix('['))
            && let Some((i, part)) = rest.split_once("].")
        {
            let part = if group == SEGMENTS && part != "description" {
                "type"
            } else {
                part
            };
            return format!("{group}.{i}.{part}");
        }
    }
    rule_field.to_owned()
}

/// A select option of the segment select, in a group per kind.
pub struct SegmentGroup {
    pub label: &'static str,
    pub options: Vec<(String, &'static str)>,
}

/// Every kind with its subtypes (其他 in each), as docs/rules.md lists them.
pub fn segment_groups() -> Vec<SegmentGroup> {
    SegmentKind::ALL
        .iter()
        .map(|kind| SegmentGroup {
            label: kind.label(),
            options: Subtype::ALL
                .iter()
                .filter(|s| s.kind().is_none_or(|k| k == *kind))
                .map(|s| {
                    (
                        format!("{}:{}", kind.wire(), s.wire()),
                        if *s == Subtype::Other {
                            "其他"
                        } else {
                            s.label()
                        },
                    )
                })
                .collect(),
        })
        .collect()
}

/// One checkbox of a group: its field name, label and whether it is ticked.
pub struct Tick {
    pub name: String,
    pub label: &'static str,
}

pub fn ticks<E: WireEnum>(group: &str) -> Vec<Tick> {
    E::ALL
        .iter()
        .map(|e| Tick {
            name: format!("{group}.{}", e.wire()),
            label: e.label(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::staff::form_rows::apply_row_action;

    fn v(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rows_are_added_and_removed_and_renumbered() {
        let mut values = v(&[
            ("leaders.0.name", "甲"),
            ("leaders.1.name", "乙"),
            ("leaders.2.name", "丙"),
            ("name", "x"),
        ]);
        assert!(apply_row_action(
            &mut values,
            &PLAN_ROWS,
            "remove:leaders:1"
        ));
        let names: Vec<_> = rows(&values, LEADERS)
            .into_iter()
            .map(|r| r["name"].clone())
            .collect();
        assert_eq!(names, ["甲", "丙"]);
        assert_eq!(values["leaders.1.name"], "丙");
        assert!(apply_row_action(&mut values, &PLAN_ROWS, "more:leaders"));
        assert_eq!(rows(&values, LEADERS).len(), 3);
        assert_eq!(values["name"], "x", "other fields are kept");
        assert!(!apply_row_action(&mut values, &PLAN_ROWS, "submit"));
        assert!(!apply_row_action(&mut values, &PLAN_ROWS, "more:name"));
    }

    #[test]
    fn the_form_reads_into_the_plan_draft_and_back() {
        let values = v(&[
            ("year", "2026"),
            ("name", "南宁市交通运输局“政府开放日”"),
            ("format", "day"),
            ("segments.0.type", "site_visit:construction"),
            ("segments.0.description", ""),
            ("segments.1.type", ""),
            ("segments.1.description", ""),
            ("interactions.qa_session", "on"),
            ("experiences.other", "on"),
            ("experiences.other_text", "参观展厅"),
            ("channels.online", "on"),
            ("leaders.0.name", "王五"),
            ("leaders.0.title", "副局长"),
            ("leaders.0.government_leader", "on"),
            ("leaders.1.name", " "),
            ("leaders.1.title", ""),
            ("no_deputy_inspection_overlap", "on"),
        ]);
        let draft = draft_of(&values);
        let segments = draft.segments.unwrap();
        assert_eq!(segments.len(), 1, "the blank row is left out");
        assert_eq!(segments[0].kind.as_deref(), Some("site_visit"));
        assert_eq!(segments[0].subtype.as_deref(), Some("construction"));
        assert_eq!(draft.interactions.unwrap(), ["qa_session"]);
        assert_eq!(draft.channels.unwrap(), ["online"]);
        assert_eq!(draft.leaders.unwrap().len(), 1);
        assert!(matches!(
            &draft.experiences.unwrap()[0],
            ExperienceDraft::Detailed { description: Some(d), .. } if d == "参观展厅"
        ));
    }

    #[test]
    fn messages_land_at_the_fields_the_form_has() {
        assert_eq!(field_of("segments[2].subtype"), "segments.2.type");
        assert_eq!(field_of("segments[2].kind"), "segments.2.type");
        assert_eq!(
            field_of("segments[0].description"),
            "segments.0.description"
        );
        assert_eq!(field_of("experiences[1].description"), "experiences");
        assert_eq!(field_of("leaders[0].title"), "leaders.0.title");
        assert_eq!(field_of("start_date"), "start_date");
    }

    #[test]
    fn every_subtype_is_offered_under_its_kind() {
        let groups = segment_groups();
        assert_eq!(groups.len(), 3);
        let all: usize = groups.iter().map(|g| g.options.len()).sum();
        // Every subtype once, and 其他 under each of the three kinds.
        assert_eq!(all, Subtype::ALL.len() + 2);
        assert!(
            groups[1]
                .options
                .iter()
                .any(|(v, l)| v == "site_visit:vaccination" && *l == "疫苗保管接种")
        );
    }
}
