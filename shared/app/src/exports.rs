//! The tables staff download, scoped like the data they come from: an event's registrants
//! (its implementer; masked, with check-in times), its feedback with the adoption (its
//! implementer and the offices above), the year's compliance figures per organisation (an
//! office: its jurisdiction; an agency: its own line), and the regional roll-up. The HTTP
//! adapter writes them as `.xlsx` or CSV.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::{self, BoxStream, StreamExt};
use openday_rules::feedback::ResponseItem;
use openday_rules::org::Organisation;
use openday_store::paging::{Cursor, Page};
use openday_store::records::{FeedbackRecord, RegistrationRecord};

use crate::access::{implementer_plan, visible_plan};
use crate::actor::Actor as Person;
use crate::audit;
use crate::error::AppError;
use crate::services::{Services, Store};
use crate::views::Rollup;
use openday_rules::staff::StaffRole;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    /// An instant, written in Asia/Shanghai.
    Time(DateTime<Utc>),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(f64::from(n))
    }
}

impl From<Option<DateTime<Utc>>> for Cell {
    fn from(t: Option<DateTime<Utc>>) -> Self {
        t.map_or(Cell::Empty, Cell::Time)
    }
}

/// A sheet: its name, its columns (header and width in characters) and its rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub columns: Vec<(&'static str, f64)>,
    pub rows: Vec<Vec<Cell>>,
}

/// The year's figures in words: the report page and the roll-up workbook show the same lines.
pub fn figure_lines(f: &openday_rules::report::YearFigures) -> Vec<(&'static str, String)> {
    let counts = |c: &openday_rules::report::Counts| {
        if c.is_empty() {
            "无".to_owned()
        } else {
            c.iter()
                .map(|(k, v)| format!("{k}{v}"))
                .collect::<Vec<_>>()
                .join("，")
        }
    };
    let share = |r: openday_rules::compliance::Ratio| {
        if r.of == 0 {
            "—".to_owned()
        } else {
            format!("{}/{}", r.met, r.of)
        }
    };
    vec![
        (
            "实施方案",
            format!("{}个（{}）", f.plans, counts(&f.by_format)),
        ),
        ("开放环节", counts(&f.by_segment_kind)),
        ("已举办活动", format!("{}场", f.held)),
        (
            "参加人员",
            format!("确认{}人，现场签到{}人", f.registered, f.attended),
        ),
        (
            "意见建议",
            format!(
                "{}条；按类别：{}；按来源：{}",
                f.feedback,
                counts(&f.feedback_by_category),
                counts(&f.feedback_by_channel)
            ),
        ),
        (
            "采纳情况",
            format!(
                "{}；采纳率{}",
                counts(&f.adoption),
                f.adoption_rate
                    .map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
            ),
        ),
        ("按时发布公告", share(f.announced_on_time)),
        ("参加人数达到要求", share(f.participants_met)),
        ("按期公开采纳情况", share(f.responded_on_time)),
        (
            "网络测评",
            f.average_rating.map_or_else(
                || "无".to_owned(),
                |r| format!("平均{r:.2}分（{}条）", f.ratings),
            ),
        ),
        ("合规问题", counts(&f.findings)),
    ]
}

/// Rows arriving a page at a time.
pub type RowPages = BoxStream<'static, Result<Vec<Vec<Cell>>, AppError>>;

/// A table whose rows are read a page at a time while the download is written: a list of
/// any length in bounded memory.
pub struct Streamed {
    pub sheet: String,
    pub columns: Vec<(&'static str, f64)>,
    pub rows: RowPages,
}

/// Items read a page for a download.
const EXPORT_PAGE: u32 = 500;

/// Every page of a listing (`read` from a continuation), each turned into rows by `row`,
/// until the listing ends or a read fails (the failure is the stream's last item).
fn paged<T, F, Fut>(read: F, row: impl Fn(&T) -> Vec<Cell> + Send + Sync + 'static) -> RowPages
where
    T: Send + 'static,
    F: Fn(Option<Cursor>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>, openday_store::StoreError>> + Send + 'static,
{
    let row = Arc::new(row);
    stream::unfold(Some(None), move |state: Option<Option<Cursor>>| {
        let reading = state.map(&read);
        let row = row.clone();
        async move {
            match reading?.await {
                Ok(page) => {
                    let rows = page.items.iter().map(|item| row(item)).collect();
                    Some((Ok(rows), page.next.map(Some)))
                }
                Err(e) => Some((Err(e.into()), None)),
            }
        }
    })
    // Fused: a reader may poll again after the end (the compression layer does), which an
    // unfold alone does not allow.
    .fuse()
    .boxed()
}

/// An event's registrants, masked, with their check-in times, by registration time; for
/// its implementer.
pub async fn registrants<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
) -> Result<Streamed, AppError> {
    audit::guarded_read(
        app,
        org,
        StaffRole::Clerk,
        ("export.download", "报名人员"),
        &format!("plan:{id}"),
        registrants_inner(app, org, id),
    )
    .await
}

async fn registrants_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
) -> Result<Streamed, AppError> {
    implementer_plan(app, org, id, "只有实施机关可以导出报名人员").await?;
    let (store, id) = (app.store.clone(), id.to_owned());
    let read = move |after: Option<Cursor>| {
        let (store, id) = (store.clone(), id.clone());
        async move {
            store
                .registrations_page(&id, after.as_ref(), EXPORT_PAGE)
                .await
        }
    };
    Ok(Streamed {
        sheet: "报名人员".into(),
        columns: vec![
            ("报名编号", 12.0),
            ("姓名", 10.0),
            ("身份证号码", 22.0),
            ("手机号码", 14.0),
            ("人员类别", 14.0),
            ("与本地的关系", 12.0),
            ("渠道", 10.0),
            ("状态", 10.0),
            ("报名时间", 18.0),
            ("签到时间", 18.0),
        ],
        rows: paged(read, |r: &RegistrationRecord| {
            vec![
                r.code.as_str().into(),
                r.name.as_str().into(),
                r.id_masked.as_str().into(),
                r.phone_masked.as_str().into(),
                r.category.label().into(),
                r.relation.label().into(),
                r.channel.label().into(),
                r.status.label().into(),
                Cell::Time(r.registered_at),
                r.attended_at.into(),
            ]
        }),
    })
}

/// An event's feedback with its adoption (the published response, or the draft answers
/// before it is published), by time.
pub async fn feedback<S: Store>(
    app: &Services<S>,
    org: &Person,
    id: &str,
) -> Result<Streamed, AppError> {
    audit::guarded_read(
        app,
        org,
        StaffRole::Clerk,
        ("export.download", "意见建议"),
        &format!("plan:{id}"),
        feedback_inner(app, org, id),
    )
    .await
}

async fn feedback_inner<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    id: &str,
) -> Result<Streamed, AppError> {
    visible_plan(app, org, id).await?;
    // The answers are one item once published (the response), so they are read whole.
    let answers = match app.store.response(id).await? {
        Some(r) => r.items,
        None => app.store.answers(id).await?,
    };
    let answers: HashMap<String, ResponseItem> = answers
        .into_iter()
        .map(|a| (a.feedback_id.clone(), a))
        .collect();
    let (store, id) = (app.store.clone(), id.to_owned());
    let read = move |after: Option<Cursor>| {
        let (store, id) = (store.clone(), id.clone());
        async move { store.feedback_page(&id, after.as_ref(), EXPORT_PAGE).await }
    };
    Ok(Streamed {
        sheet: "意见建议".into(),
        columns: vec![
            ("提交时间", 18.0),
            ("渠道", 10.0),
            ("意见类别", 10.0),
            ("意见建议", 50.0),
            ("采纳情况", 10.0),
            ("答复", 50.0),
        ],
        rows: paged(read, move |f: &FeedbackRecord| {
            let answer = answers.get(&f.id);
            vec![
                Cell::Time(f.at),
                f.feedback.channel.label().into(),
                f.feedback.category.label().into(),
                f.feedback.content.to_string().into(),
                answer.map_or(Cell::Empty, |a| a.adoption.label().into()),
                answer
                    .and_then(|a| a.reply.as_ref())
                    .map_or(Cell::Empty, |r| r.to_string().into()),
            ]
        }),
    })
}

/// The year's figures: an office's per organisation of its jurisdiction and below, with
/// the total first; an agency's own.
pub async fn compliance<S: Store>(
    app: &Services<S>,
    org: Organisation,
    year: i32,
) -> Result<Table, AppError> {
    let name = org.name.to_string();
    let c = crate::compliance::of(app, org, year).await?;
    let row = |name: String, f: &openday_rules::compliance::Figures| {
        let ratio =
            |r: openday_rules::compliance::Ratio| -> [Cell; 2] { [r.met.into(), r.of.into()] };
        let mut row: Vec<Cell> = vec![name.into(), f.plans.into()];
        row.extend(ratio(f.announced_on_time));
        row.extend(ratio(f.participants_met));
        row.extend(ratio(f.responded_on_time));
        row.push(f.report.label().into());
        row.push(f.average_rating.map_or(Cell::Empty, Cell::Number));
        row.push(f.ratings.into());
        row.push(f.interactions.qa_session.into());
        row.push(f.interactions.questionnaire.into());
        row.push(f.interactions.missing.into());
        row
    };
    let mut rows = vec![row(format!("合计（{name}）"), &c.figures)];
    for o in c.organisations.iter().flatten() {
        rows.push(row(o.name.clone(), &o.figures));
    }
    Ok(Table {
        sheet: format!("{year}年度合规情况"),
        columns: vec![
            ("机关", 28.0),
            ("方案数", 8.0),
            ("按时发布公告", 12.0),
            ("应按时发布公告", 14.0),
            ("人数达标", 10.0),
            ("应达标", 8.0),
            ("按时公开采纳情况", 16.0),
            ("应按时公开", 10.0),
            ("年度报送", 12.0),
            ("网络测评平均分", 14.0),
            ("测评数", 8.0),
            ("举办座谈问答", 12.0),
            ("开放问卷调查", 12.0),
            ("互动环节未落实", 14.0),
        ],
        rows,
    })
}

/// The roll-up as sheets: the reporters' states, the roll-up by area, and a sheet per
/// reporter.
pub fn rollup(r: &Rollup) -> Vec<Table> {
    let rate =
        |f: &openday_rules::report::YearFigures| f.adoption_rate.map_or(Cell::Empty, Cell::Number);
    let mut tables = vec![
        Table {
            sheet: "报送情况".into(),
            columns: vec![
                ("机关", 28.0),
                ("报送状态", 12.0),
                ("报送日期", 12.0),
                ("实施方案", 10.0),
                ("已举办", 8.0),
                ("确认参加", 10.0),
                ("现场签到", 10.0),
                ("意见建议", 10.0),
                ("采纳率", 8.0),
            ],
            rows: r
                .reporters
                .iter()
                .map(|l| {
                    vec![
                        l.name.as_str().into(),
                        l.state.label().into(),
                        l.received_on.map_or(Cell::Empty, Cell::Date),
                        l.figures.plans.into(),
                        l.figures.held.into(),
                        l.figures.registered.into(),
                        l.figures.attended.into(),
                        l.figures.feedback.into(),
                        rate(&l.figures),
                    ]
                })
                .collect(),
        },
        Table {
            sheet: "分级汇总".into(),
            columns: vec![
                ("地区", 28.0),
                ("实施方案", 10.0),
                ("已举办", 8.0),
                ("确认参加", 10.0),
                ("现场签到", 10.0),
                ("意见建议", 10.0),
                ("采纳率", 8.0),
            ],
            rows: r
                .areas
                .iter()
                .map(|a| {
                    vec![
                        format!("{}{}", "　".repeat(a.depth), a.name).into(),
                        a.figures.plans.into(),
                        a.figures.held.into(),
                        a.figures.registered.into(),
                        a.figures.attended.into(),
                        a.figures.feedback.into(),
                        rate(&a.figures),
                    ]
                })
                .collect(),
        },
    ];
    for l in &r.reporters {
        let mut rows: Vec<Vec<Cell>> = vec![
            vec!["报送状态".into(), l.state.label().into()],
            vec![
                "报送日期".into(),
                l.received_on.map_or(Cell::Empty, Cell::Date),
            ],
        ];
        rows.extend(
            figure_lines(&l.figures)
                .into_iter()
                .map(|(k, v)| vec![k.into(), v.into()]),
        );
        if let Some(report) = &l.report {
            rows.push(vec!["开展情况".into(), report.summary.to_string().into()]);
            rows.push(vec![
                "典型经验".into(),
                report.experiences.to_string().into(),
            ]);
            if let Some(p) = &report.problems {
                rows.push(vec!["存在问题".into(), p.to_string().into()]);
            }
            if let Some(n) = &report.next_year {
                rows.push(vec!["下一步工作".into(), n.to_string().into()]);
            }
        }
        tables.push(Table {
            sheet: l.name.clone(),
            columns: vec![("项目", 18.0), ("内容", 80.0)],
            rows,
        });
    }
    tables
}

/// The records as a spreadsheet.
const AUDIT_COLUMNS: [(&str, f64); 10] = [
    ("时间", 18.0),
    ("机关", 14.0),
    ("人员", 24.0),
    ("地址", 16.0),
    ("操作", 24.0),
    ("对象", 24.0),
    ("结果", 12.0),
    ("说明", 24.0),
    ("序号", 8.0),
    ("哈希", 66.0),
];

fn audit_row(r: &openday_store::people::AuditRecord) -> Vec<Cell> {
    let e = &r.entry;
    vec![
        Cell::Time(e.at),
        e.org_id.as_str().into(),
        e.person.as_ref().map_or("", |p| p.email.as_str()).into(),
        e.address.as_str().into(),
        e.action.as_str().into(),
        e.object.to_string().into(),
        e.result.as_str().into(),
        e.detail.as_str().into(),
        Cell::Number(r.seq as f64),
        r.hash.as_str().into(),
    ]
}

/// Every record the audit query finds, page after page, for a download: the days it
/// covers and the rows as they are read.
pub async fn audit_trail<S: Store>(
    app: &Services<S>,
    actor: &crate::actor::Actor,
    q: &crate::audit::AuditQuery,
) -> Result<(NaiveDate, NaiveDate, Streamed), AppError> {
    // The first page checks who asks and for which days before anything is sent.
    let first = crate::audit::log(app, actor, q).await?;
    let (from, to) = (first.from, first.to);
    let (app, actor, q) = (app.clone(), actor.clone(), q.clone());
    let rows = stream::unfold(Some(Ok(first)), move |state| {
        let (app, actor, q) = (app.clone(), actor.clone(), q.clone());
        async move {
            let log = match state? {
                Ok(log) => log,
                Err(e) => return Some((Err(e), None)),
            };
            let rows = log.records.iter().map(audit_row).collect();
            let following = match log.next {
                None => None,
                Some(cursor) => {
                    let q = crate::audit::AuditQuery {
                        cursor: Some(cursor),
                        ..q
                    };
                    Some(crate::audit::log(&app, &actor, &q).await)
                }
            };
            Some((Ok(rows), following))
        }
    })
    .fuse()
    .boxed();
    Ok((
        from,
        to,
        Streamed {
            sheet: "操作日志".into(),
            columns: AUDIT_COLUMNS.to_vec(),
            rows,
        },
    ))
}
