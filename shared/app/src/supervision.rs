//! Supervision by the openness offices (三(三)): 现场走访 and 跟踪检查 of a plan of their
//! jurisdiction, which its agency sees on the plan; a check that finds an adopted
//! suggestion not carried out is a compliance finding of the plan until a later check finds
//! none; and 群众评议, a public evaluation an office opens for its jurisdiction's open days,
//! with a fixed short form per event (phone proved) and the results per agency.

use std::collections::BTreeMap;

use openday_rules::feedback::Adoption;
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::{OrgKind, Organisation, Role};
use openday_rules::staff::StaffRole;
use openday_rules::supervision::{
    FollowUp, FollowUpDraft, PublicEvaluation, PublicEvaluationDraft, Verdict, VerdictDraft,
    VerdictSummary, Visit, VisitDraft, summarise,
};
use openday_rules::sweep::{Finding, FindingKind};
use openday_rules::{Code, Violation};
use openday_store::keys;
use openday_store::personal::random_code;
use openday_store::records::PlanRecord;
use openday_store::supervision::{CheckRecord, PublicEvaluationRecord, VerdictRecord, VisitRecord};
use serde::Serialize;

use crate::access::{plan_and_owner, status_today, visible_plan};
use crate::actor::Actor;
use crate::audit;
use crate::commands::PhoneProof;
use crate::error::AppError;
use crate::services::{Services, Store};
use crate::verification::verified_phone;

/// A plan's supervision as its agency and offices see it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupervisionView {
    pub plan_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub visits: Vec<VisitRecord>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub checks: Vec<CheckRecord>,
    /// May the caller record visits and checks.
    pub may_record: bool,
    /// The items adopted or partially adopted in the published response: what a check
    /// checks.
    pub adopted: Vec<AdoptedItem>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptedItem {
    pub feedback_id: String,
    pub content: String,
    pub reply: Option<String>,
}

/// The plan, for an office of its jurisdiction (the same level or above).
async fn supervised_plan<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
    refusal: &'static str,
) -> Result<PlanRecord, AppError> {
    let (plan, _, role) = visible_plan(app, actor, plan_id).await?;
    if !matches!(role, Role::ReviewingOffice | Role::SupervisingOffice) {
        return Err(AppError::forbidden(refusal));
    }
    Ok(plan)
}

/// The visits and checks of a plan, for its implementer and the offices above it.
pub async fn of_plan<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
) -> Result<SupervisionView, AppError> {
    let (plan, _, role) = visible_plan(app, actor, plan_id).await?;
    let adopted = match plan.responded_on {
        Some(_) => {
            let items = app.store.feedback(plan_id).await?;
            app.store
                .response(plan_id)
                .await?
                .map(|r| r.items)
                .unwrap_or_default()
                .into_iter()
                .filter(|i| matches!(i.adoption, Adoption::Adopted | Adoption::PartiallyAdopted))
                .map(|i| AdoptedItem {
                    content: items
                        .iter()
                        .find(|f| f.id == i.feedback_id)
                        .map(|f| f.feedback.content.to_string())
                        .unwrap_or_default(),
                    reply: i.reply.map(|r| r.to_string()),
                    feedback_id: i.feedback_id,
                })
                .collect()
        }
        None => Vec::new(),
    };
    Ok(SupervisionView {
        plan_id: plan_id.to_owned(),
        visits: app.store.visits(plan_id).await?,
        checks: app.store.checks(plan_id).await?,
        may_record: matches!(role, Role::ReviewingOffice | Role::SupervisingOffice),
        adopted,
    })
}

/// Records a 现场走访 on one of the event's days.
pub async fn record_visit<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
    draft: &VisitDraft,
) -> Result<VisitRecord, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "supervision.visit",
        &format!("plan:{plan_id}"),
        async {
            let plan = supervised_plan(
                app,
                actor,
                plan_id,
                "只有本辖区的政务公开办公室可以记录现场走访",
            )
            .await?;
            if !matches!(
                status_today(app, &plan),
                PlanStatus::Announced | PlanStatus::Held | PlanStatus::Responded
            ) {
                return Err(Violation::new(
                    Code::InvalidTransition,
                    "活动公告发布后才能记录现场走访",
                )
                .into());
            }
            let visit = Visit::parse(draft, &plan.plan.period, app.today())?;
            let record = VisitRecord {
                id: random_code()?,
                plan_id: plan_id.to_owned(),
                office_id: actor.id.clone(),
                by_person: actor.email().to_owned(),
                at: app.now(),
                visit,
            };
            app.store.add_visit(&record).await?;
            Ok(record)
        },
    )
    .await
}

/// Records a 跟踪检查 of the adopted suggestions. Items not carried out are a finding of the
/// plan (due on the day of the check); a later check that finds none resolves it.
pub async fn record_check<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
    draft: &FollowUpDraft,
) -> Result<CheckRecord, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "supervision.check",
        &format!("plan:{plan_id}"),
        async {
            let plan = supervised_plan(
                app,
                actor,
                plan_id,
                "只有本辖区的政务公开办公室可以跟踪检查",
            )
            .await?;
            let (Some(responded_on), Some(response)) =
                (plan.responded_on, app.store.response(plan_id).await?)
            else {
                return Err(Violation::new(
                    Code::InvalidTransition,
                    "采纳情况公开后才能跟踪检查建议落实情况",
                )
                .into());
            };
            let adopted: Vec<String> = response
                .items
                .iter()
                .filter(|i| matches!(i.adoption, Adoption::Adopted | Adoption::PartiallyAdopted))
                .map(|i| i.feedback_id.clone())
                .collect();
            let follow_up = FollowUp::parse(draft, &adopted, responded_on, app.today())?;
            let record = CheckRecord {
                id: random_code()?,
                plan_id: plan_id.to_owned(),
                office_id: actor.id.clone(),
                by_person: actor.email().to_owned(),
                at: app.now(),
                follow_up,
            };
            app.store.add_check(&record).await?;
            let key = format!("{}#{plan_id}", FindingKind::AdoptionNotDone.wire());
            if record.follow_up.not_done() > 0 {
                let finding = Finding {
                    key,
                    kind: FindingKind::AdoptionNotDone,
                    plan_id: Some(plan_id.to_owned()),
                    org_id: plan.org_id.clone(),
                    due_on: record.follow_up.checked_on,
                };
                app.store
                    .record_finding(&finding, &plan.org_path, plan.plan.year(), app.today())
                    .await?;
            } else {
                app.store.resolve_finding(&key, app.today()).await?;
            }
            Ok(record)
        },
    )
    .await
}

/// A public evaluation with what the public needs to take part.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEvaluationView {
    pub id: String,
    pub office: String,
    pub evaluation: PublicEvaluation,
    /// Why verdicts are not taken today, if they are not.
    pub closed: Option<String>,
    /// The events evaluated: the jurisdiction's open days of the year held so far.
    pub events: Vec<EvaluatedEvent>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluatedEvent {
    pub plan_id: String,
    pub name: String,
    pub org_id: String,
}

/// Opens a 群众评议 of the office's jurisdiction.
pub async fn open_public_evaluation<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    draft: &PublicEvaluationDraft,
) -> Result<PublicEvaluationRecord, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "public_evaluation.open",
        "public_evaluation:new",
        async {
            if actor.kind != OrgKind::Office {
                return Err(AppError::forbidden("只有政务公开办公室可以开展群众评议"));
            }
            let evaluation = PublicEvaluation::parse(draft, app.today())?;
            let record = PublicEvaluationRecord {
                id: random_code()?,
                office_id: actor.id.clone(),
                office_path: keys::path_of(actor),
                by_person: actor.email().to_owned(),
                at: app.now(),
                evaluation,
            };
            app.store.add_public_evaluation(&record).await?;
            Ok(record)
        },
    )
    .await
}

/// The public evaluations an office opened.
pub async fn public_evaluations_of<S: Store>(
    app: &Services<S>,
    office: &Organisation,
) -> Result<Vec<PublicEvaluationRecord>, AppError> {
    let mut all = app.store.public_evaluations_of(office.id.as_str()).await?;
    all.sort_by_key(|r| std::cmp::Reverse(r.at));
    Ok(all)
}

const NO_EVALUATION: AppError = AppError::NotFound("群众评议不存在");

/// A public evaluation and the events it covers, for anyone.
pub async fn public_evaluation<S: Store>(
    app: &Services<S>,
    id: &str,
) -> Result<PublicEvaluationView, AppError> {
    let record = app
        .store
        .public_evaluation(id)
        .await?
        .ok_or(NO_EVALUATION)?;
    let office = app
        .store
        .org(record.office_id.as_str())
        .await?
        .map_or_else(|| record.office_id.to_string(), |o| o.name.to_string());
    let scope = openday_store::records::PlanScope::Subtree {
        path: record.office_path.clone(),
    };
    let plans = app.store.plans(record.evaluation.year, &scope).await?;
    let events = plans
        .into_iter()
        .filter(|p| {
            matches!(
                status_today(app, p),
                PlanStatus::Held | PlanStatus::Responded
            )
        })
        .map(|p| EvaluatedEvent {
            name: p.plan.name.to_string(),
            org_id: p.org_id.to_string(),
            plan_id: p.id,
        })
        .collect();
    Ok(PublicEvaluationView {
        id: record.id,
        office,
        closed: record.evaluation.closed_because(app.today()),
        evaluation: record.evaluation,
        events,
    })
}

/// A verdict on one event, phone proved: one per phone and event.
pub async fn give_verdict<S: Store>(
    app: &Services<S>,
    id: &str,
    plan_id: &str,
    draft: &VerdictDraft,
    proof: &PhoneProof,
) -> Result<VerdictRecord, AppError> {
    let record = app
        .store
        .public_evaluation(id)
        .await?
        .ok_or(NO_EVALUATION)?;
    if let Some(why) = record.evaluation.closed_because(app.today()) {
        return Err(Violation::new(Code::EvaluationClosed, why).into());
    }
    let (plan, _) = plan_and_owner(app, plan_id).await?;
    let held = matches!(
        status_today(app, &plan),
        PlanStatus::Held | PlanStatus::Responded
    );
    if !plan.org_path.starts_with(&record.office_path)
        || plan.plan.year() != record.evaluation.year
        || !held
    {
        return Err(
            Violation::new(Code::ValidationFailed, "该活动不在本次群众评议范围内")
                .at("plan_id")
                .into(),
        );
    }
    let verdict = Verdict::parse(draft)?;
    let phone_hash = verified_phone(app, proof).await?;
    let v = VerdictRecord {
        id: random_code()?,
        evaluation_id: id.to_owned(),
        plan_id: plan_id.to_owned(),
        org_id: plan.org_id.clone(),
        at: app.now(),
        verdict,
    };
    if !app.store.add_verdict(&v, &phone_hash).await? {
        return Err(AppError::Conflict {
            code: "ALREADY_EVALUATED",
            message: "该手机号码已评议过这场活动".into(),
            field: Some("phone"),
        });
    }
    Ok(v)
}

/// The results of a public evaluation per agency.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEvaluationResults {
    pub id: String,
    pub evaluation: PublicEvaluation,
    pub agencies: Vec<AgencyVerdicts>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyVerdicts {
    pub org_id: String,
    pub name: String,
    #[serde(flatten)]
    pub summary: VerdictSummary,
}

/// The results per agency, for the office that opened it and the offices above it.
pub async fn public_evaluation_results<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    id: &str,
) -> Result<PublicEvaluationResults, AppError> {
    let record = app
        .store
        .public_evaluation(id)
        .await?
        .ok_or(NO_EVALUATION)?;
    if actor.kind != OrgKind::Office || !record.office_path.starts_with(&keys::path_of(actor)) {
        return Err(AppError::forbidden(
            "只有开展评议的政务公开办公室及其上级可以查看结果",
        ));
    }
    let verdicts = app.store.verdicts(id).await?;
    let mut by_org: BTreeMap<String, Vec<&Verdict>> = BTreeMap::new();
    for v in &verdicts {
        by_org
            .entry(v.org_id.to_string())
            .or_default()
            .push(&v.verdict);
    }
    let mut agencies = Vec::new();
    for (org_id, vs) in by_org {
        let name = app
            .store
            .org(&org_id)
            .await?
            .map_or_else(|| org_id.clone(), |o| o.name.to_string());
        agencies.push(AgencyVerdicts {
            org_id,
            name,
            summary: summarise(&vs),
        });
    }
    Ok(PublicEvaluationResults {
        id: record.id,
        evaluation: record.evaluation,
        agencies,
    })
}

/// A public evaluation in an office's list.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEvaluationItem {
    pub id: String,
    pub evaluation: PublicEvaluation,
}

impl From<PublicEvaluationRecord> for PublicEvaluationItem {
    fn from(r: PublicEvaluationRecord) -> Self {
        Self {
            id: r.id,
            evaluation: r.evaluation,
        }
    }
}

/// A verdict as it arrives: the event and the fixed form.
#[derive(Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictBody {
    pub plan_id: Option<String>,
    #[serde(flatten)]
    pub verdict: VerdictDraft,
}

/// A verdict taken.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictTaken {
    pub id: String,
}
