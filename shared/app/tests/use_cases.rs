//! The use cases without HTTP: the services on the embedded engine with a clock the test
//! moves, mail and text messages in local outboxes. Each test walks one area's main path
//! and the refusals that only the use case can make, so a rule here holds for the API and
//! the pages alike.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use openday_app::commands::{
    AnnouncementBody, AnswersBody, CancelBody, CheckInBody, EvaluationBody, PhoneProof,
    RespondBody, ReviewBody,
};
use openday_app::plans::{Decision, ListQuery};
use openday_app::registrations::OnlineRegistration;
use openday_app::second_factor::{self, Checked};
use openday_app::sessions::{self, Ended, SessionState};
use openday_app::sign_in::{Confirmation, Confirmed, LinkMail};
use openday_app::{
    AppError, Services, Settings, announcements, api_keys, attendance, audit, compliance, exports,
    feedback, people, plans, programmes, registrations, reports, retention, sign_in, verification,
};
use openday_local_dynamo::LocalDynamo;
use openday_rules::Clock;
use openday_rules::feedback::{EvaluationDraft, FeedbackCategory, FeedbackDraft, ResponseDraft};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::Organisation;
use openday_rules::plan::PlanDraft;
use openday_rules::registration::RegistrantDraft;
use openday_rules::text::{BoolLike, NumberLike};
use openday_store::records::RegistrationStatus;
use openday_store::{DynamoStore, PersonKey};

/// Where the use cases' requests come from in these tests.
const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[derive(Clone)]

struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

struct World {
    /// Each organisation's first 管理员 (its mailbox), acting from the loopback address.
    staff: std::collections::HashMap<String, openday_app::people::Actor>,
    _engine: LocalDynamo,
    app: Services<DynamoStore>,
    clock: TestClock,
    sms_dir: std::path::PathBuf,
    mail_dir: std::path::PathBuf,
}

impl World {
    async fn new() -> Self {
        Self::with_sms(None).await
    }

    /// A world whose text messages go through `sms` (the local outbox when `None`).
    async fn with_sms(sms: Option<Arc<dyn openday_sms::SmsSender>>) -> Self {
        let engine = LocalDynamo::memory().await.unwrap();
        let store = DynamoStore::new(engine.client(), "openday-app");
        store.ensure_table().await.unwrap();
        openday_store::ports::DirectoryStore::import(&store, &openday_testkit::directory())
            .await
            .unwrap();
        let clock = TestClock(Arc::new(Mutex::new(openday_testkit::at(
            "2026-08-01T09:00:00+08:00",
        ))));
        let sms_dir = openday_testkit::temp_dir("app-sms");
        let mail_dir = openday_testkit::temp_dir("app-mail");
        let app = Services::new(
            store,
            Settings {
                person_key: PersonKey::new(&[8u8; 32]).unwrap(),
                retention_days: 180,
                site: "http://openday.test".into(),
                per_phone_per_minute: NonZeroU32::new(1000).unwrap(),
                quotas: openday_app::quotas::Quotas::default(),
            },
            Arc::new(clock.clone()),
            Arc::new(openday_mail::EmlMailer::new(
                &mail_dir,
                "openday@example.org",
            )),
            sms.unwrap_or_else(|| Arc::new(openday_sms::FolderSms::new(&sms_dir))),
        );
        let mut staff = std::collections::HashMap::new();
        for o in &openday_testkit::directory().orgs {
            let actor =
                openday_app::people::actor_of_org_token(&app, o.id.as_str(), 0, "127.0.0.1".into())
                    .await
                    .unwrap()
                    .unwrap();
            staff.insert(o.id.to_string(), actor);
        }
        Self {
            staff,
            _engine: engine,
            app,
            clock,
            sms_dir,
            mail_dir,
        }
    }

    fn at(&self, raw: &str) {
        *self.clock.0.lock().unwrap() = openday_testkit::at(raw);
    }

    /// The demo plan submitted by the transport bureau, filed by Nanning's office and
    /// announced on 2026-09-01 (event 09-20..26); its id.
    async fn announced(&self) -> String {
        let (agency, office) = (self.staff("nn-jt"), self.staff("nn-office"));
        let draft: PlanDraft =
            serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
        let plan = plans::submit(&self.app, &agency, &draft).await.unwrap();
        plans::review(&self.app, &office, &plan.id, review("file", None, 1))
            .await
            .unwrap();
        self.at("2026-09-01T10:00:00+08:00");
        let body = AnnouncementBody {
            version: Some(NumberLike::Text("2".into())),
            announcement: serde_json::from_value(serde_json::json!({
                "registration_method": "在线报名", "content": "参观",
                "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}],
                "reminders": "携带身份证", "registration_deadline": "2026-09-15"
            }))
            .unwrap(),
        };
        let announced = plans::announce(&self.app, &agency, &plan.id, &body)
            .await
            .unwrap();
        assert_eq!(announced.status, PlanStatus::Announced);
        plan.id
    }

    /// A code sent to person `n`'s phone (asked from a network of the person's own), read
    /// from the outbox.
    async fn code_for(&self, n: u32) -> PhoneProof {
        let phone = phone(n);
        let from = std::net::Ipv4Addr::new(10, (n / 256 % 256) as u8, (n % 256) as u8, 1);
        verification::send_code(&self.app, Some(&phone), from.into())
            .await
            .unwrap();
        PhoneProof {
            sms_code: Some(openday_testkit::sms_code_in(&self.sms_dir, &phone)),
            phone: Some(phone),
        }
    }
}

impl World {
    fn staff(&self, id: &str) -> openday_app::people::Actor {
        self.staff[id].clone()
    }
}

fn org(id: &str) -> Organisation {
    openday_testkit::org(id)
}

fn phone(n: u32) -> String {
    format!("1390013{n:04}")
}

fn review(decision: &str, comment: Option<&str>, version: u64) -> ReviewBody {
    ReviewBody {
        decision: Some(decision.into()),
        comment: comment.map(Into::into),
        version: Some(NumberLike::Text((version).to_string())),
    }
}

fn person(n: u32, consent: bool) -> OnlineRegistration {
    OnlineRegistration {
        registrant: RegistrantDraft {
            name: Some(format!("市民{n}")),
            id_number: Some(openday_testkit::id_number(n)),
            phone: Some(phone(n)),
            category: Some("worker".into()),
            relation: Some("lives".into()),
            full_civil_capacity: Some(BoolLike::Bool(true)),
            not_deputy: Some(BoolLike::Bool(true)),
        },
        id_consent: consent.then_some(BoolLike::Bool(true)),
    }
}

fn fields(e: &AppError) -> Vec<String> {
    match e {
        AppError::Rules(vs) => vs.iter().filter_map(|v| v.field.clone()).collect(),
        other => panic!("expected a refusal by the rules, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_submitted_reviewed_announced_and_listed() {
    let w = World::new().await;
    let (agency, office) = (w.staff("nn-jt"), w.staff("nn-office"));
    let draft: PlanDraft =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    let plan = plans::submit(&w.app, &agency, &draft).await.unwrap();
    assert_eq!(plan.status, PlanStatus::Submitted);
    // A decision is `file` or `return`; a return needs a comment.
    let e = plans::review(&w.app, &office, &plan.id, review("approve", None, 1))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["decision"]);
    assert_eq!(Decision::parse(Some(" return ")).unwrap(), Decision::Return);
    let e = plans::review(&w.app, &office, &plan.id, review("return", None, 1))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["comment"]);
    // The agency may not file its own plan.
    let e = plans::review(&w.app, &agency, &plan.id, review("file", None, 1))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let filed = plans::review(&w.app, &office, &plan.id, review("file", None, 1))
        .await
        .unwrap();
    assert_eq!(filed.status, PlanStatus::Filed);
    // A change made from an old version is a conflict, not a silent overwrite.
    let stale = CancelBody {
        comment: None,
        version: Some(NumberLike::Text("1".into())),
    };
    let e = plans::cancel(&w.app, &agency, &plan.id, stale)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Conflict { .. }), "{e:?}");
    let (detail, _, _) = plans::detail(&w.app, &office, &plan.id).await.unwrap();
    assert_eq!(detail.history.len(), 2);
    let listed = plans::list(&w.app, &office, &ListQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.year, 2026);
    assert_eq!(listed.plans.len(), 1);
    // Another city's office sees none of it.
    let e = plans::detail(&w.app, &org("lz-office"), &plan.id)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_about_a_submitted_plan_greets_the_office_and_the_filed_one_the_agency() {
    let w = World::new().await;
    w.announced().await;
    let mails = openday_mail::read_outbox(&w.mail_dir).unwrap();
    let to = |address: &str| {
        mails
            .iter()
            .find(|m| m.to.iter().any(|t| t.contains(address)))
            .unwrap_or_else(|| panic!("no mail to {address}"))
    };
    let office = to("gongkai@nn.example.org");
    assert!(office.subject.contains("【待审核】"), "{}", office.subject);
    assert!(
        office.text.starts_with("南宁市人民政府政务公开办公室："),
        "{}",
        office.text
    );
    let agency = to("jtj@nn.example.org");
    assert!(agency.subject.contains("【已备案】"), "{}", agency.subject);
    assert!(
        agency.text.starts_with("南宁市交通运输局："),
        "{}",
        agency.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_needs_the_id_consent_and_a_retry_gets_the_same_registration() {
    let w = World::new().await;
    let id = w.announced().await;
    let proof = w.code_for(1).await;
    // Without the separate consent nothing is stored, and every other mistake shows too.
    let mut no_consent = person(1, false);
    no_consent.registrant.name = None;
    let e = registrations::register(&w.app, &id, &no_consent, &proof)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["id_consent", "name"]);
    let day = announcements::open_day(&w.app, &id).await.unwrap();
    assert_eq!(day.seats_left, Some(30), "nothing was taken");
    let taken = registrations::register(&w.app, &id, &person(1, true), &proof)
        .await
        .unwrap();
    assert!(taken.created);
    assert_eq!(taken.receipt.status, RegistrationStatus::Confirmed);
    let again = registrations::register(&w.app, &id, &person(1, true), &proof)
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.receipt.code, taken.receipt.code);
    // Looked up with the phone; a wrong phone looks like a wrong code.
    let found =
        registrations::look_up_with_event(&w.app, Some(&taken.receipt.code), Some(&phone(1)))
            .await
            .unwrap();
    assert_eq!(found.registration.name, "市民1");
    assert!(found.event.is_some());
    let e = registrations::look_up(&w.app, Some(&taken.receipt.code), Some(&phone(2)))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    // The organiser finds it by the ID card, and the person cancels it with a new code.
    let found = registrations::search(
        &w.app,
        &w.staff("nn-jt"),
        &id,
        Some(&openday_testkit::id_number(1)),
    )
    .await
    .unwrap();
    assert_eq!(found.code, taken.receipt.code);
    w.at("2026-09-01T10:02:00+08:00");
    let proof = w.code_for(1).await;
    let cancelled = registrations::cancel_own(&w.app, &taken.receipt.code, &proof)
        .await
        .unwrap();
    assert_eq!(cancelled.status, RegistrationStatus::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_checked_in_once_on_the_day() {
    let w = World::new().await;
    let id = w.announced().await;
    let agency = w.staff("nn-jt");
    let taken = registrations::recommend(&w.app, &agency, &id, &person(3, true))
        .await
        .unwrap();
    let by_code = CheckInBody {
        code: Some(taken.receipt.code.clone()),
        id_number: None,
    };
    // Not before the event.
    let e = attendance::check_in(&w.app, &agency, &id, &by_code)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Rules(_)), "{e:?}");
    w.at("2026-09-20T08:30:00+08:00");
    let done = attendance::check_in(&w.app, &agency, &id, &by_code)
        .await
        .unwrap();
    assert_eq!((done.confirmed, done.attended), (1, 1));
    // The registrants list says who checked the person in.
    let listed = registrations::of_event(&w.app, &agency, &id, "r", None)
        .await
        .unwrap()
        .items;
    assert!(
        listed
            .iter()
            .any(|r| r.checked_in_by.as_deref() == Some("jtj@nn.example.org")),
        "{listed:?}"
    );
    let e = attendance::check_in(&w.app, &agency, &id, &by_code)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AppError::Conflict {
                code: "ALREADY_CHECKED_IN",
                ..
            }
        ),
        "{e:?}"
    );
    let counts = attendance::attendance(&w.app, &org("nn-office"), &id)
        .await
        .unwrap();
    assert_eq!(counts.attended, 1);
    let table = exports::registrants(&w.app, &agency, &id).await.unwrap();
    let rows: Vec<_> = futures_util::TryStreamExt::try_concat(table.rows)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let masked = format!("{:?}", rows[0]);
    assert!(!masked.contains(&openday_testkit::id_number(3)), "{masked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_is_recategorised_answered_and_published() {
    let w = World::new().await;
    let id = w.announced().await;
    let agency = w.staff("nn-jt");
    // Person 6 registers, to rate the event later.
    let registered = registrations::register(&w.app, &id, &person(6, true), &w.code_for(6).await)
        .await
        .unwrap();
    w.at("2026-09-21T15:00:00+08:00");
    let proof = w.code_for(5).await;
    let draft = FeedbackDraft {
        channel: Some("online".into()),
        category: Some("service".into()),
        content: Some("公交站台的遮阳棚太少".into()),
    };
    let given = feedback::give(&w.app, None, &id, &draft, &proof)
        .await
        .unwrap();
    assert_eq!(given.category, FeedbackCategory::Service);
    // The category is the agency's to set; an unknown item or category is refused there.
    let e = feedback::recategorise(&w.app, &agency, &id, &[("nobody".into(), "policy".into())])
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["a.nobody.category"]);
    let e = feedback::recategorise(&w.app, &w.staff("nn-office"), &id, &[])
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    // The same through the answers a program sends.
    let body = AnswersBody {
        categories: [(given.id.clone(), "policy".to_owned())].into(),
        ..AnswersBody::default()
    };
    feedback::save_answers(&w.app, &agency, &id, &body)
        .await
        .unwrap();
    let items = feedback::items(&w.app, &agency, &id, &Default::default())
        .await
        .unwrap()
        .feedback;
    assert_eq!(items[0].feedback.category, FeedbackCategory::Policy);
    let answer = AnswersBody {
        unanswered: Some(BoolLike::Bool(true)),
        adoption: Some("adopted".into()),
        reply: Some("将增设遮阳棚".into()),
        ..AnswersBody::default()
    };
    let saved = feedback::save_answers(&w.app, &agency, &id, &answer)
        .await
        .unwrap();
    assert_eq!((saved.answered, saved.unanswered), (1, 0));
    w.at("2026-09-28T10:00:00+08:00");
    let respond = RespondBody {
        version: Some(NumberLike::Text("3".into())),
        response: ResponseDraft {
            summary: Some("共收到意见建议1条，已采纳1条。".into()),
            items: Vec::new(),
        },
    };
    plans::publish_response(&w.app, &agency, &id, respond)
        .await
        .unwrap();
    let (response, answered) = feedback::published_with_items(&w.app, &id).await.unwrap();
    assert_eq!(response.items.len(), 1);
    assert_eq!(
        answered[0].feedback.as_ref().map(|f| f.feedback.category),
        Some(FeedbackCategory::Policy)
    );
    // Evaluations: by a participant, one per phone, within the programme's days after the
    // event.
    let proof = w.code_for(6).await;
    let rated = feedback::evaluate(&w.app, &id, &rating(5, &registered.receipt.code), &proof)
        .await
        .unwrap();
    assert_eq!(rated.rating.get(), 5);
}

/// An evaluation of `stars` naming registration `code`.
fn rating(stars: u8, code: &str) -> EvaluationBody {
    EvaluationBody {
        evaluation: EvaluationDraft {
            rating: Some(NumberLike::Text(stars.to_string())),
            comment: None,
        },
        registration_code: Some(code.into()),
    }
}

/// The stable code of a refusal.
fn said(e: &AppError) -> String {
    e.said().code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_events_own_participants_rate_it() {
    let w = World::new().await;
    let id = w.announced().await;
    let (agency, office) = (w.staff("nn-jt"), w.staff("nn-office"));
    // Persons 1, 2 and 3 register; 3 cancels; 1 also registers for another event.
    let (mut codes, mut early) = (Vec::new(), Vec::new());
    for n in 1..=3 {
        let proof = w.code_for(n).await;
        let taken = registrations::register(&w.app, &id, &person(n, true), &proof)
            .await
            .unwrap();
        codes.push(taken.receipt.code);
        early.push(proof);
    }
    registrations::cancel_own(&w.app, &codes[2], &early[2])
        .await
        .unwrap();
    w.at("2026-08-01T09:00:00+08:00");
    let mut draft: PlanDraft =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    draft.theme = Some("另一场活动".into());
    let other = plans::submit(&w.app, &agency, &draft).await.unwrap();
    plans::review(&w.app, &office, &other.id, review("file", None, 1))
        .await
        .unwrap();
    w.at("2026-09-01T10:05:00+08:00");
    let body = AnnouncementBody {
        version: Some(NumberLike::Text("2".into())),
        announcement: serde_json::from_value(serde_json::json!({
            "registration_method": "在线报名", "content": "参观",
                "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}],
            "reminders": "携带身份证", "registration_deadline": "2026-09-15"
        }))
        .unwrap(),
    };
    plans::announce(&w.app, &agency, &other.id, &body)
        .await
        .unwrap();
    let elsewhere = registrations::register(&w.app, &other.id, &person(1, true), &early[0])
        .await
        .unwrap()
        .receipt
        .code;

    w.at("2026-09-21T10:00:00+08:00");
    let proofs: Vec<PhoneProof> = {
        let mut p = Vec::new();
        for n in 0..=9 {
            p.push(w.code_for(n).await);
        }
        p
    };
    let rate = |n: usize, code: &str| {
        let body = rating(1, code);
        let (app, id, proof) = (&w.app, id.clone(), &proofs[n]);
        async move { feedback::evaluate(app, &id, &body, proof).await }
    };
    // Never registered, with a real code of someone else: refused, 403 NOT_PARTICIPANT.
    let e = rate(9, &codes[0]).await.unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    assert_eq!(said(&e), "NOT_PARTICIPANT");
    assert_eq!(e.said().field.as_deref(), Some("registration_code"));
    // No code at all: asked for at its field.
    let mut nameless = rating(1, "");
    nameless.registration_code = None;
    let e = feedback::evaluate(&w.app, &id, &nameless, &proofs[9])
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["registration_code"]);
    // Its own registration of another event; a cancelled one; a made-up code: refused.
    assert_eq!(
        said(&rate(1, &elsewhere).await.unwrap_err()),
        "NOT_PARTICIPANT"
    );
    assert_eq!(
        said(&rate(3, &codes[2]).await.unwrap_err()),
        "NOT_PARTICIPANT"
    );
    assert_eq!(
        said(&rate(2, "ZZZZ2222").await.unwrap_err()),
        "NOT_PARTICIPANT"
    );
    // A confirmed registrant of this event, with its own code: taken.
    rate(1, &codes[0]).await.unwrap();
    // Once the event checks people in, only those checked in.
    let by_code = CheckInBody {
        code: Some(codes[1].clone()),
        id_number: None,
    };
    attendance::check_in(&w.app, &agency, &id, &by_code)
        .await
        .unwrap();
    let e = rate(1, &codes[0]).await.unwrap_err();
    assert_eq!(said(&e), "NOT_PARTICIPANT");
    assert!(e.said().message.contains("签到"), "{e:?}");
    rate(2, &codes[1]).await.unwrap();
    let ratings = openday_store::ports::FeedbackStore::evaluations(&w.app.store, &id)
        .await
        .unwrap();
    assert_eq!(ratings.len(), 2, "only the participants' ratings are kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_years_figures_roll_up_and_reports_are_for_reporters_only() {
    let w = World::new().await;
    let id = w.announced().await;
    registrations::recommend(&w.app, &w.staff("nn-jt"), &id, &person(7, true))
        .await
        .unwrap();
    let stats = compliance::open_statistics(&w.app, 2026).await.unwrap();
    assert_eq!(stats.areas[0].depth, 0, "the region first");
    assert_eq!(stats.areas.iter().map(|a| a.participants).max(), Some(1));
    let c = compliance::of(&w.app, org("nn-office"), 2026)
        .await
        .unwrap();
    assert_eq!(c.figures.plans, 1);
    assert!(
        c.organisations.is_some(),
        "an office sees each organisation"
    );
    let e = compliance::rollup(&w.app, &org("nn-jt"), 2026)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let rollup = compliance::rollup(&w.app, &org("gx-office"), 2026)
        .await
        .unwrap();
    assert!(!rollup.reporters.is_empty());
    assert_eq!(exports::rollup(&rollup).len(), 2 + rollup.reporters.len());
    let e = reports::start(&w.app, &w.staff("nn-jt"), 2026)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_programme_in_force_and_who_may_upload_one() {
    let w = World::new().await;
    let record = programmes::in_force(&w.app, None, 2026).await.unwrap();
    assert_eq!(record.version, 0, "the shipped default");
    let e = programmes::in_force(&w.app, Some("zz"), 2026)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    let raw: serde_json::Value =
        serde_json::from_str(&openday_testkit::repo_file("programmes/gx-2026.json")).unwrap();
    let e = programmes::import(&w.app, &w.staff("nn-office"), &raw)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    let stored = programmes::import(&w.app, &w.staff("gx-office"), &raw)
        .await
        .unwrap();
    assert_eq!(stored.version, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_with_the_mailed_code_and_an_office_ends_the_sessions() {
    let w = World::new().await;
    let e = sign_in::request_link(&w.app, Some("not an address"), LOOPBACK)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["email"]);
    let unknown = sign_in::request_link(&w.app, Some("nobody@example.org"), LOOPBACK)
        .await
        .unwrap();
    assert_eq!(unknown.mail, LinkMail::NoSuchAddress);
    assert_eq!(unknown.attempt.len(), 32, "an attempt id all the same");
    let agency = org("nn-jt");
    let asked = sign_in::request_link(&w.app, Some(&agency.email.to_uppercase()), LOOPBACK)
        .await
        .unwrap();
    assert_eq!(asked.mail, LinkMail::Sent);
    let (_, code) = openday_testkit::sign_in_mail(&w.mail_dir, &agency.email);
    // Another browser's attempt does not take this code.
    let wrong = Confirmation {
        own_attempt: Some(&unknown.attempt),
        code: Some(&code),
        ..Confirmation::default()
    };
    assert!(matches!(
        sign_in::confirm(&w.app, wrong).await.unwrap(),
        Confirmed::CodeRefused
    ));
    let right = Confirmation {
        own_attempt: Some(&asked.attempt),
        code: Some(&code),
        ..Confirmation::default()
    };
    let Confirmed::SignedIn(member, signed) = sign_in::confirm(&w.app, right).await.unwrap() else {
        panic!("signed in");
    };
    assert_eq!(signed.id, agency.id);
    assert_eq!(member.record.email, agency.email.to_lowercase());
    let session = sessions::start(&w.app, &member, &signed, "test", "127.0.0.1")
        .await
        .unwrap();
    let check = sessions::check(&w.app, &session.id, "127.0.0.1")
        .await
        .unwrap();
    assert!(matches!(
        check,
        SessionState::SecondFactor {
            enrolled: false,
            ..
        }
    ));
    let e = sign_in::revoke(&w.app, &w.staff("lz-office"), Some("nn-jt"))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    sign_in::revoke(&w.app, &w.staff("nn-office"), Some("nn-jt"))
        .await
        .unwrap();
    let check = sessions::check(&w.app, &session.id, "127.0.0.1")
        .await
        .unwrap();
    assert!(matches!(check, SessionState::Ended(Ended::Revoked)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_finds_this_years_open_days() {
    let w = World::new().await;
    let id = w.announced().await;
    let list = announcements::list(&w.app, 2026).await.unwrap();
    assert_eq!(list.announcements.len(), 1);
    assert_eq!(list.announcements[0].seats_left, Some(30));
    let found = announcements::open_days(&w.app, 2026, Some("gx-nn"), 1)
        .await
        .unwrap();
    assert_eq!(found.days.len(), 1);
    assert_eq!((found.page, found.pages), (1, 1));
    assert!(found.days[0].registration_open());
    assert!(found.jurisdictions.len() > 1);
    let none = announcements::open_days(&w.app, 2026, Some("gx-lz"), 3)
        .await
        .unwrap();
    assert!(none.days.is_empty(), "another city's");
    assert_eq!(
        (none.page, none.pages),
        (1, 1),
        "past the last page: the last"
    );
    let detail = announcements::detail(&w.app, &id).await.unwrap();
    assert_eq!(detail.status, PlanStatus::Announced);
}

// Staff as people: roles, the second factor, sessions, the audit trail.

/// Signs `email` in up to the second factor: the link's code, then a session; its id.
async fn first_step(w: &World, email: &str) -> String {
    let asked = sign_in::request_link(&w.app, Some(email), LOOPBACK)
        .await
        .unwrap();
    assert_eq!(asked.mail, LinkMail::Sent, "{email}");
    let (_, code) = openday_testkit::sign_in_mail(&w.mail_dir, email);
    let proof = Confirmation {
        own_attempt: Some(&asked.attempt),
        code: Some(&code),
        ..Confirmation::default()
    };
    let Confirmed::SignedIn(member, org) = sign_in::confirm(&w.app, proof).await.unwrap() else {
        panic!("signed in");
    };
    sessions::start(&w.app, &member, &org, "test", "127.0.0.1")
        .await
        .unwrap()
        .id
}

/// The code `email`'s authenticator shows now (enrolling it first when the person has
/// none): the key as the enrolment page shows it.
async fn authenticator(w: &World, session: &str, email: &str) -> String {
    let page = match second_factor::begin_enrolment(&w.app, session).await {
        Ok(e) => format!("<code id=\"totp-secret\">{}</code>", e.secret_base32),
        Err(_) => String::new(),
    };
    let enrolled = matches!(
        sessions::check(&w.app, session, "127.0.0.1").await.unwrap(),
        SessionState::SecondFactor { enrolled: true, .. }
    );
    let page = if enrolled { String::new() } else { page };
    openday_testkit::second_factor_code(&w.mail_dir, email, &page, w.clock.now())
}

/// Signs `email` in all the way; the session id and the person acting.
async fn signed_in(w: &World, email: &str) -> (String, openday_app::people::Actor) {
    let session = first_step(w, email).await;
    let code = authenticator(w, &session, email).await;
    let checked = second_factor::check(&w.app, &session, &code, "127.0.0.1")
        .await
        .unwrap();
    assert!(matches!(checked, Checked::Passed { .. }), "{checked:?}");
    match sessions::check(&w.app, &session, "127.0.0.1")
        .await
        .unwrap()
    {
        SessionState::Active { actor, .. } => (session, *actor),
        _ => panic!("active"),
    }
}

fn invitation(email: &str, roles: &[&str]) -> people::Invitation {
    people::Invitation {
        email: Some(email.into()),
        name: Some("李四".into()),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
    }
}

async fn actions(w: &World, admin: &openday_app::people::Actor) -> Vec<String> {
    audit::list(&w.app, admin, &audit::AuditQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.entry.action,
                r.entry.person.map(|p| p.email).unwrap_or_default(),
                r.entry.result
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_decide_who_may_write_review_and_manage_members() {
    let w = World::new().await;
    let (_, admin) = signed_in(&w, "jtj@nn.example.org").await;
    people::invite(&w.app, &admin, &invitation("li@nn.example.org", &["clerk"]))
        .await
        .unwrap();
    // The same address twice, or a reviewer at an agency, is refused.
    let e = people::invite(&w.app, &admin, &invitation("li@nn.example.org", &["clerk"]))
        .await
        .unwrap_err();
    assert_eq!(e.said().code, "MEMBER_EXISTS");
    let e = people::invite(
        &w.app,
        &admin,
        &invitation("wang@nn.example.org", &["reviewer"]),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&e), ["roles"]);
    let (_, li) = signed_in(&w, "li@nn.example.org").await;
    assert_eq!(li.roles().labels(), "经办人");
    // A 经办人 writes plans but does not manage members.
    let draft: PlanDraft =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    let plan = plans::submit(&w.app, &li, &draft).await.unwrap();
    let history = plans::detail(&w.app, &w.staff("nn-jt"), &plan.id)
        .await
        .unwrap();
    assert!(
        format!("{history:?}").contains("li@nn.example.org"),
        "the history names the person"
    );
    let e = people::invite(&w.app, &li, &invitation("zhao@nn.example.org", &["clerk"]))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    // At the office, a member without 审核人 may not file a plan.
    let (_, office_admin) = signed_in(&w, "gongkai@nn.example.org").await;
    people::invite(
        &w.app,
        &office_admin,
        &invitation("zhou@nn.example.org", &["clerk"]),
    )
    .await
    .unwrap();
    let (_, zhou) = signed_in(&w, "zhou@nn.example.org").await;
    let e = plans::review(&w.app, &zhou, &plan.id, review("file", None, 1))
        .await
        .unwrap_err();
    assert!(e.said().message.contains("审核人"), "{e:?}");
    people::change_roles(
        &w.app,
        &office_admin,
        "zhou@nn.example.org",
        &["reviewer".into()],
    )
    .await
    .unwrap();
    // Roles are read at each request: the same session now may file.
    let (_, zhou) = signed_in(&w, "zhou@nn.example.org").await;
    plans::review(&w.app, &zhou, &plan.id, review("file", None, 1))
        .await
        .unwrap();
    // The last 管理员 keeps the role.
    let e = people::change_roles(&w.app, &admin, "jtj@nn.example.org", &["clerk".into()])
        .await
        .unwrap_err();
    assert_eq!(e.said().code, "LAST_ADMIN");
    let log = actions(&w, &admin).await;
    assert!(
        log.iter()
            .any(|l| l == "member.invite jtj@nn.example.org ok"),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l == "member.invite li@nn.example.org FORBIDDEN"),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l == "plan.submit li@nn.example.org ok"),
        "{log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_lock_sign_in_for_fifteen_minutes() {
    let w = World::new().await;
    let email = "jtj@nn.example.org";
    let (_, admin) = signed_in(&w, email).await;
    let session = first_step(&w, email).await;
    let right = authenticator(&w, &session, email).await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in (1..5).rev() {
        let c = second_factor::check(&w.app, &session, wrong, "127.0.0.1")
            .await
            .unwrap();
        assert_eq!(c, Checked::Wrong { left });
    }
    let c = second_factor::check(&w.app, &session, wrong, "127.0.0.1")
        .await
        .unwrap();
    assert!(matches!(c, Checked::Locked { .. }), "{c:?}");
    // Locked: even the right code is refused, until 15 minutes have passed.
    let c = second_factor::check(&w.app, &session, &right, "127.0.0.1")
        .await
        .unwrap();
    assert!(matches!(c, Checked::Locked { .. }), "{c:?}");
    w.at("2026-08-01T09:14:00+08:00");
    let right = authenticator(&w, &session, email).await;
    let c = second_factor::check(&w.app, &session, &right, "127.0.0.1")
        .await
        .unwrap();
    assert!(matches!(c, Checked::Locked { .. }), "{c:?}");
    w.at("2026-08-01T09:15:30+08:00");
    let session = first_step(&w, email).await;
    let right = authenticator(&w, &session, email).await;
    let c = second_factor::check(&w.app, &session, &right, "127.0.0.1")
        .await
        .unwrap();
    assert!(matches!(c, Checked::Passed { .. }), "{c:?}");
    let log = actions(&w, &admin).await;
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("sign_in.refused "))
            .count(),
        4,
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l.starts_with("sign_in.locked ")),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l.starts_with("sign_in.lock_ended ")),
        "{log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_after_thirty_minutes_idle_and_eight_hours() {
    let w = World::new().await;
    let email = "jtj@nn.example.org";
    let (idle, _) = signed_in(&w, email).await;
    w.at("2026-08-01T09:29:00+08:00");
    assert!(matches!(
        sessions::check(&w.app, &idle, "127.0.0.1").await.unwrap(),
        SessionState::Active { .. }
    ));
    w.at("2026-08-01T09:59:30+08:00");
    assert!(matches!(
        sessions::check(&w.app, &idle, "127.0.0.1").await.unwrap(),
        SessionState::Ended(Ended::Idle)
    ));
    let (busy, _) = signed_in(&w, email).await;
    for minutes in (20..480).step_by(20) {
        let at =
            openday_testkit::at("2026-08-01T09:59:30+08:00") + chrono::Duration::minutes(minutes);
        *w.clock.0.lock().unwrap() = at;
        assert!(
            matches!(
                sessions::check(&w.app, &busy, "127.0.0.1").await.unwrap(),
                SessionState::Active { .. }
            ),
            "{minutes} minutes in"
        );
    }
    w.at("2026-08-01T17:59:31+08:00");
    assert!(matches!(
        sessions::check(&w.app, &busy, "127.0.0.1").await.unwrap(),
        SessionState::Ended(Ended::Total)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session_on_the_server() {
    let w = World::new().await;
    let (first, me) = signed_in(&w, "jtj@nn.example.org").await;
    let (second, _) = signed_in(&w, "jtj@nn.example.org").await;
    let listed = sessions::of_person(&w.app, me.email(), Some(&first))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    sessions::sign_out(&w.app, &me, &first).await.unwrap();
    assert!(matches!(
        sessions::check(&w.app, &first, "127.0.0.1").await.unwrap(),
        SessionState::Ended(Ended::Revoked)
    ));
    // The other session lives on until the person ends it from the list.
    let other = sessions::of_person(&w.app, me.email(), None).await.unwrap();
    assert_eq!(other.len(), 1);
    sessions::end_one(&w.app, &me, &other[0].handle)
        .await
        .unwrap();
    assert!(matches!(
        sessions::check(&w.app, &second, "127.0.0.1").await.unwrap(),
        SessionState::Ended(Ended::Revoked)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_loses_sessions_and_keys_at_once() {
    let w = World::new().await;
    let (_, admin) = signed_in(&w, "jtj@nn.example.org").await;
    people::invite(&w.app, &admin, &invitation("li@nn.example.org", &["clerk"]))
        .await
        .unwrap();
    let (li_session, li) = signed_in(&w, "li@nn.example.org").await;
    // Another agency's 管理员 cannot remove them; their own can.
    let (_, other) = signed_in(&w, "scjg@nn.example.org").await;
    assert!(people::remove(&w.app, &other, li.email()).await.is_err());
    people::remove(&w.app, &admin, li.email()).await.unwrap();
    assert!(matches!(
        sessions::check(&w.app, &li_session, "127.0.0.1")
            .await
            .unwrap(),
        SessionState::Ended(_)
    ));
    let again = sign_in::request_link(&w.app, Some("li@nn.example.org"), LOOPBACK)
        .await
        .unwrap();
    assert_eq!(again.mail, LinkMail::NoSuchAddress);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_chain_is_verified_and_a_broken_link_is_found() {
    let w = World::new().await;
    let (_, admin) = signed_in(&w, "jtj@nn.example.org").await;
    for n in 0..3 {
        people::invite(
            &w.app,
            &admin,
            &invitation(&format!("p{n}@nn.example.org"), &["clerk"]),
        )
        .await
        .unwrap();
    }
    let day = w.app.today();
    let report = audit::verify(&w.app, day, day).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    assert!(report.records >= 5, "{report:?}");
    // Someone with the table's keys changes a record's result: the chain shows where.
    let records = openday_store::ports::AuditStore::audit_day(&w.app.store, day, "")
        .await
        .unwrap();
    let target = records
        .iter()
        .find(|r| r.entry.action == "member.invite" && r.entry.org_id.as_str() == "nn-jt")
        .unwrap();
    let mut changed = target.clone();
    changed.entry.result = "refused".into();
    let key = openday_store::keys::audit(day, &target.entry.org_path, "nn-jt", target.seq);
    w._engine
        .client()
        .put_item()
        .table_name("openday-app")
        .item("pk", AttributeValue::S(key.0))
        .item("sk", AttributeValue::S(key.1))
        .item(
            "doc",
            AttributeValue::S(serde_json::to_string(&changed).unwrap()),
        )
        .send()
        .await
        .unwrap();
    let report = audit::verify(&w.app, day, day).await.unwrap();
    let broken = report.broken.expect("the change is found");
    assert_eq!((broken.org_id.as_str(), broken.seq), ("nn-jt", target.seq));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_read_of_personal_data_is_recorded() {
    let w = World::new().await;
    let id = w.announced().await;
    let proof = w.code_for(1).await;
    registrations::register(&w.app, &id, &person(1, true), &proof)
        .await
        .unwrap();
    let agency = w.staff("nn-jt");
    registrations::of_event(&w.app, &agency, &id, "只有实施机关可以查看报名人员", None)
        .await
        .unwrap();
    registrations::search(&w.app, &agency, &id, Some(&openday_testkit::id_number(1)))
        .await
        .unwrap();
    exports::registrants(&w.app, &agency, &id).await.unwrap();
    // Another agency's look-up is refused, and recorded as refused.
    assert!(
        exports::registrants(&w.app, &w.staff("nn-sj"), &id)
            .await
            .is_err()
    );
    let log = actions(&w, &agency).await;
    for action in ["registrants.read", "registration.search", "export.download"] {
        assert!(
            log.iter()
                .any(|l| l == &format!("{action} jtj@nn.example.org ok")),
            "{action}: {log:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_expire_are_hashed_and_end_with_the_sessions() {
    let w = World::new().await;
    let (_, admin) = signed_in(&w, "jtj@nn.example.org").await;
    let new = |name: &str, days: &str| api_keys::NewKey {
        name: Some(name.into()),
        days: Some(days.into()),
    };
    let e = api_keys::create(&w.app, &admin, &new("导出脚本", "91"))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["days"]);
    let made = api_keys::create(&w.app, &admin, &new("导出脚本", "2"))
        .await
        .unwrap();
    let secret = made.token.rsplit('_').next().unwrap();
    assert!(made.token.starts_with("odk_"));
    assert!(
        !made.record.secret_hash.contains(secret),
        "only a keyed hash is kept"
    );
    let actor = api_keys::authenticate(&w.app, &made.token, "127.0.0.1".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(actor.email(), "jtj@nn.example.org");
    let forged = format!("{}x", made.token);
    assert!(
        api_keys::authenticate(&w.app, &forged, "127.0.0.1".into())
            .await
            .unwrap()
            .is_none()
    );
    // Listed without its secret; two days later it is no good.
    let listed = api_keys::of_person(&w.app, &admin).await.unwrap();
    assert_eq!(listed.len(), 1);
    w.at("2026-08-03T09:00:01+08:00");
    assert!(
        api_keys::authenticate(&w.app, &made.token, "127.0.0.1".into())
            .await
            .unwrap()
            .is_none()
    );
    // Ending the person's sessions ends their keys; a revoked key is no good either.
    let (_, admin) = signed_in(&w, "jtj@nn.example.org").await;
    let ended = api_keys::create(&w.app, &admin, &new("a", "30"))
        .await
        .unwrap();
    sessions::end_all_of(&w.app, &admin, "jtj@nn.example.org")
        .await
        .unwrap();
    assert!(
        api_keys::authenticate(&w.app, &ended.token, "127.0.0.1".into())
            .await
            .unwrap()
            .is_none()
    );
    let (_, admin) = signed_in(&w, "jtj@nn.example.org").await;
    let revoked = api_keys::create(&w.app, &admin, &new("b", "30"))
        .await
        .unwrap();
    api_keys::revoke(&w.app, &admin, &revoked.record.id)
        .await
        .unwrap();
    assert!(
        api_keys::authenticate(&w.app, &revoked.token, "127.0.0.1".into())
            .await
            .unwrap()
            .is_none()
    );
    // A key acts with the roles its person holds at each use.
    people::invite(&w.app, &admin, &invitation("li@nn.example.org", &["clerk"]))
        .await
        .unwrap();
    let (_, li) = signed_in(&w, "li@nn.example.org").await;
    let li_key = api_keys::create(&w.app, &li, &new("c", "30"))
        .await
        .unwrap();
    people::change_roles(&w.app, &admin, "li@nn.example.org", &["admin".into()])
        .await
        .unwrap();
    let as_now = api_keys::authenticate(&w.app, &li_key.token, "127.0.0.1".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(as_now.roles().labels(), "管理员");
    people::remove(&w.app, &admin, "li@nn.example.org")
        .await
        .unwrap();
    assert!(
        api_keys::authenticate(&w.app, &li_key.token, "127.0.0.1".into())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_is_stored_on_every_path() {
    let w = World::new().await;
    let id = w.announced().await;
    let agency = w.staff("nn-jt");
    // Online (the page and the API call the same use case): the notice's version and when.
    let proof = w.code_for(1).await;
    registrations::register(&w.app, &id, &person(1, true), &proof)
        .await
        .unwrap();
    // An agency's recommendation needs the box too, and records who vouched.
    let e = registrations::recommend(&w.app, &agency, &id, &person(2, false))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), ["id_consent"]);
    registrations::recommend(&w.app, &agency, &id, &person(2, true))
        .await
        .unwrap();
    let records = registrations::of_event(&w.app, &agency, &id, "refused", None)
        .await
        .unwrap()
        .items;
    assert_eq!(records.len(), 2);
    for r in &records {
        let consent = r.consent.as_ref().expect("a consent is stored");
        assert_eq!(
            consent.notice_version,
            openday_rules::registration::ID_NOTICE_VERSION
        );
        assert_eq!(consent.at, w.clock.now());
        let vouched = consent.vouched_by.as_deref();
        match r.channel {
            openday_rules::event::Channel::Online => assert_eq!(vouched, None),
            _ => assert_eq!(vouched, Some("jtj@nn.example.org")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_personal_data_is_purged_when_the_clock_moves() {
    let w = World::new().await;
    let id = w.announced().await;
    let agency = w.staff("nn-jt");
    let mut codes = Vec::new();
    for n in [1, 2] {
        let proof = w.code_for(n).await;
        let taken = registrations::register(&w.app, &id, &person(n, true), &proof)
            .await
            .unwrap();
        codes.push(taken.receipt.code);
    }
    // A cancelled registration keeps nothing that names the person.
    w.at("2026-09-01T10:05:00+08:00");
    let proof = w.code_for(2).await;
    let two = codes[1].clone();
    registrations::cancel_own(&w.app, &two, &proof)
        .await
        .unwrap();
    let cancelled = registrations::of_event(&w.app, &agency, &id, "r", None)
        .await
        .unwrap()
        .items;
    let cancelled = cancelled.iter().find(|r| r.code == two).unwrap();
    assert_eq!(
        (
            cancelled.name.as_str(),
            cancelled.id_masked.as_str(),
            cancelled.phone_sealed.as_str()
        ),
        ("", "", "")
    );
    // The event ends on 09-26 and is kept 180 days after it (to 2027-03-25): nothing goes
    // before.
    assert_eq!(retention::purge(&w.app).await.unwrap().registrations, 0);
    w.at("2027-03-25T23:59:00+08:00");
    assert_eq!(retention::purge(&w.app).await.unwrap().registrations, 0);
    assert_eq!(
        registrations::of_event(&w.app, &agency, &id, "r", None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    // The promise "到期自动删除": past it, every registration of the event is gone.
    w.at("2027-03-26T00:00:01+08:00");
    let purged = retention::purge(&w.app).await.unwrap();
    assert_eq!(
        purged,
        retention::Purged {
            events: 1,
            registrations: 2
        }
    );
    assert!(
        registrations::of_event(&w.app, &agency, &id, "r", None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // The person's markers went too: the same ID number is not "already registered".
    let marker = openday_store::ports::RegistrationStore::registration_of_person(
        &w.app.store,
        &id,
        &w.app.settings.person_key.hash(
            &openday_rules::resident_id::ResidentId::parse("id", &openday_testkit::id_number(1))
                .unwrap(),
        ),
    )
    .await
    .unwrap();
    assert!(marker.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_refusing_the_number_is_a_422_and_a_gateway_down_a_503() {
    use openday_testkit::sms_gateway::{Mode, SmsGateway, Vendor};
    let gateway = SmsGateway::start(Vendor::Tencent, "id", "key-of-the-test").await;
    let vars = gateway.vars("id", "key-of-the-test");
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let sms = Arc::new(openday_sms::TencentSms::from_vars(&var).unwrap());
    let w = World::with_sms(Some(sms)).await;
    let from = LOOPBACK;

    gateway.set(Mode::RefuseNumber);
    let e = verification::send_code(&w.app, Some("13800138000"), from)
        .await
        .unwrap_err();
    let said = e.said();
    assert_eq!(
        (said.code.as_str(), said.field.as_deref()),
        ("SMS_REFUSED", Some("phone"))
    );
    assert!(
        said.message.contains("LimitExceeded.PhoneNumberDailyLimit"),
        "{}",
        said.message
    );

    gateway.set(Mode::Down);
    let e = verification::send_code(&w.app, Some("13800138000"), from)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Unavailable(_)), "{e:?}");

    // Neither failure used up the minute: the code was taken back each time.
    gateway.set(Mode::Accept);
    let sent = verification::send_code(&w.app, Some("13800138000"), from)
        .await
        .unwrap();
    assert_eq!(sent.phone, "138****8000");
    let got = gateway.received();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|g| g.signature_ok && g.template == "SMS_CODE_1")
    );
}
