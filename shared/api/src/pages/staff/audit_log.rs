//! 操作日志: the audit trail for a 管理员 (their organisation's) or an office's 管理员 (its
//! jurisdiction's), filtered by days, person, plan, action and organisation, and downloaded
//! as a workbook or CSV with the same filters.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::Response;
use openday_app::audit::AuditQuery;

use super::{Me, SignedOutOr, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{FormState, PageError};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/audit",
            method(&Method::GET, audit::<S>),
        )
        .route(
            Method::GET,
            "/staff/audit/export",
            method(&Method::GET, audit_file::<S>),
        )
}

/// One record of the trail as the page shows it.
struct AuditRow {
    at: String,
    org: String,
    person: String,
    address: String,
    action: String,
    object: String,
    result: String,
    detail: String,
    seq: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    title: &'static str,
    me: Me,
    form: FormState,
    rows: Vec<AuditRow>,
    from: String,
    to: String,
    /// The same filters, for the download links.
    query: String,
    /// The next page's continuation, with the same filters.
    next: Option<String>,
}

async fn audit<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<AuditQuery>,
) -> Result<Response, SignedOutOr> {
    let mut form = FormState::with_values(
        [
            ("person", &q.person),
            ("plan", &q.plan),
            ("action", &q.action),
            ("org", &q.org),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
        .collect(),
    );
    let (mut from, mut to) = (String::new(), String::new());
    let mut next = None;
    let rows = match openday_app::audit::log(&app.core, &staff.org, &q).await {
        Ok(log) => {
            (from, to) = (log.from.to_string(), log.to.to_string());
            next = log.next;
            log.records
                .into_iter()
                .map(|r| AuditRow {
                    at: openday_app::audit::when(r.entry.at),
                    org: r.entry.org_id.to_string(),
                    person: r
                        .entry
                        .person
                        .map(|p| format!("{}（{}）", p.name, p.email))
                        .unwrap_or_default(),
                    address: r.entry.address,
                    action: format!(
                        "{}（{}）",
                        openday_app::audit::action_label(&r.entry.action),
                        r.entry.action
                    ),
                    object: r.entry.object.to_string(),
                    result: openday_app::audit::result_label(&r.entry.result),
                    detail: r.entry.detail,
                    seq: r.seq,
                })
                .collect()
        }
        Err(e @ openday_app::AppError::Rules(_)) => {
            let said = e.said();
            form.fail(said.field.as_deref().unwrap_or("from"), said.message);
            Vec::new()
        }
        Err(e) => return Err(PageError::from(e).into()),
    };
    let query = serde_urlencoded_pairs(&q, &from, &to);
    let page = AuditPage {
        title: "操作日志",
        me: staff.me(),
        form,
        rows,
        next: next.map(|n| {
            let cursor: String = form_urlencoded::byte_serialize(n.as_bytes()).collect();
            format!("{query}&cursor={cursor}")
        }),
        from,
        to,
        query,
    };
    Ok(staff_page(staff.jar, page))
}

/// The filters as a query string (the download links keep them).
fn serde_urlencoded_pairs(q: &AuditQuery, from: &str, to: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("from", from).append_pair("to", to);
    for (k, v) in [
        ("person", &q.person),
        ("plan", &q.plan),
        ("action", &q.action),
        ("org", &q.org),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            out.append_pair(k, v);
        }
    }
    out.finish()
}

async fn audit_file<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Query(q): Query<crate::exports::AuditExportQuery>,
) -> Result<Response, SignedOutOr> {
    let file = async {
        let format = crate::exports::FormatQuery {
            format: q.format.clone(),
            year: None,
        }
        .format()?;
        let (from, to, trail) =
            openday_app::exports::audit_trail(&app.core, &staff.org, &q.filter).await?;
        crate::exports::download_streamed(&format!("操作日志{from}至{to}"), format, trail).await
    };
    Ok(file.await.map_err(PageError::from)?)
}
