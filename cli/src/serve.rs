//! `openday serve`: every router on one port, on the embedded engine by default.

use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use openday_rules::org::{Directory, DirectoryDraft};

use crate::local::{Local, ServerClock};

/// The demo directory, built in so that `--demo` works from any folder.
const DEMO_ORGS: &str = include_str!("../../infra/demo/orgs.json");

pub async fn serve(addr: SocketAddr, data: &Path, demo: bool) -> Result<(), String> {
    init_logs();
    let local = Local::open(data).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("无法监听 {addr}：{e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let mut app = local.app().await?;
    let fresh = openday_app::directory::is_empty(&app.core)
        .await
        .map_err(|e| e.to_string())?;
    // The clock is decided only now (a fresh demo may move it into the season).
    run_clock(&local, demo, fresh)?;
    app.core.clock = local.clock()?;
    // Links in mail point at this server unless the site's address is configured.
    if std::env::var("OPENDAY_SITE_URL").is_err() {
        app.core.settings.site = format!("http://{bound}");
    }
    if demo {
        demo_start(&app, &local, fresh).await?;
    }
    println!("邮件：{}", app.core.mailer.describe());
    println!("短信：{}", app.core.sms.describe());
    tokio::spawn(schedule(app.clone()));
    let router = openday_api::all(app.clone()).merge(metrics_route(app.core.metrics.clone()));
    println!(
        "openday listening on http://{bound} ({})",
        local.description
    );
    serve_connections(listener, router).await;
    local.close().await;
    Ok(())
}

/// The demo on a fresh folder: the demo directory, and a season seeded through the use
/// cases when the clock is in the programme's season; then, per organisation, its
/// 管理员's sign-in link and second factor's key.
async fn demo_start(
    app: &openday_api::App<openday_store::DynamoStore>,
    local: &Local,
    fresh: bool,
) -> Result<(), String> {
    let today = app.core.today();
    let in_season =
        openday_app::demo::demo_day(today, openday_rules::Programme::shipped().open_season())
            == today;
    if fresh {
        let draft: DirectoryDraft = serde_json::from_str(DEMO_ORGS).map_err(|e| e.to_string())?;
        let directory = Directory::parse(&draft).map_err(|e| e.to_string())?;
        openday_app::directory::import(&app.core, &directory)
            .await
            .map_err(|e| e.to_string())?;
        println!("已导入演示名录：{} 个机关。", directory.orgs.len());
        if !in_season {
            println!("OPENDAY_NOW 所指的 {today} 不在工作方案开放期的演示范围内：不生成演示数据。");
        }
    }
    if fresh && in_season {
        println!("正在生成演示数据（经由各项业务功能，约需十几秒）……");
        let season = openday_app::demo::seed(&app.core)
            .await
            .map_err(|e| format!("演示数据未能生成：{e}"))?;
        println!(
            "已生成演示数据：{} 个实施方案，{} 人报名，{} 条意见建议，{} 个合规问题。",
            season.plans, season.registrations, season.feedback, season.findings
        );
    }
    println!(
        "各机关管理员（机关邮箱）的登录链接（单次有效，{} 小时内使用；也可在 /staff/sign-in 用机关邮箱登录，邮件见 {}），\n以及演示用的动态验证码密钥（添加到手机验证器，或运行 openday totp 密钥 显示当前验证码）：",
        openday_api::pages::staff::DEMO_LINK_HOURS,
        local.data.join("outbox").display()
    );
    for org in openday_app::directory::organisations(&app.core)
        .await
        .map_err(|e| e.to_string())?
    {
        let link = openday_api::pages::staff::demo_link(app, &org).await?;
        let key = openday_app::second_factor::demo_key(&app.core, &org.email.to_lowercase())
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "  {:<12} {}  {}\n               动态验证码密钥 {}",
            org.id, org.name, link, key
        );
    }
    Ok(())
}

/// The clock this server runs on, kept in the data folder for `openday token` and
/// `openday totp`: `OPENDAY_NOW` when set; for a fresh demo outside the programme's season,
/// the system's clock moved into the season (printed); else the system's. A demo on a
/// folder seeded before keeps the clock it was seeded with.
fn run_clock(local: &Local, demo: bool, fresh: bool) -> Result<(), String> {
    if let Ok(raw) = std::env::var("OPENDAY_NOW")
        && !raw.trim().is_empty()
    {
        let at = openday_rules::calendar::parse_instant("OPENDAY_NOW", &raw)
            .map_err(|v| format!("OPENDAY_NOW: {}", v.message))?;
        return local.keep_clock(Some(ServerClock::Fixed(at)));
    }
    if !demo {
        return local.keep_clock(None);
    }
    if !fresh {
        return Ok(());
    }
    let today = openday_rules::local_day(&chrono::Utc::now());
    let day = openday_app::demo::demo_day(today, openday_rules::Programme::shipped().open_season());
    if day == today {
        return local.keep_clock(None);
    }
    println!(
        "演示时钟：{day}（今天 {today} 不在工作方案的开放期内：演示数据与服务器均按 {day} 运行，时间照常走动）"
    );
    local.keep_clock(Some(ServerClock::Shifted(
        (day - today).num_days() * 86_400,
    )))
}

/// `GET /metrics`: this server's counters in the Prometheus text format, for a collector
/// on the same machine only (the counters say how busy the platform is and how many codes
/// are refused: nothing for the public).
fn metrics_route(metrics: std::sync::Arc<openday_app::metrics::Metrics>) -> Router {
    Router::new().route(
        "/metrics",
        axum::routing::get(move |req: axum::extract::Request| async move {
            let from = req
                .extensions()
                .get::<openday_api::limits::ClientIp>()
                .map(|c| c.0);
            exposition_for(from, &metrics)
        }),
    )
}

fn exposition_for(
    from: Option<std::net::IpAddr>,
    metrics: &openday_app::metrics::Metrics,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    if !from.is_some_and(|ip| ip.is_loopback()) {
        return (StatusCode::FORBIDDEN, "只允许本机读取运行指标\n").into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        metrics.exposition(),
    )
        .into_response()
}

/// How long a client may take to send a request's headers (`OPENDAY_HEADER_TIMEOUT_MS`,
/// default 10 s): a slow sender (slowloris) is cut off instead of holding a connection
/// open. Slow bodies are bounded by each request's deadline.
fn header_timeout() -> std::time::Duration {
    std::env::var("OPENDAY_HEADER_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map_or(
            std::time::Duration::from_secs(10),
            std::time::Duration::from_millis,
        )
}

/// Serves `router` on `listener` until Ctrl-C or SIGTERM, then lets open requests finish.
/// Each request carries its peer address, for the rate limits per source address.
async fn serve_connections(listener: tokio::net::TcpListener, router: Router) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service =
            router
                .clone()
                .map_request(move |req: axum::http::Request<hyper::body::Incoming>| {
                    let mut req = req.map(axum::body::Body::new);
                    req.extensions_mut()
                        .insert(openday_api::limits::ClientIp(peer.ip()));
                    req
                });
        let conn = builder.serve_connection_with_upgrades(
            TokioIo::new(stream),
            TowerToHyperService::new(service),
        );
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    graceful.shutdown().await;
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn init_logs() {
    let filter =
        // The embedded engine logs every refused condition (a taken seat, a first start's
        // missing table) as a warning: those are answers, not faults.
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,dynoxide::server=error".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// The local schedule: every sweep at start (catching up) and daily at 09:00 Asia/Shanghai,
/// with the purge of expired personal data (the embedded engine applies no TTL); queued
/// mail is sent every minute.
async fn schedule(app: openday_api::App<openday_store::DynamoStore>) {
    use openday_rules::sweep::SweepKind;
    let sweeper = app.sweeper();
    let mut last_day = None;
    loop {
        let now = app.core.now();
        let local = now.with_timezone(&openday_rules::TZ);
        let today = local.date_naive();
        let due =
            last_day != Some(today) && (last_day.is_none() || chrono::Timelike::hour(&local) >= 9);
        if due {
            for kind in [SweepKind::Notice, SweepKind::Feedback, SweepKind::Report] {
                match sweeper.run(kind, now).await {
                    Ok(report) => {
                        app.core.metrics.sweep_ran(&report);
                        print_report(&report);
                    }
                    Err(e) => {
                        tracing::warn!(sweep = kind.wire(), error = %e, "sweep failed; it runs again tomorrow")
                    }
                }
            }
            match openday_app::sheets::reconcile_recent(&app.core).await {
                Ok(done) => done.iter().for_each(print_reconciled),
                Err(e) => {
                    tracing::warn!(error = %e, "reconciling the kept figures failed; it runs again tomorrow")
                }
            }
            match openday_app::retention::purge(&app.core).await {
                Ok(p) if p.registrations > 0 => println!(
                    "到期个人信息已删除：{} 场活动，{} 条报名记录",
                    p.events, p.registrations
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purge failed; it runs again tomorrow"),
            }
            last_day = Some(today);
        } else {
            let mut report = openday_sweeps::Report::default();
            if let Err(e) = sweeper.deliver(now, &mut report).await {
                tracing::warn!(error = %e, "sending queued mail failed");
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// What a reconciliation of the kept figures found, for people.
pub fn print_reconciled(r: &openday_app::sheets::Reconciled) {
    println!(
        "年度统计核对 {}：核对 {} 个方案，修复 {} 项，移除 {} 项",
        r.year, r.plans, r.repaired, r.removed
    );
}

/// What a sweep found and sent, for people.
pub fn print_report(r: &openday_sweeps::Report) {
    println!(
        "巡查 {}（{}）：读取 {} 项，新发现问题 {} 个，仍存在 {} 个，已解决 {} 个，新排队邮件 {} 封，已发送 {} 封，发送失败 {} 封",
        r.sweep,
        r.today.map(|d| d.to_string()).unwrap_or_default(),
        r.subjects_read,
        r.findings_new.len(),
        r.findings_holding.len(),
        r.resolved.len(),
        r.queued.len(),
        r.sent.len(),
        r.failed.len()
    );
    for key in &r.findings_new {
        println!("  问题  {key}");
    }
    for key in &r.sent {
        println!("  已发送 {key}");
    }
    for (key, error) in &r.failed {
        println!("  未发送 {key}：{error}（保留在队列中，下次重试）");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;

    #[test]
    fn the_metrics_are_for_this_machine_only() {
        let metrics = openday_app::metrics::Metrics::new();
        metrics.registration_taken();
        for (from, status) in [
            (Some([127, 0, 0, 1].into()), 200),
            (Some(std::net::Ipv6Addr::LOCALHOST.into()), 200),
            (Some([192, 0, 2, 7].into()), 403),
            (None, 403),
        ] {
            assert_eq!(
                exposition_for(from, &metrics).status().as_u16(),
                status,
                "{from:?}"
            );
        }
    }
}
