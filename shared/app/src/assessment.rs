//! 考核: an office scores each agency of its jurisdiction by its region's scheme (三(三)),
//! adjusts a score with a reason (recorded), and publishes the year's 通报: a public page
//! and a document with the results by agency, good practice and problems.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use openday_rules::assessment::{AssessmentFacts, Scheme, Score, check_adjustment, score};
use openday_rules::feedback::Adoption;
use openday_rules::org::OrgKind;
use openday_rules::staff::StaffRole;
use openday_rules::supervision::CheckResult;
use openday_rules::text::{LongText, NumberLike};
use openday_rules::{Code, Violation, Violations};
use openday_store::assessment::{AdjustmentRecord, BulletinRecord, BulletinRow};
use openday_store::personal::random_code;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::audit;
use crate::error::AppError;
use crate::figures::{facts, scope_of};
use crate::services::{Services, Store};

/// An adjustment as the office's page and the API show it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustmentView {
    pub points: i64,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One agency's score with its breakdown and adjustments.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyScore {
    pub org_id: String,
    pub name: String,
    pub score: Score,
    pub adjustments: Vec<AdjustmentView>,
}

/// The year's assessment of an office's jurisdiction.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentView {
    pub year: i32,
    pub scheme: Scheme,
    pub agencies: Vec<AgencyScore>,
    /// When its 通报 was published, if it was.
    pub bulletin_published_at: Option<DateTime<Utc>>,
}

fn offices_only(actor: &Actor) -> Result<(), AppError> {
    if actor.kind == OrgKind::Office {
        Ok(())
    } else {
        Err(AppError::forbidden("只有政务公开办公室开展考核"))
    }
}

/// Each agency's score for `year`, for an office.
pub async fn scores<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    year: i32,
) -> Result<AssessmentView, AppError> {
    offices_only(actor)?;
    let office = actor.org().clone();
    let scheme = app.programme_for(&office, year).await?.programme.assessment;
    let compliance = crate::compliance::of(app, office.clone(), year).await?;
    // Adoption and follow-up checks per agency, from its plans.
    let mut per_org: BTreeMap<String, AssessmentFacts> = BTreeMap::new();
    for f in facts(app, &scope_of(&office), year).await? {
        let entry = per_org.entry(f.org_id.to_string()).or_default();
        entry.answered += f.adoptions.len() as u32;
        entry.adopted_points += f
            .adoptions
            .iter()
            .map(|a| match a {
                Adoption::Adopted => 1.0,
                Adoption::PartiallyAdopted => 0.5,
                _ => 0.0,
            })
            .sum::<f64>();
        if f.part.responded_on.is_some()
            && let Some(latest) = app
                .store
                .checks(&f.plan_id)
                .await?
                .into_iter()
                .max_by_key(|c| c.at)
        {
            entry.checked += latest.follow_up.items.len() as u32;
            entry.done_points += latest
                .follow_up
                .items
                .iter()
                .map(|i| match i.result {
                    CheckResult::Done => 1.0,
                    CheckResult::InProgress => 0.5,
                    CheckResult::NotDone => 0.0,
                })
                .sum::<f64>();
        }
    }
    let mut adjustments: BTreeMap<String, Vec<AdjustmentRecord>> = BTreeMap::new();
    for a in app.store.adjustments(office.id.as_str(), year).await? {
        adjustments.entry(a.org_id.to_string()).or_default().push(a);
    }
    let mut agencies: Vec<AgencyScore> = compliance
        .organisations
        .unwrap_or_default()
        .into_iter()
        .filter(|o| {
            o.figures.plans > 0
                || o.figures.report != openday_rules::compliance::ReportState::NotRequired
        })
        .map(|o| {
            let id = o.org_id.to_string();
            let own = adjustments.remove(&id).unwrap_or_default();
            // (+ 0.0: an empty sum of floats is −0.0.)
            let adjustment = own.iter().map(|a| a.points as f64).sum::<f64>() + 0.0;
            AgencyScore {
                score: score(
                    &scheme,
                    &o.figures,
                    &per_org.get(&id).copied().unwrap_or_default(),
                    adjustment,
                ),
                adjustments: own
                    .into_iter()
                    .map(|a| AdjustmentView {
                        points: a.points,
                        reason: a.reason,
                        by: a.by_person,
                        at: a.at,
                    })
                    .collect(),
                name: o.name,
                org_id: id,
            }
        })
        .collect();
    // Highest total first; agencies with nothing to score yet last.
    agencies.sort_by(|a, b| {
        b.score
            .total
            .unwrap_or(-1.0)
            .total_cmp(&a.score.total.unwrap_or(-1.0))
    });
    Ok(AssessmentView {
        year,
        scheme,
        agencies,
        bulletin_published_at: app
            .store
            .bulletin(office.id.as_str(), year)
            .await?
            .map(|b| b.published_at),
    })
}

/// An adjustment as it arrives.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustmentBody {
    #[cfg_attr(feature = "openapi", schema(value_type = i32))]
    pub year: Option<NumberLike>,
    pub org_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub points: Option<NumberLike>,
    pub reason: Option<String>,
}

fn year_of(raw: Option<&NumberLike>) -> Result<i32, AppError> {
    match raw.and_then(NumberLike::as_integer) {
        Some(y @ 2000..=2100) => Ok(y as i32),
        _ => Err(Violation::new(Code::ValidationFailed, "请填写年度")
            .at("year")
            .into()),
    }
}

/// Adjusts an agency's score with a reason (审核人 of the office; recorded).
pub async fn adjust<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    body: &AdjustmentBody,
) -> Result<AssessmentView, AppError> {
    let org_id = body.org_id.clone().unwrap_or_default();
    audit::guarded(
        app,
        actor,
        StaffRole::Reviewer,
        "assessment.adjust",
        &format!("org:{org_id}"),
        async {
            offices_only(actor)?;
            let year = year_of(body.year.as_ref())?;
            // An organisation of the office's jurisdiction that is not itself an office
            // (checked from the directory: scoring everyone here would read every plan).
            let office_path = openday_store::keys::path_of(actor);
            let within = app.store.org(&org_id).await?.is_some_and(|o| {
                o.kind != OrgKind::Office
                    && openday_store::keys::path_of(&o).starts_with(&office_path)
            });
            if !within {
                return Err(
                    Violation::new(Code::ValidationFailed, "该机关不在本办考核范围内")
                        .at("org_id")
                        .into(),
                );
            }
            let points = body
                .points
                .as_ref()
                .and_then(NumberLike::as_integer)
                .unwrap_or(0);
            let reason = body.reason.clone().unwrap_or_default();
            let scheme = app.programme_for(actor, year).await?.programme.assessment;
            check_adjustment(&scheme, points, &reason)?;
            let reason =
                LongText::parse("reason", "调整理由", &reason).map_err(Violations::from)?;
            let record = AdjustmentRecord {
                id: random_code()?,
                office_id: actor.id.clone(),
                year,
                org_id: openday_rules::org::Id::parse("org_id", &org_id)
                    .map_err(Violations::from)?,
                points,
                reason: reason.to_string(),
                by_person: actor.email().to_owned(),
                at: app.now(),
            };
            app.store.add_adjustment(&record).await?;
            scores(app, actor, year).await
        },
    )
    .await
}

/// A 通报 as the office writes it.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulletinBody {
    #[cfg_attr(feature = "openapi", schema(value_type = i32))]
    pub year: Option<NumberLike>,
    /// 典型经验
    pub good_practice: Option<String>,
    /// 存在问题
    pub problems: Option<String>,
}

/// Publishes the year's 通报 with the results as they are now (a later publication
/// replaces it).
pub async fn publish<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    body: &BulletinBody,
) -> Result<BulletinRecord, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Reviewer,
        "assessment.publish",
        "bulletin",
        async {
            offices_only(actor)?;
            let year = year_of(body.year.as_ref())?;
            let mut vs = Violations::new();
            let good = vs.take(LongText::parse_required(
                "good_practice",
                "典型经验",
                body.good_practice.as_deref(),
            ));
            let problems = vs.take(LongText::parse_required(
                "problems",
                "存在问题",
                body.problems.as_deref(),
            ));
            vs.finish(|| ())?;
            let view = scores(app, actor, year).await?;
            let record = BulletinRecord {
                office_id: actor.id.clone(),
                office_name: actor.name.to_string(),
                year,
                published_at: app.now(),
                by_person: actor.email().to_owned(),
                good_practice: good.map(|t| t.to_string()).unwrap_or_default(),
                problems: problems.map(|t| t.to_string()).unwrap_or_default(),
                results: view
                    .agencies
                    .into_iter()
                    .map(|a| BulletinRow {
                        org_id: a.org_id,
                        name: a.name,
                        computed: a.score.computed,
                        adjustment: a.score.adjustment,
                        total: a.score.total,
                    })
                    .collect(),
            };
            app.store.publish_bulletin(&record).await?;
            Ok(record)
        },
    )
    .await
}

/// A published 通报, for anyone.
pub async fn bulletin<S: Store>(
    app: &Services<S>,
    office_id: &str,
    year: i32,
) -> Result<BulletinRecord, AppError> {
    app.store
        .bulletin(office_id, year)
        .await?
        .ok_or(AppError::NotFound("该年度尚未发布通报"))
}
