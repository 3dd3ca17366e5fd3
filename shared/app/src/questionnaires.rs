//! 问卷调查: the implementing agency designs its plan's questionnaire (问卷设计), opens it for
//! a window within the event and its feedback period, participants answer it with their
//! phone proved (one set per phone), and the agency and its offices read the results
//! (问卷结果). Free-text answers become feedback items of the channel 问卷调查 in the same
//! transaction as the answers, so they join the 15-day response clock (R12).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use openday_rules::lifecycle::PlanStatus;
use openday_rules::questionnaire::{
    AnswerDraft, AnswerSet, QuestionResult, Questionnaire, QuestionnaireDraft, summary_lines, tally,
};
use openday_rules::staff::StaffRole;
use openday_rules::text::NumberLike;
use openday_rules::{Code, Violation};
use openday_store::StoreError;
use openday_store::personal::random_code;
use openday_store::questionnaires::{AnswerSetRecord, QuestionnaireRecord};
use serde::{Deserialize, Serialize};

use crate::access::{implementer_plan, status_today, visible_plan};
use crate::actor::Actor;
use crate::audit;
use crate::commands::PhoneProof;
use crate::error::AppError;
use crate::exports::{Cell, Table};
use crate::services::{Services, Store};
use crate::sheets::{self, Changed};
use crate::verification::verified_phone;

/// A questionnaire saved as a draft: the design and the version it was made from (0 for
/// the first save).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionnaireBody {
    #[cfg_attr(feature = "openapi", schema(value_type = NumberLike))]
    pub version: Option<NumberLike>,
    #[serde(flatten)]
    pub questionnaire: QuestionnaireDraft,
}

/// The version an opening is made from.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenQuestionnaireBody {
    #[cfg_attr(feature = "openapi", schema(value_type = NumberLike))]
    pub version: Option<NumberLike>,
}

/// Participants' answers: question number (from 1) → a choice (from 1), several choices,
/// a rating 1–5 or text.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswersToQuestionnaire {
    #[serde(default)]
    pub answers: BTreeMap<String, AnswerDraft>,
}

/// A plan's questionnaire as staff see it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionnaireDesign {
    pub plan_id: String,
    /// 0 before the first save.
    pub version: u64,
    pub questionnaire: Option<Questionnaire>,
    pub opened_at: Option<DateTime<Utc>>,
    /// May the caller change or open it now.
    pub editable: bool,
}

/// The opened questionnaire as participants see it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicQuestionnaire {
    pub plan_id: String,
    pub questionnaire: Questionnaire,
    /// Why answers are not taken today, when they are not.
    pub closed: Option<String>,
}

/// The results: counts and percentages per choice, the scale's mean and distribution,
/// free-text answers.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionnaireResults {
    pub plan_id: String,
    pub title: String,
    pub respondents: usize,
    pub questions: Vec<QuestionResult>,
}

/// Answers taken.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswersTaken {
    pub id: String,
    /// Free-text answers recorded as feedback (channel 问卷调查).
    pub opinions: usize,
}

fn editable(status: PlanStatus, record: Option<&QuestionnaireRecord>) -> bool {
    !matches!(status, PlanStatus::Cancelled | PlanStatus::Responded)
        && record.is_none_or(|r| r.opened_at.is_none())
}

/// The questionnaire of a plan the caller sees (its implementer, offices above).
pub async fn design<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
) -> Result<QuestionnaireDesign, AppError> {
    let (plan, _, role) = visible_plan(app, actor, plan_id).await?;
    let record = app.store.questionnaire(plan_id).await?;
    Ok(QuestionnaireDesign {
        plan_id: plan_id.to_owned(),
        version: record.as_ref().map_or(0, |r| r.version),
        editable: role == openday_rules::org::Role::Implementer
            && editable(status_today(app, &plan), record.as_ref()),
        opened_at: record.as_ref().and_then(|r| r.opened_at),
        questionnaire: record.map(|r| r.questionnaire),
    })
}

fn stale() -> AppError {
    AppError::Conflict {
        code: "VERSION_CONFLICT",
        message: "问卷已被他人修改，请刷新后重试".into(),
        field: Some("version"),
    }
}

fn fixed() -> AppError {
    AppError::from(Violation::new(
        Code::InvalidTransition,
        "问卷已开放或活动已结束，题目不能再修改",
    ))
}

/// The version a save or an opening names: 0 for a questionnaire not yet saved.
fn version_of(raw: Option<&NumberLike>) -> Result<u64, AppError> {
    match raw.map(NumberLike::as_integer) {
        None => Ok(0),
        Some(Some(v)) if v >= 0 => Ok(v as u64),
        Some(_) => Err(Violation::new(Code::ValidationFailed, "版本号应为非负整数")
            .at("version")
            .into()),
    }
}

/// Saves the design (问卷设计) until it is opened.
pub async fn save<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
    body: &QuestionnaireBody,
) -> Result<QuestionnaireDesign, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "questionnaire.save",
        &format!("plan:{plan_id}"),
        async {
            let plan =
                implementer_plan(app, actor, plan_id, "只有实施机关可以设计本活动的问卷").await?;
            let current = app.store.questionnaire(plan_id).await?;
            if !editable(status_today(app, &plan), current.as_ref()) {
                return Err(fixed());
            }
            let version = version_of(body.version.as_ref())?;
            if version != current.as_ref().map_or(0, |r| r.version) {
                return Err(stale());
            }
            let programme = app.programme_of(&plan).await?;
            let questionnaire =
                Questionnaire::parse(&body.questionnaire, &plan.plan.period, &programme)?;
            let record = QuestionnaireRecord {
                plan_id: plan_id.to_owned(),
                version: version + 1,
                questionnaire,
                opened_at: None,
                saved_at: app.now(),
                saved_by: Some(actor.email().to_owned()),
            };
            if !app.store.save_questionnaire(&record).await? {
                return Err(stale());
            }
            Ok(QuestionnaireDesign {
                plan_id: plan_id.to_owned(),
                version: record.version,
                questionnaire: Some(record.questionnaire),
                opened_at: None,
                editable: true,
            })
        },
    )
    .await
}

/// Opens the saved questionnaire to participants: from then on its questions are fixed.
/// The announcement must be published (participants reach it from the event's page).
pub async fn open<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
    version: Option<&NumberLike>,
) -> Result<QuestionnaireDesign, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "questionnaire.open",
        &format!("plan:{plan_id}"),
        async {
            let plan =
                implementer_plan(app, actor, plan_id, "只有实施机关可以开放本活动的问卷").await?;
            let status = status_today(app, &plan);
            let Some(mut record) = app.store.questionnaire(plan_id).await? else {
                return Err(AppError::NotFound("请先设计并保存问卷"));
            };
            if !editable(status, Some(&record)) {
                return Err(fixed());
            }
            if !matches!(status, PlanStatus::Announced | PlanStatus::Held) {
                return Err(
                    Violation::new(Code::InvalidTransition, "活动公告发布后才能开放问卷").into(),
                );
            }
            if version_of(version)? != record.version {
                return Err(stale());
            }
            record.version += 1;
            record.opened_at = Some(app.now());
            record.saved_at = app.now();
            record.saved_by = Some(actor.email().to_owned());
            if !app.store.save_questionnaire(&record).await? {
                return Err(stale());
            }
            sheets::note(app, &plan, Changed::Questionnaire).await;
            Ok(QuestionnaireDesign {
                plan_id: plan_id.to_owned(),
                version: record.version,
                questionnaire: Some(record.questionnaire),
                opened_at: record.opened_at,
                editable: false,
            })
        },
    )
    .await
}

const NONE_OPEN: AppError = AppError::NotFound("该活动没有开放的问卷");

/// The opened questionnaire of an event, for anyone.
pub async fn public<S: Store>(
    app: &Services<S>,
    plan_id: &str,
) -> Result<PublicQuestionnaire, AppError> {
    let (record, _, status) = opened(app, plan_id).await?;
    Ok(PublicQuestionnaire {
        plan_id: plan_id.to_owned(),
        closed: closed_because(app, status, &record.questionnaire),
        questionnaire: record.questionnaire,
    })
}

/// The event's opened questionnaire and the plan's status today.
async fn opened<S: Store>(
    app: &Services<S>,
    plan_id: &str,
) -> Result<
    (
        QuestionnaireRecord,
        openday_store::records::PlanRecord,
        PlanStatus,
    ),
    AppError,
> {
    let record = app
        .store
        .questionnaire(plan_id)
        .await?
        .filter(|r| r.opened_at.is_some())
        .ok_or(NONE_OPEN)?;
    let plan = app.store.plan(plan_id).await?.ok_or(NONE_OPEN)?;
    let status = status_today(app, &plan);
    Ok((record, plan, status))
}

/// Whether the event's questionnaire takes answers today, for its page (whose plan status
/// is known): one read.
pub async fn taking_answers<S: Store>(
    app: &Services<S>,
    plan_id: &str,
    status: PlanStatus,
) -> Result<bool, AppError> {
    Ok(app
        .store
        .questionnaire(plan_id)
        .await?
        .filter(|r| r.opened_at.is_some())
        .is_some_and(|r| closed_because(app, status, &r.questionnaire).is_none()))
}

fn closed_because<S>(app: &Services<S>, status: PlanStatus, q: &Questionnaire) -> Option<String> {
    match status {
        PlanStatus::Cancelled => Some("该活动已取消".into()),
        PlanStatus::Responded => Some("采纳情况已公开反馈，问卷已结束".into()),
        _ => q.closed_because(app.today()),
    }
}

/// A participant's answers, with the phone proved: one set per phone.
pub async fn answer<S: Store>(
    app: &Services<S>,
    plan_id: &str,
    body: &AnswersToQuestionnaire,
    proof: &PhoneProof,
) -> Result<AnswersTaken, AppError> {
    let (record, plan, status) = opened(app, plan_id).await?;
    if let Some(why) = closed_because(app, status, &record.questionnaire) {
        return Err(Violation::new(Code::QuestionnaireClosed, why).into());
    }
    // Answers are checked before the code is spent on them.
    let answers = AnswerSet::parse(&record.questionnaire, &body.answers)?;
    let phone_hash = verified_phone(app, proof).await?;
    let opinions = answers.opinions(&record.questionnaire);
    let set = AnswerSetRecord {
        id: random_code()?,
        plan_id: plan_id.to_owned(),
        at: app.now(),
        answers,
    };
    match app.store.add_answer_set(&set, &phone_hash, &opinions).await {
        Ok(_) => {
            if !opinions.is_empty() {
                sheets::note(app, &plan, Changed::Feedback).await;
            }
            Ok(AnswersTaken {
                id: set.id,
                opinions: opinions.len(),
            })
        }
        Err(StoreError::AlreadyExists) => Err(AppError::Conflict {
            code: "ALREADY_ANSWERED",
            message: "该手机号码已提交过本问卷，每个手机号码只能提交一次".into(),
            field: Some("phone"),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The results (问卷结果), for the implementer and the offices above it.
pub async fn results<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
) -> Result<QuestionnaireResults, AppError> {
    visible_plan(app, actor, plan_id).await?;
    let record = app
        .store
        .questionnaire(plan_id)
        .await?
        .ok_or(AppError::NotFound("该活动尚未设计问卷"))?;
    results_of(app, record).await
}

async fn results_of<S: Store>(
    app: &Services<S>,
    record: QuestionnaireRecord,
) -> Result<QuestionnaireResults, AppError> {
    let sets: Vec<AnswerSet> = app
        .store
        .answer_sets(&record.plan_id)
        .await?
        .into_iter()
        .map(|s| s.answers)
        .collect();
    Ok(QuestionnaireResults {
        plan_id: record.plan_id,
        title: record.questionnaire.title.to_string(),
        respondents: sets.len(),
        questions: tally(&record.questionnaire, &sets),
    })
}

/// The results in a few lines for the published adoption response; none when no
/// questionnaire was opened.
pub async fn summary<S: Store>(
    app: &Services<S>,
    plan_id: &str,
) -> Result<Option<Vec<String>>, AppError> {
    let Some(record) = app
        .store
        .questionnaire(plan_id)
        .await?
        .filter(|r| r.opened_at.is_some())
    else {
        return Ok(None);
    };
    let results = results_of(app, record).await?;
    Ok(Some(summary_lines(&results.questions, results.respondents)))
}

/// The results as a table (问卷结果): per question, each choice or rating with its count
/// and share, the scale's mean, and each free-text answer.
pub async fn results_table<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    plan_id: &str,
) -> Result<Table, AppError> {
    audit::guarded_read(
        app,
        actor,
        StaffRole::Clerk,
        ("export.download", "问卷结果"),
        &format!("plan:{plan_id}"),
        async {
            let r = results(app, actor, plan_id).await?;
            let mut rows = Vec::new();
            for q in &r.questions {
                let head = |item: String, count: Cell, share: Cell| {
                    vec![
                        Cell::Number(q.number as f64),
                        Cell::from(q.title.as_str()),
                        Cell::from(q.kind.label()),
                        Cell::Text(item),
                        count,
                        share,
                    ]
                };
                for o in &q.options {
                    rows.push(head(
                        o.label.clone(),
                        Cell::Number(f64::from(o.count)),
                        Cell::Number(o.percent),
                    ));
                }
                if let Some(mean) = q.mean {
                    rows.push(head("平均分".into(), Cell::Number(mean), Cell::Empty));
                }
                for t in &q.texts {
                    rows.push(head(t.clone(), Cell::Empty, Cell::Empty));
                }
            }
            Ok(Table {
                sheet: "问卷结果".into(),
                columns: vec![
                    ("题号", 6.0),
                    ("题目", 30.0),
                    ("题型", 10.0),
                    ("选项、评分或回答", 40.0),
                    ("人数", 8.0),
                    ("占比（%）", 10.0),
                ],
                rows,
            })
        },
    )
    .await
}
