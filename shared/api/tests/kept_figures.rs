//! The year's figures are kept as things happen (`openday_app::sheets`): a whole season
//! run through the use cases leaves nothing for the reconciliation to repair, and a
//! counter corrupted behind the application's back is found and repaired by it.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use common::{generous, world};
use openday_app::figures::year_figures_in;
use openday_app::sheets::reconcile;
use openday_store::ports::SheetStore;
use openday_store::records::PlanScope;
use openday_store::sheets::{LinePart, SheetOf};

fn everything() -> PlanScope {
    PlanScope::Subtree {
        path: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_figures_follow_a_season_and_the_reconciliation_repairs_a_corrupted_counter() {
    let w = world(generous()).await;
    w.clock.set("2026-10-10T10:00:00+08:00");
    let season = openday_app::demo::seed(&w.app.core).await.unwrap();
    let app = &w.app.core;

    // Every change of the season went through the use cases, which kept the sheets: the
    // reconciliation recomputes each plan's line from its data and finds them all equal.
    let r = reconcile(&app.store, 2026).await.unwrap();
    assert!(r.plans >= 5, "{r:?} {season:?}");
    assert_eq!((r.repaired, r.removed), (0, 0), "{r:?}");
    let kept = year_figures_in(app, &everything(), 2026).await.unwrap();
    assert!(kept.registered > 0 && kept.held > 0, "{kept:?}");
    assert!(kept.feedback > 0 && kept.ratings > 0, "{kept:?}");
    assert!(!kept.adoption.is_empty(), "{kept:?}");

    // A write lost or garbled: one plan's counter says 500 more people than registered.
    let sheets = app.store.sheets(2026, "").await.unwrap();
    let (sheet, line) = sheets
        .iter()
        .flat_map(|s| s.lines.iter().map(move |l| (s, l)))
        .find(|(_, l)| l.confirmed > 0)
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64;
    let garbled = LinePart::Seats {
        confirmed: line.confirmed + 500,
        attended: line.attended,
    };
    let of = SheetOf {
        year: 2026,
        org_id: &sheet.org_id,
        org_path: &sheet.org_path,
    };
    assert!(
        app.store
            .put_line_part(of, &line.plan_id, &garbled, now)
            .await
            .unwrap()
    );
    let wrong = year_figures_in(app, &everything(), 2026).await.unwrap();
    assert_eq!(wrong.registered, kept.registered + 500);

    // A stray line of a plan that is not the year's is taken off too.
    let stray = LinePart::Seats {
        confirmed: 7,
        attended: 0,
    };
    app.store
        .put_line_part(of, "feedbeef", &stray, now)
        .await
        .unwrap();

    let r = reconcile(&app.store, 2026).await.unwrap();
    assert_eq!((r.repaired, r.removed), (1, 1), "{r:?}");
    let repaired = year_figures_in(app, &everything(), 2026).await.unwrap();
    assert_eq!(repaired, kept);
    // And nothing is left to repair.
    let r = reconcile(&app.store, 2026).await.unwrap();
    assert_eq!((r.repaired, r.removed), (0, 0), "{r:?}");
}
