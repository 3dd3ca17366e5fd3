//! 录入现场意见: the opinions gathered on the day at the 座谈问答 or offline, pasted one a
//! line with their source and category; they join the plan's feedback and its 15-day clock.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use openday_app::opinions;
use openday_rules::feedback::{FeedbackCategory, FeedbackChannel};
use openday_rules::opinions::RoomOpinionsDraft;

use super::plan_page::{PlanView, own_plan};
use super::{Me, SignedOutOr, StaffPost, StaffSession, staff_page};
use crate::app::{App, Store};
use crate::pages::{Choice, FormState, choices, see_other, with_notice};

const REFUSAL: &str = "只有实施机关可以录入现场意见建议";

#[derive(Template, WebTemplate)]
#[template(path = "staff/opinions.html")]
struct OpinionsPage {
    title: String,
    me: Me,
    plan: PlanView,
    form: FormState,
    channels: Vec<Choice>,
    categories: Vec<Choice>,
}

impl OpinionsPage {
    fn new(me: Me, plan: PlanView, form: FormState) -> Self {
        let channels = choices::<FeedbackChannel>(&form, "channel")
            .into_iter()
            .filter(|c| {
                c.value == FeedbackChannel::Discussion.wire()
                    || c.value == FeedbackChannel::Offline.wire()
            })
            .collect();
        Self {
            title: format!("录入现场意见：{}", plan.name),
            categories: choices::<FeedbackCategory>(&form, "category"),
            channels,
            me,
            plan,
            form,
        }
    }
}

pub(super) async fn form<S: Store>(
    State(app): State<App<S>>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, SignedOutOr> {
    let (_, plan) = own_plan(&app, &staff, &id, REFUSAL).await?;
    let mut form = FormState::default();
    form.values
        .insert("channel".into(), FeedbackChannel::Discussion.wire().into());
    let page = OpinionsPage::new(staff.me(), plan, form);
    Ok(staff_page(staff.jar, page))
}

pub(super) async fn record<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
    post: StaffPost<RoomOpinionsDraft>,
) -> Result<Response, SignedOutOr> {
    let StaffPost {
        staff,
        form,
        values,
    } = post;
    match opinions::record(&app.core, &staff.org, &id, &form).await {
        Ok(saved) => {
            let jar = with_notice(
                staff.jar,
                &app,
                &format!(
                    "已录入{}条现场意见，请在“意见建议和采纳情况”中答复（活动结束后15日内公开反馈）。",
                    saved.saved
                ),
            );
            Ok(see_other(jar, &format!("/staff/plans/{id}")))
        }
        Err(e) => {
            let mut state = FormState::with_values(values);
            state.refuse(e, &["channel", "category", "lines"])?;
            let status = state.status();
            let (_, plan) = own_plan(&app, &staff, &id, REFUSAL).await?;
            let page = OpinionsPage::new(staff.me(), plan, state);
            Ok((status, staff.jar, page).into_response())
        }
    }
}
