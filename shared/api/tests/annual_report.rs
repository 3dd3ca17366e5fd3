//! The annual report drafts itself from the jurisdiction's year, and keeps the figures as
//! they were when it was filed.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::http::StatusCode;
use common::{World, generous, world};
use serde_json::json;

async fn feedback(w: &World, id: &str, phone: &str, content: &str) {
    let code = w.sms_code(phone).await;
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback"),
            None,
            json!({"channel": "online", "category": "policy", "content": content,
                   "phone": phone, "sms_code": code}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_starts_from_the_year_and_freezes_its_figures_when_filed() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let mut codes = Vec::new();
    for n in 1..=3 {
        codes.push(w.register(&id, n).await.0);
    }
    w.clock.set("2026-09-20T08:30:00+08:00");
    for code in &codes[..2] {
        let a = w
            .post(
                &format!("/api/plans/{id}/check-ins"),
                Some("nn-jt"),
                json!({"code": code}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    feedback(&w, &id, "13800139001", "公开线网调整的测算依据").await;

    // A finding the feedback sweep would have recorded.
    use openday_store::ports::{FindingStore, PlanStore};
    let plan = w.store.plan(&id).await.unwrap().unwrap();
    let finding = openday_rules::sweep::Finding {
        key: format!("feedback_overdue#{id}"),
        kind: openday_rules::sweep::FindingKind::FeedbackOverdue,
        plan_id: Some(id.clone()),
        org_id: plan.org_id.clone(),
        due_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 11).unwrap(),
    };
    assert!(
        w.store
            .record_finding(&finding, &plan.org_path, 2026, finding.due_on)
            .await
            .unwrap()
    );

    // Only a reporter (the city government) has a report to draft.
    w.clock.set("2026-11-10T10:00:00+08:00");
    let a = w.get("/api/reports/draft?year=2026", Some("nn-jt")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = w.get("/api/reports/draft?year=2026", Some("nn-gov")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let f = &a.body["figures"];
    assert_eq!(f["plans"], 1);
    assert_eq!(f["by_format"], json!({"开放周": 1}));
    assert_eq!(
        f["by_segment_kind"],
        json!({"进会议": 1, "进机关": 1, "进现场": 1})
    );
    assert_eq!(
        (
            f["held"].as_u64(),
            f["registered"].as_u64(),
            f["attended"].as_u64()
        ),
        (Some(1), Some(3), Some(2))
    );
    assert_eq!(f["feedback"], 1);
    assert_eq!(f["feedback_by_category"], json!({"政策建议": 1}));
    assert_eq!(f["adoption_rate"], json!(null), "nothing answered yet");
    assert_eq!(f["findings"], json!({"未按期公开反馈采纳情况": 1}));
    assert_eq!(a.body["filed"], json!(null));

    // Filed: the figures go in with it.
    let a = w
        .post(
            "/api/reports",
            Some("nn-gov"),
            json!({"year": 2026, "summary": "全市开展1场", "experiences": "现场签到",
                   "problems": "报名人数不足", "next_year": "扩大宣传"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["report"]["figures"]["feedback"], 1);
    assert_eq!(a.body["report"]["problems"], "报名人数不足");
    // The report names who filed it: the token acts as the organisation's first 管理员.
    assert_eq!(a.body["report"]["filed_by"], "zhengfu@nn.example.org");

    // The year moves on (an item answered); the filed figures stay as they were.
    let items = w
        .get(&format!("/api/plans/{id}/feedback"), Some("nn-jt"))
        .await;
    let fid = items.body["feedback"][0]["id"].as_str().unwrap().to_owned();
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-answers"),
            Some("nn-jt"),
            json!({"items": [{"feedback_id": fid, "adoption": "adopted", "reply": "已公开"}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = w.get("/api/reports/draft?year=2026", Some("nn-gov")).await;
    assert_eq!(
        a.body["figures"]["adoption_rate"],
        json!(1.0),
        "today's figures move on"
    );
    assert_eq!(
        a.body["filed"]["figures"]["adoption_rate"],
        json!(null),
        "the filed ones do not"
    );
}
