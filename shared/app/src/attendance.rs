//! At the door: checking people in by their registration code or the ID number they show,
//! and the event's attendance.

use openday_rules::org::Organisation;
use openday_rules::resident_id::ResidentId;
use openday_rules::{Code, Violation};
use openday_store::personal::parse_registration_code;
use openday_store::records::{CheckIn, RegistrationStatus};

use crate::access::{implementer_plan, visible_plan};
use crate::actor::Actor as Person;
use crate::audit;
use crate::commands::CheckInBody;
use crate::error::AppError;
use crate::services::{Services, Store};
use crate::sheets::{self, Changed};
use crate::views::{Attendance, CheckedIn};
use openday_rules::staff::StaffRole;

/// Checks a person in at the door by the registration code, or by the ID number shown
/// (matched through the keyed hash). Once: a second scan is told when (409); waitlisted,
/// cancelled, another event's or an unknown code are refused with the reason.
pub async fn check_in<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    body: &CheckInBody,
) -> Result<CheckedIn, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Clerk,
        "check_in.look_up",
        &format!("plan:{id}"),
        check_in_inner(app, org, org.email(), id, body),
    )
    .await
}

async fn check_in_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    by: &str,
    id: &str,
    body: &CheckInBody,
) -> Result<CheckedIn, AppError> {
    let plan = implementer_plan(app, org, id, "只有实施机关可以签到").await?;
    openday_rules::registration::check_in_open(&plan.plan.period, app.today())?;
    let typed = body
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let code = match (typed, body.id_number.as_deref().map(str::trim)) {
        (Some(raw), _) => parse_registration_code(raw)
            .ok_or(AppError::NotFound("报名编号不存在，请核对后重新输入"))?,
        (None, Some(raw)) if !raw.is_empty() => {
            let resident = ResidentId::parse("id_number", raw)?;
            app.store
                .registration_of_person(id, &app.settings.person_key.hash(&resident))
                .await?
                .ok_or(AppError::NotFound("该身份证号码没有报名本次活动"))?
                .code
        }
        _ => {
            return Err(Violation::new(
                Code::ValidationFailed,
                "请输入或扫描报名编号，或输入身份证号码",
            )
            .at("code")
            .into());
        }
    };
    let refused =
        |message: String| AppError::from(Violation::new(Code::NotAdmitted, message).at("code"));
    let record = match app
        .store
        .check_in_by(id, &code, app.now(), Some(by))
        .await?
    {
        CheckIn::Admitted(r) => {
            sheets::note(app, &plan, Changed::Seats).await;
            r
        }
        CheckIn::Already(r) => {
            let when = r
                .attended_at
                .map(openday_rules::calendar::when)
                .unwrap_or_default();
            return Err(AppError::Conflict {
                code: Code::AlreadyCheckedIn.wire(),
                message: format!("{}（{}）已于{when}签到，请勿重复入场", r.name, r.code),
                field: Some("code"),
            });
        }
        CheckIn::NotConfirmed(r) => {
            return Err(refused(match r.status {
                RegistrationStatus::Waitlisted => {
                    format!("{}（{}）为候补，未获得名额，不能入场", r.name, r.code)
                }
                _ => format!("{}（{}）的报名已取消，不能入场", r.name, r.code),
            }));
        }
        CheckIn::OtherEvent => {
            return Err(refused("该报名编号属于其他活动，不能入场".into()));
        }
        CheckIn::Unknown => return Err(AppError::NotFound("报名编号不存在，请核对后重新输入")),
    };
    let seats = app.store.seats(id).await?;
    tracing::info!(plan = %id, code = %record.code, "checked in");
    Ok(CheckedIn {
        attended_at: record.attended_at.unwrap_or_else(|| app.now()),
        code: record.code,
        name: record.name,
        status: record.status,
        confirmed: seats.map_or(0, |s| s.confirmed),
        attended: app.store.attendance(id).await?,
    })
}

/// Confirmed and checked-in counts of an event.
pub async fn counts<S: Store>(app: &Services<S>, id: &str) -> Result<Attendance, AppError> {
    Ok(Attendance {
        plan_id: id.to_owned(),
        confirmed: app.store.seats(id).await?.map_or(0, |s| s.confirmed),
        attended: app.store.attendance(id).await?,
    })
}

/// Confirmed and checked-in counts of an event, for whoever may see the plan.
pub async fn attendance<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
) -> Result<Attendance, AppError> {
    visible_plan(app, org, id).await?;
    counts(app, id).await
}
