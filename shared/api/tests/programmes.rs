//! A region's programme through the HTTP API: the one in force is public, only the
//! regional office uploads this year's or a later one, an impossible file is refused with
//! every problem, and a new version judges new plans while filed ones keep theirs.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::http::StatusCode;
use common::{generous, world};
use serde_json::{Value, json};

fn example(year: i32) -> Value {
    let mut p: Value = serde_json::from_str(openday_rules::programme::EXAMPLE).unwrap();
    p["year"] = json!(year);
    p
}

fn demo_plan(start: &str, end: &str) -> Value {
    let mut plan: Value =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    plan["format"] = json!("week");
    plan["start_date"] = json!(start);
    plan["end_date"] = json!(end);
    plan
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_regional_office_uploads_a_programme_that_judges_new_plans_only() {
    let w = world(generous()).await;
    w.clock.set("2026-07-01T09:00:00+08:00");

    // Nothing imported: the shipped default is in force, for anyone to read.
    let a = w.get("/api/programmes?year=2026", None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["version"], 0);
    assert_eq!(a.body["shipped_default"], true);
    assert_eq!(a.body["region"], "gx");
    assert_eq!(a.body["programme"]["notice"]["days_before"], 15);
    assert_eq!(a.body["programme"]["open_period"]["until"], "10-31");
    assert_eq!(
        w.get("/api/programmes?region=xx", None).await.status,
        StatusCode::NOT_FOUND
    );

    // A plan from October 20 to 26 is fine under the seed (until October 31).
    let a = w
        .post(
            "/api/plans",
            Some("nn-jt"),
            demo_plan("2026-10-20", "2026-10-26"),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["programme_version"], 0);
    let before = a.body["id"].as_str().unwrap().to_owned();

    // Only the regional office uploads.
    for org in ["nn-jt", "nn-office"] {
        let a = w.post("/api/programmes", Some(org), example(2026)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{org}: {}", a.body);
    }
    assert_eq!(
        w.post("/api/programmes", None, example(2026)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // An impossible file: every problem at its field.
    let mut bad = example(2026);
    bad["notice"]["days_before"] = json!(0);
    bad["report"]["due"] = json!("02-30");
    bad["formats"]["week"] = json!(40);
    bad["feedbak"] = json!({});
    let a = w.post("/api/programmes", Some("gx-office"), bad).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    let fields: Vec<&str> = a.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    for f in ["notice.days_before", "report.due", "formats", "feedbak"] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
    // Another region's file, and a past year's, are refused.
    let mut elsewhere = example(2026);
    elsewhere["region"] = json!("yn");
    assert_eq!(
        w.post("/api/programmes", Some("gx-office"), elsewhere)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = w
        .post("/api/programmes", Some("gx-office"), example(2025))
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["field"], "year");

    // The example for this year: open until October 15, 10 days' notice.
    let a = w
        .post("/api/programmes", Some("gx-office"), example(2026))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body, json!({"region": "gx", "year": 2026, "version": 1}));
    let a = w.get("/api/programmes", None).await;
    assert_eq!(
        (a.body["version"].clone(), a.body["shipped_default"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(a.body["imported_by"], "gx-office");
    assert_eq!(a.body["programme"]["feedback"]["response_days"], 10);
    // Next year's may be uploaded too; this year's stays in force.
    let a = w
        .post("/api/programmes", Some("gx-office"), example(2027))
        .await;
    assert_eq!(a.body["version"], 1);
    assert_eq!(
        w.get("/api/programmes?year=2026", None).await.body["version"],
        1
    );

    // A new plan for October 20 is now outside the open period; September 20 is fine and
    // records version 1.
    let a = w
        .post(
            "/api/plans",
            Some("nn-jt"),
            demo_plan("2026-10-20", "2026-10-26"),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "OUTSIDE_OPEN_PERIOD");
    let a = w
        .post(
            "/api/plans",
            Some("nn-jt"),
            demo_plan("2026-09-20", "2026-09-26"),
        )
        .await;
    assert_eq!(a.body["programme_version"], 1);
    let after = a.body["id"].as_str().unwrap().to_owned();

    // The plan submitted before keeps version 0: filed, it still needs 15 days' notice.
    let a = w.get(&format!("/api/plans/{before}"), Some("nn-jt")).await;
    assert_eq!(a.body["programme_version"], 0);
    for (id, version) in [(&before, 1), (&after, 1)] {
        let a = w
            .post(
                &format!("/api/plans/{id}/review"),
                Some("nn-office"),
                json!({"decision": "file", "version": version}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    let announce = |id: String, first_day: &'static str| {
        let w = &w;
        async move {
            w.post(
                &format!("/api/plans/{id}/announcement"),
                Some("nn-jt"),
                json!({"version": 2, "registration_method": "在线报名", "content": "参观",
                       "sessions": [{"date": first_day, "start": "09:00", "end": "11:30",
                                     "meeting_point": "机关大院北门"}],
                       "reminders": "携带身份证", "registration_deadline": "2026-09-15"}),
            )
            .await
        }
    };
    // 12 days before October 20: too late under the seed (15 days), the plan's version.
    w.clock.set("2026-10-08T09:00:00+08:00");
    let a = announce(before.clone(), "2026-10-20").await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "NOTICE_TOO_SHORT");
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("提前15天"),
        "{}",
        a.body
    );
    // 12 days before September 20: in time under the example (10 days).
    w.clock.set("2026-09-08T09:00:00+08:00");
    let a = announce(after, "2026-09-20").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}
