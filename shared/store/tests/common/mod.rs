//! Fixtures shared by the storage tests: the demo directory and plan, valid people, and a
//! store on a fresh table of whichever engine the test runs on.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::Client;
use chrono::NaiveDate;
use openday_rules::announcement::{Announcement, AnnouncementDraft};
use openday_rules::lifecycle::{Action, PlanStatus};
use openday_rules::plan::Channel;
use openday_rules::registration::{Registrant, RegistrantDraft};
use openday_store::ports::{DirectoryStore, PlanStore};
use openday_store::records::{NewRegistration, PlanChange, PlanRecord};
use openday_store::{DynamoStore, PersonKey};
pub use openday_testkit::{at, directory, org, plan};

static TABLES: AtomicU32 = AtomicU32::new(0);

/// A store on a new table (unique per test and process) of the engine behind `client`.
pub async fn store(client: &Client) -> DynamoStore {
    let n = TABLES.fetch_add(1, Ordering::Relaxed);
    let store = DynamoStore::new(
        client.clone(),
        format!("openday-test-{}-{n}", std::process::id()),
    );
    store.ensure_table().await.expect("create table");
    store
}

pub fn person_key() -> PersonKey {
    PersonKey::new(&[42u8; 32]).unwrap()
}

/// A valid, adult registrant, distinct for each `n`.
pub fn registrant(n: u32) -> Registrant {
    let draft: RegistrantDraft = serde_json::from_value(serde_json::json!({
        "name": format!("市民{n}"),
        "id_number": openday_testkit::id_number(n),
        "phone": format!("139{:08}", n),
        "category": "worker",
        "relation": "lives",
        "full_civil_capacity": true,
        "not_deputy": true
    }))
    .unwrap();
    Registrant::check(
        &draft,
        plan().period.start(),
        &openday_rules::Programme::shipped(),
    )
    .unwrap()
}

pub fn new_registration(n: u32, channel: Channel) -> NewRegistration {
    NewRegistration::new(
        registrant(n),
        channel,
        // The same instant for everyone: the waitlist must still keep arrival order.
        at("2026-09-06T10:00:00+08:00"),
        at("2027-03-31T00:00:00+08:00").timestamp(),
        &person_key(),
    )
    .unwrap()
}

/// Imports the directory and takes the demo plan to `announced` (registration open).
pub async fn announced_plan(store: &DynamoStore) -> PlanRecord {
    store.import(&directory()).await.unwrap();
    let agency = org("nn-jt");
    let record = store
        .create_plan(&agency, &plan(), 0, at("2026-08-01T09:00:00+08:00"))
        .await
        .unwrap();
    let filed = store
        .change_plan(
            &record.id,
            record.version,
            PlanChange::new(
                Action::File,
                PlanStatus::Filed,
                Some(org("nn-office").id),
                at("2026-08-03T09:00:00+08:00"),
            ),
        )
        .await
        .unwrap();
    let draft: AnnouncementDraft = serde_json::from_value(serde_json::json!({
        "registration_method": "门户网站在线报名",
        "content": "参观调度中心",
        "reminders": "请携带身份证",
        "registration_deadline": "2026-09-15",
        "sessions": openday_testkit::first_day_session(record.plan.period.start())
    }))
    .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let announcement = Announcement::compose(
        &record.plan,
        &agency,
        &draft,
        &openday_rules::Programme::shipped(),
        today,
    )
    .unwrap();
    let mut change = PlanChange::new(
        Action::Announce,
        PlanStatus::Announced,
        Some(agency.id.clone()),
        at("2026-09-01T09:00:00+08:00"),
    );
    change.announcement = Some(announcement);
    store
        .change_plan(&filed.id, filed.version, change)
        .await
        .unwrap()
}
