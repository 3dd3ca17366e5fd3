//! How a router is built: through [`Routes`], which records every (method, path) it serves
//! so that the OpenAPI document and the deployment template can be checked against what the
//! code really routes; and the layers every router has.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::app::{App, Store};

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

    /// The finished router: the per-address limit, the deadline, the request log;
    /// `fallback` for unknown routes; JSON errors for wrong methods and impossible paths;
    /// nothing cached but the public answers of `caching`; the security headers on every
    /// response.
    pub fn into_router<H, T>(self, app: App<S>, fallback: H) -> Router
    where
        H: axum::handler::Handler<T, App<S>>,
        T: 'static,
    {
        self.router
            .fallback(fallback)
            .layer(middleware::from_fn(crate::edge::sane_path))
            .layer(middleware::from_fn(crate::edge::json_errors_no_store))
            .layer(middleware::from_fn(crate::caching::shared_answers))
            .layer(middleware::from_fn_with_state(
                app.rate.clone(),
                crate::limits::per_address,
            ))
            .layer(middleware::from_fn_with_state(
                app.config.limits.deadline,
                crate::limits::deadline,
            ))
            .layer(middleware::from_fn(log_request))
            .layer(middleware::from_fn(crate::pages::view::scope))
            // Pages, JSON and the stylesheet compressed for clients that say they take it.
            .layer(tower_http::compression::CompressionLayer::new())
            .layer(crate::edge::SecurityHeaders::for_site(
                &app.core.settings.site,
            ))
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
