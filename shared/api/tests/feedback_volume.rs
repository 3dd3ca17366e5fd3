//! Two thousand feedback items answered in parts and in groups, then published.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use axum::http::StatusCode;
use common::{generous, world};
use openday_rules::feedback::{Feedback, FeedbackDraft, FeedbackSource};
use openday_store::ports::{FeedbackStore, Giver};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_items_answered_in_parts_and_groups_then_published() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-22T10:00:00+08:00");
    for n in 0..2000 {
        let category = if n % 4 == 0 { "policy" } else { "service" };
        let draft: FeedbackDraft = serde_json::from_value(
            json!({"channel": "offline", "category": category, "content": format!("意见{n}")}),
        )
        .unwrap();
        let f = Feedback::parse(&draft, FeedbackSource::Agency).unwrap();
        w.store
            .add_feedback(&id, &f, Giver::Agency, w.clock_now())
            .await
            .unwrap();
    }
    // The list comes a page at a time (100 by default, 500 at most), continued by `next`.
    let first = w
        .get(&format!("/api/plans/{id}/feedback"), Some("nn-jt"))
        .await;
    assert_eq!(first.body["feedback"].as_array().unwrap().len(), 100);
    let mut items: Vec<Value> = Vec::new();
    let mut pages = 0;
    let mut cursor = String::new();
    loop {
        let page = w
            .get(
                &format!("/api/plans/{id}/feedback?limit=500&cursor={cursor}"),
                Some("nn-jt"),
            )
            .await;
        assert_eq!(page.status, axum::http::StatusCode::OK, "{}", page.body);
        items.extend(page.body["feedback"].as_array().unwrap().iter().cloned());
        pages += 1;
        match page.body["next"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(items.len(), 2000);
    assert_eq!(pages, 4, "exactly four pages: the last offers no next");
    let ids: std::collections::BTreeSet<&str> =
        items.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2000, "every item once");
    // A continuation of another listing, or garbage, is refused (422), never read.
    for bad in ["garbage", "eyJwayI6IlgifQ"] {
        let a = w
            .get(
                &format!("/api/plans/{id}/feedback?cursor={bad}"),
                Some("nn-jt"),
            )
            .await;
        assert_eq!(
            a.status,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            a.body
        );
    }
    let service: Vec<&str> = items
        .iter()
        .filter(|f| f["category"] == "service")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let answers = format!("/api/plans/{id}/feedback-answers");

    // A request that answers nothing is refused rather than "saved".
    let a = w.post(&answers, Some("nn-jt"), json!({})).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["error"]["field"], "items");

    // Part 1: 400 service items answered one by one, in one request.
    let one_by_one: Vec<Value> = service[..400]
        .iter()
        .map(|f| json!({"feedback_id": f, "adoption": "adopted", "reply": "已采纳"}))
        .collect();
    let a = w
        .post(&answers, Some("nn-jt"), json!({ "items": one_by_one }))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        (a.body["answered"].as_u64(), a.body["unanswered"].as_u64()),
        (Some(400), Some(1600))
    );

    // Part 2: 600 duplicates marked `explained` with one reply.
    let a = w
        .post(
            &answers,
            Some("nn-jt"),
            json!({"feedback_ids": service[400..1000], "adoption": "explained", "reply": "与已答复意见相同，见第一条答复"}),
        )
        .await;
    assert_eq!(a.body["answered"], 1000, "{}", a.body);

    // A bad answer in a group refuses the whole request, saying where.
    let a = w
        .post(
            &answers,
            Some("nn-jt"),
            json!({"feedback_ids": [service[1000], "nope"], "adoption": "not_adopted"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = a.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"feedback_ids[1].feedback_id"),
        "{fields:?}"
    );
    assert!(fields.contains(&"feedback_ids[0].reply"), "{fields:?}");

    // Publishing now is refused, saying how many are left.
    w.clock.set("2026-10-05T10:00:00+08:00");
    let publish = format!("/api/plans/{id}/feedback-response");
    let version = w.get(&format!("/api/plans/{id}"), Some("nn-jt")).await.body["version"].clone();
    let a = w
        .post(
            &publish,
            Some("nn-jt"),
            json!({"summary": "采纳情况如下", "version": version}),
        )
        .await;
    assert_eq!(a.body["error"]["code"], "FEEDBACK_UNANSWERED", "{}", a.body);
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("尚有1000条未答复")
    );
    assert!(
        a.body.to_string().len() < 4096,
        "the message lists a few, not a thousand"
    );

    // Part 3: the rest of the service items, then every policy item, by group.
    let a = w
        .post(&answers, Some("nn-jt"), json!({"unanswered": true, "category": "service", "adoption": "partially_adopted", "reply": "部分采纳"}))
        .await;
    assert_eq!(a.body["unanswered"], 500, "{}", a.body);
    let a = w
        .post(
            &answers,
            Some("nn-jt"),
            json!({"unanswered": true, "adoption": "explained", "reply": "已解释说明"}),
        )
        .await;
    assert_eq!(a.body["unanswered"], 0, "{}", a.body);
    let progress = w.get(&answers, Some("nn-jt")).await;
    assert_eq!(progress.body["answered"], 2000);

    // Published from the saved answers: every item once, as answered.
    let a = w
        .post(
            &publish,
            Some("nn-jt"),
            json!({"summary": "采纳情况如下", "version": version}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let public = w.get(&publish, None).await;
    let published = public.body["response"]["items"].as_array().unwrap();
    assert_eq!(published.len(), 2000);
    let count = |adoption: &str| {
        published
            .iter()
            .filter(|i| i["adoption"] == adoption)
            .count()
    };
    assert_eq!(
        (
            count("adopted"),
            count("explained"),
            count("partially_adopted")
        ),
        (400, 600 + 500, 500)
    );
}
