use super::*;
use crate::calendar::day;
use crate::event::Format;
use serde_json::json;

fn week() -> OpenPeriod {
    OpenPeriod::new(2026, Format::Week, day("2026-09-20"), day("2026-09-26")).unwrap()
}

fn fields(vs: Violations) -> Vec<String> {
    vs.iter()
        .map(|v| v.field.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_visit_is_on_a_day_of_the_event_and_says_who_went_what_they_saw_and_concluded() {
    let draft: VisitDraft = serde_json::from_value(json!({
        "visited_on": "2026-09-21", "visitors": "市政务公开办 王五、赵六",
        "observations": "现场秩序良好，市民代表参观调度中心", "conclusion": "符合要求"
    }))
    .unwrap();
    let v = Visit::parse(&draft, &week(), day("2026-09-22")).unwrap();
    assert_eq!(v.visited_on, day("2026-09-21"));
    assert_eq!(
        fields(Visit::parse(&draft, &week(), day("2026-09-20")).unwrap_err()),
        ["visited_on"],
        "not in the future"
    );
    let bad: VisitDraft = serde_json::from_value(json!({"visited_on": "2026-09-27"})).unwrap();
    assert_eq!(
        fields(Visit::parse(&bad, &week(), day("2026-10-01")).unwrap_err()),
        ["visited_on", "visitors", "observations", "conclusion"]
    );
}

#[test]
fn a_follow_up_checks_adopted_items_once_each_and_explains_what_is_not_done() {
    let adopted = vec!["A1".to_owned(), "A2".to_owned()];
    let draft: FollowUpDraft = serde_json::from_value(json!({
        "checked_on": "2026-11-20",
        "items": [
            {"feedback_id": "A1", "result": "done"},
            {"feedback_id": "A2", "result": "not_done", "note": "遮阳棚尚未安装"}
        ]
    }))
    .unwrap();
    let f = FollowUp::parse(&draft, &adopted, day("2026-10-05"), day("2026-11-20")).unwrap();
    assert_eq!(f.not_done(), 1);
    let bad: FollowUpDraft = serde_json::from_value(json!({
        "checked_on": "2026-10-01",
        "items": [
            {"feedback_id": "X9", "result": "done"},
            {"feedback_id": "A1", "result": "not_done"},
            {"feedback_id": "A1", "result": "maybe"}
        ]
    }))
    .unwrap();
    assert_eq!(
        fields(FollowUp::parse(&bad, &adopted, day("2026-10-05"), day("2026-11-20")).unwrap_err()),
        [
            "checked_on",
            "items[0].feedback_id",
            "items[1].note",
            "items[2].feedback_id",
            "items[2].result"
        ]
    );
}

#[test]
fn a_public_evaluation_runs_for_at_most_a_quarter_and_verdicts_are_one_to_five() {
    let draft: PublicEvaluationDraft = serde_json::from_value(json!({
        "title": "2026年南宁市政府开放日群众评议", "year": 2026,
        "opens_on": "2026-10-01", "closes_on": "2026-10-31"
    }))
    .unwrap();
    let e = PublicEvaluation::parse(&draft, day("2026-09-28")).unwrap();
    assert!(
        e.closed_because(day("2026-09-30"))
            .unwrap()
            .contains("将于")
    );
    assert_eq!(e.closed_because(day("2026-10-31")), None);
    let long: PublicEvaluationDraft = serde_json::from_value(json!({
        "title": "x", "year": 2026, "opens_on": "2026-10-01", "closes_on": "2027-01-01"
    }))
    .unwrap();
    assert_eq!(
        fields(PublicEvaluation::parse(&long, day("2026-09-28")).unwrap_err()),
        ["closes_on"]
    );

    let v = |o: i64, g: i64, a: i64| {
        Verdict::parse(
            &serde_json::from_value(json!({"overall": o, "organisation": g, "adoption": a}))
                .unwrap(),
        )
    };
    assert_eq!(fields(v(0, 6, 3).unwrap_err()), ["overall", "organisation"]);
    let (a, b) = (v(5, 4, 3).unwrap(), v(4, 4, 4).unwrap());
    let s = summarise(&[&a, &b]);
    assert_eq!(
        (s.verdicts, s.overall, s.adoption),
        (2, Some(4.5), Some(3.5))
    );
    assert_eq!(summarise(&[]).overall, None);
}
