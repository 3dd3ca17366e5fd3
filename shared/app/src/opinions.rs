//! Opinions from the room: the implementing agency enters what it gathered on the day at
//! the 座谈问答 or offline, one by one or pasted one a line. Each becomes a feedback item of
//! the plan and joins the same 15-day response clock (R12).

use openday_rules::feedback::check_feedback_open;
use openday_rules::lifecycle::PlanStatus;
use openday_rules::opinions::{RoomOpinionsDraft, parse_room_opinions};
use openday_rules::staff::StaffRole;
use openday_store::ports::Giver;

use crate::access::{implementer_plan, status_today};
use crate::actor::Actor;
use crate::audit;
use crate::error::AppError;
use crate::feedback::held_or_running;
use crate::services::{Services, Store};
use crate::sheets::{self, Changed};
use crate::views::RoomOpinionsSaved;

/// Records an entry of opinions from the room. A bad entry stores nothing.
pub async fn record<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    id: &str,
    draft: &RoomOpinionsDraft,
) -> Result<RoomOpinionsSaved, AppError> {
    audit::guarded(
        app,
        actor,
        StaffRole::Clerk,
        "feedback.room",
        &format!("plan:{id}"),
        async {
            let plan = implementer_plan(app, actor, id, "只有实施机关可以录入现场意见建议").await?;
            let status = status_today(app, &plan);
            held_or_running(status)?;
            check_feedback_open(
                &plan.plan.period,
                status == PlanStatus::Responded,
                app.today(),
            )?;
            let opinions = parse_room_opinions(draft)?;
            let mut ids = Vec::with_capacity(opinions.len());
            for opinion in &opinions {
                let record = app
                    .store
                    .add_feedback(id, opinion, Giver::Agency, app.now())
                    .await?;
                ids.push(record.id);
            }
            sheets::note(app, &plan, Changed::Feedback).await;
            Ok(RoomOpinionsSaved {
                saved: ids.len(),
                ids,
            })
        },
    )
    .await
}
