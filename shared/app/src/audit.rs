//! The audit trail (操作日志): one record for every staff write, sign-in, failed second
//! factor and read of personal data; who, from where, what, on what, and the result.
//! Each organisation's records of a day are hash-chained by the store; `verify` walks the
//! chains and reports the first broken link.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use openday_rules::org::Organisation;
use openday_store::keys;
use openday_store::people::{
    AuditEntry, AuditObject, AuditPerson, AuditRecord, BrokenLink, verify_chain,
};

use crate::actor::Actor;
use crate::error::AppError;
use crate::services::{Services, Store};
use openday_store::StoreError;
use openday_store::paging::Cursor;

/// Records are kept at least this long (the Cybersecurity Law's six months), then expire.
pub const KEEP_DAYS: i64 = 185;
/// The longest span one listing or export covers.
pub const MAX_SPAN_DAYS: i64 = 92;

/// What happened, in the trail's words.
pub fn outcome<T>(result: &Result<T, AppError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e.said().code.to_owned(),
    }
}

/// Appends a record of what `actor` did. A failure to write is logged, not passed on: the
/// action itself is done (reads of personal data use [`record_read`] instead).
pub async fn record<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    action: &str,
    object: &str,
    result: &str,
    detail: &str,
) {
    if let Err(e) = write(
        app,
        actor.org(),
        Some(person_of(actor)),
        actor.from(),
        action,
        object,
        result,
        detail,
    )
    .await
    {
        tracing::error!(action, error = %e, "audit record not written");
    }
}

/// Appends the record of a read of personal data before the data is handed out: no
/// record, no read.
pub async fn record_read<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), AppError> {
    write(
        app,
        actor.org(),
        Some(person_of(actor)),
        actor.from(),
        action,
        object,
        "ok",
        detail,
    )
    .await
    .map(drop)
}

/// A record for an organisation's person who is not signed in yet (sign-in, a wrong
/// second factor, a lock).
#[allow(clippy::too_many_arguments)]
pub async fn write<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    person: Option<AuditPerson>,
    from: &str,
    action: &str,
    object: &str,
    result: &str,
    detail: &str,
) -> Result<AuditRecord, AppError> {
    let at = app.now();
    let entry = AuditEntry {
        at,
        org_id: org.id.clone(),
        org_path: keys::path_of(org),
        person,
        address: from.to_owned(),
        action: action.to_owned(),
        object: AuditObject::parse(object),
        result: result.to_owned(),
        detail: detail.to_owned(),
    };
    Ok(app
        .store
        .append_audit(&entry, at + Duration::days(KEEP_DAYS))
        .await?)
}

/// The acting person as the trail names them.
pub fn person_of(actor: &Actor) -> AuditPerson {
    AuditPerson {
        id: actor.email().to_owned(),
        name: actor.name().to_owned(),
        email: actor.email().to_owned(),
    }
}

/// Which records a listing asks for.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditQuery {
    /// First and last day (Asia/Shanghai), `YYYY-MM-DD`; default: the last seven days.
    pub from: Option<String>,
    pub to: Option<String>,
    /// A person's e-mail, a plan id, an action (prefix), an organisation id.
    pub person: Option<String>,
    pub plan: Option<String>,
    pub action: Option<String>,
    pub org: Option<String>,
    /// Where the listing goes on: the `next` of the previous page.
    pub cursor: Option<String>,
}

/// The days a query covers, checked.
pub fn days_of(app_today: NaiveDate, q: &AuditQuery) -> Result<(NaiveDate, NaiveDate), AppError> {
    let parse = |field: &str, raw: &Option<String>, default: NaiveDate| match raw
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| AppError::invalid(field, "日期格式应为 YYYY-MM-DD")),
    };
    let to = parse("to", &q.to, app_today)?;
    let from = parse("from", &q.from, to - Duration::days(6))?;
    if from > to {
        return Err(AppError::invalid("from", "开始日期不能晚于结束日期"));
    }
    if (to - from).num_days() >= MAX_SPAN_DAYS {
        return Err(AppError::invalid(
            "from",
            format!("一次最多查询{MAX_SPAN_DAYS}天的操作日志"),
        ));
    }
    Ok((from, to))
}

/// The records an 管理员 (their organisation's) or an office's 管理员 (its jurisdiction's)
/// may read, newest day first, filtered.
pub async fn list<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    q: &AuditQuery,
) -> Result<Vec<AuditRecord>, AppError> {
    Ok(log(app, actor, q).await?.records)
}

/// The records a listing found, with the days it covered.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLog {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Newest day first; within a day by organisation, then in the order of its chain.
    pub records: Vec<AuditRecord>,
    /// Where the listing goes on (give it back as `cursor`); `null` on the last page.
    pub next: Option<String>,
}

/// Where an audit listing goes on: the day it reached and, within it, the store's
/// continuation (`2026-09-01.` for the start of a day).
fn audit_cursor(day: NaiveDate, after: Option<&Cursor>) -> String {
    format!("{day}.{}", after.map(Cursor::encode).unwrap_or_default())
}

fn parse_audit_cursor(
    raw: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(NaiveDate, Option<Cursor>), AppError> {
    let (day, after) = raw.trim().split_once('.').ok_or(StoreError::BadCursor)?;
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| StoreError::BadCursor)?;
    if day < from || day > to {
        return Err(StoreError::BadCursor.into());
    }
    let after = match after {
        "" => None,
        raw => Some(Cursor::decode(raw)?),
    };
    Ok((day, after))
}

/// [`list`] with the days it covered.
pub async fn log<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    q: &AuditQuery,
) -> Result<AuditLog, AppError> {
    actor.require(openday_rules::staff::StaffRole::Admin)?;
    let (from, to) = days_of(app.today(), q)?;
    let prefix = crate::access::seen_prefix(actor);
    let given = |filter: &Option<String>| {
        filter
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
    };
    let (person, action, org, plan) = (
        given(&q.person),
        given(&q.action),
        given(&q.org),
        given(&q.plan),
    );
    let wanted = |r: &AuditRecord| {
        let e = &r.entry;
        person
            .as_deref()
            .is_none_or(|p| e.person.as_ref().is_some_and(|who| who.email == p))
            && action.as_deref().is_none_or(|a| e.action.starts_with(a))
            && org.as_deref().is_none_or(|o| e.org_id.as_str() == o)
            && plan
                .as_deref()
                .is_none_or(|p| e.object.kind == "plan" && e.object.id == p)
    };
    let (mut day, mut after) = match q.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
        None => (to, None),
        Some(raw) => parse_audit_cursor(raw, from, to)?,
    };
    // A page holds what a hundred stored records give after the filters, at least: the
    // store is read a page at a time, and the listing stops once it has enough.
    let limit = openday_store::paging::DEFAULT_PAGE;
    let mut records = Vec::new();
    let mut next = None;
    while day >= from {
        let page = app
            .store
            .audit_day_page(day, &prefix, after.as_ref(), limit)
            .await?;
        records.extend(page.items.into_iter().filter(wanted));
        after = page.next;
        if after.is_none() {
            day -= Duration::days(1);
        }
        if records.len() >= limit as usize && day >= from {
            next = Some(audit_cursor(day, after.as_ref()));
            break;
        }
    }
    Ok(AuditLog {
        from,
        to,
        records,
        next,
    })
}

/// Checks every chain of every day from `from` to `to`; the first broken link found.
pub async fn verify<S: Store>(
    app: &Services<S>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<VerifyReport, AppError> {
    let mut report = VerifyReport::default();
    let mut day = from;
    while day <= to {
        let records = app.store.audit_day(day, "").await?;
        let heads = app.store.audit_heads(day).await?;
        let mut by_org: std::collections::BTreeMap<String, Vec<AuditRecord>> = Default::default();
        for r in records {
            by_org
                .entry(r.entry.org_id.to_string())
                .or_default()
                .push(r);
        }
        for h in &heads {
            by_org.entry(h.org_id.clone()).or_default();
        }
        for (org, mut chain) in by_org {
            chain.sort_by_key(|r| r.seq);
            let head = heads.iter().find(|h| h.org_id == org);
            report.chains += 1;
            report.records += chain.len() as u64;
            if let Err(broken) = verify_chain(day, &org, &chain, head) {
                report.broken = Some(broken);
                return Ok(report);
            }
        }
        day += Duration::days(1);
    }
    Ok(report)
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub chains: u64,
    pub records: u64,
    pub broken: Option<BrokenLink>,
}

/// When a record was made, as the page shows it.
pub fn when(at: DateTime<Utc>) -> String {
    openday_rules::calendar::when(at)
}

/// Does `work` when the person holds `role`, and records what came of it (a refusal too).
pub async fn guarded<S: Store, T>(
    app: &Services<S>,
    actor: &Actor,
    role: openday_rules::staff::StaffRole,
    action: &str,
    object: &str,
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = match actor.require(role) {
        Ok(()) => work.await,
        Err(e) => Err(e),
    };
    record(app, actor, action, object, &outcome(&result), "").await;
    result
}

/// A read of personal data by a person holding `role`: the data is handed out only once
/// its record is written (a refusal is recorded too). `what` names the data when the
/// action does not (an export's file).
pub async fn guarded_read<S: Store, T>(
    app: &Services<S>,
    actor: &Actor,
    role: openday_rules::staff::StaffRole,
    (action, what): (&str, &str),
    object: &str,
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let result = match actor.require(role) {
        Ok(()) => work.await,
        Err(e) => Err(e),
    };
    match &result {
        Ok(_) => record_read(app, actor, action, object, what).await?,
        Err(e) => record(app, actor, action, object, &e.said().code, what).await,
    }
    result
}

/// What an action is called on the page (the code is what filters and exports use).
pub fn action_label(action: &str) -> &'static str {
    match action {
        "plan.submit" => "报送实施方案",
        "plan.revise" => "修改实施方案",
        "plan.review" => "审核（备案或退回）",
        "plan.announce" => "发布公告",
        "plan.cancel" => "取消活动",
        "plan.respond" => "公开反馈采纳情况",
        "registration.recommend" => "录入线下推荐人员",
        "registration.cancel" => "取消报名",
        "registrants.read" => "查看报名人员名单",
        "registration.search" => "按身份证号码查找报名",
        "export.download" => "导出下载",
        "feedback.answers" => "答复意见建议",
        "feedback.categories" => "调整意见建议类别",
        "check_in.look_up" => "签到（查验报名）",
        "report.file" => "报送年度报告",
        "report.start" => "起草年度报告",
        "programme.import" => "上传工作方案",
        "member.invite" => "邀请成员",
        "member.roles" => "调整岗位角色",
        "member.remove" => "移除成员",
        "session.end" => "注销登录会话",
        "session.end_all" => "注销全部登录会话",
        "org.sessions_end" => "注销机关全部登录",
        "api_key.create" => "生成 API 密钥",
        "api_key.revoke" => "吊销 API 密钥",
        "sign_in.ok" => "登录",
        "sign_out" => "退出登录",
        "sign_in.refused" => "动态验证码错误",
        "sign_in.locked" => "登录锁定",
        "sign_in.lock_ended" => "登录锁定结束",
        "second_factor.enrol" => "绑定动态验证码",
        "feedback.room" => "录入现场意见",
        "questionnaire.save" => "保存问卷",
        "questionnaire.open" => "开放问卷",
        "supervision.visit" => "记录现场走访",
        "supervision.check" => "记录跟踪检查",
        "public_evaluation.open" => "开展群众评议",
        "assessment.adjust" => "调整考核得分",
        "assessment.publish" => "发布考核通报",
        "campaign.create" => "组织联合开放活动",
        "campaign.tie" => "关联联合开放活动",
        "campaign.publish" => "发布集中公告",
        _ => "其他操作",
    }
}

/// What a result is called on the page.
pub fn result_label(result: &str) -> String {
    match result {
        "ok" => "成功".into(),
        "wrong" => "错误".into(),
        "locked" => "已锁定".into(),
        code => format!("拒绝（{code}）"),
    }
}
