//! Keeping the year's sheets up to date (`openday_store::sheets`). Every use case that
//! moves a figure notes what it changed here once its change is stored; the part of the
//! plan's line it touched is read afresh and written. The daily reconciliation recomputes
//! every line of a year from the data, repairs what drifted (a write lost to a crash or a
//! throttle, data written behind the application's back) and says how much it repaired.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use openday_store::records::{PlanRecord, PlanScope};
use openday_store::sheets::{LinePart, PlanLine, PlanPart, SheetOf};

use crate::error::AppError;
use crate::figures::READS_AT_ONCE;
use crate::services::{Services, Store};

/// What a use case changed of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The plan itself (created, revised, reviewed, announced, responded…): its own part,
    /// its seats (an announcement makes the counter) and its adoptions (a published
    /// response replaces the draft answers).
    Plan,
    /// Its registrations or check-ins.
    Seats,
    Ratings,
    Feedback,
    /// Its answers to feedback.
    Answers,
    Questionnaire,
}

/// The sheet a plan's line is on.
pub(crate) fn sheet_of(plan: &PlanRecord) -> SheetOf<'_> {
    SheetOf {
        year: plan.plan.year(),
        org_id: &plan.org_id,
        org_path: &plan.org_path,
    }
}

/// When facts are read, for ordering writes of the same part: taken before reading, so a
/// part read later wins. The wall clock, not the service's (which tests fix): only the
/// order of readings matters, never the calendar.
fn read_at() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Writes the part of `plan`'s line that `changed` touched, read afresh. The change itself
/// is stored already: a failure here leaves the figures behind until the plan's next
/// change or the reconciliation, so it is logged and not returned.
pub async fn note<S: Store>(app: &Services<S>, plan: &PlanRecord, changed: Changed) {
    if let Err(e) = write(&app.store, plan, changed).await {
        tracing::warn!(
            plan = %plan.id, part = ?changed, error = %e,
            "keeping the year's figures failed; the reconciliation repairs it"
        );
    }
}

async fn write<S: Store>(store: &S, plan: &PlanRecord, changed: Changed) -> Result<(), AppError> {
    let at = read_at();
    let parts = match changed {
        Changed::Plan => vec![
            LinePart::Plan(PlanPart::of(plan)),
            seats(store, plan).await?,
            adoptions(store, plan).await?,
        ],
        Changed::Seats => vec![seats(store, plan).await?],
        Changed::Ratings => vec![ratings(store, &plan.id).await?],
        Changed::Feedback => vec![feedback(store, &plan.id).await?],
        Changed::Answers => vec![adoptions(store, plan).await?],
        Changed::Questionnaire => vec![questionnaire(store, &plan.id).await?],
    };
    for part in &parts {
        store
            .put_line_part(sheet_of(plan), &plan.id, part, at)
            .await?;
    }
    Ok(())
}

/// Its seats counter (confirmed, checked in) once announced: the announcement makes it.
async fn seats<S: Store>(store: &S, plan: &PlanRecord) -> Result<LinePart, AppError> {
    let (confirmed, attended) = if plan.announced_on.is_some() {
        let (seats, attended) = store.seats_and_attendance(&plan.id).await?;
        (seats.map_or(0, |s| s.confirmed), attended)
    } else {
        (0, 0)
    };
    Ok(LinePart::Seats {
        confirmed,
        attended,
    })
}

async fn ratings<S: Store>(store: &S, plan_id: &str) -> Result<LinePart, AppError> {
    let mut counts = [0u32; 5];
    for e in store.evaluations(plan_id).await? {
        let at = usize::from(e.evaluation.rating.get().clamp(1, 5)) - 1;
        counts[at] += 1;
    }
    Ok(LinePart::Ratings(counts))
}

async fn feedback<S: Store>(store: &S, plan_id: &str) -> Result<LinePart, AppError> {
    let mut counts = BTreeMap::new();
    for f in store.feedback(plan_id).await? {
        *counts
            .entry((f.feedback.category, f.feedback.channel))
            .or_insert(0u32) += 1;
    }
    Ok(LinePart::Feedback(
        counts.into_iter().map(|((c, ch), n)| (c, ch, n)).collect(),
    ))
}

/// The published response's adoptions or, before it, those of the answers saved so far.
async fn adoptions<S: Store>(store: &S, plan: &PlanRecord) -> Result<LinePart, AppError> {
    let response = match plan.responded_on {
        Some(_) => store.response(&plan.id).await?,
        None => None,
    };
    let answers = match response {
        Some(r) => r.items,
        None => store.answers(&plan.id).await?,
    };
    let mut counts = BTreeMap::new();
    for a in &answers {
        *counts.entry(a.adoption).or_insert(0u32) += 1;
    }
    Ok(LinePart::Adoptions(counts.into_iter().collect()))
}

async fn questionnaire<S: Store>(store: &S, plan_id: &str) -> Result<LinePart, AppError> {
    Ok(LinePart::Questionnaire {
        opened: store
            .questionnaire(plan_id)
            .await?
            .is_some_and(|q| q.opened_at.is_some()),
    })
}

/// A plan's whole line, computed from its data.
pub(crate) async fn line_of<S: Store>(store: &S, plan: &PlanRecord) -> Result<PlanLine, AppError> {
    let mut line = PlanLine::new(&plan.id);
    line.apply(LinePart::Plan(PlanPart::of(plan)));
    for part in [
        seats(store, plan).await?,
        ratings(store, &plan.id).await?,
        feedback(store, &plan.id).await?,
        adoptions(store, plan).await?,
        questionnaire(store, &plan.id).await?,
    ] {
        line.apply(part);
    }
    Ok(line)
}

/// What a reconciliation of a year found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reconciled {
    pub year: i32,
    /// Plans whose lines were recomputed.
    pub plans: usize,
    /// Parts that differed from the data and were written again.
    pub repaired: usize,
    /// Lines of plans that are no longer of the year, taken off.
    pub removed: usize,
}

/// Recomputes every line of `year` from the data and repairs the sheets where they differ.
pub async fn reconcile<S: Store>(store: &S, year: i32) -> Result<Reconciled, AppError> {
    let everything = PlanScope::Subtree {
        path: String::new(),
    };
    // Each kept line with the sheet it is on.
    let mut kept: HashMap<String, (openday_rules::org::Id, String, PlanLine)> = HashMap::new();
    for sheet in store.sheets(year, "").await? {
        for line in sheet.lines {
            let on = (sheet.org_id.clone(), sheet.org_path.clone(), line);
            kept.insert(on.2.plan_id.clone(), on);
        }
    }
    let plans = store.plans(year, &everything).await?;
    let ids: HashSet<&str> = plans.iter().map(|p| p.id.as_str()).collect();
    let mut done = Reconciled {
        year,
        plans: plans.len(),
        ..Reconciled::default()
    };
    let repairs: Vec<usize> = stream::iter(plans.iter().cloned())
        .map(|plan| {
            let kept = kept.get(&plan.id).map(|(_, _, line)| line.clone());
            async move { repair(store, &plan, kept).await }
        })
        .buffer_unordered(READS_AT_ONCE)
        .try_collect()
        .await?;
    done.repaired = repairs.iter().sum();
    for (plan_id, (org_id, org_path, _)) in &kept {
        if !ids.contains(plan_id.as_str()) {
            let sheet = SheetOf {
                year,
                org_id,
                org_path,
            };
            store.remove_line(sheet, plan_id).await?;
            done.removed += 1;
        }
    }
    if done.repaired > 0 || done.removed > 0 {
        tracing::warn!(
            year,
            plans = done.plans,
            repaired = done.repaired,
            removed = done.removed,
            "the year's figures had drifted from the data and were repaired"
        );
    } else {
        tracing::info!(
            year,
            plans = done.plans,
            "the year's figures match the data"
        );
    }
    Ok(done)
}

/// Writes the parts of `plan`'s line that differ from the `kept` one; how many.
async fn repair<S: Store>(
    store: &S,
    plan: &PlanRecord,
    kept: Option<PlanLine>,
) -> Result<usize, AppError> {
    let at = read_at();
    let line = line_of(store, plan).await?;
    let kept = kept.unwrap_or_else(|| PlanLine::new(&plan.id));
    let mut repaired = 0;
    for part in line.parts() {
        let mut probe = kept.clone();
        probe.apply(part.clone());
        if probe != kept {
            store
                .put_line_part(sheet_of(plan), &plan.id, &part, at)
                .await?;
            repaired += 1;
        }
    }
    Ok(repaired)
}

/// [`note`] for a plan known by its id (the use case did not read it).
pub async fn note_plan<S: Store>(app: &Services<S>, plan_id: &str, changed: Changed) {
    match app.store.plan(plan_id).await {
        Ok(Some(plan)) => note(app, &plan, changed).await,
        Ok(None) => {}
        Err(e) => tracing::warn!(
            plan = %plan_id, part = ?changed, error = %e,
            "keeping the year's figures failed; the reconciliation repairs it"
        ),
    }
}

/// The daily reconciliation: this year's figures and last year's (whose reports and
/// answers are still being written in its first months).
pub async fn reconcile_recent<S: Store>(app: &Services<S>) -> Result<Vec<Reconciled>, AppError> {
    let year = chrono::Datelike::year(&app.today());
    let mut done = Vec::new();
    for year in [year - 1, year] {
        done.push(reconcile(&app.store, year).await?);
    }
    Ok(done)
}
