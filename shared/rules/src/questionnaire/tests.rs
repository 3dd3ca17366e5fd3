use super::*;
use crate::calendar::day;
use crate::event::Format;
use serde_json::json;

fn week() -> OpenPeriod {
    OpenPeriod::new(2026, Format::Week, day("2026-09-20"), day("2026-09-26")).unwrap()
}

pub(crate) fn draft() -> serde_json::Value {
    json!({
        "title": "公交线网优化满意度调查",
        "questions": [
            {"kind": "single", "title": "您多久乘坐一次公交？", "required": true,
             "options": ["每天", "每周", "很少"]},
            {"kind": "multiple", "title": "您最关心哪些方面？", "options": ["准点", "票价", "换乘", " "]},
            {"kind": "scale", "title": "对本次开放日的满意度", "required": "on"},
            {"kind": "text", "title": "其他意见建议", "category": "service"}
        ],
        "opens_on": "2026-09-20",
        "closes_on": "2026-10-05"
    })
}

fn parse(v: serde_json::Value) -> Result<Questionnaire, Violations> {
    Questionnaire::parse(
        &serde_json::from_value(v).unwrap(),
        &week(),
        &Programme::shipped(),
    )
}

fn fields(vs: Violations) -> Vec<String> {
    vs.iter()
        .map(|v| v.field.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_questionnaire_has_one_to_thirty_questions_with_choices_where_asked() {
    let q = parse(draft()).unwrap();
    assert_eq!(q.questions.len(), 4);
    assert_eq!(q.questions[1].options.len(), 3, "blank options are dropped");
    assert!(q.questions[2].required && !q.questions[1].required);
    assert_eq!(q.questions[3].category, Some(FeedbackCategory::Service));

    let mut d = draft();
    d["questions"] = json!([]);
    assert_eq!(fields(parse(d).unwrap_err()), ["questions"]);
    let mut d = draft();
    d["questions"] = json!(vec![
        json!({"kind": "scale", "title": "题"});
        MAX_QUESTIONS + 1
    ]);
    assert_eq!(fields(parse(d).unwrap_err()), ["questions"]);
    let mut d = draft();
    d["questions"][0]["options"] = json!(["只有一个"]);
    d["questions"][1]["kind"] = json!("essay");
    d["questions"][2]["title"] = json!(" ");
    assert_eq!(
        fields(parse(d).unwrap_err()),
        [
            "questions[0].options",
            "questions[1].kind",
            "questions[2].title"
        ]
    );
}

#[test]
fn the_window_lies_within_the_event_and_its_feedback_period() {
    // The seed answers within 15 days of the last event day (2026-09-26): October 11.
    let mut d = draft();
    d["opens_on"] = json!("2026-09-19");
    d["closes_on"] = json!("2026-10-12");
    assert_eq!(fields(parse(d).unwrap_err()), ["opens_on", "closes_on"]);
    let mut d = draft();
    d["opens_on"] = json!("2026-09-26");
    d["closes_on"] = json!("2026-09-25");
    assert_eq!(fields(parse(d).unwrap_err()), ["closes_on"]);
    let mut d = draft();
    d["closes_on"] = json!("2026-10-11");
    let q = parse(d).unwrap();
    assert_eq!(
        q.closed_because(day("2026-09-19")).unwrap(),
        "问卷将于2026年9月20日开放"
    );
    assert_eq!(q.closed_because(day("2026-10-11")), None);
    assert!(
        q.closed_because(day("2026-10-12"))
            .unwrap()
            .contains("已于")
    );
}

fn answers(v: serde_json::Value) -> Result<AnswerSet, Violations> {
    AnswerSet::parse(
        &parse(draft()).unwrap(),
        &serde_json::from_value(v).unwrap(),
    )
}

#[test]
fn answers_fit_their_questions_and_required_ones_are_given() {
    let set = answers(json!({"1": 2, "2": ["3", 1, 1], "3": "4", "4": "增加夜班线路"})).unwrap();
    assert_eq!(
        set.0,
        [
            Some(Answer::Choice(1)),
            Some(Answer::Choices(vec![0, 2])),
            Some(Answer::Rating(4)),
            Some(Answer::Text(
                LongText::parse("", "", "增加夜班线路").unwrap()
            ))
        ]
    );
    assert_eq!(
        answers(json!({"1": "1", "3": 5, "4": " "})).unwrap().0[3],
        None
    );
    assert_eq!(
        fields(answers(json!({"2": [4], "3": 6, "4": 5, "9": 1})).unwrap_err()),
        [
            "answers.1",
            "answers.2",
            "answers.3",
            "answers.4",
            "answers.9"
        ]
    );
}

#[test]
fn free_text_answers_become_questionnaire_feedback_naming_their_question() {
    let q = parse(draft()).unwrap();
    let set = answers(json!({"1": 1, "3": 5, "4": "增加夜班线路"})).unwrap();
    let opinions = set.opinions(&q);
    assert_eq!(opinions.len(), 1);
    assert_eq!(opinions[0].channel, FeedbackChannel::Questionnaire);
    assert_eq!(opinions[0].category, FeedbackCategory::Service);
    assert_eq!(
        opinions[0].content.as_str(),
        "【问卷第4题：其他意见建议】增加夜班线路"
    );
}

#[test]
fn the_tally_counts_choices_in_percent_and_averages_the_scale() {
    let q = parse(draft()).unwrap();
    let sets: Vec<_> = [
        json!({"1": 1, "2": [1, 2], "3": 5, "4": "甲"}),
        json!({"1": 1, "2": [1], "3": 4}),
        json!({"1": 3, "3": 4, "4": "乙"}),
    ]
    .into_iter()
    .map(|v| answers(v).unwrap())
    .collect();
    let r = tally(&q, &sets);
    assert_eq!(r[0].answered, 3);
    assert_eq!((r[0].options[0].count, r[0].options[0].percent), (2, 66.7));
    assert_eq!(r[0].options[1].percent, 0.0);
    assert_eq!(r[1].answered, 2);
    assert_eq!((r[1].options[0].count, r[1].options[0].percent), (2, 100.0));
    assert_eq!(r[2].mean, Some(4.33));
    assert_eq!(r[2].options[3].count, 2, "two ratings of 4");
    assert_eq!(r[3].texts, ["甲", "乙"]);
    let lines = summary_lines(&r, sets.len());
    assert_eq!(lines[0], "共收回有效问卷3份。");
    assert!(lines[1].contains("每天 66.7%"), "{lines:?}");
    assert!(lines[3].contains("平均4.33分"), "{lines:?}");
}
