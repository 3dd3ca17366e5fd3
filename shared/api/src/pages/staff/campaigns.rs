//! 联合开放活动: a city or county office sets one up (period, invited agencies) and publishes
//! its 集中公告; an invited agency ties its own plan to it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use openday_app::campaigns::{self, CampaignView, TieBody};
use openday_app::plans::{self, ListQuery};
use openday_rules::calendar::day_span;
use openday_rules::campaign::{CampaignDraft, may_organise};
use openday_rules::text::NumberLike;

use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{Choice, FormState, PageError, see_other, take_notice, with_notice};
use crate::routing::{Routes, method};

pub fn routes<S: Store>() -> Routes<S> {
    Routes::new()
        .route(
            Method::GET,
            "/staff/campaigns",
            method(&Method::GET, page::<S>),
        )
        .route(
            Method::POST,
            "/staff/campaigns",
            method(&Method::POST, act::<S>),
        )
}

/// A campaign on the page.
pub struct CampaignCard {
    pub v: CampaignView,
    pub dates: String,
    pub invited: bool,
    pub organiser: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/campaigns.html")]
struct CampaignsPage {
    title: String,
    me: Me,
    notice: Option<String>,
    cards: Vec<CampaignCard>,
    form: FormState,
    /// May set up campaigns (a city or county office).
    organise: bool,
    /// The agencies it may invite (checkboxes `agency.<id>`).
    agencies: Vec<Choice>,
    /// The agency's own plans to tie (select `plan_id`).
    plans: Vec<Choice>,
}

async fn render<S: Store>(
    app: &App<S>,
    staff: &StaffSession,
    form: FormState,
    notice: Option<String>,
) -> Result<CampaignsPage, PageError> {
    let organise = may_organise(&staff.org);
    let cards = campaigns::of(&app.core, &staff.org)
        .await?
        .into_iter()
        .map(|v| CampaignCard {
            dates: day_span(v.campaign.from, v.campaign.until),
            invited: v.campaign.agencies.contains(&staff.org.id),
            organiser: v.office_id == staff.org.id.as_str(),
            v,
        })
        .collect();
    let agencies = if organise {
        openday_app::directory::implementers_within(&app.core, &staff.org)
            .await?
            .into_iter()
            .map(|o| {
                let name = format!("agency.{}", o.id);
                Choice {
                    chosen: form.checked(&name),
                    value: name,
                    label: o.name.to_string(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let plans = if organise {
        Vec::new()
    } else {
        // The campaign picks among the year's plans: the longest page there is.
        let q = ListQuery {
            limit: Some(NumberLike::Text(
                openday_store::paging::MAX_PAGE.to_string(),
            )),
            ..ListQuery::default()
        };
        plans::list(&app.core, &staff.org, &q)
            .await?
            .plans
            .into_iter()
            .map(|p| Choice {
                chosen: form.is("plan_id", &p.id),
                label: format!("{}（{}）", p.name, day_span(p.start_date, p.end_date)),
                value: p.id,
            })
            .collect()
    };
    Ok(CampaignsPage {
        title: "联合开放活动".into(),
        me: staff.me(),
        notice,
        cards,
        form,
        organise,
        agencies,
        plans,
    })
}

async fn page<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
) -> Result<Response, SignedOutOr> {
    let (jar, notice) = take_notice(staff.jar.clone());
    let page = render(&app, &staff, FormState::default(), notice).await?;
    Ok(staff_page(jar, page))
}

#[derive(Deserialize)]
pub(super) struct ActForm {
    action: Option<String>,
    campaign: Option<String>,
    plan_id: Option<String>,
    name: Option<String>,
    intro: Option<String>,
    from: Option<String>,
    until: Option<String>,
}

async fn act<S: Store>(
    State(app): State<App<S>>,
    post: StaffPost<ActForm>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    let id = form.campaign.clone().unwrap_or_default();
    let result = match form.action.as_deref() {
        Some("tie") => campaigns::tie(
            &app.core,
            &staff.org,
            &id,
            &TieBody {
                plan_id: form.plan_id.clone(),
            },
        )
        .await
        .map(|_| "实施方案已关联到联合开放活动。"),
        Some("publish") => campaigns::publish(&app.core, &staff.org, &id)
            .await
            .map(|_| "集中公告已发布。"),
        _ => {
            let draft = CampaignDraft {
                name: form.name.clone(),
                intro: form.intro.clone(),
                from: form.from.clone(),
                until: form.until.clone(),
                agencies: values
                    .iter()
                    .filter(|(k, v)| k.starts_with("agency.") && v.as_str() == "on")
                    .map(|(k, _)| k.trim_start_matches("agency.").to_owned())
                    .collect(),
            };
            campaigns::create(&app.core, &staff.org, &draft)
                .await
                .map(|_| "联合开放活动已创建。受邀部门登录后可在本页关联各自的实施方案。")
        }
    };
    match result {
        Ok(notice) => {
            let jar = with_notice(staff.jar, &app, notice);
            Ok(see_other(jar, "/staff/campaigns"))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(
                e,
                &["name", "intro", "from", "until", "agencies", "plan_id"],
            )?;
            let status = state.status();
            let page = render(&app, &staff, state, None).await?;
            Ok((status, staff.jar, page).into_response())
        }
    }
}
