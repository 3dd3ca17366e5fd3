//! The plan state machine (`docs/design.md`, "A plan's life"; R4, 二(四)): which actor may move
//! a plan from which state to which. Everything else is refused with a code.
//!
//! `submitted → returned → submitted …` · `submitted → filed → announced → held → responded`,
//! and `cancelled` from any state before `held`. `held` follows from the calendar.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::event::OpenPeriod;
use crate::org::{Id, Role};
use crate::violation::{Code, Violation};

wire_enum! {
    pub enum PlanStatus : "方案状态" {
        Submitted => "submitted", "已报送";
        Returned => "returned", "已退回";
        Filed => "filed", "已备案";
        Announced => "announced", "已发布公告";
        Held => "held", "已举办";
        Responded => "responded", "已反馈采纳情况";
        Cancelled => "cancelled", "已取消";
    }
}

wire_enum! {
    pub enum Action : "操作" {
        Revise => "revise", "修改方案";
        File => "file", "审核备案";
        Return => "return", "退回修改";
        Announce => "announce", "发布公告";
        Hold => "hold", "活动结束";
        Respond => "respond", "公开反馈采纳情况";
        Cancel => "cancel", "取消活动";
    }
}

/// Who acts on a plan: an organisation in its role towards the plan, or the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Org(Role),
    Calendar,
}

impl PlanStatus {
    /// Whether the plan may still be cancelled (any state before `held`).
    pub fn is_before_held(self) -> bool {
        matches!(
            self,
            PlanStatus::Submitted
                | PlanStatus::Returned
                | PlanStatus::Filed
                | PlanStatus::Announced
        )
    }
}

/// The status as of `today`: an announced plan whose last event day has passed is held,
/// whether or not a sweep has written that down yet.
pub fn effective_status(stored: PlanStatus, period: &OpenPeriod, today: NaiveDate) -> PlanStatus {
    if stored == PlanStatus::Announced && today > period.end() {
        PlanStatus::Held
    } else {
        stored
    }
}

/// Who may take each action, and the state it leads to from each state it is allowed in.
fn rule(action: Action) -> (Actor, &'static [PlanStatus], PlanStatus) {
    use PlanStatus::*;
    match action {
        Action::Revise => (
            Actor::Org(Role::Implementer),
            &[Submitted, Returned],
            Submitted,
        ),
        Action::File => (Actor::Org(Role::ReviewingOffice), &[Submitted], Filed),
        Action::Return => (Actor::Org(Role::ReviewingOffice), &[Submitted], Returned),
        Action::Announce => (Actor::Org(Role::Implementer), &[Filed], Announced),
        Action::Hold => (Actor::Calendar, &[Announced], Held),
        Action::Respond => (Actor::Org(Role::Implementer), &[Held], Responded),
        Action::Cancel => (
            Actor::Org(Role::Implementer),
            &[Submitted, Returned, Filed, Announced],
            Cancelled,
        ),
    }
}

/// The state `action` by `actor` leads to from `from`, or why it is refused.
/// Pass the [`effective_status`], so that the calendar's `held` is seen.
pub fn transition(from: PlanStatus, actor: Actor, action: Action) -> Result<PlanStatus, Violation> {
    let (allowed, from_states, to) = rule(action);
    if actor != allowed {
        return Err(match action {
            // R4: only the openness office of the same level and jurisdiction reviews.
            Action::File | Action::Return => Violation::new(
                Code::WrongReviewer,
                "只有同级政务公开办公室可以审核备案该实施方案",
            ),
            Action::Hold => Violation::new(Code::Forbidden, "活动结束由日历自动确定"),
            _ => Violation::new(
                Code::Forbidden,
                format!("只有实施主体本机关可以{}", action.label()),
            ),
        });
    }
    if from_states.contains(&from) {
        return Ok(to);
    }
    if action == Action::Announce && matches!(from, PlanStatus::Submitted | PlanStatus::Returned) {
        // R4: publish only after filing.
        return Err(Violation::new(
            Code::NotFiled,
            "实施方案须经同级政务公开办公室审核备案后，方可公开发布",
        ));
    }
    Err(Violation::new(
        Code::InvalidTransition,
        format!("方案当前状态为“{}”，不能{}", from.label(), action.label()),
    ))
}

/// The plan's version, for optimistic concurrency: a change names the version it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(pub u64);

impl Version {
    pub const FIRST: Version = Version(1);

    pub fn next(self) -> Version {
        Version(self.0 + 1)
    }

    /// Refuses a change made from a version other than the stored one.
    pub fn check(self, given: Version) -> Result<(), Violation> {
        if self == given {
            Ok(())
        } else {
            Err(Violation::new(
                Code::VersionConflict,
                format!(
                    "方案已被修改（当前版本 {}，提交的版本 {}），请刷新后重试",
                    self.0, given.0
                ),
            )
            .at("version"))
        }
    }
}

/// One line of a plan's history: who, when, from, to, comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// The organisation that acted; `None` for the calendar.
    pub by: Option<Id>,
    /// The person who acted (work e-mail), when a person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_person: Option<String>,
    pub action: Action,
    pub from: Option<PlanStatus>,
    pub to: PlanStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::day;
    use crate::event::Format;
    use crate::wire::WireEnum;
    use PlanStatus::*;

    const IMPLEMENTER: Actor = Actor::Org(Role::Implementer);
    const OFFICE: Actor = Actor::Org(Role::ReviewingOffice);

    #[test]
    fn the_happy_path_runs_from_submitted_to_responded() {
        let mut s = Submitted;
        for (actor, action, expected) in [
            (OFFICE, Action::Return, Returned),
            (IMPLEMENTER, Action::Revise, Submitted),
            (OFFICE, Action::File, Filed),
            (IMPLEMENTER, Action::Announce, Announced),
            (Actor::Calendar, Action::Hold, Held),
            (IMPLEMENTER, Action::Respond, Responded),
        ] {
            s = transition(s, actor, action).unwrap();
            assert_eq!(s, expected);
        }
    }

    #[test]
    fn r4_only_the_same_level_office_reviews() {
        for actor in [
            IMPLEMENTER,
            Actor::Org(Role::SupervisingOffice),
            Actor::Org(Role::Unrelated),
            Actor::Calendar,
        ] {
            for action in [Action::File, Action::Return] {
                let v = transition(Submitted, actor, action).unwrap_err();
                assert_eq!(v.code, Code::WrongReviewer, "{actor:?} {action}");
            }
        }
    }

    #[test]
    fn r4_a_plan_is_announced_only_after_filing() {
        for from in [Submitted, Returned] {
            assert_eq!(
                transition(from, IMPLEMENTER, Action::Announce)
                    .unwrap_err()
                    .code,
                Code::NotFiled
            );
        }
        assert_eq!(
            transition(Filed, IMPLEMENTER, Action::Announce),
            Ok(Announced)
        );
    }

    #[test]
    fn only_the_implementer_changes_announces_responds_and_cancels() {
        for action in [
            Action::Revise,
            Action::Announce,
            Action::Respond,
            Action::Cancel,
        ] {
            for actor in [
                OFFICE,
                Actor::Org(Role::SupervisingOffice),
                Actor::Org(Role::Unrelated),
            ] {
                assert_eq!(
                    transition(Filed, actor, action).unwrap_err().code,
                    Code::Forbidden
                );
            }
        }
        assert_eq!(
            transition(Announced, IMPLEMENTER, Action::Hold)
                .unwrap_err()
                .code,
            Code::Forbidden
        );
    }

    #[test]
    fn cancellation_is_possible_only_before_held() {
        for from in [Submitted, Returned, Filed, Announced] {
            assert_eq!(transition(from, IMPLEMENTER, Action::Cancel), Ok(Cancelled));
        }
        for from in [Held, Responded, Cancelled] {
            assert_eq!(
                transition(from, IMPLEMENTER, Action::Cancel)
                    .unwrap_err()
                    .code,
                Code::InvalidTransition
            );
        }
    }

    #[test]
    fn every_other_move_is_an_invalid_transition() {
        let allowed = [
            (Submitted, Action::Revise),
            (Returned, Action::Revise),
            (Submitted, Action::File),
            (Submitted, Action::Return),
            (Filed, Action::Announce),
            (Announced, Action::Hold),
            (Held, Action::Respond),
            (Submitted, Action::Cancel),
            (Returned, Action::Cancel),
            (Filed, Action::Cancel),
            (Announced, Action::Cancel),
        ];
        for &from in PlanStatus::ALL {
            for &action in Action::ALL {
                let actor = rule(action).0;
                let result = transition(from, actor, action);
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(&(from, action)),
                    "{from} {action}"
                );
                if let Err(v) = result {
                    assert!(
                        matches!(v.code, Code::InvalidTransition | Code::NotFiled),
                        "{from} {action}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_announced_plan_is_held_the_day_after_its_last_event_day() {
        let period =
            OpenPeriod::new(2026, Format::Week, day("2026-09-20"), day("2026-09-26")).unwrap();
        assert_eq!(
            effective_status(Announced, &period, day("2026-09-26")),
            Announced
        );
        assert_eq!(
            effective_status(Announced, &period, day("2026-09-27")),
            Held
        );
        assert_eq!(effective_status(Filed, &period, day("2026-09-27")), Filed);
        assert_eq!(
            effective_status(Cancelled, &period, day("2026-09-27")),
            Cancelled
        );
    }

    #[test]
    fn a_change_from_a_stale_version_is_a_conflict() {
        assert!(Version(3).check(Version(3)).is_ok());
        assert_eq!(
            Version(3).check(Version(2)).unwrap_err().code,
            Code::VersionConflict
        );
        assert_eq!(Version::FIRST.next(), Version(2));
    }
}
