//! Runs an openday router as an AWS Lambda behind an API Gateway HTTP API (payload v2).
//!
//! A function's `main` is one line: `openday_lambda::serve(openday_api::plans::router)`.

use std::sync::Arc;

use axum::Router;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use openday_api::auth::TokenKey;
use openday_api::{App, Config};
use openday_app::metrics::Metrics;
use openday_mail::{Mailer, SesMailer};
use openday_rules::sweep::SweepKind;
use openday_sms::{SmsSender, SnsSms};
use openday_store::{DynamoStore, PersonKey};
use openday_sweeps::{Report, Sweeper};

/// API Gateway puts a named stage in front of the path (`/prod/api/plans`); the routers
/// know only `/api/plans`. `$default` has no prefix.
pub fn strip_stage(mut req: Request) -> Request {
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default" && !s.is_empty()) else {
        return req;
    };
    let prefix = format!("/{stage}");
    let path = req.uri().path();
    let Some(rest) = path
        .strip_prefix(&prefix)
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        return req;
    };
    let rest = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// The header the CDN adds to every request it forwards (`template.yaml`, `Cdn`), holding
/// the secret `OPENDAY_CDN_SECRET`: a request that carries it came through the CDN.
pub const CDN_HEADER: &str = "x-openday-cdn";

/// The caller's address from API Gateway (`requestContext.http.sourceIp`), for the rate
/// limits per source address.
pub fn client_ip(req: Request) -> Request {
    client_ip_via(None, req)
}

/// The caller's address when the function may sit behind the CDN whose secret is
/// `cdn_secret`: for a request that carries the secret, the viewer's address the CDN
/// read (`CloudFront-Viewer-Address`), since API Gateway sees only the CDN's; for any other
/// request (one sent straight to API Gateway, or with a wrong secret), the source address.
/// A header alone is never believed: anybody can send one.
pub fn client_ip_via(cdn_secret: Option<&str>, mut req: Request) -> Request {
    let via_cdn = cdn_secret.is_some_and(|secret| {
        req.headers()
            .get(CDN_HEADER)
            .is_some_and(|h| same_secret(h.as_bytes(), secret.as_bytes()))
    });
    let viewer = via_cdn.then(|| viewer_address(req.headers())).flatten();
    let ip = viewer.or_else(|| match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok())
        }
        _ => None,
    });
    if let Some(ip) = ip {
        req.extensions_mut()
            .insert(openday_api::limits::ClientIp(ip));
    }
    req
}

/// `CloudFront-Viewer-Address`: `198.51.100.10:46532`, or an IPv6 address and a port
/// (`2001:db8::1:46532`, brackets allowed).
fn viewer_address(headers: &axum::http::HeaderMap) -> Option<std::net::IpAddr> {
    let raw = headers.get("cloudfront-viewer-address")?.to_str().ok()?;
    let (ip, port) = raw.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Compares the secrets without stopping at the first difference (no timing to learn from).
fn same_secret(given: &[u8], secret: &[u8]) -> bool {
    given.len() == secret.len()
        && given
            .iter()
            .zip(secret)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Runs `router` as the Lambda's handler; after each request, what `metrics` counted
/// during it goes to the log as one embedded-metric-format line.
pub async fn run(router: Router, metrics: Arc<Metrics>) -> Result<(), lambda_http::Error> {
    let function = function_name();
    let service = tower::ServiceExt::map_response(service(router), move |response| {
        emit(&metrics, &function);
        response
    });
    lambda_http::run(service).await
}

/// This function's name (`AWS_LAMBDA_FUNCTION_NAME`): the `Function` dimension of its metrics.
fn function_name() -> String {
    std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "openday".into())
}

/// Writes what changed in `metrics` as an EMF line on standard output (CloudWatch reads it).
fn emit(metrics: &Metrics, function: &str) {
    if let Some(line) = metrics.emf(function, chrono::Utc::now().timestamp_millis()) {
        println!("{line}");
    }
}

/// What a function runs for each request: the stage taken off the path, the caller's
/// address noted, then the router.
pub fn service(
    router: Router,
) -> impl tower::Service<
    Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone {
    // Read once: the CDN's secret (at least 32 characters when set, template.yaml).
    let cdn_secret = std::env::var("OPENDAY_CDN_SECRET")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    tower::ServiceBuilder::new()
        .map_request(strip_stage)
        .map_request(move |req| client_ip_via(cdn_secret.as_deref(), req))
        .service(router)
}

fn secret(name: &str) -> Result<Vec<u8>, String> {
    let raw = std::env::var(name).map_err(|_| format!("{name} is not set"))?;
    Ok(raw.trim().as_bytes().to_vec())
}

/// How a function sends mail, chosen at compile time so that a function that sends none
/// does not link the SES client at all.
pub trait Mail {
    fn from_env(aws: &aws_config::SdkConfig) -> Result<Arc<dyn Mailer>, String>;
}

/// Mail by `OPENDAY_MAIL` ([`mailer_from_env`]): the functions that send workflow mail and
/// sign-in links, and the sweeps.
pub struct SendsMail;

impl Mail for SendsMail {
    fn from_env(aws: &aws_config::SdkConfig) -> Result<Arc<dyn Mailer>, String> {
        mailer_from_env(aws)
    }
}

/// No mail: the public function (registration, feedback and look-ups send text messages,
/// never mail).
pub struct NoMail;

impl Mail for NoMail {
    fn from_env(_aws: &aws_config::SdkConfig) -> Result<Arc<dyn Mailer>, String> {
        Ok(Arc::new(NoMail))
    }
}

impl Mailer for NoMail {
    fn send<'a>(&'a self, _mail: &'a openday_mail::Message<'a>) -> openday_mail::Sent<'a> {
        Box::pin(async { Err("this function sends no mail".to_owned()) })
    }
    fn describe(&self) -> String {
        "no mail".into()
    }
}

/// The configuration of a function, from its environment:
/// `OPENDAY_TABLE`, `OPENDAY_TOKEN_SECRET`, `OPENDAY_PERSON_KEY`, `OPENDAY_COOKIE_KEY` (each
/// at least 32 bytes; the cookie key is shared by every function that serves pages),
/// `OPENDAY_RETENTION_DAYS` (default 180), and the AWS SDK's own variables.
pub async fn app_from_env<M: Mail>() -> Result<App<DynamoStore>, String> {
    let retention_days = match std::env::var("OPENDAY_RETENTION_DAYS") {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("OPENDAY_RETENTION_DAYS: not a number: {v}"))?,
        Err(_) => 180,
    };
    let config = Config {
        tokens: TokenKey::new(&secret("OPENDAY_TOKEN_SECRET")?)?,
        person_key: person_key_from_env()?,
        retention_days,
        limits: openday_api::limits::Limits::from_env()?,
        // Behind API Gateway every page is served over HTTPS.
        cookies: openday_api::pages::CookieKey::new(&secret("OPENDAY_COOKIE_KEY")?, true)?,
        site: site_from_env()?,
    };
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let clock = openday_api::app::clock_from_env()?;
    let mailer = M::from_env(&aws)?;
    Ok(App::new(
        store_from_env(&aws),
        config,
        clock,
        mailer,
        sms_from_env(&aws)?,
    ))
}

/// What a sweep needs, and no more: the store, mail, text messages, the person key and
/// the site's address (no tokens, cookies, limits or clock: the event's time is now).
pub async fn sweeper_from_env() -> Result<Sweeper<DynamoStore>, String> {
    let person_key = person_key_from_env()?;
    let site = site_from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = store_from_env(&aws);
    Ok(Sweeper::new(
        store.clone(),
        mailer_from_env(&aws)?,
        openday_app::messages::logged(store, sms_from_env(&aws)?),
        person_key,
        site,
    ))
}

/// The table named by `OPENDAY_TABLE` (default `openday`).
fn store_from_env(aws: &aws_config::SdkConfig) -> DynamoStore {
    let table = std::env::var("OPENDAY_TABLE").unwrap_or_else(|_| "openday".into());
    DynamoStore::new(aws_sdk_dynamodb::Client::new(aws), table)
}

fn person_key_from_env() -> Result<PersonKey, String> {
    PersonKey::new(&secret("OPENDAY_PERSON_KEY")?)
}

/// `OPENDAY_SITE_URL`, without a trailing slash.
fn site_from_env() -> Result<String, String> {
    let site = std::env::var("OPENDAY_SITE_URL").map_err(|_| {
        "OPENDAY_SITE_URL is not set (the site's https:// address, for links in mail)".to_owned()
    })?;
    Ok(site.trim_end_matches('/').to_owned())
}

/// How text messages leave, by `OPENDAY_SMS`: `sns` (the default on AWS: [`sns_from_env`]),
/// `aliyun` or `tencent` (a domestic gateway: its keys, sign name and templates from
/// `OPENDAY_SMS_*`, see `docs/deploy.md`).
pub fn sms_from_env(aws: &aws_config::SdkConfig) -> Result<Arc<dyn SmsSender>, String> {
    let var = |name: &str| std::env::var(name).ok();
    match std::env::var("OPENDAY_SMS").unwrap_or_default().trim() {
        "" | "sns" => Ok(sns_from_env(aws)),
        "aliyun" => Ok(Arc::new(openday_sms::AliyunSms::from_vars(&var)?)),
        "tencent" => Ok(Arc::new(openday_sms::TencentSms::from_vars(&var)?)),
        other => Err(format!(
            "OPENDAY_SMS: {other:?} is not sns, aliyun or tencent"
        )),
    }
}

/// Amazon SNS for text messages, with the optional sender ID `OPENDAY_SMS_SENDER_ID` and
/// `OPENDAY_SMS_REGION` (SNS sends SMS from a few regions only).
pub fn sns_from_env(aws: &aws_config::SdkConfig) -> Arc<dyn SmsSender> {
    let mut config = aws_sdk_sns::config::Builder::from(aws);
    if let Ok(region) = std::env::var("OPENDAY_SMS_REGION") {
        config = config.region(aws_sdk_sns::config::Region::new(region));
    }
    let sender_id = std::env::var("OPENDAY_SMS_SENDER_ID")
        .ok()
        .filter(|v| !v.is_empty());
    Arc::new(SnsSms::new(
        aws_sdk_sns::Client::from_conf(config.build()),
        sender_id,
    ))
}

/// How mail leaves, by `OPENDAY_MAIL`: `ses` (the default on AWS: [`ses_from_env`]) or `smtp`
/// (a mail server of the deployment's own, `OPENDAY_SMTP_*`: [`openday_mail::SmtpConfig`]).
/// A function has no folder to keep an outbox in; the local server's default is the folder.
pub fn mailer_from_env(aws: &aws_config::SdkConfig) -> Result<Arc<dyn Mailer>, String> {
    match std::env::var("OPENDAY_MAIL").unwrap_or_default().trim() {
        "" | "ses" => ses_from_env(aws),
        "smtp" => smtp_from_env(),
        other => Err(format!("OPENDAY_MAIL: {other:?} is not ses or smtp")),
    }
}

/// SMTP from `OPENDAY_SMTP_HOST`, `_PORT`, `_SECURITY` (starttls, tls or none),
/// `_USERNAME`, `_PASSWORD`, `_CA_FILE`, `_TIMEOUT_SECONDS` and `OPENDAY_MAIL_FROM`.
pub fn smtp_from_env() -> Result<Arc<dyn Mailer>, String> {
    let config = openday_mail::SmtpConfig::from_vars(|name| std::env::var(name).ok())?;
    Ok(Arc::new(openday_mail::SmtpMailer::new(&config)?))
}

/// Amazon SES v2 from `OPENDAY_SES_SENDER` (a verified identity), with the optional
/// `OPENDAY_SES_CONFIGURATION_SET` and `OPENDAY_SES_REGION` (for regions without SES).
pub fn ses_from_env(aws: &aws_config::SdkConfig) -> Result<Arc<dyn Mailer>, String> {
    let sender = std::env::var("OPENDAY_SES_SENDER")
        .map_err(|_| "OPENDAY_SES_SENDER is not set".to_owned())?;
    let mut config = aws_sdk_sesv2::config::Builder::from(aws);
    if let Ok(region) = std::env::var("OPENDAY_SES_REGION") {
        config = config.region(aws_sdk_sesv2::config::Region::new(region));
    }
    let configuration_set = std::env::var("OPENDAY_SES_CONFIGURATION_SET")
        .ok()
        .filter(|v| !v.is_empty());
    Ok(Arc::new(SesMailer::new(
        aws_sdk_sesv2::Client::from_conf(config.build()),
        sender,
        configuration_set,
    )))
}

/// The instant of a scheduled EventBridge event (its `time`), which the sweep takes as now.
pub fn scheduled_time(event: &serde_json::Value) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let raw = event
        .get("time")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            "the event has no \"time\": not an EventBridge scheduled event".to_owned()
        })?;
    openday_rules::calendar::parse_instant("time", raw)
        .map_err(|v| format!("event time {raw}: {}", v.message))
}

/// Runs one sweep for a scheduled event: the event's time is "now".
pub async fn handle_scheduled<S: openday_sweeps::SweepStore>(
    sweeper: &Sweeper<S>,
    kind: SweepKind,
    event: &serde_json::Value,
) -> Result<Report, String> {
    let now = scheduled_time(event)?;
    sweeper.run(kind, now).await.map_err(|e| e.to_string())
}

/// The whole `main` of a sweep function.
pub async fn sweep(kind: SweepKind) -> Result<(), lambda_runtime::Error> {
    init_tracing();
    let metrics = Arc::new(Metrics::new());
    let mut sweeper = sweeper_from_env().await.map_err(|e| {
        tracing::error!(error = %e, "configuration");
        e
    })?;
    sweeper.mailer = openday_app::metrics::counted_mail(sweeper.mailer, metrics.clone());
    sweeper.sms = openday_app::metrics::counted_sms(sweeper.sms, metrics.clone());
    let function = function_name();
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let (sweeper, metrics, function) = (sweeper.clone(), metrics.clone(), function.clone());
            async move {
                let report = handle_scheduled(&sweeper, kind, &event.payload).await;
                if kind == SweepKind::Report
                    && let Ok(report) = &report
                {
                    reconcile_figures(&sweeper.store, report).await;
                }
                if let Ok(report) = &report {
                    // A run counts once it has finished: the alarm on a missed sweep
                    // watches these.
                    metrics.sweep_ran(report);
                }
                emit(&metrics, &function);
                Ok::<serde_json::Value, lambda_runtime::Error>(serde_json::to_value(report?)?)
            }
        },
    ))
    .await
}

/// The daily reconciliation of the kept figures (this year's and last year's), run by the
/// report sweep's function after its sweep: it logs what it repaired.
async fn reconcile_figures(store: &DynamoStore, report: &Report) {
    let Some(today) = report.today else {
        return;
    };
    let year = chrono::Datelike::year(&today);
    for year in [year - 1, year] {
        if let Err(e) = openday_app::sheets::reconcile(store, year).await {
            tracing::warn!(year, error = %e, "reconciling the kept figures failed; it runs again tomorrow");
        }
    }
}

/// JSON logs, as CloudWatch wants them; the level from `RUST_LOG` (default `info`).
pub fn init_tracing() {
    // Targets, not EnvFilter: the same `info,openday_api=debug` syntax without a regex
    // engine in every function.
    let filter: tracing_subscriber::filter::Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
        });
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(false)
                .without_time(),
        )
        .with(filter)
        .try_init();
}

/// The whole `main` of an HTTP function: logs, configuration, clients once, then serve.
/// `M` says how it mails ([`Ses`] or [`NoMail`]).
pub async fn serve<M: Mail>(job: fn(App<DynamoStore>) -> Router) -> Result<(), lambda_http::Error> {
    init_tracing();
    let app = app_from_env::<M>().await.map_err(|e| {
        tracing::error!(error = %e, "configuration");
        e
    })?;
    let metrics = app.core.metrics.clone();
    run(job(app), metrics).await
}
