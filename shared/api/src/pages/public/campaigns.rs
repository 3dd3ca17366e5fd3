//! A joint campaign's 集中公告: every event of the campaign, linked to its announcement.

use openday_app::campaigns::{self, CampaignView};
use openday_rules::calendar::day_text;

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "campaign.html")]
struct CampaignPage {
    title: String,
    v: CampaignView,
    dates: String,
    published: Option<String>,
}

pub(super) async fn page<S: Store>(
    State(app): State<App<S>>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let v = campaigns::public(&app.core, &id).await?;
    Ok(CampaignPage {
        title: v.campaign.name.to_string(),
        dates: day_span(v.campaign.from, v.campaign.until),
        published: v.published_on.map(day_text),
        v,
    }
    .into_response())
}
