//! Joint campaigns (统一组织、集中发布): a city or county office organises a campaign and
//! invites agencies of its jurisdiction; each invited agency ties its own plan to it (the
//! plan's days within the campaign's); once every invited agency's plan is filed, the office
//! publishes one 集中公告 listing every event, shown on the public campaign page.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use openday_rules::calendar::day_text;
use openday_rules::campaign::{Campaign, CampaignDraft, may_organise};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::org::Organisation;
use openday_rules::staff::StaffRole;
use openday_rules::{Code, Violation};
use openday_store::campaigns::CampaignRecord;
use openday_store::keys;
use openday_store::personal::random_code;
use serde::{Deserialize, Serialize};

use crate::access::{implementer_plan, status_today};
use crate::actor::Actor;
use crate::audit;
use crate::error::AppError;
use crate::services::{Services, Store};

/// One invited agency and the plan it tied to the campaign.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignEvent {
    pub org_id: String,
    pub org_name: String,
    pub plan_id: Option<String>,
    pub plan_name: Option<String>,
    pub status: Option<PlanStatus>,
    /// “2026年9月20日至26日”
    pub dates: Option<String>,
    pub start: Option<NaiveDate>,
}

/// A campaign with the state of each invited agency's plan.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignView {
    pub id: String,
    pub office_id: String,
    pub office_name: String,
    pub year: i32,
    pub version: u64,
    pub campaign: Campaign,
    pub events: Vec<CampaignEvent>,
    pub published_on: Option<NaiveDate>,
    /// Every invited agency's plan is filed: the 集中公告 can be published.
    pub ready: bool,
}

/// Another change to the campaign came first.
fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        code: "VERSION_CONFLICT",
        message: "联合开放活动刚被修改，请刷新后重试".into(),
        field: None,
    }
}

const NO_CAMPAIGN: AppError = AppError::NotFound("联合开放活动不存在");

/// Sets up a campaign (a city or county office's 经办人).
pub async fn create<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    draft: &CampaignDraft,
) -> Result<CampaignView, AppError> {
    let id = audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "campaign.create",
        "campaign:new",
        async {
            if !may_organise(actor) {
                return Err(AppError::forbidden(
                    "只有市、县（区）政务公开办公室可以统一组织联合开放活动",
                ));
            }
            // The year of its first day (the parse reports a bad day with the rest).
            let year = draft
                .from
                .as_deref()
                .and_then(|d| openday_rules::calendar::parse_day("from", d).ok())
                .unwrap_or_else(|| app.today())
                .year();
            let programme = app.programme_for(actor, year).await?.programme;
            let mut orgs: BTreeMap<String, Organisation> = BTreeMap::new();
            for raw in &draft.agencies {
                if let Some(o) = app.store.org(raw.trim()).await? {
                    orgs.insert(raw.trim().to_owned(), o);
                }
            }
            let path = keys::path_of(actor);
            let campaign = Campaign::parse(
                draft,
                &programme,
                |id| orgs.get(id).cloned(),
                |o| keys::path_of(o).starts_with(&path),
            )?;
            let record = CampaignRecord {
                id: random_code()?,
                office_id: actor.id.clone(),
                office_name: actor.name.to_string(),
                year,
                version: 1,
                campaign,
                plans: BTreeMap::new(),
                published_on: None,
                created_at: app.now(),
                by_person: actor.email().to_owned(),
            };
            app.store.create_campaign(&record).await?;
            Ok(record.id)
        },
    )
    .await?;
    view(app, &id).await
}

/// A campaign and where each invited agency's plan stands.
pub async fn view<S: Store>(app: &Services<S>, id: &str) -> Result<CampaignView, AppError> {
    let record = app.store.campaign(id).await?.ok_or(NO_CAMPAIGN)?;
    let mut events = Vec::new();
    for org_id in &record.campaign.agencies {
        let org_name = app
            .store
            .org(org_id.as_str())
            .await?
            .map_or_else(|| org_id.to_string(), |o| o.name.to_string());
        let plan = match record.plans.get(org_id.as_str()) {
            Some(p) => app.store.plan(p).await?,
            None => None,
        };
        events.push(CampaignEvent {
            org_id: org_id.to_string(),
            org_name,
            plan_id: plan.as_ref().map(|p| p.id.clone()),
            plan_name: plan.as_ref().map(|p| p.plan.name.to_string()),
            status: plan.as_ref().map(|p| status_today(app, p)),
            dates: plan.as_ref().map(|p| {
                openday_rules::calendar::day_span(p.plan.period.start(), p.plan.period.end())
            }),
            start: plan.as_ref().map(|p| p.plan.period.start()),
        });
    }
    events.sort_by_key(|e| e.start);
    let ready = events.iter().all(|e| {
        matches!(
            e.status,
            Some(
                PlanStatus::Filed
                    | PlanStatus::Announced
                    | PlanStatus::Held
                    | PlanStatus::Responded
            )
        )
    });
    Ok(CampaignView {
        id: record.id,
        office_id: record.office_id.to_string(),
        office_name: record.office_name,
        year: record.year,
        version: record.version,
        campaign: record.campaign,
        events,
        published_on: record.published_on,
        ready,
    })
}

/// The campaigns a member of staff deals with: an office's own, an agency's invitations.
pub async fn of<S: Store>(
    app: &Services<S>,
    org: &Organisation,
) -> Result<Vec<CampaignView>, AppError> {
    let ids: Vec<String> = if org.kind == openday_rules::org::OrgKind::Office {
        app.store
            .campaigns_of(org.id.as_str())
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect()
    } else {
        app.store.invitations(org.id.as_str()).await?
    };
    let mut out = Vec::new();
    for id in ids {
        out.push(view(app, &id).await?);
    }
    Ok(out)
}

/// A plan tied to a campaign.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TieBody {
    pub plan_id: Option<String>,
}

/// An invited agency ties its own plan to the campaign: the plan's days within the
/// campaign's (a plan tied before is replaced).
pub async fn tie<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    id: &str,
    body: &TieBody,
) -> Result<CampaignView, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "campaign.tie",
        &format!("campaign:{id}"),
        async {
            let mut record = app.store.campaign(id).await?.ok_or(NO_CAMPAIGN)?;
            if !record.campaign.agencies.contains(&actor.id) {
                return Err(AppError::forbidden("本机关未受邀参加该联合开放活动"));
            }
            if record.published_on.is_some() {
                return Err(Violation::new(
                    Code::InvalidTransition,
                    "集中公告已发布，不能再更换实施方案",
                )
                .into());
            }
            let plan_id = body.plan_id.clone().unwrap_or_default();
            let plan = implementer_plan(app, actor, &plan_id, "只能关联本机关的实施方案")
                .await
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::from(
                        Violation::new(Code::ValidationFailed, "实施方案不存在").at("plan_id"),
                    ),
                    e => e,
                })?;
            let (start, end) = (plan.plan.period.start(), plan.plan.period.end());
            if status_today(app, &plan) == PlanStatus::Cancelled
                || !record.campaign.covers(start, end)
            {
                return Err(Violation::new(
                    Code::OutsideOpenPeriod,
                    format!(
                        "活动日期应在联合开放活动期间（{}至{}）内，且方案未取消",
                        day_text(record.campaign.from),
                        day_text(record.campaign.until)
                    ),
                )
                .at("plan_id")
                .into());
            }
            record.plans.insert(actor.id.to_string(), plan_id);
            record.version += 1;
            if !app.store.save_campaign(&record).await? {
                return Err(changed_meanwhile());
            }
            Ok(())
        },
    )
    .await?;
    view(app, id).await
}

/// Publishes the 集中公告 once every invited agency's plan is filed (the organising office).
pub async fn publish<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    id: &str,
) -> Result<CampaignView, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "campaign.publish",
        &format!("campaign:{id}"),
        async {
            let current = view(app, id).await?;
            if current.office_id != actor.id.as_str() {
                return Err(AppError::forbidden(
                    "只有组织该活动的政务公开办公室可以发布集中公告",
                ));
            }
            if !current.ready {
                let missing: Vec<String> = current
                    .events
                    .iter()
                    .filter(|e| {
                        !matches!(
                            e.status,
                            Some(
                                PlanStatus::Filed
                                    | PlanStatus::Announced
                                    | PlanStatus::Held
                                    | PlanStatus::Responded
                            )
                        )
                    })
                    .map(|e| e.org_name.clone())
                    .collect();
                return Err(Violation::new(
                    Code::NotFiled,
                    format!(
                        "以下责任部门的实施方案尚未备案，暂不能集中发布：{}",
                        missing.join("、")
                    ),
                )
                .into());
            }
            let mut record = app.store.campaign(id).await?.ok_or(NO_CAMPAIGN)?;
            record.published_on = Some(app.today());
            record.version += 1;
            if !app.store.save_campaign(&record).await? {
                return Err(changed_meanwhile());
            }
            Ok(())
        },
    )
    .await?;
    view(app, id).await
}

/// The published 集中公告, for anyone.
pub async fn public<S: Store>(app: &Services<S>, id: &str) -> Result<CampaignView, AppError> {
    let v = view(app, id).await?;
    if v.published_on.is_none() {
        return Err(NO_CAMPAIGN);
    }
    Ok(v)
}

/// A campaign's progress, for its office (and the offices above it) and its invited
/// agencies.
pub async fn progress<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    id: &str,
) -> Result<CampaignView, AppError> {
    let v = view(app, id).await?;
    let invited = v.campaign.agencies.contains(&actor.id);
    let office = app.store.org(&v.office_id).await?;
    let above = actor.kind == openday_rules::org::OrgKind::Office
        && office.is_some_and(|o| keys::path_of(&o).starts_with(&keys::path_of(actor)));
    if invited || above {
        Ok(v)
    } else {
        Err(AppError::forbidden("无权查看该联合开放活动"))
    }
}
