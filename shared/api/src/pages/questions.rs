//! A questionnaire's questions as form fields, for the public form (问卷调查) and the staff
//! preview: `q.<n>` for a single choice, a rating or text, `q.<n>.<k>` checkboxes for a
//! multiple choice (numbers from 1). Read back into the answers the use case checks.

use std::collections::BTreeMap;

use openday_rules::questionnaire::{AnswerDraft, QuestionKind, Questionnaire};
use openday_rules::text::NumberLike;

use super::{Choice, FormState};

/// One question on the page.
pub struct QuestionField {
    pub number: usize,
    /// `q.<n>`: the field's name (and its error's).
    pub name: String,
    pub title: String,
    pub required: bool,
    /// `single`, `multiple`, `scale` or `text`.
    pub kind: &'static str,
    /// Choices, or the ratings 1 to 5; for a multiple choice each value is its checkbox's
    /// full name.
    pub options: Vec<Choice>,
    pub text: String,
}

/// The questions as fields, filled from `form`.
pub fn fields(q: &Questionnaire, form: &FormState) -> Vec<QuestionField> {
    q.questions
        .iter()
        .enumerate()
        .map(|(i, question)| {
            let name = format!("q.{}", i + 1);
            let options = match question.kind {
                QuestionKind::Scale => (1..=5)
                    .map(|r: usize| Choice {
                        value: r.to_string(),
                        label: format!("{r}分"),
                        chosen: form.is(&name, &r.to_string()),
                    })
                    .collect(),
                QuestionKind::Multiple => (1..=question.options.len())
                    .map(|k| {
                        let field = format!("{name}.{k}");
                        Choice {
                            chosen: form.is(&field, "on"),
                            value: field,
                            label: question.options[k - 1].to_string(),
                        }
                    })
                    .collect(),
                QuestionKind::Single => (1..=question.options.len())
                    .map(|k| Choice {
                        value: k.to_string(),
                        label: question.options[k - 1].to_string(),
                        chosen: form.is(&name, &k.to_string()),
                    })
                    .collect(),
                QuestionKind::Text => Vec::new(),
            };
            QuestionField {
                number: i + 1,
                text: form.value(&name).to_owned(),
                name,
                title: question.title.to_string(),
                required: question.required,
                kind: question.kind.wire(),
                options,
            }
        })
        .collect()
}

/// The answers a posted form holds.
pub fn answers(
    q: &Questionnaire,
    values: &BTreeMap<String, String>,
) -> BTreeMap<String, AnswerDraft> {
    let mut out = BTreeMap::new();
    for (i, question) in q.questions.iter().enumerate() {
        let n = i + 1;
        let answer = if question.kind == QuestionKind::Multiple {
            let ticked: Vec<NumberLike> = (1..=question.options.len())
                .filter(|k| values.get(&format!("q.{n}.{k}")).is_some_and(|v| v == "on"))
                .map(|k| NumberLike::Text(k.to_string()))
                .collect();
            (!ticked.is_empty()).then_some(AnswerDraft::Many(ticked))
        } else {
            values
                .get(&format!("q.{n}"))
                .filter(|v| !v.trim().is_empty())
                .map(|v| AnswerDraft::One(NumberLike::Text(v.clone())))
        };
        if let Some(a) = answer {
            out.insert(n.to_string(), a);
        }
    }
    out
}

/// The form field of a rule's field: `answers.3` → `q.3`.
pub fn field_of(rule: &str) -> Option<String> {
    rule.strip_prefix("answers.").map(|n| format!("q.{n}"))
}
