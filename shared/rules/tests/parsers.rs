//! Bad input at volume: every parser of the rules crate fed thousands of generated inputs
//! (any text, text that nearly passes, and documents with any value at any field). None
//! panics; each answer is a value or violations that carry a code and a Chinese message.
//! `PROPTEST_CASES` raises the count for a longer run by hand.

use chrono::NaiveDate;
use openday_rules::Programme;
use openday_rules::announcement::{Announcement, AnnouncementDraft};
use openday_rules::calendar::{parse_day, parse_instant};
use openday_rules::feedback::{
    Evaluation, EvaluationDraft, Feedback, FeedbackDraft, FeedbackSource,
};
use openday_rules::org::{Directory, DirectoryDraft};
use openday_rules::phone::Phone;
use openday_rules::plan::{PlanDraft, check_submission};
use openday_rules::registration::{Registrant, RegistrantDraft};
use openday_rules::resident_id::ResidentId;
use openday_rules::violation::{Violation, Violations};
use openday_testkit::arbitrary::{cases, json_value, text};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A refusal people can act on: a code, and a message in Chinese.
fn explained(v: &Violation) -> Result<(), TestCaseError> {
    prop_assert!(!v.message.is_empty(), "{v:?}");
    prop_assert!(
        v.message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{v:?}"
    );
    Ok(())
}

fn all_explained(vs: &Violations) -> Result<(), TestCaseError> {
    prop_assert!(!vs.is_empty());
    for v in vs.iter() {
        explained(v)?;
    }
    Ok(())
}

/// `doc` with one field (top level or one level down) replaced by `value`, or removed.
fn mutate(mut doc: Value, pick: usize, inner: usize, value: Option<Value>) -> Value {
    let Some(map) = doc.as_object_mut() else {
        return doc;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    let key = &keys[pick % keys.len()];
    let target = map.get_mut(key).expect("a key of the map");
    match (target, value) {
        (Value::Array(items), Some(v)) if !items.is_empty() => {
            let n = inner % items.len();
            match items[n].as_object_mut() {
                Some(o) if !o.is_empty() => {
                    let k = o.keys().nth(inner % o.len()).cloned().expect("a key");
                    o.insert(k, v);
                }
                _ => items[n] = v,
            }
        }
        (_, Some(v)) => {
            map.insert(key.clone(), v);
        }
        (_, None) => {
            map.remove(key);
        }
    }
    doc
}

fn demo(path: &str) -> Value {
    let file = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&file).expect("the demo file"))
        .expect("the demo file is JSON")
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 20).expect("a day")
}

fn directory() -> Directory {
    let draft: DirectoryDraft =
        serde_json::from_value(demo("infra/demo/orgs.json")).expect("the demo directory");
    Directory::parse(&draft).expect("the demo directory is valid")
}

proptest! {
    #![proptest_config(cases(3000))]

    #[test]
    fn id_numbers_phones_days_and_instants_never_panic(raw in text()) {
        for result in [
            ResidentId::parse("id_number", &raw).err(),
            Phone::parse("phone", &raw).err(),
            parse_day("date", &raw).err(),
            parse_instant("time", &raw).err(),
        ]
        .into_iter()
        .flatten()
        {
            explained(&result)?;
        }
    }

    #[test]
    fn any_plan_document_is_checked_or_refused_with_reasons(
        pick in any::<usize>(),
        inner in any::<usize>(),
        value in prop::option::weighted(0.9, json_value()),
        agency in 0usize..64,
    ) {
        let doc = mutate(demo("infra/demo/plan.json"), pick, inner, value);
        let directory = directory();
        let orgs: Vec<_> = directory.orgs.iter().collect();
        let org = orgs[agency % orgs.len()];
        // A document of the wrong shape is the edge's to refuse (400); a draft is the rules'.
        // Against both shipped programmes.
        let programme = &openday_testkit::programmes(2026)[agency % 2];
        if let Ok(draft) = serde_json::from_value::<PlanDraft>(doc)
            && let Err(vs) = check_submission(&draft, org, programme)
        {
            all_explained(&vs)?;
        }
    }

    #[test]
    fn any_registration_feedback_evaluation_or_announcement_is_checked_or_refused(
        value in json_value(),
        pick in any::<usize>(),
        inner in any::<usize>(),
    ) {
        let registrant = mutate(json!({
            "name": "市民", "id_number": "450103196001010012", "phone": "13800138000",
            "category": "worker", "relation": "lives", "full_civil_capacity": true,
            "not_deputy": true
        }), pick, inner, Some(value.clone()));
        if let Ok(d) = serde_json::from_value::<RegistrantDraft>(registrant)
            && let Err(vs) = Registrant::check(&d, first_day(), &Programme::shipped())
        {
            all_explained(&vs)?;
        }
        let feedback = mutate(json!({"category": "suggestion", "content": "建议", "channel": "online"}),
            pick, inner, Some(value.clone()));
        if let Ok(d) = serde_json::from_value::<FeedbackDraft>(feedback) {
            for source in [FeedbackSource::Public, FeedbackSource::Agency] {
                if let Err(vs) = Feedback::parse(&d, source) {
                    all_explained(&vs)?;
                }
            }
        }
        let evaluation = mutate(json!({"rating": 5, "comment": "好"}), pick, inner, Some(value.clone()));
        if let Ok(d) = serde_json::from_value::<EvaluationDraft>(evaluation)
            && let Err(vs) = Evaluation::parse(&d)
        {
            all_explained(&vs)?;
        }
        let announcement = mutate(json!({
            "registration_method": "在线报名", "content": "参观", "reminders": "携带身份证",
            "registration_deadline": "2026-09-15",
            "sessions": [{"date": "2026-09-20", "start": "09:00", "end": "11:30", "meeting_point": "机关大院北门"}]
        }), pick, inner, Some(value));
        if let Ok(d) = serde_json::from_value::<AnnouncementDraft>(announcement) {
            let directory = directory();
            let org = directory.orgs.iter().find(|o| o.id.as_str() == "nn-jt").expect("nn-jt");
            let plan: PlanDraft = serde_json::from_value(demo("infra/demo/plan.json")).expect("plan");
            let seed = Programme::shipped();
            let plan = check_submission(&plan, org, &seed).expect("the demo plan is valid");
            let today = NaiveDate::from_ymd_opt(2026, 9, 1).expect("a day");
            if let Err(vs) = Announcement::compose(&plan, org, &d, &seed, today) {
                all_explained(&vs)?;
            }
        }
    }

    #[test]
    fn any_programme_document_is_read_or_refused_with_every_problem_at_its_field(
        pick in any::<usize>(),
        inner in any::<usize>(),
        value in prop::option::weighted(0.9, json_value()),
        example in any::<bool>(),
    ) {
        let text = if example { openday_rules::programme::EXAMPLE } else { openday_rules::programme::SHIPPED };
        let doc = mutate(serde_json::from_str(text).expect("a shipped programme"), pick, inner, value);
        match Programme::parse(&doc) {
            Ok(p) => {
                // What is accepted reads back the same from its own file form.
                prop_assert_eq!(Programme::parse_json(&p.to_json()).expect("round trip"), p);
            }
            Err(vs) => {
                all_explained(&vs)?;
                for v in vs.iter() {
                    prop_assert!(v.field.is_some(), "{v:?}");
                }
            }
        }
    }
}
