//! The year's figures of a scope (an organisation's plans, or a jurisdiction's subtree),
//! from the kept sheets (`sheets.rs`): each plan's outcome against the programme it
//! follows, the compliance figures, and the figures a report starts from.
//!
//! A scope's figures read its organisations' sheets, one item each however many plans
//! they hold, and compute every figure of every area from them in memory. What depends on
//! the day (a plan's status today, whether it was announced or answered on time) is
//! computed here, at reading, from the kept dates.

use std::collections::HashMap;
use std::sync::Arc;

use openday_rules::compliance::{Figures, PlanOutcome, figures};
use openday_rules::event::OpenPeriod;
use openday_rules::feedback::{Adoption, FeedbackCategory, FeedbackChannel, Rating};
use openday_rules::lifecycle::{PlanStatus, effective_status};
use openday_rules::org::{Id, OrgKind, Organisation};
use openday_rules::report::YearFigures;
use openday_rules::sweep::FindingKind;
use openday_rules::{Programme, ProgrammeRef};
use openday_store::keys;
use openday_store::records::{FindingRecord, PlanScope, region_of_path};
use openday_store::sheets::{PlanLine, PlanPart, Sheet};

use crate::error::AppError;
use crate::services::{Services, Store};

/// Plans whose facts are read at once: enough to overlap the round trips, few enough to
/// leave the store's capacity to the other requests.
pub(crate) const READS_AT_ONCE: usize = 8;

/// The plans an organisation answers for: a government's whole jurisdiction, otherwise its own.
pub(crate) fn scope_of(org: &Organisation) -> PlanScope {
    let path = keys::path_of(org);
    match org.kind {
        OrgKind::Government | OrgKind::Office => PlanScope::Subtree { path },
        _ => PlanScope::Org {
            path,
            org_id: org.id.clone(),
        },
    }
}

/// Whether something owned by `org_id` at `org_path` is under `prefix` (a scope's
/// [`PlanScope::prefix`]): what the store's query for the scope would return.
fn is_under(prefix: &str, org_path: &str, org_id: &Id) -> bool {
    keys::owned(org_path, org_id.as_str(), "").starts_with(prefix)
}

/// What the year's figures need of one plan, from its line.
pub(crate) struct PlanFacts {
    pub plan_id: String,
    pub org_id: Id,
    pub org_path: String,
    pub part: PlanPart,
    /// Its status today.
    pub status: PlanStatus,
    pub outcome: PlanOutcome,
    pub feedback: Vec<(FeedbackCategory, FeedbackChannel)>,
    pub adoptions: Vec<Adoption>,
}

/// The facts of every plan of `year` in `scope`, in scope order, from the kept sheets.
pub(crate) async fn facts<S: Store>(
    app: &Services<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<Vec<PlanFacts>, AppError> {
    let sheets = app.store.sheets(year, &scope.prefix()).await?;
    // The few programme versions first (stored ones are cached by the store).
    let mut programmes: HashMap<ProgrammeRef, Arc<Programme>> = HashMap::new();
    let mut all = Vec::new();
    for sheet in &sheets {
        for line in &sheet.lines {
            let Some(part) = &line.plan else {
                continue; // a count arrived before the plan's own part: not a plan yet
            };
            let at = ProgrammeRef {
                region: region_of_path(&sheet.org_path).unwrap_or_else(|| sheet.org_id.clone()),
                year,
                version: part.programme_version,
            };
            let programme = match programmes.get(&at) {
                Some(p) => p.clone(),
                None => {
                    let p = Arc::new(app.programme_at(&at).await?);
                    programmes.insert(at, p.clone());
                    p
                }
            };
            all.push(facts_of(app, sheet, line, part, programme, year)?);
        }
    }
    Ok(all)
}

/// One plan's facts from its line: what depends on the day is judged today.
fn facts_of<S>(
    app: &Services<S>,
    sheet: &Sheet,
    line: &PlanLine,
    part: &PlanPart,
    programme: Arc<Programme>,
    year: i32,
) -> Result<PlanFacts, AppError> {
    let period = OpenPeriod::new(year, part.format, part.start, part.end).map_err(|_| {
        AppError::from(openday_store::StoreError::Corrupt(format!(
            "the line of plan {} holds dates outside {year}",
            line.plan_id
        )))
    })?;
    let status = effective_status(part.status, &period, app.today());
    // Only held plans count their interaction (an opened questionnaire among them).
    let held = matches!(status, PlanStatus::Held | PlanStatus::Responded);
    let ratings = (1u8..=5)
        .zip(line.ratings)
        .flat_map(|(n, count)| std::iter::repeat_n(Rating::new(n), count as usize))
        .flatten()
        .collect();
    Ok(PlanFacts {
        outcome: PlanOutcome {
            qa_session: part.qa_session,
            questionnaire_opened: held && line.questionnaire_opened,
            status: part.status,
            period,
            announced_on: part.announced_on,
            confirmed: line.confirmed,
            attended: line.attended,
            responded_on: part.responded_on,
            ratings,
            programme,
        },
        feedback: line
            .feedback
            .iter()
            .flat_map(|&(c, ch, n)| std::iter::repeat_n((c, ch), n as usize))
            .collect(),
        adoptions: line
            .adoptions
            .iter()
            .flat_map(|&(a, n)| std::iter::repeat_n(a, n as usize))
            .collect(),
        plan_id: line.plan_id.clone(),
        org_id: sheet.org_id.clone(),
        org_path: sheet.org_path.clone(),
        part: part.clone(),
        status,
    })
}

/// What each plan in the scope came to, by implementing organisation.
pub(crate) async fn outcomes<S: Store>(
    app: &Services<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<Vec<(Id, PlanOutcome)>, AppError> {
    Ok(facts(app, scope, year)
        .await?
        .into_iter()
        .map(|f| (f.org_id, f.outcome))
        .collect())
}

/// The year's figures for an organisation's scope, from its plans' outcomes.
pub(crate) async fn statistics_of<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    year: i32,
    report_on: Option<chrono::NaiveDate>,
    outcomes: &[PlanOutcome],
) -> Result<Figures, AppError> {
    let programme = app.programme_for(org, year).await?.programme;
    Ok(figures(
        year,
        outcomes,
        programme.is_reporter(org),
        report_on,
        &programme,
        app.today(),
    ))
}

/// The year's figures for an organisation's scope, from the stored plans.
pub(crate) async fn statistics<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    year: i32,
    report_on: Option<chrono::NaiveDate>,
) -> Result<Figures, AppError> {
    let all: Vec<PlanOutcome> = outcomes(app, &scope_of(org), year)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    statistics_of(app, org, year, report_on, &all).await
}

/// The year's figures of an organisation's scope, from which its report starts: plans by
/// format and segment kind, events held, people registered and checked in, feedback by
/// category and channel, adoption, the on-time rates and ratings, the findings.
pub async fn year_figures_of<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    year: i32,
) -> Result<YearFigures, AppError> {
    year_figures_in(app, &scope_of(org), year).await
}

/// The year's figures of the plans in `scope` (an organisation's, or a jurisdiction's
/// subtree).
pub async fn year_figures_in<S: Store>(
    app: &Services<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<YearFigures, AppError> {
    let facts = facts(app, scope, year).await?;
    let findings = app.store.findings(year, &scope.prefix()).await?;
    Ok(year_figures_from(app, year, scope, &facts, &findings))
}

/// The year's figures of the plans and findings in `scope`, from facts and findings read
/// for a scope that contains it.
pub(crate) fn year_figures_from<S>(
    app: &Services<S>,
    year: i32,
    scope: &PlanScope,
    facts: &[PlanFacts],
    findings: &[FindingRecord],
) -> YearFigures {
    // Computed once: a roll-up asks this of every plan for every area.
    let prefix = scope.prefix();
    let within: Vec<&PlanFacts> = facts
        .iter()
        .filter(|f| is_under(&prefix, &f.org_path, &f.org_id))
        .collect();
    let years: Vec<openday_rules::report::PlanYear> = within
        .iter()
        .map(|f| openday_rules::report::PlanYear {
            format: f.part.format,
            segment_kinds: f.part.segment_kinds.clone(),
            status: f.status,
            confirmed: f.outcome.confirmed,
            attended: f.outcome.attended,
            feedback: f.feedback.clone(),
            adoptions: f.adoptions.clone(),
        })
        .collect();
    let outcomes: Vec<PlanOutcome> = within.iter().map(|f| f.outcome.clone()).collect();
    // Not a reporter's figures: the report measure is left out, so any programme will do.
    let compliance = figures(
        year,
        &outcomes,
        false,
        None,
        &openday_rules::Programme::shipped(),
        app.today(),
    );
    let findings: Vec<FindingKind> = findings
        .iter()
        .filter(|f| is_under(&prefix, &f.org_path, &f.org_id))
        .map(|f| f.kind)
        .collect();
    openday_rules::report::year_figures(&years, &compliance, &findings)
}
