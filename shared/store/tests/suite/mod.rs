//! The storage suite: every port, run against each DynamoDB implementation.

use std::collections::BTreeSet;

use openday_rules::feedback::{
    Evaluation, EvaluationDraft, Feedback, FeedbackDraft, FeedbackResponse, FeedbackSource,
    ResponseDraft,
};
use openday_rules::lifecycle::{Action, PlanStatus, Version};
use openday_rules::org::Id;
use openday_rules::plan::Channel;
use openday_rules::report::{AnnualReport, ReportDraft};
use openday_rules::sweep::{Finding, FindingKind, MailKind, Recipient, SweepKind};
use openday_store::keys;
use openday_store::ports::*;
use openday_store::records::*;
use openday_store::{DynamoStore, StoreError};

use crate::common::*;
use openday_testkit::day;

mod guesses;
mod kept;
pub use guesses::*;
pub use kept::*;

pub async fn directory_import_and_subtree(store: &DynamoStore) {
    store.import(&directory()).await.unwrap();
    // Importing again changes nothing.
    store.import(&directory()).await.unwrap();
    let jt = store.org("nn-jt").await.unwrap().unwrap();
    assert_eq!(jt, org("nn-jt"));
    assert!(store.org("nobody").await.unwrap().is_none());
    let nanning: BTreeSet<String> = store
        .orgs_within("gx/gx-nn/")
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id.to_string())
        .collect();
    assert!(
        nanning.contains("nn-jt") && nanning.contains("qx-sw") && nanning.contains("nh-street")
    );
    assert!(
        !nanning.contains("lz-gov") && !nanning.contains("gx-edu"),
        "{nanning:?}"
    );
    assert_eq!(
        store.orgs_within("gx/").await.unwrap().len(),
        directory().orgs.len()
    );
    assert_eq!(
        store.jurisdictions().await.unwrap().len(),
        directory().jurisdictions.len()
    );
}

pub async fn plans_keep_versions_and_history(store: &DynamoStore) {
    store.import(&directory()).await.unwrap();
    let agency = org("nn-jt");
    let created = store
        .create_plan(&agency, &plan(), 0, at("2026-08-01T09:00:00+08:00"))
        .await
        .unwrap();
    assert_eq!(
        (created.status, created.version),
        (PlanStatus::Submitted, Version(1))
    );
    assert_eq!(store.plan(&created.id).await.unwrap().unwrap(), created);

    let mut back = PlanChange::new(
        Action::Return,
        PlanStatus::Returned,
        Some(org("nn-office").id),
        at("2026-08-02T09:00:00+08:00"),
    );
    back.comment = Some("请补充现场安全措施".into());
    let returned = store
        .change_plan(&created.id, Version(1), back)
        .await
        .unwrap();
    assert_eq!(
        (returned.status, returned.version),
        (PlanStatus::Returned, Version(2))
    );

    // A change from the old version is refused and changes nothing.
    let stale = PlanChange::new(
        Action::File,
        PlanStatus::Filed,
        Some(org("nn-office").id),
        at("2026-08-02T10:00:00+08:00"),
    );
    assert!(matches!(
        store.change_plan(&created.id, Version(1), stale).await,
        Err(StoreError::VersionConflict)
    ));
    assert_eq!(
        store.plan(&created.id).await.unwrap().unwrap().status,
        PlanStatus::Returned
    );

    let mut revise = PlanChange::new(
        Action::Revise,
        PlanStatus::Submitted,
        Some(agency.id.clone()),
        at("2026-08-03T09:00:00+08:00"),
    );
    let mut revised_plan = plan();
    revised_plan.venue =
        openday_rules::text::LineText::parse("venue", "地点", "南宁市青秀区民族大道2号").unwrap();
    revise.plan = Some((revised_plan.clone(), 0));
    let revised = store
        .change_plan(&created.id, Version(2), revise)
        .await
        .unwrap();
    assert_eq!(revised.plan, revised_plan);

    let history = store.history(&created.id).await.unwrap();
    let moves: Vec<(Option<PlanStatus>, PlanStatus)> =
        history.iter().map(|h| (h.from, h.to)).collect();
    assert_eq!(
        moves,
        [
            (None, PlanStatus::Submitted),
            (Some(PlanStatus::Submitted), PlanStatus::Returned),
            (Some(PlanStatus::Returned), PlanStatus::Submitted)
        ]
    );
    assert_eq!(history[1].comment.as_deref(), Some("请补充现场安全措施"));
    assert_eq!(history[1].by.as_ref().map(Id::as_str), Some("nn-office"));

    assert!(matches!(
        store
            .change_plan(
                "missing",
                Version(1),
                PlanChange::new(
                    Action::File,
                    PlanStatus::Filed,
                    None,
                    at("2026-08-03T09:00:00+08:00")
                )
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn plans_are_listed_by_owner_and_subtree(store: &DynamoStore) {
    store.import(&directory()).await.unwrap();
    let t = at("2026-08-01T09:00:00+08:00");
    let jt = store
        .create_plan(&org("nn-jt"), &plan(), 0, t)
        .await
        .unwrap();
    let sw = store
        .create_plan(&org("qx-sw"), &plan(), 0, t)
        .await
        .unwrap();
    let lz = store
        .create_plan(&org("lz-st"), &plan(), 0, t)
        .await
        .unwrap();
    let ids = |records: Vec<PlanRecord>| records.into_iter().map(|r| r.id).collect::<BTreeSet<_>>();
    let own = store
        .plans(
            2026,
            &PlanScope::Org {
                path: "gx/gx-nn/".into(),
                org_id: org("nn-jt").id,
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(own), BTreeSet::from([jt.id.clone()]));
    let nanning = store
        .plans(
            2026,
            &PlanScope::Subtree {
                path: "gx/gx-nn/".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(nanning), BTreeSet::from([jt.id.clone(), sw.id.clone()]));
    let region = store
        .plans(2026, &PlanScope::Subtree { path: "gx/".into() })
        .await
        .unwrap();
    assert_eq!(ids(region), BTreeSet::from([jt.id, sw.id, lz.id]));
    assert!(
        store
            .plans(2025, &PlanScope::Subtree { path: "gx/".into() })
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn an_announcement_opens_registration(store: &DynamoStore) {
    let record = announced_plan(store).await;
    assert_eq!(record.status, PlanStatus::Announced);
    assert_eq!(record.announced_on, Some(day("2026-09-01")));
    let announcement = store.announcement(&record.id).await.unwrap().unwrap();
    assert_eq!(announcement.participants.get(), 30);
    let listed = store.announcements(2026).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, record.id);
    assert_eq!(
        store.seats(&record.id).await.unwrap(),
        Some(Seats {
            capacity: 30,
            confirmed: 0,
            waitlisted: 0
        })
    );
}

pub async fn registrations_fill_seats_then_the_waitlist(store: &DynamoStore) {
    let plan = announced_plan(store).await;
    let mut codes = Vec::new();
    for n in 0..32 {
        let channel = if n % 3 == 0 {
            Channel::OfflineRecommendation
        } else {
            Channel::Online
        };
        let reg = new_registration(n, channel);
        let out = store.register(&plan.id, &reg).await.unwrap();
        let expected = if n < 30 {
            RegistrationStatus::Confirmed
        } else {
            RegistrationStatus::Waitlisted
        };
        assert_eq!(out.status, expected, "registration {n}");
        codes.push(out.code);
    }
    assert_eq!(
        store.seats(&plan.id).await.unwrap(),
        Some(Seats {
            capacity: 30,
            confirmed: 30,
            waitlisted: 2
        })
    );

    // The same person again: a duplicate, not a full event.
    let again = new_registration(5, Channel::Online);
    assert!(matches!(
        store.register(&plan.id, &again).await,
        Err(StoreError::DuplicateRegistration(Duplicate::Person { .. }))
    ));

    // Another person with a phone already registered: refused, naming that registration.
    let mut same_phone = new_registration(77, Channel::Online);
    same_phone.phone_hash = person_key().phone_hash(&registrant(6).phone);
    assert_eq!(
        store
            .register(&plan.id, &same_phone)
            .await
            .unwrap_err()
            .to_string(),
        "already registered"
    );
    assert!(matches!(
        store.register(&plan.id, &same_phone).await,
        Err(StoreError::DuplicateRegistration(Duplicate::Phone { code })) if code == codes[6]
    ));

    // Cancelling a confirmed seat promotes the first waitlisted registration.
    let out = store
        .cancel(&codes[3], at("2026-09-07T10:00:00+08:00"))
        .await
        .unwrap();
    assert_eq!(out.promoted.as_deref(), Some(codes[30].as_str()));
    assert_eq!(
        store
            .registration(&codes[30])
            .await
            .unwrap()
            .unwrap()
            .status,
        RegistrationStatus::Confirmed
    );
    assert_eq!(
        store.registration(&codes[3]).await.unwrap().unwrap().status,
        RegistrationStatus::Cancelled
    );
    assert_eq!(
        store.seats(&plan.id).await.unwrap(),
        Some(Seats {
            capacity: 30,
            confirmed: 30,
            waitlisted: 1
        })
    );

    // Cancelling a waitlisted one just leaves the waitlist; cancelling twice is harmless.
    assert_eq!(
        store
            .cancel(&codes[31], at("2026-09-07T11:00:00+08:00"))
            .await
            .unwrap()
            .promoted,
        None
    );
    assert_eq!(
        store
            .cancel(&codes[31], at("2026-09-07T11:00:00+08:00"))
            .await
            .unwrap()
            .promoted,
        None
    );
    assert_eq!(
        store.seats(&plan.id).await.unwrap(),
        Some(Seats {
            capacity: 30,
            confirmed: 30,
            waitlisted: 0
        })
    );

    // With no one waiting, a cancellation frees a seat; the person may register again.
    assert_eq!(
        store
            .cancel(&codes[4], at("2026-09-07T12:00:00+08:00"))
            .await
            .unwrap()
            .promoted,
        None
    );
    assert_eq!(store.seats(&plan.id).await.unwrap().unwrap().left(), 1);
    let back = new_registration(4, Channel::Online);
    let out = store.register(&plan.id, &back).await.unwrap();
    assert_eq!(out.status, RegistrationStatus::Confirmed);

    let all = store.registrations(&plan.id).await.unwrap();
    assert_eq!(all.len(), 33);
    assert_eq!(
        all.iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .count(),
        30
    );
    assert_eq!(
        all.iter()
            .filter(|r| r.channel == Channel::OfflineRecommendation)
            .count(),
        11
    );
    assert!(matches!(
        store
            .cancel("no-such-code", at("2026-09-07T12:00:00+08:00"))
            .await,
        Err(StoreError::NotFound)
    ));
    let not_open = new_registration(99, Channel::Online);
    assert!(matches!(
        store.register("no-such-plan", &not_open).await,
        Err(StoreError::RegistrationNotOpen)
    ));
}

pub async fn personal_data_is_kept_masked_with_a_ttl(
    store: &DynamoStore,
    client: &aws_sdk_dynamodb::Client,
) {
    let plan = announced_plan(store).await;
    let reg = new_registration(7, Channel::Online);
    let full_id = reg.registrant.id.expose().to_owned();
    let full_phone = reg.registrant.phone.expose();
    let out = store.register(&plan.id, &reg).await.unwrap();
    let record = store.registration(&out.code).await.unwrap().unwrap();
    assert_eq!(record.id_masked, reg.registrant.id.masked());
    assert!(!format!("{record:?}").contains(&full_id));
    // Read the raw items: the full ID number is nowhere, the TTL attribute is set.
    let (pk, sk) = keys::registration(&out.code);
    let raw = client
        .get_item()
        .table_name(store.table())
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(sk))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!format!("{raw:?}").contains(&full_id));
    // The phone is kept hashed, masked and sealed: never in the clear.
    assert!(!format!("{raw:?}").contains(&full_phone));
    assert_eq!(record.phone_masked, reg.registrant.phone.masked());
    assert_eq!(
        person_key().open_phone(&record.phone_sealed),
        Some(reg.registrant.phone.clone())
    );
    assert_eq!(
        raw["expires_at"].as_n().unwrap(),
        &reg.expires_at.to_string()
    );
    let marker = client
        .get_item()
        .table_name(store.table())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(raw["person_pk"].as_s().unwrap().clone()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("PERSON".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!format!("{marker:?}").contains(&full_id));
    assert!(marker.contains_key("expires_at"));
}

pub async fn feedback_evaluations_and_the_response(store: &DynamoStore) {
    let plan = announced_plan(store).await;
    for (i, text) in ["增加夜班公交", "优化换乘"].iter().enumerate() {
        let draft: FeedbackDraft = serde_json::from_value(
            serde_json::json!({"channel":"online","category":"service","content":text}),
        )
        .unwrap();
        let f = Feedback::parse(&draft, FeedbackSource::Public).unwrap();
        store
            .add_feedback(
                &plan.id,
                &f,
                Giver::Phone("phone-a"),
                at("2026-09-21T10:00:00+08:00") + chrono::Duration::seconds(i as i64),
            )
            .await
            .unwrap();
    }
    let items = store.feedback(&plan.id).await.unwrap();
    assert_eq!(
        items
            .iter()
            .map(|f| f.feedback.content.as_str())
            .collect::<Vec<_>>(),
        ["增加夜班公交", "优化换乘"]
    );
    // One evaluation per phone: the second replaces the first.
    for (phone, rating) in [("phone-a", 1), ("phone-a", 5), ("phone-b", 4)] {
        let draft: EvaluationDraft =
            serde_json::from_value(serde_json::json!({ "rating": rating })).unwrap();
        store
            .add_evaluation(
                &plan.id,
                &Evaluation::parse(&draft).unwrap(),
                phone,
                at("2026-09-27T10:00:00+08:00"),
            )
            .await
            .unwrap();
    }
    let mut ratings: Vec<u8> = store
        .evaluations(&plan.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.evaluation.rating.get())
        .collect();
    ratings.sort();
    assert_eq!(ratings, [4, 5]);

    let ids: BTreeSet<String> = items.iter().map(|f| f.id.clone()).collect();
    let response_draft: ResponseDraft = serde_json::from_value(serde_json::json!({
        "summary": "采纳情况如下",
        "items": items.iter().map(|f| serde_json::json!({"feedback_id": f.id, "adoption": "adopted", "reply": "已采纳"})).collect::<Vec<_>>()
    }))
    .unwrap();
    let response = FeedbackResponse::compose(
        &response_draft,
        &ids,
        &plan.plan.period,
        &openday_rules::Programme::shipped(),
        day("2026-10-05"),
    )
    .unwrap();
    let mut change = PlanChange::new(
        Action::Respond,
        PlanStatus::Responded,
        Some(plan.org_id.clone()),
        at("2026-10-05T10:00:00+08:00"),
    );
    change.response = Some(response.clone());
    let responded = store
        .change_plan(&plan.id, plan.version, change)
        .await
        .unwrap();
    assert_eq!(responded.responded_on, Some(day("2026-10-05")));
    assert_eq!(store.response(&plan.id).await.unwrap(), Some(response));
}

pub async fn one_annual_report_per_year(store: &DynamoStore) {
    let draft: ReportDraft = serde_json::from_value(
        serde_json::json!({"year": 2026, "summary": "开展3场", "experiences": "直播"}),
    )
    .unwrap();
    let reporter = org("qx-gov");
    let report = AnnualReport::compose(
        &draft,
        &reporter,
        &openday_rules::Programme::shipped(),
        day("2026-11-10"),
    )
    .unwrap();
    store.put_report(&reporter.id, &report).await.unwrap();
    assert!(matches!(
        store.put_report(&reporter.id, &report).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        store.report(&reporter.id, 2026).await.unwrap(),
        Some(report)
    );
    assert_eq!(store.report(&reporter.id, 2025).await.unwrap(), None);
}

pub async fn findings_are_recorded_once_and_resolved(store: &DynamoStore) {
    let finding = Finding {
        key: "notice_missing#p-1".into(),
        kind: FindingKind::NoticeMissing,
        plan_id: Some("p-1".into()),
        org_id: org("qx-sw").id,
        due_on: day("2026-09-15"),
    };
    let path = "gx/gx-nn/gx-nn-qx/";
    assert!(
        store
            .record_finding(&finding, path, 2026, day("2026-09-16"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_finding(&finding, path, 2026, day("2026-09-17"))
            .await
            .unwrap()
    );
    let stored = store.finding(&finding.key).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.found_on),
        (FindingStatus::Open, day("2026-09-16"))
    );
    assert_eq!(store.findings(2026, "gx/gx-nn/").await.unwrap().len(), 1);
    assert_eq!(store.findings(2026, "gx/gx-lz/").await.unwrap().len(), 0);
    assert_eq!(
        store
            .findings(2026, &format!("{path}|qx-sw|"))
            .await
            .unwrap()
            .len(),
        1
    );

    assert!(
        store
            .resolve_finding(&finding.key, day("2026-09-18"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .resolve_finding(&finding.key, day("2026-09-18"))
            .await
            .unwrap()
    );
    let resolved = store.finding(&finding.key).await.unwrap().unwrap();
    assert_eq!(
        (resolved.status, resolved.resolved_on),
        (FindingStatus::Resolved, Some(day("2026-09-18")))
    );
    assert!(
        !store
            .resolve_finding("never-recorded", day("2026-09-18"))
            .await
            .unwrap()
    );
}

pub async fn the_outbox_keeps_each_message_once(store: &DynamoStore) {
    let mail = |key: &str, minute: u32| MailRecord {
        key: key.into(),
        kind: MailKind::NoticeReminder,
        recipient: Recipient::Agency,
        to: vec!["jtj@nn.example.org".into()],
        subject: "活动公告发布提醒".into(),
        text: "请于2026年9月5日前发布活动公告".into(),
        html: "<p>请于2026年9月5日前发布活动公告</p>".into(),
        queued_at: at(&format!("2026-08-31T09:{minute:02}:00+08:00")),
        sent_at: None,
        attempts: 0,
        last_error: None,
    };
    assert!(
        store
            .enqueue(&mail("notice_reminder_20#p-1#agency", 1))
            .await
            .unwrap()
    );
    assert!(
        !store
            .enqueue(&mail("notice_reminder_20#p-1#agency", 5))
            .await
            .unwrap()
    );
    assert!(
        store
            .enqueue(&mail("notice_reminder_20#p-2#agency", 2))
            .await
            .unwrap()
    );
    let pending: Vec<String> = store
        .pending(10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(
        pending,
        [
            "notice_reminder_20#p-1#agency",
            "notice_reminder_20#p-2#agency"
        ]
    );

    // Of two senders, one claims the message.
    let key = "notice_reminder_20#p-1#agency";
    let first = store
        .claim(key, at("2026-08-31T09:05:00+08:00"))
        .await
        .unwrap();
    assert_eq!(first.map(|m| m.attempts), Some(1));
    assert!(
        store
            .claim(key, at("2026-08-31T09:06:00+08:00"))
            .await
            .unwrap()
            .is_none(),
        "held by the first sender"
    );
    store
        .mark_failed(key, "MessageRejected: unverified sender")
        .await
        .unwrap();
    let failed = store.mail(key).await.unwrap().unwrap();
    assert_eq!((failed.attempts, failed.sent_at), (1, None));
    assert!(failed.last_error.unwrap().contains("unverified"));
    assert_eq!(
        store.pending(10).await.unwrap().len(),
        2,
        "a failed send stays queued"
    );

    let again = store
        .claim(key, at("2026-08-31T09:05:00+08:00"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    store
        .mark_sent(key, at("2026-08-31T09:10:00+08:00"))
        .await
        .unwrap();
    assert!(
        store
            .claim(key, at("2026-08-31T09:05:00+08:00"))
            .await
            .unwrap()
            .is_none(),
        "sent mail is not claimed again"
    );
    let pending: Vec<String> = store
        .pending(10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(pending, ["notice_reminder_20#p-2#agency"]);
    let sent = store.mail(key).await.unwrap().unwrap();
    assert_eq!((sent.attempts, sent.last_error), (2, None));
    assert!(matches!(
        store
            .mark_sent("unknown", at("2026-08-31T09:10:00+08:00"))
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn the_due_index_returns_what_is_due(store: &DynamoStore) {
    store.import(&directory()).await.unwrap();
    let t = at("2026-08-01T09:00:00+08:00");
    let mut ids = Vec::new();
    for on in ["2026-08-30", "2026-08-31", "2026-09-01", "2026-09-02"] {
        let r = store
            .create_plan(&org("nn-jt"), &plan(), 0, t)
            .await
            .unwrap();
        store
            .schedule(SweepKind::Notice, &r.id, Some(day(on)))
            .await
            .unwrap();
        ids.push(r.id);
    }
    store
        .schedule(SweepKind::Feedback, &ids[3], Some(day("2026-08-01")))
        .await
        .unwrap();
    let due: BTreeSet<String> = store
        .due_plans(SweepKind::Notice, day("2026-08-31"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(due, BTreeSet::from([ids[0].clone(), ids[1].clone()]));
    // Rescheduled or cleared markers move or leave.
    store
        .schedule(SweepKind::Notice, &ids[0], Some(day("2026-09-10")))
        .await
        .unwrap();
    store
        .schedule(SweepKind::Notice, &ids[1], None)
        .await
        .unwrap();
    assert!(
        store
            .due_plans(SweepKind::Notice, day("2026-08-31"))
            .await
            .unwrap()
            .is_empty()
    );
    let feedback: Vec<String> = store
        .due_plans(SweepKind::Feedback, day("2026-08-31"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(feedback, [ids[3].clone()]);
}

/// A phone gives at most ten feedback items per plan and day; the agency is not limited.
pub async fn feedback_is_limited_per_phone_and_day(store: &DynamoStore) {
    let plan = announced_plan(store).await;
    let draft: FeedbackDraft = serde_json::from_value(
        serde_json::json!({"channel":"online","category":"service","content":"建议"}),
    )
    .unwrap();
    let f = Feedback::parse(&draft, FeedbackSource::Public).unwrap();
    let morning = at("2026-09-21T10:00:00+08:00");
    for _ in 0..10 {
        store
            .add_feedback(&plan.id, &f, Giver::Phone("p1"), morning)
            .await
            .unwrap();
    }
    match store
        .add_feedback(&plan.id, &f, Giver::Phone("p1"), morning)
        .await
    {
        Err(StoreError::Limited { retry_after }) => assert_eq!(retry_after, 14 * 3600),
        other => panic!("expected Limited, got {other:?}"),
    }
    // Another phone, the agency, and the next day are not affected.
    store
        .add_feedback(&plan.id, &f, Giver::Phone("p2"), morning)
        .await
        .unwrap();
    store
        .add_feedback(&plan.id, &f, Giver::Agency, morning)
        .await
        .unwrap();
    store
        .add_feedback(
            &plan.id,
            &f,
            Giver::Phone("p1"),
            at("2026-09-22T08:00:00+08:00"),
        )
        .await
        .unwrap();
    assert_eq!(store.feedback(&plan.id).await.unwrap().len(), 13);
}

/// Codes: one a minute and ten a day per phone, valid ten minutes, burned after five
/// wrong tries.
pub async fn sms_codes_are_limited_checked_and_burned(store: &DynamoStore) {
    let t0 = at("2026-09-06T10:00:00+08:00");
    let secs = |n: i64| t0 + chrono::Duration::seconds(n);
    store.issue_sms_code("ph", "h1", t0).await.unwrap();
    assert!(store.check_sms_code("ph", "h1", secs(5)).await.unwrap());
    // Used again within ten minutes: still good; after: expired.
    assert!(store.check_sms_code("ph", "h1", secs(599)).await.unwrap());
    assert!(!store.check_sms_code("ph", "h1", secs(601)).await.unwrap());
    // Asked again within the minute: refused with the seconds to wait.
    match store.issue_sms_code("ph", "h2", secs(20)).await {
        Err(StoreError::Limited { retry_after }) => assert_eq!(retry_after, 40),
        other => panic!("expected Limited, got {other:?}"),
    }
    // A new code replaces the old one; five wrong tries burn it.
    store.issue_sms_code("ph", "h2", secs(60)).await.unwrap();
    assert!(!store.check_sms_code("ph", "h1", secs(61)).await.unwrap());
    // That was the first wrong try of the new code; three more leave it usable.
    for _ in 0..3 {
        assert!(!store.check_sms_code("ph", "bad", secs(62)).await.unwrap());
    }
    assert!(store.check_sms_code("ph", "h2", secs(63)).await.unwrap());
    assert!(!store.check_sms_code("ph", "bad", secs(64)).await.unwrap());
    assert!(
        !store.check_sms_code("ph", "h2", secs(65)).await.unwrap(),
        "burned"
    );
    // Ten a day: eight more go out, the eleventh waits for tomorrow (midnight + 0).
    for i in 2..10 {
        store
            .issue_sms_code("ph", &format!("h{}", i + 1), secs(60 * i))
            .await
            .unwrap();
    }
    match store.issue_sms_code("ph", "h11", secs(3600)).await {
        Err(StoreError::Limited { retry_after }) => assert_eq!(retry_after, 14 * 3600 - 3600),
        other => panic!("expected Limited, got {other:?}"),
    }
    store
        .issue_sms_code("ph", "h12", at("2026-09-07T00:00:01+08:00"))
        .await
        .unwrap();
    // A code that could not be sent is taken back: asking again works at once.
    store.issue_sms_code("other", "x1", t0).await.unwrap();
    store.withdraw_sms_code("other").await.unwrap();
    assert!(!store.check_sms_code("other", "x1", secs(1)).await.unwrap());
    store.issue_sms_code("other", "x2", secs(2)).await.unwrap();
    assert!(store.check_sms_code("other", "x2", secs(3)).await.unwrap());
    assert!(!store.check_sms_code("nobody", "x2", secs(3)).await.unwrap());
}

/// Cancelling an announced plan closes its seats in the same write: no registration after.
pub async fn a_cancelled_event_takes_no_registrations(store: &DynamoStore) {
    let plan = announced_plan(store).await;
    store
        .register(&plan.id, &new_registration(1, Channel::Online))
        .await
        .unwrap();
    store
        .change_plan(
            &plan.id,
            plan.version,
            PlanChange::new(
                Action::Cancel,
                PlanStatus::Cancelled,
                Some(plan.org_id.clone()),
                at("2026-09-05T09:00:00+08:00"),
            ),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .register(&plan.id, &new_registration(2, Channel::Online))
            .await,
        Err(StoreError::RegistrationNotOpen)
    ));
}

/// A registration carrying a wrong code is refused before anything else is said, and the
/// wrong try counts.
pub async fn a_registration_checks_the_phones_code_in_its_own_write(store: &DynamoStore) {
    let plan = announced_plan(store).await;
    let t = at("2026-09-06T10:00:00+08:00");
    let reg = new_registration(1, Channel::Online);
    store
        .issue_sms_code(&reg.phone_hash, "right", t)
        .await
        .unwrap();
    let wrong = reg.clone().proved_by(CodeProof {
        code_hash: "wrong".into(),
        at: t,
    });
    assert!(matches!(
        store.register(&plan.id, &wrong).await,
        Err(StoreError::CodeRefused)
    ));
    let right = reg.clone().proved_by(CodeProof {
        code_hash: "right".into(),
        at: t,
    });
    store.register(&plan.id, &right).await.unwrap();
    // A duplicate is only told to whoever holds the phone's code.
    assert!(matches!(
        store.register(&plan.id, &wrong).await,
        Err(StoreError::CodeRefused)
    ));
    assert!(matches!(
        store.register(&plan.id, &right).await,
        Err(StoreError::DuplicateRegistration(Duplicate::Person { .. }))
    ));
    // Three wrong tries so far (one counted above, one here, one now): two more burn it.
    for _ in 0..3 {
        let _ = store.register(&plan.id, &wrong).await;
    }
    assert!(
        !store
            .check_sms_code(&reg.phone_hash, "right", t)
            .await
            .unwrap()
    );
}

pub async fn sign_ins_are_single_use_and_sessions_revocable(store: &DynamoStore) {
    let t0 = at("2026-09-06T10:00:00+08:00");
    let secs = |n: i64| t0 + chrono::Duration::seconds(n);
    let record = SignInRecord {
        org_id: Id::parse("o", "nn-jt").unwrap(),
        email: String::new(),
        nonce_hash: "nonce".into(),
        code_hash: "code".into(),
        expires_at: secs(900),
        bound: true,
    };
    store.put_sign_in("a1", &record).await.unwrap();
    assert_eq!(
        store.sign_in("a1", secs(1)).await.unwrap(),
        Some(record.clone())
    );
    // A wrong nonce, another attempt's id: nothing.
    assert_eq!(
        store
            .redeem_sign_in("a1", SignInProof::Nonce("other"), secs(2))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .redeem_sign_in("a2", SignInProof::Nonce("nonce"), secs(2))
            .await
            .unwrap(),
        None
    );
    // The right nonce signs in once; the second use finds nothing.
    assert_eq!(
        store
            .redeem_sign_in("a1", SignInProof::Nonce("nonce"), secs(3))
            .await
            .unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        store
            .redeem_sign_in("a1", SignInProof::Nonce("nonce"), secs(4))
            .await
            .unwrap(),
        None,
        "single use"
    );
    // Expired after its fifteen minutes.
    store.put_sign_in("a3", &record).await.unwrap();
    assert_eq!(
        store
            .redeem_sign_in("a3", SignInProof::Code("code"), secs(901))
            .await
            .unwrap(),
        None,
        "expired"
    );
    // The code works too; five wrong codes end the attempt.
    store.put_sign_in("a4", &record).await.unwrap();
    for _ in 0..4 {
        assert!(
            store
                .redeem_sign_in("a4", SignInProof::Code("bad"), secs(10))
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        store
            .redeem_sign_in("a4", SignInProof::Code("code"), secs(11))
            .await
            .unwrap()
            .is_some()
    );
    store.put_sign_in("a5", &record).await.unwrap();
    for _ in 0..5 {
        assert!(
            store
                .redeem_sign_in("a5", SignInProof::Code("bad"), secs(10))
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(
        store
            .redeem_sign_in("a5", SignInProof::Code("code"), secs(11))
            .await
            .unwrap(),
        None,
        "burned after five wrong codes"
    );
    // One member per address; a member's epoch starts at 0 and rises each time their
    // sessions and keys are ended; five wrong second-factor codes in a row lock sign-in.
    let org = openday_testkit::org("nn-jt");
    let record = openday_store::people::MemberRecord {
        email: "li@nn.example.org".into(),
        name: "李四".into(),
        org_id: org.id.clone(),
        roles: openday_rules::staff::Roles::parse("roles", ["clerk"], &org).unwrap(),
        added_at: secs(0),
        added_by: None,
        totp_sealed: None,
        recovery: vec!["h1".into(), "h2".into()],
    };
    assert!(store.put_member(&record, true).await.unwrap());
    assert!(
        !store.put_member(&record, true).await.unwrap(),
        "one member per address"
    );
    assert_eq!(
        store.end_everything_of("li@nn.example.org").await.unwrap(),
        1
    );
    assert_eq!(
        store.end_everything_of("li@nn.example.org").await.unwrap(),
        2
    );
    assert_eq!(
        store
            .end_everything_of("nobody@nn.example.org")
            .await
            .unwrap(),
        0
    );
    let until = secs(900);
    for n in 1..5 {
        assert_eq!(
            store
                .wrong_second_factor("li@nn.example.org", 5, until)
                .await
                .unwrap(),
            openday_store::people::WrongCode::Counted(n)
        );
    }
    assert_eq!(
        store
            .wrong_second_factor("li@nn.example.org", 5, until)
            .await
            .unwrap(),
        openday_store::people::WrongCode::Locked(until)
    );
    let member = store.member("li@nn.example.org").await.unwrap().unwrap();
    assert_eq!((member.epoch, member.locked_until), (2, Some(until)));
    // A recovery code is taken once.
    assert!(
        store
            .use_recovery_code("li@nn.example.org", "h1")
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_recovery_code("li@nn.example.org", "h1")
            .await
            .unwrap()
    );
    assert_eq!(store.members("nn-jt").await.unwrap().len(), 1);
}

pub async fn check_in_admits_the_confirmed_once(store: &DynamoStore) {
    let plan = announced_plan(store).await;
    let first = store
        .register(&plan.id, &new_registration(1, Channel::Online))
        .await
        .unwrap();
    let second = store
        .register(&plan.id, &new_registration(2, Channel::Online))
        .await
        .unwrap();
    store
        .cancel(&second.code, at("2026-09-10T10:00:00+08:00"))
        .await
        .unwrap();
    let t0 = at("2026-09-20T08:30:00+08:00");
    match store.check_in(&plan.id, &first.code, t0).await.unwrap() {
        CheckIn::Admitted(r) => assert_eq!(r.attended_at, Some(t0)),
        other => panic!("{other:?}"),
    }
    let later = at("2026-09-20T08:40:00+08:00");
    match store.check_in(&plan.id, &first.code, later).await.unwrap() {
        CheckIn::Already(r) => assert_eq!(r.attended_at, Some(t0), "says when, the first time"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.check_in(&plan.id, &second.code, later).await.unwrap(),
        CheckIn::NotConfirmed(r) if r.status == RegistrationStatus::Cancelled
    ));
    assert_eq!(
        store
            .check_in("another-plan", &first.code, later)
            .await
            .unwrap(),
        CheckIn::OtherEvent
    );
    assert_eq!(
        store.check_in(&plan.id, "ZZZZZZZZ", later).await.unwrap(),
        CheckIn::Unknown
    );
    assert_eq!(store.attendance(&plan.id).await.unwrap(), 1);
    let stored = store.registration(&first.code).await.unwrap().unwrap();
    assert_eq!(stored.attended_at, Some(t0));
}

pub async fn programmes_keep_every_version(store: &DynamoStore) {
    let [seed, example] = openday_testkit::programmes(2026);
    let gx = seed.region.clone();
    // Nothing stored: the shipped default is in force, as version 0.
    assert_eq!(store.stored_programme(&gx, 2026, None).await.unwrap(), None);
    let in_force = programme_in_force(store, &gx, 2026).await.unwrap();
    assert_eq!((in_force.version, &in_force.programme), (0, &seed));

    let t = at("2026-07-01T09:00:00+08:00");
    let by = Id::parse("org", "gx-office").unwrap();
    let first = store.put_programme(&seed, Some(&by), t).await.unwrap();
    let second = store.put_programme(&example, None, t).await.unwrap();
    assert_eq!((first.version, second.version), (1, 2));
    let next_year = openday_testkit::programmes(2027)[1].clone();
    assert_eq!(
        store
            .put_programme(&next_year, None, t)
            .await
            .unwrap()
            .version,
        1,
        "versions count per region and year"
    );

    // The latest is in force; every version stays readable, as stored.
    let latest = programme_in_force(store, &gx, 2026).await.unwrap();
    assert_eq!((latest.version, &latest.programme), (2, &example));
    let v1 = store
        .stored_programme(&gx, 2026, Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1.programme, seed);
    assert_eq!(v1.imported_by, Some(by));
    let plan_ref = openday_rules::ProgrammeRef {
        region: gx.clone(),
        year: 2026,
        version: 1,
    };
    assert_eq!(
        programme_of(store, &plan_ref).await.unwrap().programme,
        seed
    );
    assert!(
        store
            .stored_programme(&gx, 2026, Some(9))
            .await
            .unwrap()
            .is_none()
    );

    // The listing has the version in force of each year.
    let listed: Vec<(i32, u32)> = store
        .programmes(&gx)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.programme.year, r.version))
        .collect();
    assert_eq!(listed, [(2026, 2), (2027, 1)]);
}
