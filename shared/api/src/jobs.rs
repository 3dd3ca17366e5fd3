//! The one place the routers are put together, per Lambda job: each job's JSON routes and
//! its pages, with the fallback for unknown paths. The local server mounts them all.

use axum::Router;
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use crate::app::{App, Store};
use crate::error::ApiError;
use crate::pages::PageError;
use crate::routing::Routes;
use crate::{json, pages};

/// An unknown path: the JSON error under `/api/`, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found("请求的地址不存在").into_response()
    } else {
        PageError::new(axum::http::StatusCode::NOT_FOUND, "您访问的页面不存在。").into_response()
    }
}

fn finish<S: Store>(routes: Routes<S>, app: App<S>) -> Router {
    routes.into_router(app, not_found)
}

/// The plans job: the workflow API, the staff sign-in and plan pages.
pub mod plans {
    use super::*;

    pub fn routes<S: Store>() -> Routes<S> {
        json::plans::routes().merge(pages::staff::plan_routes())
    }

    pub fn router<S: Store>(app: App<S>) -> Router {
        finish(routes(), app)
    }
}

/// The public job: announcements, registration, the public pages.
pub mod public {
    use super::*;

    pub fn routes<S: Store>() -> Routes<S> {
        json::public::routes()
            .merge(json::receipts::routes())
            .merge(pages::public::routes())
    }

    pub fn router<S: Store>(app: App<S>) -> Router {
        finish(routes(), app)
    }
}

/// The feedback job: feedback, evaluations, the response; the registrants and feedback pages.
pub mod feedback {
    use super::*;

    pub fn routes<S: Store>() -> Routes<S> {
        json::feedback::routes()
            .merge(json::questionnaires::routes())
            .merge(pages::staff::feedback_routes())
    }

    pub fn router<S: Store>(app: App<S>) -> Router {
        finish(routes(), app)
    }
}

/// The reports job: reports, compliance, roll-up, programmes and their pages.
pub mod reports {
    use super::*;

    pub fn routes<S: Store>() -> Routes<S> {
        json::reports::routes()
            .merge(json::supervision::routes())
            .merge(json::assessment::routes())
            .merge(json::campaigns::routes())
            .merge(pages::staff::report_routes())
    }

    pub fn router<S: Store>(app: App<S>) -> Router {
        finish(routes(), app)
    }
}

/// Every router of the platform merged: what `openday serve` mounts.
pub fn all<S: Store>(app: App<S>) -> Router {
    finish(
        plans::routes::<S>()
            .merge(public::routes())
            .merge(feedback::routes())
            .merge(reports::routes()),
        app,
    )
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
