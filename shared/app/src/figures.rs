//! The year's figures of a scope (an organisation's plans, or a jurisdiction's subtree),
//! computed from the stored plans: each plan's outcome against the programme it follows,
//! the compliance figures, and the figures a report starts from.
//!
//! The facts of each plan (its seats, check-ins, ratings, feedback and adoptions) are read
//! once per computation, a few plans at a time, and every figure of every area is computed
//! from them in memory: a roll-up of a region's areas reads each plan once, not once per
//! area and per figure.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use openday_rules::compliance::{Figures, PlanOutcome, figures};
use openday_rules::feedback::{Adoption, FeedbackCategory, FeedbackChannel};
use openday_rules::org::{Id, OrgKind, Organisation};
use openday_rules::report::YearFigures;
use openday_rules::sweep::FindingKind;
use openday_store::keys;
use openday_store::records::{FindingRecord, PlanRecord, PlanScope};

use crate::access::status_today;
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

/// The prefix of the scope sort key of what `scope` covers (plans, findings).
fn prefix_of(scope: &PlanScope) -> String {
    match scope {
        PlanScope::Subtree { path } => path.clone(),
        PlanScope::Org { path, org_id } => keys::owned(path, org_id.as_str(), ""),
    }
}

/// Whether something owned by `org_id` at `org_path` is in `scope`: what the store's
/// query for the scope would return.
pub(crate) fn covers(scope: &PlanScope, org_path: &str, org_id: &Id) -> bool {
    keys::owned(org_path, org_id.as_str(), "").starts_with(&prefix_of(scope))
}

/// What to read of each plan beside the plan itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reads {
    /// Seats, check-ins and ratings: the compliance figures.
    Outcomes,
    /// Those and the feedback with its adoption: the year's figures.
    Everything,
}

/// What the year's figures need of one plan, read once.
pub(crate) struct PlanFacts {
    pub plan: PlanRecord,
    pub outcome: PlanOutcome,
    pub feedback: Vec<(FeedbackCategory, FeedbackChannel)>,
    pub adoptions: Vec<Adoption>,
}

/// The facts of every plan of `year` in `scope`, in the store's order.
pub(crate) async fn facts<S: Store>(
    app: &Services<S>,
    scope: &PlanScope,
    year: i32,
    reads: Reads,
) -> Result<Vec<PlanFacts>, AppError> {
    let plans = app.store.plans(year, scope).await?;
    // The few programme versions first (stored ones are cached by the store).
    let mut programmes: HashMap<u32, Arc<openday_rules::Programme>> = HashMap::new();
    for plan in &plans {
        if let std::collections::hash_map::Entry::Vacant(e) =
            programmes.entry(plan.programme_version)
        {
            e.insert(Arc::new(app.programme_of(plan).await?));
        }
    }
    stream::iter(plans)
        .map(|plan| {
            let programme = programmes
                .get(&plan.programme_version)
                .cloned()
                .unwrap_or_else(|| Arc::new(openday_rules::Programme::shipped()));
            facts_of(app, plan, programme, reads)
        })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await
}

/// One plan's facts: its seats counter (confirmed, checked in) only once announced, since
/// the counter is made by the announcement; the published response or, before it, the
/// answers saved so far.
async fn facts_of<S: Store>(
    app: &Services<S>,
    plan: PlanRecord,
    programme: Arc<openday_rules::Programme>,
    reads: Reads,
) -> Result<PlanFacts, AppError> {
    let (confirmed, attended) = if plan.announced_on.is_some() {
        let (seats, attended) = app.store.seats_and_attendance(&plan.id).await?;
        (seats.map_or(0, |s| s.confirmed), attended)
    } else {
        (0, 0)
    };
    let ratings = app
        .store
        .evaluations(&plan.id)
        .await?
        .into_iter()
        .map(|e| e.evaluation.rating)
        .collect();
    let (feedback, adoptions) = if reads == Reads::Everything {
        let feedback = app
            .store
            .feedback(&plan.id)
            .await?
            .into_iter()
            .map(|f| (f.feedback.category, f.feedback.channel))
            .collect();
        let response = match plan.responded_on {
            Some(_) => app.store.response(&plan.id).await?,
            None => None,
        };
        let answers = match response {
            Some(r) => r.items,
            None => app.store.answers(&plan.id).await?,
        };
        (feedback, answers.iter().map(|a| a.adoption).collect())
    } else {
        (Vec::new(), Vec::new())
    };
    // Only held plans count their interaction (an opened questionnaire among them).
    let held = matches!(
        status_today(app, &plan),
        openday_rules::lifecycle::PlanStatus::Held
            | openday_rules::lifecycle::PlanStatus::Responded
    );
    let questionnaire_opened = held
        && app
            .store
            .questionnaire(&plan.id)
            .await?
            .is_some_and(|q| q.opened_at.is_some());
    Ok(PlanFacts {
        outcome: PlanOutcome {
            qa_session: plan
                .plan
                .interactions
                .contains(openday_rules::plan::Interaction::QaSession),
            questionnaire_opened,
            status: plan.status,
            period: plan.plan.period,
            announced_on: plan.announced_on,
            confirmed,
            attended,
            responded_on: plan.responded_on,
            ratings,
            programme,
        },
        feedback,
        adoptions,
        plan,
    })
}

/// What each plan in the scope came to, by implementing organisation.
pub(crate) async fn outcomes<S: Store>(
    app: &Services<S>,
    scope: &PlanScope,
    year: i32,
) -> Result<Vec<(Id, PlanOutcome)>, AppError> {
    Ok(facts(app, scope, year, Reads::Outcomes)
        .await?
        .into_iter()
        .map(|f| (f.plan.org_id, f.outcome))
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
    let facts = facts(app, scope, year, Reads::Everything).await?;
    let findings = app.store.findings(year, &prefix_of(scope)).await?;
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
    let within: Vec<&PlanFacts> = facts
        .iter()
        .filter(|f| covers(scope, &f.plan.org_path, &f.plan.org_id))
        .collect();
    let years: Vec<openday_rules::report::PlanYear> = within
        .iter()
        .map(|f| openday_rules::report::PlanYear {
            plan: &f.plan.plan,
            status: status_today(app, &f.plan),
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
        .filter(|f| {
            keys::owned(&f.org_path, f.org_id.as_str(), &f.key).starts_with(&prefix_of(scope))
        })
        .map(|f| f.kind)
        .collect();
    openday_rules::report::year_figures(&years, &compliance, &findings)
}
