//! The region's roll-up: two cities and four counties, every reporter's state, the figures
//! rolled up region → city → county, a city office's own subtree, and the workbook.

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use common::{World, generous, world};
use openday_store::ports::DirectoryStore;
use serde_json::{Value, json};

/// The demo directory with a fourth county (柳州市鱼峰区) and its government.
async fn four_counties(w: &World) {
    let mut draft: Value =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/orgs.json")).unwrap();
    draft["jurisdictions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "gx-lz-yf", "name": "鱼峰区", "level": "county", "parent": "gx-lz"}));
    draft["orgs"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "yf-gov", "name": "柳州市鱼峰区人民政府",
        "kind": "government", "jurisdiction": "gx-lz-yf", "email": "zhengfu@yf.example.org"}));
    let draft: openday_rules::org::DirectoryDraft = serde_json::from_value(draft).unwrap();
    let directory = openday_rules::org::Directory::parse(&draft).unwrap();
    w.store.import(&directory).await.unwrap();
}

fn report(summary: &str) -> Value {
    json!({"year": 2026, "summary": summary, "experiences": "逐条反馈"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_region_sees_every_reporter_and_the_figures_rolled_up() {
    let w = world(generous()).await;
    four_counties(&w).await;
    // 南宁市交通运输局's plan, announced, with two registrants; 青秀区水利局's, submitted.
    let id = w.announced(30).await;
    for n in 1..=2 {
        w.register(&id, n).await;
    }
    w.clock.set("2026-08-01T09:00:00+08:00");
    let mut plan: Value =
        serde_json::from_str(&openday_testkit::repo_file("infra/demo/plan.json")).unwrap();
    plan["name"] = json!("南宁市青秀区水利局“政府开放日”");
    let a = w.post("/api/plans", Some("qx-sw"), plan).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);

    // 南宁市 reports on time, 青秀区 late; the others have not.
    w.clock.set("2026-11-10T10:00:00+08:00");
    assert_eq!(
        w.post("/api/reports", Some("nn-gov"), report("南宁市开展1场"))
            .await
            .status,
        StatusCode::CREATED
    );
    w.clock.set("2026-11-17T10:00:00+08:00");
    assert_eq!(
        w.post("/api/reports", Some("qx-gov"), report("青秀区报送1个方案"))
            .await
            .status,
        StatusCode::CREATED
    );

    let a = w.get("/api/reports?year=2026", Some("gx-office")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let states: Vec<(String, String)> = a.body["reporters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["org_id"].as_str().unwrap().to_owned(),
                r["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let state = |org: &str| {
        states
            .iter()
            .find(|(o, _)| o == org)
            .map(|(_, s)| s.as_str())
    };
    assert_eq!(state("nn-gov"), Some("on_time"));
    assert_eq!(state("qx-gov"), Some("late"));
    for org in ["lz-gov", "wm-gov", "lb-gov", "yf-gov", "gx-edu", "gx-hrss"] {
        assert_eq!(state(org), Some("missing"), "{org}");
    }
    assert_eq!(
        state("nn-jt"),
        None,
        "a city department does not report to the region"
    );
    assert_eq!(states.len(), 8);

    let areas: Vec<(String, u64, u64, u64)> = a.body["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["jurisdiction_id"].as_str().unwrap().to_owned(),
                x["depth"].as_u64().unwrap(),
                x["figures"]["plans"].as_u64().unwrap(),
                x["figures"]["registered"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        areas,
        [
            ("gx".into(), 0, 2, 2),
            ("gx-lz".into(), 1, 0, 0),
            ("gx-lz-lb".into(), 2, 0, 0),
            ("gx-lz-yf".into(), 2, 0, 0),
            ("gx-nn".into(), 1, 2, 2),
            ("gx-nn-qx".into(), 2, 1, 0),
            ("gx-nn-wm".into(), 2, 0, 0),
        ]
    );

    // The public's open data: counts per area, no names of people or organisations; a
    // plan never announced is not an open day held.
    let a = w.get("/api/statistics?year=2026", None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let stat = |id: &str| {
        a.body["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["jurisdiction_id"] == id)
            .map(|x| {
                (
                    x["held"].as_u64().unwrap(),
                    x["participants"].as_u64().unwrap(),
                )
            })
            .unwrap()
    };
    assert_eq!(stat("gx"), (1, 2));
    assert_eq!(stat("gx-nn"), (1, 2));
    assert_eq!(stat("gx-nn-qx"), (0, 0), "submitted, never announced");
    assert_eq!(stat("gx-lz"), (0, 0));
    assert!(
        !a.body.to_string().contains("nn-jt"),
        "no organisation in the open data"
    );
    let a = w.get("/api/statistics?year=", None).await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a year given empty"
    );

    // A city office sees its own city and counties; an agency sees none of it.
    let a = w.get("/api/reports?year=2026", Some("nn-office")).await;
    let ids: Vec<&str> = a.body["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["jurisdiction_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gx-nn", "gx-nn-qx", "gx-nn-wm"]);
    assert_eq!(
        a.body["reporters"].as_array().unwrap().len(),
        3,
        "nn-gov, qx-gov, wm-gov"
    );
    assert_eq!(
        w.get("/api/reports?year=2026", Some("nn-jt")).await.status,
        StatusCode::FORBIDDEN
    );

    // One workbook: the states, the roll-up, and a sheet per reporter.
    let a = w
        .get("/api/reports/export?year=2026", Some("gx-office"))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(a.raw.clone())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 2 + 8);
    assert_eq!(&names[..2], ["报送情况", "分级汇总"]);
    assert!(names.contains(&"南宁市人民政府".to_owned()));
    let states = book.worksheet_range("报送情况").unwrap();
    let nn = states
        .rows()
        .find(|r| r[0] == Data::String("南宁市人民政府".into()))
        .unwrap();
    assert_eq!(nn[1], Data::String("按时报送".into()));
    assert!(matches!(nn[2], Data::DateTime(_)), "the day as a date");
    let rollup = book.worksheet_range("分级汇总").unwrap();
    let nanning = rollup
        .rows()
        .find(|r| matches!(&r[0], Data::String(s) if s.trim() == "南宁市"))
        .unwrap();
    assert_eq!(
        (nanning[1].clone(), nanning[3].clone()),
        (Data::Float(2.0), Data::Float(2.0))
    );
    let qx = book.worksheet_range("南宁市青秀区人民政府").unwrap();
    let lines: Vec<String> = qx.rows().map(|r| format!("{}={}", r[0], r[1])).collect();
    assert!(lines.contains(&"报送状态=逾期报送".to_owned()), "{lines:?}");
    assert!(
        lines.contains(&"开展情况=青秀区报送1个方案".to_owned()),
        "{lines:?}"
    );
}
