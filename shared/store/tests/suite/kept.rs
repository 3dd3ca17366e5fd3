//! The kept figures' sheets and the listings a page at a time.

use std::collections::BTreeSet;

use openday_store::DynamoStore;
use openday_store::StoreError;
use openday_store::paging::Cursor;
use openday_store::ports::*;
use openday_store::records::*;
use openday_store::sheets::{LinePart, PlanPart, SheetOf};

use crate::common::*;

/// Seven plans read two at a time: every plan once, in the listing's order, for a scope and
/// for everything (an empty prefix, which DynamoDB refuses in a key condition); the last
/// page says no more follow, and a continuation of another listing is refused.
pub async fn plans_come_a_page_at_a_time(store: &DynamoStore) {
    store.import(&directory()).await.unwrap();
    let t = at("2026-08-01T09:00:00+08:00");
    let mut made = BTreeSet::new();
    for agency in [
        "nn-jt", "nn-jt", "nn-jt", "qx-sw", "qx-sw", "lz-st", "lz-st",
    ] {
        made.insert(
            store
                .create_plan(&org(agency), &plan(), 0, t)
                .await
                .unwrap()
                .id,
        );
    }
    for (path, expected) in [("", 7), ("gx/gx-nn/", 5)] {
        let scope = PlanScope::Subtree { path: path.into() };
        let whole: Vec<String> = store
            .plans(2026, &scope)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(whole.len(), expected);
        let mut paged = Vec::new();
        let mut after: Option<Cursor> = None;
        let mut pages = 0;
        loop {
            let page = store
                .plans_page(2026, &scope, after.as_ref(), 2)
                .await
                .unwrap();
            assert!(page.items.len() <= 2);
            paged.extend(page.items.into_iter().map(|p| p.id));
            pages += 1;
            match page.next {
                Some(next) => after = Some(Cursor::decode(&next.encode()).unwrap()),
                None => break,
            }
        }
        assert_eq!(paged, whole, "{path:?}: every plan once, in order");
        assert_eq!(pages, expected.div_ceil(2), "{path:?}: no empty last page");
    }
    let other = store
        .feedback_page(made.iter().next().unwrap(), None, 1)
        .await
        .unwrap();
    assert!(other.next.is_none() && other.items.is_empty());
    let foreign = Cursor::new(
        [("pk", "FEEDBACK#x"), ("sk", "1#x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    );
    let scope = PlanScope::Subtree {
        path: String::new(),
    };
    assert!(matches!(
        store.plans_page(2026, &scope, Some(&foreign), 2).await,
        Err(StoreError::BadCursor)
    ));
}

/// A line's parts: a part read later stays, one read earlier is refused; sheets are listed
/// by scope and a line can be taken off.
pub async fn sheets_keep_the_latest_reading(store: &DynamoStore) {
    store.import(&directory()).await.unwrap();
    let t = at("2026-08-01T09:00:00+08:00");
    let jt = store
        .create_plan(&org("nn-jt"), &plan(), 0, t)
        .await
        .unwrap();
    let lz = store
        .create_plan(&org("lz-st"), &plan(), 0, t)
        .await
        .unwrap();
    for record in [&jt, &lz] {
        let sheet = SheetOf {
            year: 2026,
            org_id: &record.org_id,
            org_path: &record.org_path,
        };
        let part = LinePart::Plan(PlanPart::of(record));
        assert!(
            store
                .put_line_part(sheet, &record.id, &part, 1)
                .await
                .unwrap()
        );
    }
    let sheet = SheetOf {
        year: 2026,
        org_id: &jt.org_id,
        org_path: &jt.org_path,
    };
    let seats = |confirmed| LinePart::Seats {
        confirmed,
        attended: 0,
    };
    assert!(
        store
            .put_line_part(sheet, &jt.id, &seats(5), 20)
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_line_part(sheet, &jt.id, &seats(4), 10)
            .await
            .unwrap(),
        "read earlier"
    );
    assert!(
        store
            .put_line_part(sheet, &jt.id, &seats(6), 20)
            .await
            .unwrap(),
        "as late"
    );
    let all = store.sheets(2026, "").await.unwrap();
    assert_eq!(all.len(), 2);
    let nanning = store.sheets(2026, "gx/gx-nn/").await.unwrap();
    assert_eq!(nanning.len(), 1);
    let line = &nanning[0].lines[0];
    assert_eq!((line.plan_id.as_str(), line.confirmed), (jt.id.as_str(), 6));
    assert_eq!(line.plan, Some(PlanPart::of(&jt)));
    assert!(store.sheets(2025, "").await.unwrap().is_empty());
    store.remove_line(sheet, &jt.id).await.unwrap();
    assert!(
        store.sheets(2026, "gx/gx-nn/").await.unwrap()[0]
            .lines
            .is_empty()
    );
}
