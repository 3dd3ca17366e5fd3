//! The published 通报 of an office's year: a page and a document.

use openday_app::assessment;
use openday_app::exports::{Cell, Table};
use openday_rules::calendar::when;
use openday_store::assessment::BulletinRecord;

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    title: String,
    b: BulletinRecord,
    published: String,
}

impl BulletinPage {
    fn points(&self, p: &Option<f64>) -> String {
        p.map_or_else(|| "—".into(), |x| format!("{x:.1}"))
    }
}

async fn read<S: Store>(
    app: &App<S>,
    office_id: &str,
    year: &str,
) -> Result<BulletinRecord, PageError> {
    let year = openday_app::years::year_of_text(&app.core, Some(year))?;
    Ok(assessment::bulletin(&app.core, office_id, year).await?)
}

pub(super) async fn page<S: Store>(
    State(app): State<App<S>>,
    Path((office_id, year)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let b = read(&app, &office_id, &year).await?;
    Ok(BulletinPage {
        title: format!("{}{}年度“政府开放日”工作考核通报", b.office_name, b.year),
        published: when(b.published_at),
        b,
    }
    .into_response())
}

/// The 通报 as a workbook: the results, then the text.
pub(super) async fn document<S: Store>(
    State(app): State<App<S>>,
    Path((office_id, year)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let b = read(&app, &office_id, &year).await?;
    let n = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Number);
    let results = Table {
        sheet: "考核结果".into(),
        columns: vec![
            ("机关", 30.0),
            ("折算得分", 10.0),
            ("调整", 8.0),
            ("总分", 8.0),
        ],
        rows: b
            .results
            .iter()
            .map(|r| {
                vec![
                    Cell::from(r.name.as_str()),
                    n(r.computed),
                    Cell::Number(r.adjustment),
                    n(r.total),
                ]
            })
            .collect(),
    };
    let text = Table {
        sheet: "通报".into(),
        columns: vec![("事项", 12.0), ("内容", 80.0)],
        rows: vec![
            vec![Cell::from("发布机关"), Cell::from(b.office_name.as_str())],
            vec![Cell::from("年度"), Cell::Number(f64::from(b.year))],
            vec![Cell::from("典型经验"), Cell::from(b.good_practice.as_str())],
            vec![Cell::from("存在问题"), Cell::from(b.problems.as_str())],
        ],
    };
    Ok(crate::exports::download_book(
        &format!("{}年度政府开放日考核通报", b.year),
        &[results, text],
    )?)
}
