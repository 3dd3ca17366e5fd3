//! Who may see or change a plan, read once for every use case: the plan with its
//! implementer, the caller's role towards it, its status today, and the version a change
//! is made from.

use openday_rules::lifecycle::{PlanStatus, Version, effective_status};
use openday_rules::org::OrgKind;
use openday_rules::org::{Organisation, Role};
use openday_rules::text::NumberLike;
use openday_rules::{Code, Violation};
use openday_store::keys;
use openday_store::records::{PlanRecord, PlanScope};

use crate::error::AppError;
use crate::services::{Services, Store};

/// A plan with its implementer, or not found.
pub(crate) async fn plan_and_owner<S: Store>(
    app: &Services<S>,
    id: &str,
) -> Result<(PlanRecord, Organisation), AppError> {
    let plan = app
        .store
        .plan(id)
        .await?
        .ok_or(AppError::NotFound("实施方案不存在"))?;
    let owner = app
        .store
        .org(plan.org_id.as_str())
        .await?
        .ok_or(AppError::NotFound("实施方案的实施主体不存在"))?;
    Ok((plan, owner))
}

/// A plan the caller may see; forbidden for anyone else.
pub(crate) async fn visible_plan<S: Store>(
    app: &Services<S>,
    staff: &Organisation,
    id: &str,
) -> Result<(PlanRecord, Organisation, Role), AppError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    let role = viewer_role(staff, &owner)?;
    Ok((plan, owner, role))
}

/// A plan the caller implements; not found when there is none, forbidden (`refusal`) for
/// anyone else.
pub(crate) async fn implementer_plan<S: Store>(
    app: &Services<S>,
    staff: &Organisation,
    id: &str,
    refusal: &'static str,
) -> Result<PlanRecord, AppError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    if viewer_role(staff, &owner)? != Role::Implementer {
        return Err(AppError::forbidden(refusal));
    }
    Ok(plan)
}

/// What the caller is to the plan; forbidden when it may not see it at all.
pub(crate) fn viewer_role(staff: &Organisation, owner: &Organisation) -> Result<Role, AppError> {
    let role = Role::of(staff, owner);
    if role.may_view() {
        Ok(role)
    } else {
        Err(AppError::forbidden("无权查看其他机关的实施方案"))
    }
}

/// The plan's status today (the calendar's `held` included).
pub fn status_today<S>(app: &Services<S>, plan: &PlanRecord) -> PlanStatus {
    effective_status(plan.status, &plan.plan.period, app.today())
}

/// Reads the `version` a state change was made from: required, so that no change is made
/// blind (an empty body must not cancel an announced plan with registrants).
pub(crate) fn version_from(raw: Option<&NumberLike>) -> Result<Version, AppError> {
    let refused = |message: &str| {
        AppError::from(Violation::new(Code::ValidationFailed, message).at("version"))
    };
    match raw {
        None => Err(refused(
            "请提供 version（所依据的方案版本号），以免覆盖他人刚做的修改",
        )),
        Some(n) => n
            .as_integer()
            .filter(|v| *v > 0)
            .map(|v| Version(v as u64))
            .ok_or_else(|| refused("版本号应为正整数")),
    }
}

/// The plans a member of staff works on: an office's jurisdiction and below, anyone else's
/// own.
pub(crate) fn desk_scope(org: &Organisation) -> PlanScope {
    let path = keys::path_of(org);
    if org.kind == OrgKind::Office {
        PlanScope::Subtree { path }
    } else {
        PlanScope::Org {
            path,
            org_id: org.id.clone(),
        }
    }
}

/// Whose findings and audit records an organisation sees (the `<path>[|<org>|]` prefix of
/// their sort keys): an office its jurisdiction's and below, anyone else its own.
pub(crate) fn seen_prefix(org: &Organisation) -> String {
    let path = keys::path_of(org);
    if org.kind == OrgKind::Office {
        path
    } else {
        keys::owned(&path, org.id.as_str(), "")
    }
}
