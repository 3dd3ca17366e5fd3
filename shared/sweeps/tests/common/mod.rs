//! A world for the sweep tests: the embedded engine, the demo directory and plan, and a
//! sweeper whose mail goes to .eml files in a temporary folder.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use openday_local_dynamo::LocalDynamo;
use openday_mail::{EmlMailer, Mailer, OutboxEntry, read_outbox};
use openday_rules::announcement::{Announcement, AnnouncementDraft};
use openday_rules::lifecycle::{Action, PlanStatus};
use openday_rules::sweep::SweepKind;
use openday_store::DynamoStore;
use openday_store::ports::*;
use openday_store::records::{PlanChange, PlanRecord};
use openday_sweeps::{Report, Sweeper};
pub use openday_testkit::{at, day, directory, org, plan};

pub struct World {
    /// The programme in force for the demo region (the shipped default unless imported).
    pub programme: openday_rules::Programme,
    /// Its stored version (0: the shipped default, not stored).
    pub programme_version: u32,
    pub engine: LocalDynamo,
    pub store: DynamoStore,
    pub sweeper: Sweeper<DynamoStore>,
    pub outbox: PathBuf,
    /// Where the sweeper's text messages go (a local SMS outbox).
    pub sms: PathBuf,
}

/// The key registrations are sealed with in these tests.
pub fn person_key() -> openday_store::PersonKey {
    openday_store::PersonKey::new(&[42u8; 32]).unwrap()
}

impl World {
    pub async fn new() -> World {
        let engine = LocalDynamo::memory().await.unwrap();
        let store = DynamoStore::new(engine.client(), "openday-sweeps");
        store.ensure_table().await.unwrap();
        let outbox = std::env::temp_dir().join(format!(
            "openday-outbox-{}",
            openday_store::personal::random_code().unwrap()
        ));
        let mailer: Arc<dyn Mailer> = Arc::new(EmlMailer::new(&outbox, "openday@example.org"));
        let sms = outbox.with_extension("sms");
        World {
            programme: openday_rules::Programme::shipped(),
            programme_version: 0,
            sweeper: Sweeper::new(
                store.clone(),
                mailer,
                Arc::new(openday_sms::FolderSms::new(&sms)),
                person_key(),
                "http://openday.test",
            ),
            engine,
            store,
            outbox,
            sms,
        }
    }

    pub async fn import(&self) {
        self.store.import(&directory()).await.unwrap();
    }

    /// A world whose demo region follows `programme`, imported into the store: plans
    /// submitted in it record that version, and the sweeps read their milestones from it.
    pub async fn with(programme: openday_rules::Programme) -> World {
        let mut w = World::new().await;
        w.import().await;
        let record = w
            .store
            .put_programme(&programme, None, at("2026-07-01T09:00:00+08:00"))
            .await
            .unwrap();
        w.programme_version = record.version;
        w.programme = programme;
        w
    }

    /// The demo plan of 南宁市交通运输局, submitted and filed on 2026-08-01 and 08-02.
    pub async fn filed_plan(&self) -> PlanRecord {
        self.import().await;
        let record = self
            .store
            .create_plan(
                &org("nn-jt"),
                &plan(),
                self.programme_version,
                at("2026-08-01T09:00:00+08:00"),
            )
            .await
            .unwrap();
        let filed = self
            .store
            .change_plan(
                &record.id,
                record.version,
                PlanChange::new(
                    Action::File,
                    PlanStatus::Filed,
                    None,
                    at("2026-08-02T09:00:00+08:00"),
                ),
            )
            .await
            .unwrap();
        self.sweeper
            .after_change(&filed, day("2026-08-02"))
            .await
            .unwrap();
        filed
    }

    pub async fn announce(&self, plan: &PlanRecord, when: &str) -> PlanRecord {
        let current = self.store.plan(&plan.id).await.unwrap().unwrap();
        let draft: AnnouncementDraft = serde_json::from_value(serde_json::json!({
            "registration_method": "在线报名", "content": "参观", "reminders": "携带身份证",
            "registration_deadline": "2026-09-15",
            "sessions": openday_testkit::first_day_session(current.plan.period.start())
        }))
        .unwrap();
        let a = Announcement::compose(
            &current.plan,
            &org("nn-jt"),
            &draft,
            &self.programme,
            day("2026-08-03"),
        )
        .unwrap();
        let mut change = PlanChange::new(Action::Announce, PlanStatus::Announced, None, at(when));
        change.announcement = Some(a);
        self.store
            .change_plan(&plan.id, current.version, change)
            .await
            .unwrap()
    }

    /// Runs a sweep at 09:00 Asia/Shanghai on `day`.
    pub async fn run(&self, kind: SweepKind, day: &str) -> Report {
        self.run_at(kind, &format!("{day}T09:00:00+08:00")).await
    }

    /// Runs a sweep at 09:00 Asia/Shanghai on `day`.
    pub async fn run_on(&self, kind: SweepKind, day: chrono::NaiveDate) -> Report {
        self.run(kind, &day.to_string()).await
    }

    pub async fn run_at(&self, kind: SweepKind, instant: &str) -> Report {
        self.sweeper.run(kind, at(instant)).await.unwrap()
    }

    pub fn outbox(&self) -> Vec<OutboxEntry> {
        read_outbox(&self.outbox).unwrap()
    }
}

/// Registers person `n` of the demo plan (30 seats: the 31st waits).
pub async fn register_person(w: &World, plan: &str, n: u32) -> openday_store::records::Registered {
    let draft: openday_rules::registration::RegistrantDraft =
        serde_json::from_value(serde_json::json!({
            "name": format!("市民{n}"),
            "id_number": openday_testkit::id_number(n),
            "phone": format!("139{n:08}"),
            "category": "worker", "relation": "lives",
            "full_civil_capacity": true, "not_deputy": true
        }))
        .unwrap();
    let registrant =
        openday_rules::registration::Registrant::check(&draft, day("2026-09-20"), &w.programme)
            .unwrap();
    let new = openday_store::records::NewRegistration::new(
        registrant,
        openday_rules::plan::Channel::Online,
        at("2026-09-06T10:00:00+08:00"),
        at("2027-03-31T00:00:00+08:00").timestamp(),
        &person_key(),
    )
    .unwrap();
    w.store.register(plan, &new).await.unwrap()
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.outbox);
        let _ = std::fs::remove_dir_all(&self.sms);
    }
}
