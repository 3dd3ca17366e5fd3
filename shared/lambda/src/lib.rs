//! Runs an openday router as an AWS Lambda behind an API Gateway HTTP API (payload v2).
//!
//! A function's `main` is one line: `openday_lambda::serve(openday_api::plans::router)`.

use axum::Router;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use openday_api::auth::TokenKey;
use openday_api::{App, Config};
use openday_store::{DynamoStore, PersonKey};

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

/// Runs `router` as the Lambda's handler.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    let service = tower::ServiceBuilder::new()
        .map_request(strip_stage)
        .service(router);
    lambda_http::run(service).await
}

fn secret(name: &str) -> Result<Vec<u8>, String> {
    let raw = std::env::var(name).map_err(|_| format!("{name} is not set"))?;
    Ok(raw.trim().as_bytes().to_vec())
}

/// The configuration of a function, from its environment:
/// `OPENDAY_TABLE`, `OPENDAY_TOKEN_SECRET`, `OPENDAY_PERSON_KEY` (each at least 32 bytes),
/// `OPENDAY_RETENTION_DAYS` (default 180), and the AWS SDK's own variables.
pub async fn app_from_env() -> Result<App<DynamoStore>, String> {
    let table = std::env::var("OPENDAY_TABLE").unwrap_or_else(|_| "openday".into());
    let retention_days = match std::env::var("OPENDAY_RETENTION_DAYS") {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("OPENDAY_RETENTION_DAYS: not a number: {v}"))?,
        Err(_) => 180,
    };
    let config = Config {
        tokens: TokenKey::new(&secret("OPENDAY_TOKEN_SECRET")?)?,
        person_key: PersonKey::new(&secret("OPENDAY_PERSON_KEY")?)?,
        retention_days,
    };
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let clock = openday_api::app::clock_from_env()?;
    Ok(App::new(store, config, clock))
}

/// JSON logs, as CloudWatch wants them; the level from `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .without_time()
        .try_init();
}

/// The whole `main` of an HTTP function: logs, configuration, clients once, then serve.
pub async fn serve(job: fn(App<DynamoStore>) -> Router) -> Result<(), lambda_http::Error> {
    init_tracing();
    let app = app_from_env().await.map_err(|e| {
        tracing::error!(error = %e, "configuration");
        e
    })?;
    run(job(app)).await
}
