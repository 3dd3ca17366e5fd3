//! The plan's tests: every content rule of the programme, each at its field.

use super::*;
use crate::calendar::{day, days_after, days_before};
use crate::org::tests::org;
use crate::programme::tests::both as programmes;
use chrono::NaiveDate;
use serde_json::{Value, json};

/// A complete, valid plan body for a one-week event starting September 20.
pub(crate) fn valid_body() -> Value {
    json!({
        "year": 2026,
        "name": "南宁市交通运输局“政府开放日”",
        "theme": "走进公交调度中心",
        "format": "week",
        "start_date": "2026-09-20",
        "end_date": "2026-09-26",
        "segments": [
            {"kind": "agency_visit", "subtype": "service_process"},
            {"kind": "site_visit", "subtype": "construction", "description": "地铁5号线工地"},
            {"kind": "meeting", "subtype": "other", "description": "公交线网优化听证"}
        ],
        "interactions": ["qa_session"],
        "experiences": ["window_service", {"kind": "other", "description": "调度台体验"}],
        "capacity": 30,
        "channels": ["online", "offline_recommendation"],
        "leaders": [{"name": "李明", "title": "副局长", "government_leader": true}],
        "venue": "南宁市青秀区民族大道1号",
        "contact_name": "王芳",
        "contact_phone": "0771-5551234",
        "no_deputy_inspection_overlap": true
    })
}

/// The valid body with `changes`, checked against the seed's programme.
pub(crate) fn plan_with(changes: Value) -> Result<Plan, Violations> {
    plan_in(&Programme::shipped(), changes)
}

/// The valid body with `changes`, checked against `programme`.
pub(crate) fn plan_in(programme: &Programme, changes: Value) -> Result<Plan, Violations> {
    let mut body = valid_body();
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    let draft: PlanDraft = serde_json::from_value(body).unwrap();
    Plan::parse(&draft, programme)
}

/// One day of the event's year, as JSON.
fn d(day: NaiveDate) -> Value {
    json!(day.format("%Y-%m-%d").to_string())
}

pub(crate) fn valid_plan() -> Plan {
    plan_with(json!({})).unwrap()
}

fn only_code(result: Result<Plan, Violations>) -> (Code, Option<String>) {
    let err = result.unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");
    let v = err.first().unwrap();
    (v.code, v.field.clone())
}

#[test]
fn a_complete_plan_parses() {
    let plan = valid_plan();
    assert_eq!(plan.year(), 2026);
    assert_eq!(plan.period.start(), day("2026-09-20"));
    assert_eq!(plan.capacity.get(), 30);
    assert_eq!(plan.name.to_string(), "南宁市交通运输局“政府开放日”");
}

#[test]
fn a_plan_round_trips_through_its_wire_form() {
    let plan = valid_plan();
    let wire = serde_json::to_value(&plan).unwrap();
    assert_eq!(wire["contact_phone"], "0771-5551234");
    assert_eq!(wire["start_date"], "2026-09-20");
    let again: Plan = serde_json::from_value(wire).unwrap();
    assert_eq!(again, plan);
}

#[test]
fn an_empty_body_reports_every_missing_field_at_once() {
    let err = Plan::parse(&PlanDraft::default(), &Programme::shipped()).unwrap_err();
    let fields: BTreeSet<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
    for f in [
        "year",
        "name",
        "theme",
        "format",
        "start_date",
        "end_date",
        "segments",
        "interactions",
        "capacity",
        "channels",
        "leaders",
        "venue",
        "contact_name",
        "contact_phone",
        "no_deputy_inspection_overlap",
    ] {
        assert!(fields.contains(f), "{f} not reported: {fields:?}");
    }
    assert!(err.has(Code::InteractionRequired));
}

#[test]
fn several_broken_rules_come_back_together() {
    let err = plan_with(json!({
        "name": "警务开放日",
        "capacity": 24,
        "interactions": [],
        "start_date": "2026-08-31",
        "leaders": [{"name":"张三","title":"人大常委会副主任","government_leader":true}]
    }))
    .unwrap_err();
    let codes = err.codes();
    for c in [
        Code::NameNotAllowed,
        Code::ParticipantsBelowMinimum,
        Code::InteractionRequired,
        Code::OutsideOpenPeriod,
        Code::LeaderNotAllowed,
    ] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
}

#[test]
fn r1_an_event_on_the_last_day_of_the_open_period_is_accepted() {
    for p in programmes() {
        let (first, last) = p.open_season();
        for day in [first, last] {
            let plan = plan_in(
                &p,
                json!({"format":"day","start_date":d(day),"end_date":d(day)}),
            )
            .unwrap();
            assert_eq!(plan.period.end(), day);
        }
    }
}

#[test]
fn r1_an_event_ending_after_the_open_period_is_refused() {
    for p in programmes() {
        let after = days_after(p.open_season().1, 1);
        let (code, field) = only_code(plan_in(
            &p,
            json!({"start_date":d(days_before(after, 5)),"end_date":d(after)}),
        ));
        assert_eq!(
            (code, field.as_deref()),
            (Code::OutsideOpenPeriod, Some("end_date")),
            "{after}"
        );
    }
}

#[test]
fn r1_an_event_starting_before_the_open_period_is_refused() {
    for p in programmes() {
        let before = days_before(p.open_season().0, 1);
        let err = plan_in(
            &p,
            json!({"format":"day","start_date":d(before),"end_date":d(before)}),
        )
        .unwrap_err();
        // Both dates are outside: the start comes first.
        let v = err.first().unwrap();
        assert_eq!(
            (v.code, v.field.as_deref()),
            (Code::OutsideOpenPeriod, Some("start_date"))
        );
    }
}

#[test]
fn r1_the_dates_must_lie_in_the_plan_year() {
    let err = plan_with(json!({"year": 2027})).unwrap_err();
    assert!(err.has(Code::OutsideOpenPeriod));
}

#[test]
fn r2_the_span_must_fit_the_format() {
    for p in programmes() {
        let first = p.open_season().0;
        for format in Format::ALL {
            let longest = p.max_days(*format) as u64;
            let ok = json!({"format":format.wire(),"start_date":d(first),
                "end_date":d(days_after(first, longest - 1))});
            assert!(plan_in(&p, ok).is_ok(), "{format} of {longest} days");
            let (code, _) = only_code(plan_in(
                &p,
                json!({"format":format.wire(),"start_date":d(first),
                    "end_date":d(days_after(first, longest))}),
            ));
            assert_eq!(
                code,
                Code::FormatMismatch,
                "{format} of {} days",
                longest + 1
            );
        }
    }
    let (code, _) = only_code(plan_with(json!({"format":"fortnight"})));
    assert_eq!(code, Code::ValidationFailed);
}

#[test]
fn an_end_before_the_start_is_malformed() {
    let (code, field) = only_code(plan_with(
        json!({"start_date":"2026-09-20","end_date":"2026-09-19"}),
    ));
    assert_eq!(
        (code, field.as_deref()),
        (Code::ValidationFailed, Some("end_date"))
    );
}

#[test]
fn r7_the_minimum_passes_and_one_fewer_fails() {
    for p in programmes() {
        let min = p.participants.minimum;
        assert_eq!(
            plan_in(&p, json!({"capacity": min}))
                .unwrap()
                .capacity
                .get(),
            min
        );
        assert_eq!(
            plan_in(&p, json!({"capacity": min.to_string()}))
                .unwrap()
                .capacity
                .get(),
            min
        );
        let (code, field) = only_code(plan_in(&p, json!({"capacity": min - 1})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::ParticipantsBelowMinimum, Some("capacity"))
        );
    }
    let (code, _) = only_code(plan_with(json!({"capacity": 10_001})));
    assert_eq!(code, Code::ValidationFailed);
    let (code, _) = only_code(plan_with(json!({"capacity": 25.5})));
    assert_eq!(code, Code::ValidationFailed);
}

#[test]
fn a_stored_plan_is_read_without_the_programme() {
    // Checked against the seed (25 minimum, October 31) and stored; the example
    // programme (30 minimum, October 15) would refuse it, yet reading it back does not.
    let plan = plan_with(json!({"capacity": 25, "format": "day",
        "start_date": "2026-10-20", "end_date": "2026-10-20"}))
    .unwrap();
    let example = Programme::example().for_region_year(&plan_region(), 2026);
    assert!(example.check_period(&plan.period).is_err());
    let again: Plan = serde_json::from_value(serde_json::to_value(&plan).unwrap()).unwrap();
    assert_eq!(again, plan);
}

fn plan_region() -> crate::org::Id {
    crate::org::Id::parse("region", "gx").unwrap()
}

#[test]
fn r7_participants_come_from_online_or_offline_channels() {
    let (code, field) = only_code(plan_with(json!({"channels": []})));
    assert_eq!(
        (code, field.as_deref()),
        (Code::ValidationFailed, Some("channels"))
    );
    let (code, field) = only_code(plan_with(json!({"channels": ["phone"]})));
    assert_eq!(
        (code, field.as_deref()),
        (Code::ValidationFailed, Some("channels[0]"))
    );
    let plan = plan_with(json!({"channels": ["offline_recommendation"]})).unwrap();
    assert!(!plan.channels.contains(Channel::Online));
}

#[test]
fn r9_only_government_leaders_attend() {
    let (code, field) = only_code(plan_with(
        json!({"leaders":[{"name":"张三","title":"主任","government_leader":false}]}),
    ));
    assert_eq!(
        (code, field.as_deref()),
        (Code::LeaderNotAllowed, Some("leaders[0].government_leader"))
    );
    for title in ["市人大常委会副主任", "区政协副主席"] {
        let (code, _) = only_code(plan_with(
            json!({"leaders":[{"name":"张三","title":title,"government_leader":true}]}),
        ));
        assert_eq!(code, Code::LeaderNotAllowed, "{title}");
    }
    assert!(
        plan_with(json!({"leaders":[{"name":"张三","title":"副市长","government_leader":"on"}]}))
            .is_ok()
    );
}

#[test]
fn r6_the_plan_names_the_attending_leaders() {
    let (code, field) = only_code(plan_with(json!({"leaders": []})));
    assert_eq!(
        (code, field.as_deref()),
        (Code::AnnouncementIncomplete, Some("leaders"))
    );
}

#[test]
fn r9_the_plan_declares_no_overlap_with_deputy_inspections() {
    for value in [json!(false), Value::Null, json!("off")] {
        let (code, field) = only_code(plan_with(json!({"no_deputy_inspection_overlap": value})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::ValidationFailed, Some("no_deputy_inspection_overlap"))
        );
    }
}

#[test]
fn r10_a_segment_and_a_qa_or_questionnaire_are_required() {
    let (code, field) = only_code(plan_with(json!({"segments": []})));
    assert_eq!(
        (code, field.as_deref()),
        (Code::InteractionRequired, Some("segments"))
    );
    let (code, field) = only_code(plan_with(json!({"interactions": []})));
    assert_eq!(
        (code, field.as_deref()),
        (Code::InteractionRequired, Some("interactions"))
    );
    assert!(plan_with(json!({"interactions": ["questionnaire"], "experiences": []})).is_ok());
}

#[test]
fn r10_subtypes_belong_to_their_segment_kind_and_other_needs_a_description() {
    let (code, field) = only_code(plan_with(
        json!({"segments":[{"kind":"meeting","subtype":"vaccination"}]}),
    ));
    assert_eq!(
        (code, field.as_deref()),
        (Code::ValidationFailed, Some("segments[0].subtype"))
    );
    let (code, field) = only_code(plan_with(
        json!({"segments":[{"kind":"site_visit","subtype":"other"}]}),
    ));
    assert_eq!(
        (code, field.as_deref()),
        (Code::ValidationFailed, Some("segments[0].description"))
    );
    let (_, field) = only_code(plan_with(json!({"experiences":[{"kind":"other"}]})));
    assert_eq!(field.as_deref(), Some("experiences[0].description"));
    for s in Subtype::ALL {
        let kind = s.kind().unwrap_or(SegmentKind::Meeting);
        let body =
            json!({"segments":[{"kind":kind.wire(),"subtype":s.wire(),"description":"说明"}]});
        assert!(plan_with(body).is_ok(), "{s}");
    }
}

#[test]
fn r11_the_plan_name_must_be_the_proper_noun() {
    for p in programmes() {
        let (code, field) = only_code(plan_in(&p, json!({"name": "南宁市公安局“警务开放日”"})));
        assert_eq!(
            (code, field.as_deref()),
            (Code::NameNotAllowed, Some("name"))
        );
    }
    // Another region's proper noun is that region's rule.
    let mut raw: Value = serde_json::from_str(crate::programme::SHIPPED).unwrap();
    raw["naming"]["proper_noun"] = "政务开放日".into();
    let other = Programme::parse(&raw).unwrap();
    let plan = plan_in(&other, json!({"name": "南宁市交通运输局“政务开放日”"})).unwrap();
    assert_eq!(plan.name.to_string(), "南宁市交通运输局“政务开放日”");
    let (code, _) = only_code(plan_in(&other, json!({})));
    assert_eq!(code, Code::NameNotAllowed);
}

#[test]
fn r3_submission_checks_the_implementer_with_the_content() {
    let draft: PlanDraft = serde_json::from_value(valid_body()).unwrap();
    let seed = Programme::shipped();
    assert!(check_submission(&draft, &org("nn-jt"), &seed).is_ok());
    let err = check_submission(&draft, &org("wt-gov"), &seed).unwrap_err();
    // …and the name is not the township's own (R11).
    assert_eq!(
        err.codes(),
        vec![Code::ImplementerNotEligible, Code::NameNotAllowed]
    );
    let mut bad = draft.clone();
    bad.capacity = Some(NumberLike::Text("10".into()));
    let err = check_submission(&bad, &org("nn-office"), &seed).unwrap_err();
    assert_eq!(
        err.codes(),
        vec![
            Code::ImplementerNotEligible,
            Code::ParticipantsBelowMinimum,
            Code::NameNotAllowed
        ]
    );
}
