//! Registrations: online (the person's phone proved, the ID number consented to), offline
//! recommendations by the implementing agency, looking one's own up and cancelling it, and
//! the organiser's search and cancellation with the ID card in hand.

use openday_rules::announcement::Announcement;
use openday_rules::calendar::{days_after, start_of_day};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::Organisation;
use openday_rules::plan::Channel;
use openday_rules::registration::{Registrant, RegistrantDraft, RegistrationWindow};
use openday_rules::resident_id::ResidentId;
use openday_rules::text::BoolLike;
use openday_rules::{Code, Violation, Violations, verification};
use openday_store::StoreError;
use openday_store::personal::parse_registration_code;
use openday_store::records::{
    CodeProof, Consent, Duplicate, NewRegistration, PlanRecord, RegistrationRecord,
    RegistrationStatus,
};
use serde::Deserialize;

use crate::access::{implementer_plan, status_today};
use crate::actor::Actor as Person;
use crate::audit;
use crate::commands::PhoneProof;
use crate::error::AppError;
use crate::services::{Services, Store};
use crate::sheets::{self, Changed};
use crate::verification::{Claim, claim, looked_up_phone, verified_phone};
use crate::views::RegistrationReceipt;
use openday_rules::staff::StaffRole;
use openday_store::paging::Page;

/// An online registration as the person sends it: who registers, and the separate consent
/// to the processing of the ID number (sensitive personal information, PIPL art. 29).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnlineRegistration {
    #[serde(flatten)]
    pub registrant: RegistrantDraft,
    /// Required and true: the person has read the notice on the ID number and consents.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub id_consent: Option<BoolLike>,
}

/// A registration taken: new (`created`) or the one the person already held (a retry).
#[derive(Debug)]
pub struct Taken {
    pub receipt: RegistrationReceipt,
    pub created: bool,
}

/// Who a registration is taken for: the person online (phone verified), or the agency's
/// offline recommendation.
enum Taker {
    /// The phone and the code given for it, checked in the registration's own transaction.
    Public(Claim),
    Agency,
}

/// The consent for the ID number, checked with the registrant's own fields so that every
/// mistake shows at once.
fn consented(
    form: &OnlineRegistration,
    first_event_day: chrono::NaiveDate,
    programme: &openday_rules::Programme,
) -> Result<Registrant, Violations> {
    let mut vs = Violations::new();
    if !openday_rules::text::ticked(&form.id_consent) {
        vs.push(
            Violation::new(
                Code::ValidationFailed,
                "请阅读个人信息处理说明，并单独同意处理您的身份证号码",
            )
            .at("id_consent"),
        );
    }
    let registrant = vs.take_all(Registrant::check(
        &form.registrant,
        first_event_day,
        programme,
    ));
    match registrant {
        Some(r) if vs.is_empty() => Ok(r),
        _ => Err(vs),
    }
}

/// An online registration with its phone proved (the API and the web form). A retry by the
/// same person with the same phone (after a timeout, a reload) gets the registration it
/// already has.
pub async fn register<S: Store>(
    app: &Services<S>,
    plan_id: &str,
    form: &OnlineRegistration,
    proof: &PhoneProof,
) -> Result<Taken, AppError> {
    let event = app.events.get(&app.store, plan_id).await?;
    // The registrant's own fields first, so that every mistake shows at once.
    let registrant = consented(form, event.plan.plan.period.start(), &event.programme)?;
    // The code is checked in the registration's own write, not read beforehand.
    let taker = Taker::Public(claim(app, proof)?);
    take(
        app,
        &event.plan,
        &event.announcement,
        registrant,
        Channel::Online,
        taker,
        consent_now(app, None),
    )
    .await
}

/// An offline recommendation by the implementing agency: takes a seat (or a waitlist
/// place) like a registration.
pub async fn recommend<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    draft: &OnlineRegistration,
) -> Result<Taken, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Clerk,
        "registration.recommend",
        &format!("plan:{id}"),
        recommend_inner(app, org, org.email(), id, draft),
    )
    .await
}

async fn recommend_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    by: &str,
    id: &str,
    draft: &OnlineRegistration,
) -> Result<Taken, AppError> {
    let plan = implementer_plan(app, org, id, "只有实施机关可以录入线下推荐人员").await?;
    let announcement = app
        .store
        .announcement(&plan.id)
        .await?
        .ok_or(AppError::NotFound("活动公告不存在"))?;
    // The agency vouches that the person gave the separate consent (in writing, at the
    // agency): the same box as online, recorded with who ticked it.
    let registrant = consented(
        draft,
        plan.plan.period.start(),
        &app.programme_of(&plan).await?,
    )?;
    take(
        app,
        &plan,
        &announcement,
        registrant,
        Channel::OfflineRecommendation,
        Taker::Agency,
        consent_now(app, Some(by)),
    )
    .await
}

/// The consent given now to the notice in force, vouched for by `by` (a recommendation).
fn consent_now<S>(app: &Services<S>, by: Option<&str>) -> Consent {
    Consent {
        notice_version: openday_rules::registration::ID_NOTICE_VERSION.to_owned(),
        at: app.now(),
        vouched_by: by.map(str::to_owned),
    }
}

/// Checks the window, stores the registration, and says how it went.
async fn take<S: Store>(
    app: &Services<S>,
    plan: &PlanRecord,
    announcement: &Announcement,
    registrant: Registrant,
    channel: Channel,
    taker: Taker,
    consent: Consent,
) -> Result<Taken, AppError> {
    if status_today(app, plan) != PlanStatus::Announced {
        return Err(Violation::new(Code::RegistrationClosed, "该活动当前不接受报名").into());
    }
    let window = RegistrationWindow {
        published_on: announcement.published_on,
        deadline: announcement.registration_deadline,
        first_event_day: plan.plan.period.start(),
    };
    window.check(channel, &announcement.channels, app.now())?;
    let keep_until = start_of_day(days_after(
        plan.plan.period.end(),
        u64::from(app.settings.retention_days) + 1,
    ));
    let mut new = NewRegistration::new(
        registrant,
        channel,
        app.now(),
        keep_until.timestamp(),
        &app.settings.person_key,
    )
    .map_err(StoreError::from)?;
    new.capacity_hint = Some(plan.plan.capacity.get());
    new.consent = Some(consent);
    if let Taker::Public(Claim {
        phone_hash,
        code_hash,
    }) = taker
    {
        if phone_hash != new.phone_hash {
            return Err(verification::invalid_code("sms_code").into());
        }
        new = new.proved_by(CodeProof {
            code_hash,
            at: app.now(),
        });
    }
    match app.store.register(&plan.id, &new).await {
        Ok(out) => {
            app.metrics.registration_taken();
            sheets::note(app, plan, Changed::Seats).await;
            tracing::info!(plan = %plan.id, channel = %channel, status = ?out.status, id = %new.registrant.id.masked(), phone = %new.registrant.phone.masked(), "registration taken");
            Ok(Taken {
                receipt: RegistrationReceipt {
                    code: out.code,
                    status: out.status,
                },
                created: true,
            })
        }
        Err(StoreError::DuplicateRegistration(duplicate)) => {
            already_held(app, &new, announcement, duplicate).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A registration refused as a duplicate: the same person and phone again get what they
/// already hold; anyone else gets one answer whether the ID number or the phone is taken,
/// so that a proved phone cannot find out whether a stranger's ID number is registered.
async fn already_held<S: Store>(
    app: &Services<S>,
    new: &NewRegistration,
    announcement: &Announcement,
    duplicate: Duplicate,
) -> Result<Taken, AppError> {
    let (code, same_person) = match duplicate {
        Duplicate::Person { code } => (code, true),
        Duplicate::Phone { code } => (code, false),
    };
    // Read in both cases, so that neither answer is slower than the other.
    let existing = app.store.registration(&code).await?;
    if let Some(existing) = existing
        && same_person
        && existing.phone_hash == new.phone_hash
        && existing.status != RegistrationStatus::Cancelled
    {
        return Ok(Taken {
            receipt: RegistrationReceipt {
                code: existing.code,
                status: existing.status,
            },
            created: false,
        });
    }
    let contact = announcement.contact_phone.expose();
    Err(AppError::duplicate_registration(Some(&contact)))
}

const GONE: AppError = AppError::NotFound("报名记录不存在，或手机号码不符");

/// The registration behind `code`, only for whoever gives the phone number registered
/// with it. A wrong phone looks exactly like a wrong code.
async fn owned<S: Store>(
    app: &Services<S>,
    code: &str,
    phone_hash: &str,
) -> Result<RegistrationRecord, AppError> {
    let code = parse_registration_code(code).ok_or(GONE)?;
    let record = app.store.registration(&code).await?.ok_or(GONE)?;
    if record.phone_hash != phone_hash {
        return Err(GONE);
    }
    Ok(record)
}

/// The registration behind a code, for whoever gives its phone (the API and the web page).
pub async fn look_up<S: Store>(
    app: &Services<S>,
    code: Option<&str>,
    phone: Option<&str>,
) -> Result<RegistrationRecord, AppError> {
    let phone_hash = looked_up_phone(app, phone)?;
    owned(app, code.unwrap_or(""), &phone_hash).await
}

/// A registration looked up with its event's name and dates, for the look-up page.
pub struct Found {
    pub registration: RegistrationRecord,
    pub event: Option<Announcement>,
}

/// [`look_up`] with the event the registration is for.
pub async fn look_up_with_event<S: Store>(
    app: &Services<S>,
    code: Option<&str>,
    phone: Option<&str>,
) -> Result<Found, AppError> {
    let registration = look_up(app, code, phone).await?;
    let event = app.store.announcement(&registration.plan_id).await?;
    Ok(Found {
        registration,
        event,
    })
}

/// Cancels the registration behind `code` for whoever proves its phone (a waitlisted one
/// moves up); the registration as it is now.
pub async fn cancel_own<S: Store>(
    app: &Services<S>,
    code: &str,
    proof: &PhoneProof,
) -> Result<RegistrationRecord, AppError> {
    let phone_hash = verified_phone(app, proof).await?;
    let record = owned(app, code, &phone_hash).await?;
    let out = app.store.cancel(&record.code, app.now()).await?;
    sheets::note_plan(app, &record.plan_id, Changed::Seats).await;
    tracing::info!(plan = %record.plan_id, promoted = out.promoted.is_some(), "registration cancelled");
    app.store.registration(&record.code).await?.ok_or(GONE)
}

/// The agency finds the registration of the ID card in front of it (through the keyed
/// hash: the number is never stored), e.g. when a stranger registered that ID first.
pub async fn search<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    id_number: Option<&str>,
) -> Result<RegistrationRecord, AppError> {
    audit::guarded_read(
        app,
        org,
        StaffRole::Clerk,
        ("registration.search", "身份证号码"),
        &format!("plan:{id}"),
        search_inner(app, org, id, id_number),
    )
    .await
}

async fn search_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
    id_number: Option<&str>,
) -> Result<RegistrationRecord, AppError> {
    let plan = implementer_plan(app, org, id, "只有实施机关可以查找报名人员").await?;
    let resident = ResidentId::parse("id_number", id_number.unwrap_or(""))?;
    app.store
        .registration_of_person(&plan.id, &app.settings.person_key.hash(&resident))
        .await?
        .ok_or(AppError::NotFound("该身份证号码没有报名本次活动"))
}

/// The agency cancels a registration of its event (after checking the person's ID card);
/// a waitlisted registration moves up.
pub async fn cancel_by_organiser<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    code: &str,
) -> Result<RegistrationRecord, AppError> {
    audit::guarded(
        app,
        org,
        StaffRole::Clerk,
        "registration.cancel",
        &format!("plan:{id}"),
        cancel_by_organiser_inner(app, org, id, code),
    )
    .await
}

async fn cancel_by_organiser_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
    code: &str,
) -> Result<RegistrationRecord, AppError> {
    const GONE: AppError = AppError::NotFound("报名记录不存在");
    let plan = implementer_plan(app, org, id, "只有实施机关可以取消报名").await?;
    let code = parse_registration_code(code).ok_or(GONE)?;
    let record = app.store.registration(&code).await?.ok_or(GONE)?;
    if record.plan_id != plan.id {
        return Err(GONE);
    }
    let out = app.store.cancel(&code, app.now()).await?;
    sheets::note(app, &plan, Changed::Seats).await;
    tracing::info!(plan = %plan.id, by = %org.id, promoted = out.promoted.is_some(), id = %record.id_masked, "registration cancelled by the organiser");
    app.store.registration(&code).await?.ok_or(GONE)
}

/// A page of an event's registrations, by registration time, for its implementer;
/// `cursor` is the previous page's continuation (none: the first page).
pub async fn of_event<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
    refusal: &'static str,
    cursor: Option<&str>,
) -> Result<Page<RegistrationRecord>, AppError> {
    audit::guarded_read(
        app,
        org,
        StaffRole::Clerk,
        ("registrants.read", "报名人员名单"),
        &format!("plan:{id}"),
        of_event_inner(app, org, id, refusal, cursor),
    )
    .await
}

async fn of_event_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
    refusal: &'static str,
    cursor: Option<&str>,
) -> Result<Page<RegistrationRecord>, AppError> {
    let (after, limit) = crate::paging::page_of(cursor, None)?;
    implementer_plan(app, org, id, refusal).await?;
    Ok(app
        .store
        .registrations_page(id, after.as_ref(), limit)
        .await?)
}
