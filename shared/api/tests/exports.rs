//! Every export read back cell by cell: the workbook with a reader (calamine) and its sheet
//! XML (frozen header, column widths), the CSV with its byte order mark; scoped like the
//! data (another agency is refused).

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::io::{Cursor, Read};

use axum::http::{StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use common::{generous, world};
use serde_json::json;

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn sheet_xml(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => panic!("not text: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrants_feedback_and_compliance_read_back_cell_by_cell() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    let (first, _) = w.register(&id, 1).await;
    let (second, _) = w.register(&id, 2).await;
    w.clock.set("2026-09-20T08:30:00+08:00");
    let a = w
        .post(
            &format!("/api/plans/{id}/check-ins"),
            Some("nn-jt"),
            json!({"code": first}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);

    // Registrants, .xlsx: the header frozen, widths set, text as text, times as dates.
    let a = w
        .get(
            &format!("/api/plans/{id}/exports/registrants?format=xlsx"),
            Some("nn-jt"),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        a.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''%E6%8A%A5%E5%90%8D%E4%BA%BA%E5%91%98.xlsx"),
        "报名人员.xlsx"
    );
    let rows = sheet(&a.raw, "报名人员");
    let headers: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(
        headers,
        [
            "报名编号",
            "姓名",
            "身份证号码",
            "手机号码",
            "人员类别",
            "与本地的关系",
            "渠道",
            "状态",
            "报名时间",
            "签到时间"
        ]
    );
    assert_eq!(rows.len(), 3);
    let row = |code: &str| {
        rows.iter()
            .find(|r| r[0] == Data::String(code.into()))
            .unwrap()
    };
    let one = row(&first);
    assert!(text(&one[2]).contains("****"), "the ID number masked");
    assert!(text(&one[3]).contains("****"), "the phone masked");
    assert_eq!(text(&one[7]), "报名成功");
    let Data::DateTime(checked) = &one[9] else {
        panic!("the check-in time is a date cell: {:?}", one[9]);
    };
    // 2026-09-20 08:30 Shanghai, as an Excel serial date (days since 1899-12-30).
    let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 20).unwrap()
        - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    let expected = day.num_days() as f64 + 8.5 / 24.0;
    assert!(
        (checked.as_f64() - expected).abs() < 1e-6,
        "{}",
        checked.as_f64()
    );
    assert!(matches!(row(&second)[9], Data::Empty), "not checked in");
    let xml = sheet_xml(&a.raw);
    assert!(
        xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#),
        "{xml}"
    );
    assert!(
        xml.contains("<cols>") && xml.contains("customWidth"),
        "column widths"
    );

    // The same as CSV: a byte order mark, then the rows.
    let a = w
        .get(
            &format!("/api/plans/{id}/exports/registrants?format=csv"),
            Some("nn-jt"),
        )
        .await;
    assert_eq!(a.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(a.raw.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&a.raw[3..]);
    assert_eq!(reader.headers().unwrap().get(9), Some("签到时间"));
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    let one = records
        .iter()
        .find(|r| r.get(0) == Some(first.as_str()))
        .unwrap();
    assert_eq!(one.get(9), Some("2026-09-20 08:30"));

    // Scoped: another agency is refused, the office too (registrants are the agency's).
    let a = w
        .get(
            &format!("/api/plans/{id}/exports/registrants"),
            Some("nn-sj"),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = w
        .get(
            &format!("/api/plans/{id}/exports/registrants?format=pdf"),
            Some("nn-jt"),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    for query in ["format=", "year=", "year=abc"] {
        let a = w
            .get(
                &format!("/api/compliance/export?{query}"),
                Some("nn-office"),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }

    // Feedback with its adoption (a draft answer before publication); the office may read it.
    let phone = "13800139999";
    let code = w.sms_code(phone).await;
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback"),
            None,
            json!({"channel": "online", "category": "service", "content": "希望增加周末场次",
                   "phone": phone, "sms_code": code}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let fid = a.body["id"].as_str().unwrap().to_owned();
    let a = w
        .post(
            &format!("/api/plans/{id}/feedback-answers"),
            Some("nn-jt"),
            json!({"items": [{"feedback_id": fid, "adoption": "adopted", "reply": "十月起增开"}]}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = w
        .get(
            &format!("/api/plans/{id}/exports/feedback"),
            Some("nn-office"),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let rows = sheet(&a.raw, "意见建议");
    assert_eq!(rows.len(), 2);
    assert!(matches!(rows[1][0], Data::DateTime(_)));
    assert_eq!(
        rows[1][1..].iter().map(text).collect::<Vec<_>>(),
        ["线上", "服务改进", "希望增加周末场次", "采纳", "十月起增开"]
            .map(str::to_owned)
            .to_vec()
    );

    // The office's compliance figures: the total first, then each organisation, numbers as numbers.
    let a = w
        .get("/api/compliance/export?year=2026", Some("nn-office"))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let rows = sheet(&a.raw, "2026年度合规情况");
    assert_eq!(text(&rows[0][0]), "机关");
    assert!(text(&rows[1][0]).starts_with("合计"));
    let agency = rows
        .iter()
        .find(|r| r[0] == Data::String("南宁市交通运输局".into()))
        .expect("the agency's line");
    assert_eq!(agency[1], Data::Float(1.0), "one plan");
}

/// An export longer than the pages it is read in: 1,201 feedback items (three pages of
/// 500) come out whole and in time order, as a workbook and as CSV.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_export_is_read_in_pages_and_comes_out_whole_and_in_order() {
    use openday_rules::feedback::{Feedback, FeedbackDraft, FeedbackSource};
    use openday_store::ports::{FeedbackStore, Giver};
    let w = world(generous()).await;
    let id = w.announced(30).await;
    w.clock.set("2026-09-22T10:00:00+08:00");
    const ITEMS: usize = 1_201;
    for n in 0..ITEMS {
        let draft: FeedbackDraft = serde_json::from_value(
            json!({"channel": "offline", "category": "service", "content": format!("意见{n:04}")}),
        )
        .unwrap();
        let f = Feedback::parse(&draft, FeedbackSource::Agency).unwrap();
        let at = w.clock_now() + chrono::Duration::seconds(n as i64);
        w.store
            .add_feedback(&id, &f, Giver::Agency, at)
            .await
            .unwrap();
    }
    let path = format!("/api/plans/{id}/exports/feedback");
    let a = w.get(&format!("{path}?format=xlsx"), Some("nn-jt")).await;
    assert_eq!(a.status, StatusCode::OK);
    let rows = sheet(&a.raw, "意见建议");
    assert_eq!(rows.len(), ITEMS + 1, "the header and every item");
    let contents: Vec<String> = rows[1..].iter().map(|r| text(&r[3])).collect();
    let expected: Vec<String> = (0..ITEMS).map(|n| format!("意见{n:04}")).collect();
    assert_eq!(contents, expected, "in time order, none twice");
    assert!(sheet_xml(&a.raw).contains(r#"state="frozen""#));

    let a = w.get(&format!("{path}?format=csv"), Some("nn-jt")).await;
    assert_eq!(a.status, StatusCode::OK);
    let csv = String::from_utf8(a.raw[3..].to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), ITEMS + 1);
    assert!(lines[0].starts_with("提交时间,"), "{}", lines[0]);
    assert!(lines[1].contains("意见0000") && lines[ITEMS].contains("意见1200"));

    // Compressed on the way, as a browser asks: the stream is read to its end and past it.
    for format in ["csv", "xlsx"] {
        let req = axum::http::Request::get(format!("{path}?format={format}"))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", w.tokens.issue("nn-jt", w.clock_now())),
            )
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(w.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip", "{format}");
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 26)
            .await
            .unwrap();
        assert!(
            bytes.starts_with(&[0x1f, 0x8b]),
            "{format}: a whole gzip stream"
        );
    }
}

/// More records than a page: the audit listing continues with `next` and gives every
/// record once; its export holds them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_comes_a_page_at_a_time_and_its_export_whole() {
    let w = world(generous()).await;
    let id = w.announced(30).await;
    // Each download of the registrants is recorded.
    for _ in 0..130 {
        let a = w
            .get(
                &format!("/api/plans/{id}/exports/registrants?format=csv"),
                Some("nn-jt"),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    let mut cursor = String::new();
    loop {
        let a = w
            .get(&format!("/api/audit?cursor={cursor}"), Some("nn-jt"))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        pages += 1;
        for r in a.body["records"].as_array().unwrap() {
            let key = format!("{}#{}", r["entry"]["org_id"], r["seq"]);
            assert!(seen.insert(key), "a record twice");
        }
        match a.body["next"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert!(pages >= 2, "{pages} pages");
    assert!(seen.len() >= 130, "{} records", seen.len());
    let a = w.get("/api/audit/export?format=csv", Some("nn-jt")).await;
    assert_eq!(a.status, StatusCode::OK);
    let lines = String::from_utf8(a.raw[3..].to_vec())
        .unwrap()
        .lines()
        .count();
    // The header, and every record listed (the listing itself was recorded too, later).
    assert!(
        lines > seen.len(),
        "{lines} lines for {} records",
        seen.len()
    );
    let a = w.get("/api/audit?cursor=2020-01-01.", Some("nn-jt")).await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a day outside the span"
    );
}
