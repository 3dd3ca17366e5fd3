//! The routers, one per job. Each is built through [`Routes`], which records every
//! (method, path) it serves so that the OpenAPI document and the deployment template can be
//! checked against what the code really routes.

pub(crate) mod bodies;
pub mod exports;
pub mod feedback;
pub mod plans;
pub mod programmes;
pub mod public;
pub mod reports;
pub mod rollup;

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};
use openday_rules::lifecycle::effective_status;
use openday_rules::org::{Organisation, Role};
use openday_store::records::PlanRecord;

use crate::app::{App, Store};
use crate::error::ApiError;

/// A router under construction that remembers its routes.
pub struct Routes<S> {
    router: Router<App<S>>,
    served: Vec<(Method, &'static str)>,
}

impl<S: Store> Routes<S> {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            served: Vec::new(),
        }
    }

    pub fn route(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<App<S>>,
    ) -> Self {
        self.served.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }

    /// The routes recorded so far.
    pub fn served(&self) -> &[(Method, &'static str)] {
        &self.served
    }

    /// These routes and `other`'s, in one router.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.served.extend(other.served);
        self.router = self.router.merge(other.router);
        self
    }

    /// The finished router: the per-address limit, the deadline, the request log; JSON
    /// errors for unknown routes, wrong methods and impossible paths; nothing cached.
    pub fn into_router(self, app: App<S>) -> Router {
        self.router
            .fallback(not_found)
            .layer(middleware::from_fn(crate::edge::sane_path))
            .layer(middleware::from_fn(crate::edge::json_errors_no_store))
            .layer(middleware::from_fn_with_state(
                app.rate.clone(),
                crate::limits::per_address,
            ))
            .layer(middleware::from_fn_with_state(
                app.config.limits.deadline,
                crate::limits::deadline,
            ))
            .layer(middleware::from_fn(log_request))
            .with_state(app)
    }
}

impl<S: Store> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

/// An axum handler for one method.
pub fn method<H, T, S>(method: &Method, handler: H) -> MethodRouter<App<S>>
where
    H: axum::handler::Handler<T, App<S>>,
    T: 'static,
    S: Store,
{
    let filter = match *method {
        Method::GET => MethodFilter::GET,
        Method::POST => MethodFilter::POST,
        Method::PUT => MethodFilter::PUT,
        Method::DELETE => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    };
    on(filter, handler)
}

/// Every router of the platform merged: what `openday serve` mounts.
pub fn all<S: Store>(app: App<S>) -> Router {
    plans::routes::<S>()
        .merge(public::routes())
        .merge(feedback::routes())
        .merge(reports::routes())
        .into_router(app)
}

/// An unknown path: the JSON error under `/api/`, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        ApiError::NotFound("请求的地址不存在").into_response()
    } else {
        crate::pages::PageError::new(axum::http::StatusCode::NOT_FOUND, "您访问的页面不存在。")
            .into_response()
    }
}

/// Every (method, path) each job serves, by job name: what the template must route.
pub fn table<S: Store>() -> Vec<(&'static str, Vec<(Method, &'static str)>)> {
    vec![
        ("plans", plans::routes::<S>().served().to_vec()),
        ("public", public::routes::<S>().served().to_vec()),
        ("feedback", feedback::routes::<S>().served().to_vec()),
        ("reports", reports::routes::<S>().served().to_vec()),
    ]
}

/// One log line per request: method, route template (never the raw path or query, which
/// may carry a registration code or a phone number), status and time.
async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let outcome = match status {
        200..=299 => "ok",
        400..=499 => "refused",
        _ => "failed",
    };
    tracing::info!(
        target: "openday::request",
        %method,
        route,
        status,
        outcome,
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// A plan with its implementer, or 404.
pub(crate) async fn plan_and_owner<S: Store>(
    app: &App<S>,
    id: &str,
) -> Result<(PlanRecord, Organisation), ApiError> {
    let plan = app
        .store
        .plan(id)
        .await?
        .ok_or(ApiError::NotFound("实施方案不存在"))?;
    let owner = app
        .store
        .org(plan.org_id.as_str())
        .await?
        .ok_or(ApiError::NotFound("实施方案的实施主体不存在"))?;
    Ok((plan, owner))
}

/// A plan the caller implements; 404 when there is none, 403 (`refusal`) for anyone else.
pub(crate) async fn implementer_plan<S: Store>(
    app: &App<S>,
    staff: &Organisation,
    id: &str,
    refusal: &'static str,
) -> Result<PlanRecord, ApiError> {
    let (plan, owner) = plan_and_owner(app, id).await?;
    if viewer_role(staff, &owner)? != Role::Implementer {
        return Err(ApiError::forbidden(refusal));
    }
    Ok(plan)
}

/// What the caller is to the plan; 403 when it may not see it at all.
pub(crate) fn viewer_role(staff: &Organisation, owner: &Organisation) -> Result<Role, ApiError> {
    let role = Role::of(staff, owner);
    if role.may_view() {
        Ok(role)
    } else {
        Err(ApiError::forbidden("无权查看其他机关的实施方案"))
    }
}

/// The plan's status today (the calendar's `held` included).
pub(crate) fn status_today<S>(
    app: &App<S>,
    plan: &PlanRecord,
) -> openday_rules::lifecycle::PlanStatus {
    effective_status(plan.status, &plan.plan.period, app.today())
}

/// Reads the `version` a state change was made from: required, so that no change is made
/// blind (an empty body must not cancel an announced plan with registrants).
pub(crate) fn version_from(
    raw: Option<&openday_rules::text::NumberLike>,
) -> Result<openday_rules::lifecycle::Version, ApiError> {
    let refused = |message: &str| {
        ApiError::from(
            openday_rules::Violation::new(openday_rules::Code::ValidationFailed, message)
                .at("version"),
        )
    };
    match raw {
        None => Err(refused(
            "请提供 version（所依据的方案版本号），以免覆盖他人刚做的修改",
        )),
        Some(n) => n
            .as_integer()
            .filter(|v| *v > 0)
            .map(|v| openday_rules::lifecycle::Version(v as u64))
            .ok_or_else(|| refused("版本号应为正整数")),
    }
}
