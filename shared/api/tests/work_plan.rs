//! The work plan's other half through the routers: the rules on leaders' titles (二(三)),
//! event sessions and the livestream (三(一)), opinions from the room, questionnaires,
//! supervision, scoring and joint campaigns.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

fn demo_plan() -> Value {
    serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap()
}

#[tokio::test]
async fn leaders_titles_are_judged_party_posts_refused_and_unknown_ones_noted_for_the_reviewer() {
    let w = common::world(common::generous()).await;
    let mut plan = demo_plan();
    for title in [
        "市委书记",
        "市人大常委会副主任",
        "区政协副主席",
        "市纪委副书记",
    ] {
        plan["leaders"] = json!([{"name": "张三", "title": title, "government_leader": true}]);
        let a = w.post("/api/plans", Some("nn-jt"), plan.clone()).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{title}: {}",
            a.body
        );
        assert_eq!(a.body["error"]["code"], "LEADER_NOT_ALLOWED", "{title}");
        assert_eq!(a.body["error"]["field"], "leaders[0].title", "{title}");
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("二(三)"),
            "{}",
            a.body
        );
    }
    plan["leaders"] = json!([
        {"name": "李明", "title": "党组书记、局长", "government_leader": true},
        {"name": "王强", "title": "总工程师", "government_leader": true}
    ]);
    let a = w.post("/api/plans", Some("nn-jt"), plan).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().unwrap();
    let a = w.get(&format!("/api/plans/{id}"), Some("nn-office")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let notes = a.body["leader_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["index"], 1);
    assert_eq!(notes[0]["title"], "总工程师");
    assert!(notes[0]["message"].as_str().unwrap().starts_with("请审核"));
}

/// The demo plan, filed, announced on 2026-09-01 with `announcement`: the answer.
async fn announce_with(w: &common::World, extra: Value) -> (String, common::Answer) {
    w.clock.set("2026-08-01T09:00:00+08:00");
    let a = w.post("/api/plans", Some("nn-jt"), demo_plan()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_owned();
    let a = w
        .post(
            &format!("/api/plans/{id}/review"),
            Some("nn-office"),
            json!({"decision": "file", "version": 1}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    w.clock.set("2026-09-01T10:00:00+08:00");
    let mut body = json!({"version": 2, "registration_method": "在线报名", "content": "参观",
        "reminders": "携带身份证", "registration_deadline": "2026-09-15"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let a = w
        .post(
            &format!("/api/plans/{id}/announcement"),
            Some("nn-jt"),
            body,
        )
        .await;
    (id, a)
}

#[tokio::test]
async fn the_announcement_shows_sessions_segments_the_livestream_and_where_it_is_published() {
    let w = common::world(common::generous()).await;
    // Times of day are required, on the event's days, starting before they end.
    let (_, a) = announce_with(&w, json!({})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["field"], "sessions");
    let (_, a) = announce_with(
        &w,
        json!({"sessions": [{"date": "2026-09-27", "start": "10:00", "end": "09:00",
                              "meeting_point": "北门"}],
               "livestream": {"main": {"name": "主会场", "url": "ftp://x"}}}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let fields: Vec<_> = a.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        fields,
        ["sessions[0].date", "sessions[0].end", "livestream.main.url"]
    );

    let (id, a) = announce_with(
        &w,
        json!({
            "sessions": [
                {"date": "2026-09-21", "start": "14:30", "end": "16:00", "meeting_point": "公交调度中心南门"},
                {"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "市民中心北门"}
            ],
            "livestream": {
                "main": {"name": "南宁市公交调度中心", "url": "https://live.example.gov.cn/main"},
                "branches": [{"name": "青秀区政务服务中心", "url": "https://live.example.gov.cn/qx"}]
            },
            "links": ["https://weixin.example.gov.cn/openday"]
        }),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    let a = w.get(&format!("/api/announcements/{id}"), None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["sessions"][0]["date"], "2026-09-20", "sorted");
    assert_eq!(a.body["sessions"][0]["start"], "09:00");
    assert_eq!(a.body["sessions"][1]["meeting_point"], "公交调度中心南门");
    assert_eq!(
        a.body["livestream"]["branches"][0]["name"],
        "青秀区政务服务中心"
    );
    assert_eq!(a.body["segments"][0]["kind"], "agency_visit");
    assert_eq!(a.body["links"][0], "https://weixin.example.gov.cn/openday");

    let a = w.get(&format!("/open-days/{id}"), None).await;
    let page = String::from_utf8(a.raw).unwrap();
    for text in [
        "2026年9月20日 09:00–11:30，集合地点：市民中心北门",
        "2026年9月21日 14:30–16:00，集合地点：公交调度中心南门",
        "主会场 + 1 个分会场",
        "href=\"https://live.example.gov.cn/qx\"",
        "进机关：",
        "同步发布",
    ] {
        assert!(page.contains(text), "{text} missing from the page");
    }

    // The calendar file: one event per session, at its time in Asia/Shanghai.
    let a = w.get(&format!("/open-days/{id}/calendar.ics"), None).await;
    assert_eq!(a.status, StatusCode::OK);
    let text = String::from_utf8(a.raw).unwrap();
    let calendar: icalendar::Calendar = text.parse().unwrap();
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 2, "{text}");
    use icalendar::{Component, EventLike};
    let start = events[0].get_start().unwrap();
    assert_eq!(
        start,
        icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::WithTimezone {
            date_time: openday_testkit::day("2026-09-20")
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            tzid: "Asia/Shanghai".into(),
        })
    );
    assert!(
        events[1]
            .get_location()
            .unwrap()
            .contains("公交调度中心南门")
    );
    assert!(
        text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai"),
        "{text}"
    );
    assert!(text.contains("TZOFFSETTO:+0800"), "{text}");
}

#[tokio::test]
async fn stakeholders_register_for_meetings() {
    let w = common::world(common::generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-02T10:00:00+08:00");
    let code = w.sms_code(&common::World::phone(1)).await;
    let mut person = common::World::person(1, &common::World::phone(1), &code);
    person["category"] = json!("stakeholder");
    let a = w
        .post(
            &format!("/api/announcements/{id}/registrations"),
            None,
            person,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = w.get(&format!("/open-days/{id}/register"), None).await;
    assert!(String::from_utf8(a.raw).unwrap().contains("利益相关方"));
}

#[tokio::test]
async fn opinions_from_the_room_join_the_feedback_and_its_clock() {
    let w = common::world(common::generous()).await;
    let id = w.announced(30).await;
    let path = format!("/api/plans/{id}/opinions");
    let body = json!({"channel": "discussion", "category": "service",
        "lines": "公交站台增加遮阳棚\n\n夜班公交延长运营时间\n",
        "items": [{"category": "policy", "content": "公开线网优化听证结果"}]});
    // Before the event there is no room to gather opinions in.
    let a = w.post(&path, Some("nn-jt"), body.clone()).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "FEEDBACK_CLOSED");

    w.clock.set("2026-09-20T16:00:00+08:00");
    // Only the implementing agency enters them; a bad entry stores nothing.
    let a = w.post(&path, Some("nn-office"), body.clone()).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    let a = w
        .post(
            &path,
            Some("nn-jt"),
            json!({"channel": "online", "category": "service", "lines": "x",
                   "items": [{"category": "nonsense", "content": "y"}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(
        a.body["violations"].as_array().unwrap().len(),
        2,
        "{}",
        a.body
    );
    let a = w
        .get(&format!("/api/plans/{id}/feedback"), Some("nn-jt"))
        .await;
    assert_eq!(
        a.body["feedback"].as_array().unwrap().len(),
        0,
        "{}",
        a.body
    );

    let a = w.post(&path, Some("nn-jt"), body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["saved"], 3);
    let a = w
        .get(&format!("/api/plans/{id}/feedback"), Some("nn-jt"))
        .await;
    let items = a.body["feedback"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{}", a.body);
    assert!(
        items.iter().all(|i| i["channel"] == "discussion"),
        "{}",
        a.body
    );

    // The public gives its own opinions online; 座谈 items are the agency's to enter.
    let code = w.sms_code(&common::World::phone(7)).await;
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback"),
            None,
            json!({"channel": "discussion", "category": "service", "content": "冒充座谈",
                   "phone": common::World::phone(7), "sms_code": code}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);

    // They must be answered like any other item before the response is published.
    w.clock.set("2026-09-28T10:00:00+08:00");
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-response"),
            Some("nn-jt"),
            json!({"summary": "感谢参与", "version": 3}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "FEEDBACK_UNANSWERED", "{}", a.body);
}

fn questionnaire() -> Value {
    json!({
        "version": 0,
        "title": "公交线网优化满意度调查",
        "questions": [
            {"kind": "single", "title": "您多久乘坐一次公交？", "required": true,
             "options": ["每天", "每周", "很少"]},
            {"kind": "multiple", "title": "您最关心哪些方面？", "options": ["准点", "票价", "换乘"]},
            {"kind": "scale", "title": "对本次开放日的满意度", "required": true},
            {"kind": "text", "title": "其他意见建议", "category": "service"}
        ],
        "opens_on": "2026-09-20",
        "closes_on": "2026-10-05"
    })
}

/// Person `n` answers with a fresh code: the answer as it came.
async fn answer(w: &common::World, id: &str, n: u32, answers: Value) -> common::Answer {
    let code = w.sms_code(&common::World::phone(n)).await;
    answer_with(w, id, n, &code, answers).await
}

/// Person `n` answers again with the code they already have (valid for ten minutes).
async fn answer_again(w: &common::World, id: &str, n: u32, answers: Value) -> common::Answer {
    let code = openday_testkit::sms_code_in(&w.sms_dir, &common::World::phone(n));
    answer_with(w, id, n, &code, answers).await
}

async fn answer_with(
    w: &common::World,
    id: &str,
    n: u32,
    code: &str,
    answers: Value,
) -> common::Answer {
    let phone = common::World::phone(n);
    w.post(
        &format!("/api/questionnaires/{id}/answers"),
        None,
        json!({"answers": answers, "phone": phone, "sms_code": code}),
    )
    .await
}

#[tokio::test]
async fn a_questionnaire_is_designed_opened_answered_tallied_and_its_texts_join_the_feedback_clock()
{
    let w = common::world(common::generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-02T10:00:00+08:00");
    let path = format!("/api/plans/{id}/questionnaire");
    assert_eq!(
        w.get(&format!("/api/questionnaires/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // 问卷设计: saved with versions, at most 30 questions, a window within the feedback period.
    let a = w
        .send(
            axum::http::Method::PUT,
            &path,
            Some("nn-jt"),
            Some(questionnaire()),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["version"], 1);
    let a = w
        .send(
            axum::http::Method::PUT,
            &path,
            Some("nn-jt"),
            Some(questionnaire()),
            None,
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::CONFLICT,
        "a save from a stale version: {}",
        a.body
    );
    let mut long = questionnaire();
    long["version"] = json!(1);
    long["questions"] = json!(vec![json!({"kind": "scale", "title": "题"}); 31]);
    long["closes_on"] = json!("2026-10-12");
    let a = w
        .send(
            axum::http::Method::PUT,
            &path,
            Some("nn-jt"),
            Some(long),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let fields: Vec<_> = a.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].clone())
        .collect();
    assert_eq!(fields, [json!("questions"), json!("closes_on")]);
    let a = w
        .send(
            axum::http::Method::PUT,
            &path,
            Some("nn-office"),
            Some(questionnaire()),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);

    // Opened, its questions are fixed; before its first day it takes no answers.
    let a = w
        .post(
            &format!("{path}/open"),
            Some("nn-jt"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body["opened_at"].is_string());
    let mut again = questionnaire();
    again["version"] = json!(2);
    let a = w
        .send(
            axum::http::Method::PUT,
            &path,
            Some("nn-jt"),
            Some(again),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "INVALID_TRANSITION");
    let a = w.get(&format!("/api/questionnaires/{id}"), None).await;
    assert_eq!(a.body["closed"], "问卷将于2026年9月20日开放", "{}", a.body);
    let a = answer(&w, &id, 1, json!({"1": 1, "3": 5})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "QUESTIONNAIRE_CLOSED");

    // Answered once per phone; required questions and choices are checked.
    w.clock.set("2026-09-20T15:00:00+08:00");
    let a = answer(
        &w,
        &id,
        1,
        json!({"1": 1, "2": [1, 2], "3": 5, "4": "增加夜班线路"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["opinions"], 1);
    let a = answer_again(&w, &id, 1, json!({"1": 2, "3": 3})).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "ALREADY_ANSWERED");
    let a = answer(&w, &id, 2, json!({"1": 4})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let fields: Vec<_> = a.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].clone())
        .collect();
    assert_eq!(fields, [json!("answers.1"), json!("answers.3")]);
    let a = answer_again(&w, &id, 2, json!({"1": 1, "2": [1], "3": 4})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = answer(
        &w,
        &id,
        3,
        json!({"1": "3", "3": "4", "4": "站台加装遮阳棚"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    // 问卷结果: counts, shares and the scale's mean; the sheet too.
    let a = w.get(&format!("{path}/results"), Some("nn-office")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["respondents"], 3);
    assert_eq!(a.body["questions"][0]["options"][0]["count"], 2);
    assert_eq!(a.body["questions"][0]["options"][0]["percent"], 66.7);
    assert_eq!(a.body["questions"][2]["mean"], 4.33);
    assert_eq!(a.body["questions"][3]["texts"].as_array().unwrap().len(), 2);
    let a = w
        .get(
            &format!("/api/plans/{id}/exports/questionnaire?format=csv"),
            Some("nn-jt"),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let csv = String::from_utf8(a.raw).unwrap();
    assert!(
        csv.contains("每天") && csv.contains("66.7") && csv.contains("站台加装遮阳棚"),
        "{csv}"
    );

    // Free-text answers are feedback of the channel 问卷调查 and on the response clock.
    let a = w
        .get(&format!("/api/plans/{id}/feedback"), Some("nn-jt"))
        .await;
    let items = a.body["feedback"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", a.body);
    assert!(
        items
            .iter()
            .all(|i| i["channel"] == "questionnaire" && i["category"] == "service")
    );
    let sweeper = openday_sweeps::Sweeper::new(
        w.store.clone(),
        std::sync::Arc::new(openday_mail::EmlMailer::new(
            &w.mail_dir,
            "openday@example.org",
        )),
        std::sync::Arc::new(openday_sms::FolderSms::new(&w.sms_dir)),
        openday_store::PersonKey::new(&[8u8; 32]).unwrap(),
        "http://openday.test",
    );
    let sweep = |at: &str| {
        let at = openday_testkit::at(at);
        let sweeper = &sweeper;
        async move {
            sweeper
                .run(openday_rules::sweep::SweepKind::Feedback, at)
                .await
                .unwrap()
        }
    };
    // The response is due on 10-11 (end 09-26 + 15 days): overdue on 10-12 while unanswered.
    w.clock.set("2026-10-12T09:00:00+08:00");
    let report = sweep("2026-10-12T09:00:00+08:00").await;
    assert_eq!(report.findings_new.len(), 1, "{report:?}");
    let respond = json!({"summary": "感谢参与", "version": 3});
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-response"),
            Some("nn-jt"),
            respond.clone(),
        )
        .await;
    assert_eq!(a.body["error"]["code"], "FEEDBACK_UNANSWERED", "{}", a.body);
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-answers"),
            Some("nn-jt"),
            json!({"unanswered": true, "adoption": "adopted", "reply": "已纳入线网优化方案"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-response"),
            Some("nn-jt"),
            respond,
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = w.get(&format!("/api/plans/{id}"), Some("nn-jt")).await;
    assert_eq!(
        a.body["findings"][0]["kind"], "feedback_overdue",
        "{}",
        a.body
    );
    assert_eq!(a.body["findings"][0]["status"], "resolved", "{}", a.body);

    // The published response carries the questionnaire's results; answers are closed.
    let a = w
        .get(&format!("/api/plans/{id}/feedback-response"), None)
        .await;
    let lines = a.body["questionnaire"].as_array().unwrap();
    assert_eq!(lines[0], "共收回有效问卷3份。");
    assert!(
        lines[1].as_str().unwrap().contains("每天 66.7%"),
        "{lines:?}"
    );
    let page =
        String::from_utf8(w.get(&format!("/open-days/{id}/response"), None).await.raw).unwrap();
    assert!(page.contains("问卷调查结果") && page.contains("平均4.33分"));
    let a = answer(&w, &id, 4, json!({"1": 1, "3": 5})).await;
    assert_eq!(
        a.body["error"]["code"], "QUESTIONNAIRE_CLOSED",
        "{}",
        a.body
    );
}

const AGENCY: &str = "jtj@nn.example.org";

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", common::browser::enc(k), common::browser::enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_questionnaire_pages_design_preview_open_answer_and_chart_it() {
    use axum::http::Method;
    let w = common::world(common::generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-02T10:00:00+08:00");
    let mut staff = common::browser::Browser::default();
    staff.sign_in(&w, AGENCY).await;
    let design = format!("/staff/plans/{id}/questionnaire");
    let page = staff.go(&w, Method::GET, &design, "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("问卷设计") && page.html.contains("第1题"));
    let csrf = page.csrf();
    let base = [
        ("csrf", csrf.as_str()),
        ("version", "0"),
        ("title", "公交出行调查"),
        ("opens_on", "2026-09-20"),
        ("closes_on", "2026-10-05"),
        ("questions.0.kind", "text"),
        ("questions.0.title", "其他意见"),
        ("questions.1.kind", "single"),
        ("questions.1.title", "您多久乘坐一次公交？"),
        ("questions.1.required", "on"),
        ("questions.1.options", "每天\r\n每周\r\n很少"),
    ];
    // 上移: the second question becomes the first.
    let mut moved = base.to_vec();
    moved.push(("action", "up:questions:1"));
    let page = staff.go(&w, Method::POST, &design, &form(&moved)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let first = page.html.find("您多久乘坐一次公交？").unwrap();
    assert!(first < page.html.find("其他意见").unwrap(), "moved up");
    // A choice question without options comes back with the message at its field.
    let mut bad = base.to_vec();
    bad.retain(|(k, _)| *k != "questions.1.options");
    bad.push(("action", "save"));
    let page = staff.go(&w, Method::POST, &design, &form(&bad)).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.html
    );
    assert!(
        page.html.contains("id=\"e-questions.1.options\""),
        "{}",
        page.html
    );
    // Saved and previewed, then opened.
    let mut save = base.to_vec();
    save.push(("action", "preview"));
    let page = staff.go(&w, Method::POST, &design, &form(&save)).await;
    assert_eq!(
        page.location.as_deref(),
        Some(format!("{design}/preview").as_str()),
        "{}",
        page.html
    );
    let page = staff.follow(&w, &page).await;
    assert!(
        page.html.contains("预览") && page.html.contains("name=\"q.2\""),
        "{}",
        page.html
    );
    let page = staff.go(&w, Method::GET, &design, "").await;
    let open = form(&[("csrf", &page.csrf()), ("version", "1"), ("action", "open")]);
    let page = staff.go(&w, Method::POST, &design, &open).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = staff.follow(&w, &page).await;
    assert!(page.html.contains("已开放"), "{}", page.html);

    // The public form: the phone proved, then 提交问卷.
    w.clock.set("2026-09-20T15:00:00+08:00");
    let mut person = common::browser::Browser::default();
    let event = person
        .go(&w, Method::GET, &format!("/open-days/{id}"), "")
        .await;
    assert!(event.html.contains("参加问卷调查"));
    let path = format!("/open-days/{id}/questionnaire");
    let page = person.go(&w, Method::GET, &path, "").await;
    assert!(page.html.contains("提交问卷"), "{}", page.html);
    let phone = common::World::phone(9);
    let csrf = page.csrf();
    let sent = person
        .go(
            &w,
            Method::POST,
            &path,
            &form(&[("csrf", &csrf), ("phone", &phone), ("action", "send_code")]),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.html);
    let code = openday_testkit::sms_code_in(&w.sms_dir, &phone);
    let missing = person
        .go(
            &w,
            Method::POST,
            &path,
            &form(&[
                ("csrf", &csrf),
                ("phone", &phone),
                ("sms_code", &code),
                ("action", "submit"),
            ]),
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.html
    );
    assert!(
        missing.html.contains("id=\"e-q.2\""),
        "the required question: {}",
        missing.html
    );
    let done = person
        .go(
            &w,
            Method::POST,
            &path,
            &form(&[
                ("csrf", &csrf),
                ("phone", &phone),
                ("sms_code", &code),
                ("q.1", "夜班车"),
                ("q.2", "2"),
                ("action", "submit"),
            ]),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);

    // 问卷结果 with its chart (a new day: a new session).
    let mut staff = common::browser::Browser::default();
    staff.sign_in(&w, AGENCY).await;
    let page = staff
        .go(&w, Method::GET, &format!("{design}/results"), "")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html
            .contains("<svg role=\"img\" aria-label=\"每周：1人，100%\""),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("每周：1人（100%）") && page.html.contains("夜班车"),
        "{}",
        page.html
    );
}

#[tokio::test]
async fn offices_visit_check_adoption_and_run_a_public_evaluation() {
    let w = common::world(common::generous()).await;
    let id = w.announced(30).await;
    let visit = json!({"visited_on": "2026-09-21", "visitors": "市政务公开办 王五",
        "observations": "秩序良好，市民代表参观调度中心", "conclusion": "符合要求"});
    w.clock.set("2026-09-21T16:00:00+08:00");
    let a = w
        .post(
            &format!("/api/plans/{id}/visits"),
            Some("nn-jt"),
            visit.clone(),
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::FORBIDDEN,
        "an agency does not visit itself: {}",
        a.body
    );
    let mut early = visit.clone();
    early["visited_on"] = json!("2026-09-19");
    let a = w
        .post(&format!("/api/plans/{id}/visits"), Some("nn-office"), early)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["field"], "visited_on");
    let a = w
        .post(&format!("/api/plans/{id}/visits"), Some("nn-office"), visit)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = w
        .get(&format!("/api/plans/{id}/supervision"), Some("nn-jt"))
        .await;
    assert_eq!(
        a.body["visits"][0]["visit"]["conclusion"], "符合要求",
        "{}",
        a.body
    );
    assert_eq!(a.body["may_record"], false);

    // An item to adopt, and the response.
    let phone = common::World::phone(5);
    let code = w.sms_code(&phone).await;
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback"),
            None,
            json!({"channel": "online", "category": "service", "content": "站台加装遮阳棚",
                   "phone": phone, "sms_code": code}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let item = a.body["id"].as_str().unwrap().to_owned();
    let checks = format!("/api/plans/{id}/follow-up-checks");
    let check = |result: &str, on: &str| json!({"checked_on": on, "items": [{"feedback_id": item, "result": result, "note": "遮阳棚尚未安装"}]});
    let a = w
        .post(&checks, Some("nn-office"), check("done", "2026-09-21"))
        .await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before the response: {}",
        a.body
    );
    w.clock.set("2026-09-30T10:00:00+08:00");
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-response"),
            Some("nn-jt"),
            json!({"summary": "感谢", "version": 3,
                   "items": [{"feedback_id": item, "adoption": "adopted", "reply": "年内安装"}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    // A check that finds the adopted suggestion not carried out is a finding until a later
    // check finds it done.
    w.clock.set("2026-11-20T10:00:00+08:00");
    let a = w
        .post(&checks, Some("nn-office"), check("not_done", "2026-11-20"))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let finding = |body: &Value| {
        body["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "adoption_not_done")
            .cloned()
    };
    let a = w.get(&format!("/api/plans/{id}"), Some("nn-jt")).await;
    assert_eq!(finding(&a.body).unwrap()["status"], "open", "{}", a.body);
    w.clock.set("2026-12-01T10:00:00+08:00");
    let a = w
        .post(&checks, Some("nn-office"), check("done", "2026-12-01"))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["checks"].as_array().unwrap().len(), 2);
    let a = w.get(&format!("/api/plans/{id}"), Some("nn-jt")).await;
    assert_eq!(
        finding(&a.body).unwrap()["status"],
        "resolved",
        "{}",
        a.body
    );

    // 群众评议: opened by the office for its jurisdiction's held open days.
    let body = json!({"title": "2026年南宁市政府开放日群众评议", "year": 2026,
        "opens_on": "2026-12-01", "closes_on": "2026-12-31"});
    let a = w
        .post("/api/public-evaluations", Some("nn-jt"), body.clone())
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    let a = w
        .post("/api/public-evaluations", Some("nn-office"), body)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let eval = a.body["id"].as_str().unwrap().to_owned();
    let a = w
        .get(&format!("/api/public-evaluations/{eval}"), None)
        .await;
    assert_eq!(a.body["events"][0]["plan_id"], id.as_str(), "{}", a.body);
    assert!(a.body["closed"].is_null());
    let phone = common::World::phone(6);
    let code = w.sms_code(&phone).await;
    let verdict = json!({"plan_id": id, "overall": 5, "organisation": 4, "adoption": 3,
        "comment": "很有收获", "phone": phone, "sms_code": code});
    let path = format!("/api/public-evaluations/{eval}/verdicts");
    let a = w.post(&path, None, verdict.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = w.post(&path, None, verdict.clone()).await;
    assert_eq!(
        a.status,
        StatusCode::CONFLICT,
        "one per phone and event: {}",
        a.body
    );
    let mut elsewhere = verdict;
    elsewhere["plan_id"] = json!("NOSUCHPLAN");
    assert_eq!(
        w.post(&path, None, elsewhere).await.status,
        StatusCode::NOT_FOUND
    );
    let a = w
        .get(
            &format!("/api/public-evaluations/{eval}/results"),
            Some("nn-office"),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["agencies"][0]["org_id"], "nn-jt");
    assert_eq!(a.body["agencies"][0]["verdicts"], 1);
    assert_eq!(a.body["agencies"][0]["overall"], 5.0);
    let a = w
        .get(
            &format!("/api/public-evaluations/{eval}/results"),
            Some("nn-jt"),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

const OFFICE: &str = "gongkai@nn.example.org";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervision_pages_record_a_visit_and_take_a_public_verdict() {
    use axum::http::Method;
    let w = common::world(common::generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-21T16:00:00+08:00");
    let mut office = common::browser::Browser::default();
    office.sign_in(&w, OFFICE).await;
    let path = format!("/staff/plans/{id}/supervision");
    let page = office.go(&w, Method::GET, &path, "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("记录现场走访"));
    let visit = |date: &str| {
        form(&[
            ("csrf", &page.csrf()),
            ("action", "visit"),
            ("visited_on", date),
            ("visitors", "市政务公开办 王五"),
            ("observations", "秩序良好"),
            ("conclusion", "符合要求"),
        ])
    };
    let refused = office
        .go(&w, Method::POST, &path, &visit("2026-09-01"))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.html
    );
    assert!(refused.html.contains("id=\"e-visited_on\""));
    let done = office
        .go(&w, Method::POST, &path, &visit("2026-09-21"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let mut agency = common::browser::Browser::default();
    agency.sign_in(&w, AGENCY).await;
    let page = agency.go(&w, Method::GET, &path, "").await;
    assert!(page.html.contains("走访结论：符合要求"), "{}", page.html);
    assert!(
        !page.html.contains("记录现场走访"),
        "no form for the agency"
    );

    // 群众评议: opened on the staff page, answered on the public one.
    w.clock.set("2026-10-01T10:00:00+08:00");
    let mut office = common::browser::Browser::default();
    office.sign_in(&w, OFFICE).await;
    let list = office
        .go(&w, Method::GET, "/staff/public-evaluations", "")
        .await;
    let opened = office
        .go(
            &w,
            Method::POST,
            "/staff/public-evaluations",
            &form(&[
                ("csrf", &list.csrf()),
                ("title", "2026年南宁市政府开放日群众评议"),
                ("year", "2026"),
                ("opens_on", "2026-10-01"),
                ("closes_on", "2026-10-31"),
            ]),
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let list = office.follow(&w, &opened).await;
    let eval = list
        .html
        .split("href=\"/public-evaluations/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let mut person = common::browser::Browser::default();
    let page = person
        .go(&w, Method::GET, &format!("/public-evaluations/{eval}"), "")
        .await;
    assert!(
        page.html
            .contains(&format!("/public-evaluations/{eval}/events/{id}")),
        "{}",
        page.html
    );
    let form_path = format!("/public-evaluations/{eval}/events/{id}");
    let page = person.go(&w, Method::GET, &form_path, "").await;
    let csrf = page.csrf();
    let phone = common::World::phone(8);
    person
        .go(
            &w,
            Method::POST,
            &form_path,
            &form(&[("csrf", &csrf), ("phone", &phone), ("action", "send_code")]),
        )
        .await;
    let code = openday_testkit::sms_code_in(&w.sms_dir, &phone);
    let done = person
        .go(
            &w,
            Method::POST,
            &form_path,
            &form(&[
                ("csrf", &csrf),
                ("overall", "4"),
                ("organisation", "5"),
                ("adoption", "4"),
                ("phone", &phone),
                ("sms_code", &code),
                ("action", "submit"),
            ]),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let results = office
        .go(
            &w,
            Method::GET,
            &format!("/staff/public-evaluations/{eval}"),
            "",
        )
        .await;
    assert!(
        results.html.contains("南宁市交通运输局") && results.html.contains("4.00"),
        "{}",
        results.html
    );
}

#[tokio::test]
async fn the_office_scores_adjusts_and_publishes_a_bulletin_and_the_scheme_decides_the_score() {
    let w = common::world(common::generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-30T10:00:00+08:00");
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-response"),
            Some("nn-jt"),
            json!({"summary": "感谢参与", "version": 3}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let scores = || w.get("/api/assessment?year=2026", Some("nn-office"));
    let a = scores().await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let agency = |body: &Value| {
        body["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["org_id"] == "nn-jt")
            .cloned()
            .unwrap()
    };
    let before = agency(&a.body)["score"]["computed"].as_f64().unwrap();
    assert!(before > 0.0 && before <= 100.0, "{}", a.body);
    assert_eq!(
        w.get("/api/assessment?year=2026", Some("nn-jt"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Another scheme (the regional office's upload) changes the score.
    let mut programme: Value =
        serde_json::from_str(&openday_testkit::repo_file("programmes/gx-2026.json")).unwrap();
    programme["assessment"]["items"] = json!([
        {"measure": "participants_met", "weight": 80},
        {"measure": "announced_on_time", "weight": 20}
    ]);
    let a = w
        .post("/api/programmes", Some("gx-office"), programme)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = scores().await;
    let after = agency(&a.body)["score"]["computed"].as_f64().unwrap();
    assert_ne!(before, after, "{}", a.body);
    assert_eq!(a.body["scheme"]["items"].as_array().unwrap().len(), 2);

    // An adjustment needs a reason within the bound, and is kept.
    let a = w
        .post(
            "/api/assessment/adjustments",
            Some("nn-office"),
            json!({"year": 2026, "org_id": "nn-jt", "points": 50, "reason": ""}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let a = w
        .post(
            "/api/assessment/adjustments",
            Some("nn-office"),
            json!({"year": 2026, "org_id": "nn-jt", "points": -5, "reason": "活动公告未同步在政务新媒体发布"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let jt = agency(&a.body);
    assert_eq!(jt["score"]["adjustment"], -5.0);
    assert_eq!(
        jt["adjustments"][0]["reason"],
        "活动公告未同步在政务新媒体发布"
    );
    let audit = w
        .get("/api/audit?action=assessment.adjust", Some("nn-office"))
        .await;
    let results: Vec<_> = audit.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        results.contains(&"ok".to_owned()) && results.contains(&"VALIDATION_FAILED".to_owned()),
        "the refusal and the adjustment are both recorded: {results:?}"
    );

    // 通报: published, then public as a page, JSON and a document.
    assert_eq!(
        w.get("/api/bulletins/nn-office/2026", None).await.status,
        StatusCode::NOT_FOUND
    );
    let a = w
        .post(
            "/api/assessment/bulletin",
            Some("nn-office"),
            json!({"year": 2026, "good_practice": "线网优化方案吸纳市民建议", "problems": "个别单位公告发布偏晚"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = w.get("/api/bulletins/nn-office/2026", None).await;
    assert_eq!(a.body["results"][0]["org_id"], "nn-jt", "{}", a.body);
    let page = String::from_utf8(w.get("/bulletins/nn-office/2026", None).await.raw).unwrap();
    assert!(
        page.contains("考核通报") && page.contains("线网优化方案吸纳市民建议"),
        "{page}"
    );
    let doc = w.get("/bulletins/nn-office/2026/document", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
}

#[tokio::test]
async fn a_city_office_runs_a_joint_campaign_and_publishes_one_announcement() {
    let w = common::world(common::generous()).await;
    w.clock.set("2026-08-01T09:00:00+08:00");
    let body = json!({"name": "南宁市2026年“政府开放日”联合开放活动", "from": "2026-09-14",
        "until": "2026-09-30", "agencies": ["nn-jt"]});
    let a = w.post("/api/campaigns", Some("nn-jt"), body.clone()).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    let mut late = body.clone();
    late["until"] = json!("2026-11-02");
    let a = w.post("/api/campaigns", Some("nn-office"), late).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "OUTSIDE_OPEN_PERIOD");
    let a = w.post("/api/campaigns", Some("nn-office"), body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        w.get(&format!("/api/campaigns/{id}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let a = w.get("/api/campaigns", Some("nn-jt")).await;
    assert_eq!(
        a.body[0]["id"],
        id.as_str(),
        "the agency sees its invitation: {}",
        a.body
    );

    // The agency files its own plan and ties it; the office publishes once it is filed.
    let a = w.post("/api/plans", Some("nn-jt"), demo_plan()).await;
    let plan = a.body["id"].as_str().unwrap().to_owned();
    let a = w
        .post(
            &format!("/api/campaigns/{id}/plans"),
            Some("nn-jt"),
            json!({"plan_id": plan}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["events"][0]["plan_id"], plan.as_str());
    let publish = format!("/api/campaigns/{id}/announcement");
    let a = w.post(&publish, Some("nn-office"), json!({})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "NOT_FILED");
    let a = w
        .post(
            &format!("/api/plans/{plan}/review"),
            Some("nn-office"),
            json!({"decision": "file", "version": 1}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = w.post(&publish, Some("nn-office"), json!({})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let a = w.get(&format!("/api/campaigns/{id}"), None).await;
    assert_eq!(a.body["published_on"], "2026-08-01", "{}", a.body);
    let page = String::from_utf8(w.get(&format!("/campaigns/{id}"), None).await.raw).unwrap();
    assert!(
        page.contains("集中公告") && page.contains(&format!("/open-days/{plan}")),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_announcement_form_takes_session_rows_the_livestream_and_links() {
    use axum::http::Method;
    let w = common::world(common::generous()).await;
    let a = w.post("/api/plans", Some("nn-jt"), demo_plan()).await;
    let id = a.body["id"].as_str().unwrap().to_owned();
    w.post(
        &format!("/api/plans/{id}/review"),
        Some("nn-office"),
        json!({"decision": "file", "version": 1}),
    )
    .await;
    w.clock.set("2026-09-01T10:00:00+08:00");
    let mut agency = common::browser::Browser::default();
    agency.sign_in(&w, AGENCY).await;
    let path = format!("/staff/plans/{id}/announcement");
    let page = agency.go(&w, Method::GET, &path, "").await;
    assert!(
        page.html
            .contains("name=\"sessions.0.date\" type=\"date\" value=\"2026-09-20\""),
        "{}",
        page.html
    );
    let csrf = page.csrf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("version", "2"),
        ("registration_method", "在线报名"),
        ("place", ""),
        ("content", "参观"),
        ("reminders", "携带身份证"),
        ("registration_deadline", "2026-09-15"),
        ("sessions.0.date", "2026-09-20"),
        ("sessions.0.start", "09:00"),
        ("sessions.0.end", ""),
        ("sessions.0.meeting_point", "北门"),
        ("livestream_main_name", "主会场"),
        ("livestream_main_url", "https://live.example.gov.cn/1"),
        (
            "livestream_branches",
            "青秀区分会场 https://live.example.gov.cn/2",
        ),
        ("links_text", "https://weixin.example.gov.cn/openday"),
    ];
    // 增加场次 brings the form back with a second row, nothing published.
    let mut more = fields.clone();
    more.push(("action", "more:sessions"));
    let page = agency.go(&w, Method::POST, &path, &form(&more)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html.contains("name=\"sessions.1.date\""),
        "{}",
        page.html
    );
    // The missing end time is shown at its field.
    let page = agency.go(&w, Method::POST, &path, &form(&fields)).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.html
    );
    assert!(
        page.html.contains("id=\"e-sessions.0.end\""),
        "{}",
        page.html
    );
    fields[9] = ("sessions.0.end", "11:30");
    let page = agency.go(&w, Method::POST, &path, &form(&fields)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let a = w.get(&format!("/api/announcements/{id}"), None).await;
    assert_eq!(a.body["sessions"][0]["end"], "11:30", "{}", a.body);
    assert_eq!(a.body["livestream"]["branches"][0]["name"], "青秀区分会场");
    assert_eq!(a.body["links"][0], "https://weixin.example.gov.cn/openday");
}
