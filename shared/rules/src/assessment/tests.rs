use super::*;
use crate::compliance::Interactions;
use serde_json::json;

fn figures() -> Figures {
    Figures {
        year: 2026,
        plans: 2,
        announced_on_time: Ratio { met: 2, of: 2 },
        participants_met: Ratio { met: 1, of: 2 },
        responded_on_time: Ratio { met: 1, of: 2 },
        report: ReportState::NotRequired,
        average_rating: Some(4.0),
        ratings: 10,
        interactions: Interactions {
            held: 2,
            qa_session: 1,
            questionnaire: 1,
            missing: 0,
        },
    }
}

fn facts() -> AssessmentFacts {
    AssessmentFacts {
        answered: 4,
        adopted_points: 3.0,
        checked: 2,
        done_points: 1.5,
    }
}

#[test]
fn the_score_adds_each_items_share_of_its_weight_over_the_items_that_apply() {
    let s = score(&Scheme::standard(), &figures(), &facts(), 0.0);
    let points: Vec<_> = s.items.iter().map(|i| i.points).collect();
    assert_eq!(
        points,
        [
            Some(15.0),
            Some(5.0),
            Some(15.0),
            Some(7.5),
            Some(11.3),
            Some(7.5),
            Some(7.5),
            None
        ]
    );
    // 68.75 of the 90 points that apply: 76.4 out of 100.
    assert_eq!(s.computed, Some(76.4));
    assert_eq!(
        score(&Scheme::standard(), &figures(), &facts(), 30.0).total,
        Some(100.0)
    );
    assert_eq!(
        score(&Scheme::standard(), &figures(), &facts(), -5.0).total,
        Some(71.4)
    );
}

#[test]
fn both_shipped_programmes_score_by_their_own_scheme() {
    let seed = crate::Programme::shipped().assessment;
    let example = crate::Programme::example().assessment;
    assert_eq!(seed, Scheme::standard());
    let a = score(&seed, &figures(), &facts(), 0.0).computed.unwrap();
    let b = score(&example, &figures(), &facts(), 0.0).computed.unwrap();
    // The example leaves supervision out and weighs interaction, response and adoption
    // more: 67.5 of the 90 points that apply.
    assert_eq!((a, b), (76.4, 75.0));
}

#[test]
fn a_changed_weight_changes_the_score() {
    let mut heavier = Scheme::standard();
    heavier.items[1].weight = 25; // participants met: 1 of 2
    heavier.items[0].weight = 0; // announced on time: 2 of 2
    let a = score(&Scheme::standard(), &figures(), &facts(), 0.0)
        .computed
        .unwrap();
    let b = score(&heavier, &figures(), &facts(), 0.0).computed.unwrap();
    assert!(b < a, "{b} < {a}");
}

#[test]
fn nothing_to_measure_is_no_score() {
    let empty = Figures {
        announced_on_time: Ratio::default(),
        participants_met: Ratio::default(),
        responded_on_time: Ratio::default(),
        average_rating: None,
        interactions: Interactions::default(),
        ..figures()
    };
    let s = score(
        &Scheme::standard(),
        &empty,
        &AssessmentFacts::default(),
        5.0,
    );
    assert_eq!((s.computed, s.total), (None, None));
}

#[test]
fn a_scheme_has_known_measures_once_with_weights_adding_to_one_hundred() {
    let ok = json!({"clause": "三（三）", "max_adjustment": 10,
        "items": [{"measure": "announced_on_time", "weight": 60}, {"measure": "ratings", "weight": 40}]});
    assert_eq!(Scheme::parse(&ok).unwrap().items.len(), 2);
    let fields = |v| -> Vec<String> {
        Scheme::parse(&v)
            .unwrap_err()
            .iter()
            .map(|x| x.field.clone().unwrap_or_default())
            .collect()
    };
    assert_eq!(
        fields(json!({"clause": "三（三）", "max_adjustment": 10,
            "items": [{"measure": "ratings", "weight": 60}, {"measure": "ratings", "weight": 30}]})),
        ["assessment.items[1].measure"]
    );
    assert_eq!(
        fields(json!({"clause": "三（三）", "max_adjustment": 10,
            "items": [{"measure": "ratings", "weight": 60}, {"measure": "supervision", "weight": 30}]})),
        ["assessment.items"],
        "90 is not 100"
    );
    assert_eq!(
        fields(json!({"max_adjustment": 99, "bonus": 1,
            "items": [{"measure": "luck", "weight": 0}]})),
        [
            "assessment.bonus",
            "assessment.clause",
            "assessment.max_adjustment",
            "assessment.items[0].measure",
            "assessment.items[0].weight"
        ]
    );
}

#[test]
fn adjustments_stay_within_the_bound_and_give_a_reason() {
    let s = Scheme::standard();
    assert!(check_adjustment(&s, 5, "典型经验被国务院办公厅推广").is_ok());
    let fields: Vec<_> = check_adjustment(&s, 11, " ")
        .unwrap_err()
        .iter()
        .map(|v| v.field.clone().unwrap_or_default())
        .collect();
    assert_eq!(fields, ["points", "reason"]);
    assert!(check_adjustment(&s, 0, "x").is_err());
}
