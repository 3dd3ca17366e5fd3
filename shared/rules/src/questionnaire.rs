//! 问卷调查 (二(六): 须设置座谈问答或问卷调查等环节): the agency's questionnaire for its
//! plan, the answers participants give, and their tally. The questionnaire is open for a
//! window of days the agency sets, within the event and its feedback period (from the first
//! event day to the programme's response day). Free-text answers become feedback items of
//! the channel 问卷调查 (R12), categorised and answered like any other opinion.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::WireEnum;
use crate::calendar::{day_text, parse_required_day, window_closed};
use crate::event::OpenPeriod;
use crate::feedback::{Feedback, FeedbackCategory, FeedbackChannel};
use crate::programme::Programme;
use crate::text::{BoolLike, LineText, LongText, NumberLike, ShortText, ticked};
use crate::violation::{Code, Violation, Violations};

/// At most 30 questions (the bound: a questionnaire people finish).
pub const MAX_QUESTIONS: usize = 30;
/// Choices of one question.
pub const MAX_OPTIONS: usize = 20;

wire_enum! {
    /// 题型
    pub enum QuestionKind : "题型" {
        Single => "single", "单选";
        Multiple => "multiple", "多选";
        Scale => "scale", "评分（1–5）";
        Text => "text", "填空";
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub kind: QuestionKind,
    pub title: LineText,
    /// 必答
    pub required: bool,
    /// The choices of a single or multiple choice question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ShortText>,
    /// The feedback category a free-text answer is filed under (the agency may change it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<FeedbackCategory>,
}

/// A valid questionnaire with its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Questionnaire {
    pub title: LineText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<LongText>,
    pub questions: Vec<Question>,
    /// First and last day answers are taken (Asia/Shanghai).
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<QuestionKind>))]
    pub kind: Option<String>,
    pub title: Option<String>,
    pub required: Option<BoolLike>,
    #[serde(default)]
    pub options: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FeedbackCategory>))]
    pub category: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionnaireDraft {
    pub title: Option<String>,
    pub intro: Option<String>,
    #[serde(default)]
    pub questions: Vec<QuestionDraft>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub opens_on: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub closes_on: Option<String>,
}

impl Questionnaire {
    /// Checks a questionnaire for a plan held in `period` under `programme`: 1 to 30
    /// questions, choices where they are asked for, and a window inside the event and its
    /// feedback period.
    pub fn parse(
        draft: &QuestionnaireDraft,
        period: &OpenPeriod,
        programme: &Programme,
    ) -> Result<Questionnaire, Violations> {
        let mut vs = Violations::new();
        let title = vs.take(LineText::parse_required(
            "title",
            "问卷标题",
            draft.title.as_deref(),
        ));
        let intro = match draft.intro.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => vs.take(LongText::parse("intro", "问卷说明", raw)),
        };
        if draft.questions.is_empty() {
            vs.push(Violation::new(Code::ValidationFailed, "问卷至少应有一道题").at("questions"));
        } else if draft.questions.len() > MAX_QUESTIONS {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!(
                        "问卷最多{MAX_QUESTIONS}道题（现为{}道）",
                        draft.questions.len()
                    ),
                )
                .at("questions"),
            );
        }
        let questions: Vec<Option<Question>> = draft
            .questions
            .iter()
            .take(MAX_QUESTIONS)
            .enumerate()
            .map(|(i, q)| vs.take_all(parse_question(i, q)))
            .collect();
        let (first, last) = (
            period.start(),
            programme.feedback_response_due(period.end()),
        );
        let opens_on = vs.take(parse_required_day(
            "opens_on",
            "开始日期",
            draft.opens_on.as_deref(),
        ));
        let closes_on = vs.take(parse_required_day(
            "closes_on",
            "截止日期",
            draft.closes_on.as_deref(),
        ));
        let window = format!(
            "问卷开放时间应在活动和意见征集期间内（{}至{}）",
            day_text(first),
            day_text(last)
        );
        if opens_on.is_some_and(|d| d < first || d > last) {
            vs.push(Violation::new(Code::ValidationFailed, window.clone()).at("opens_on"));
        }
        if closes_on.is_some_and(|d| d < first || d > last) {
            vs.push(Violation::new(Code::ValidationFailed, window).at("closes_on"));
        }
        if let (Some(o), Some(c)) = (opens_on, closes_on)
            && c < o
        {
            vs.push(
                Violation::new(Code::ValidationFailed, "截止日期不能早于开始日期").at("closes_on"),
            );
        }
        vs.finish_with(|| {
            Some(Questionnaire {
                title: title?,
                intro,
                questions: questions.into_iter().collect::<Option<_>>()?,
                opens_on: opens_on?,
                closes_on: closes_on?,
            })
        })
    }

    /// Why answers are not taken on `today`, if they are not.
    pub fn closed_because(&self, today: NaiveDate) -> Option<String> {
        window_closed(
            today,
            (self.opens_on, self.closes_on),
            "问卷",
            ("开放", "截止"),
        )
    }
}

fn parse_question(i: usize, d: &QuestionDraft) -> Result<Question, Violations> {
    let f = |name: &str| format!("questions[{i}].{name}");
    let mut vs = Violations::new();
    let kind = vs.take(QuestionKind::parse(
        &f("kind"),
        d.kind.as_deref().unwrap_or(""),
    ));
    let title = vs.take(LineText::parse_required(
        &f("title"),
        &format!("第{}题的题目", i + 1),
        d.title.as_deref(),
    ));
    let options: Vec<ShortText> = d
        .options
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .filter_map(|o| vs.take(ShortText::parse(&f("options"), "选项", o)))
        .collect();
    match kind {
        Some(QuestionKind::Single | QuestionKind::Multiple)
            if options.len() < 2 || options.len() > MAX_OPTIONS =>
        {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!("第{}题为选择题，应有2至{MAX_OPTIONS}个选项", i + 1),
                )
                .at(f("options")),
            );
        }
        _ => {}
    }
    let category = match (kind, d.category.as_deref().map(str::trim)) {
        (Some(QuestionKind::Text), None | Some("")) => Some(FeedbackCategory::Other),
        (Some(QuestionKind::Text), Some(raw)) => {
            vs.take(FeedbackCategory::parse(&f("category"), raw))
        }
        _ => None,
    };
    vs.finish_with(|| {
        let kind = kind?;
        Some(Question {
            kind,
            title: title?,
            required: ticked(&d.required),
            options: if matches!(kind, QuestionKind::Single | QuestionKind::Multiple) {
                options
            } else {
                Vec::new()
            },
            category,
        })
    })
}

/// One answer as it arrives: a number (a choice from 1, a rating), text, or several.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AnswerDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    Many(Vec<NumberLike>),
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    One(NumberLike),
}

/// One answer, checked against its question. Choices count from 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Choice(u8),
    Choices(Vec<u8>),
    Rating(u8),
    Text(LongText),
}

/// A participant's answers, one place per question (`None`: left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AnswerSet(pub Vec<Option<Answer>>);

impl AnswerSet {
    /// Checks `draft` (question number from 1 → answer) against `q`: every required
    /// question answered, each answer of its question's kind.
    pub fn parse(
        q: &Questionnaire,
        draft: &BTreeMap<String, AnswerDraft>,
    ) -> Result<AnswerSet, Violations> {
        let mut vs = Violations::new();
        let mut out = Vec::with_capacity(q.questions.len());
        for (i, question) in q.questions.iter().enumerate() {
            let field = format!("answers.{}", i + 1);
            let given = draft.get(&(i + 1).to_string()).filter(|a| !is_blank(a));
            let answer = match given {
                None if question.required => {
                    vs.push(
                        Violation::new(
                            Code::ValidationFailed,
                            format!("第{}题为必答题，请作答", i + 1),
                        )
                        .at(&field),
                    );
                    None
                }
                None => None,
                Some(a) => vs.take(
                    answer_of(question, i, a)
                        .map_err(|m| Violation::new(Code::ValidationFailed, m).at(&field)),
                ),
            };
            out.push(answer);
        }
        if let Some(extra) = draft.keys().find(|k| {
            k.parse::<usize>()
                .map_or(true, |n| n == 0 || n > q.questions.len())
        }) {
            vs.push(
                Violation::new(Code::ValidationFailed, format!("问卷没有第{extra}题"))
                    .at(format!("answers.{extra}")),
            );
        }
        vs.finish(|| AnswerSet(out))
    }

    /// The free-text answers as feedback items of the channel 问卷调查, each naming its
    /// question.
    pub fn opinions(&self, q: &Questionnaire) -> Vec<Feedback> {
        q.questions
            .iter()
            .zip(&self.0)
            .enumerate()
            .filter_map(|(i, (question, answer))| match answer {
                Some(Answer::Text(t)) => {
                    let content = format!("【问卷第{}题：{}】{}", i + 1, question.title, t);
                    Some(Feedback {
                        channel: FeedbackChannel::Questionnaire,
                        category: question.category.unwrap_or(FeedbackCategory::Other),
                        content: LongText::parse("content", "意见建议内容", &content)
                            .unwrap_or_else(|_| t.clone()),
                    })
                }
                _ => None,
            })
            .collect()
    }
}

fn is_blank(a: &AnswerDraft) -> bool {
    match a {
        AnswerDraft::Many(v) => v.is_empty(),
        AnswerDraft::One(NumberLike::Text(t)) => t.trim().is_empty(),
        AnswerDraft::One(_) => false,
    }
}

fn answer_of(q: &Question, i: usize, a: &AnswerDraft) -> Result<Answer, String> {
    let n = i + 1;
    let choice = |v: &NumberLike| -> Result<u8, String> {
        match v.as_integer() {
            Some(c) if c >= 1 && (c as usize) <= q.options.len() => Ok((c - 1) as u8),
            _ => Err(format!("第{n}题的选项应为1至{}", q.options.len())),
        }
    };
    match (q.kind, a) {
        (QuestionKind::Single, AnswerDraft::One(v)) => choice(v).map(Answer::Choice),
        (QuestionKind::Single, AnswerDraft::Many(_)) => Err(format!("第{n}题为单选题，只能选一项")),
        (QuestionKind::Multiple, AnswerDraft::One(v)) => {
            choice(v).map(|c| Answer::Choices(vec![c]))
        }
        (QuestionKind::Multiple, AnswerDraft::Many(vs)) => {
            let mut cs = vs.iter().map(choice).collect::<Result<Vec<_>, _>>()?;
            cs.sort_unstable();
            cs.dedup();
            Ok(Answer::Choices(cs))
        }
        (QuestionKind::Scale, AnswerDraft::One(v)) => match v.as_integer() {
            Some(r @ 1..=5) => Ok(Answer::Rating(r as u8)),
            _ => Err(format!("第{n}题的评分应为1至5")),
        },
        (QuestionKind::Text, AnswerDraft::One(NumberLike::Text(t))) => {
            LongText::parse("", &format!("第{n}题的回答"), t)
                .map(Answer::Text)
                .map_err(|v| v.message)
        }
        _ => Err(format!("第{n}题的回答不是{}", q.kind.label())),
    }
}

/// The count of one choice.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionCount {
    pub label: String,
    pub count: u32,
    /// Of those who answered the question, 0 to 100, one decimal.
    pub percent: f64,
}

/// The tally of one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionResult {
    /// From 1.
    pub number: usize,
    pub title: String,
    pub kind: QuestionKind,
    /// How many answered it.
    pub answered: u32,
    /// Choices (single, multiple) or the ratings 1 to 5 (scale).
    pub options: Vec<OptionCount>,
    /// The scale's mean, two decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Free-text answers, in the order given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
}

fn percent(count: u32, of: u32) -> f64 {
    if of == 0 {
        0.0
    } else {
        (f64::from(count) * 1000.0 / f64::from(of)).round() / 10.0
    }
}

/// The tally of every question over `sets`.
pub fn tally(q: &Questionnaire, sets: &[AnswerSet]) -> Vec<QuestionResult> {
    q.questions
        .iter()
        .enumerate()
        .map(|(i, question)| {
            let answers: Vec<&Answer> = sets.iter().filter_map(|s| s.0.get(i)?.as_ref()).collect();
            let answered = answers.len() as u32;
            let labels: Vec<String> = match question.kind {
                QuestionKind::Scale => (1..=5).map(|r| format!("{r}分")).collect(),
                QuestionKind::Text => Vec::new(),
                _ => question.options.iter().map(ToString::to_string).collect(),
            };
            let mut counts = vec![0u32; labels.len()];
            let mut texts = Vec::new();
            let mut sum = 0u32;
            for a in &answers {
                match a {
                    Answer::Choice(c) => counts[usize::from(*c)] += 1,
                    Answer::Choices(cs) => cs.iter().for_each(|c| counts[usize::from(*c)] += 1),
                    Answer::Rating(r) => {
                        counts[usize::from(*r) - 1] += 1;
                        sum += u32::from(*r);
                    }
                    Answer::Text(t) => texts.push(t.to_string()),
                }
            }
            QuestionResult {
                number: i + 1,
                title: question.title.to_string(),
                kind: question.kind,
                answered,
                options: labels
                    .into_iter()
                    .zip(counts)
                    .map(|(label, count)| OptionCount {
                        label,
                        count,
                        percent: percent(count, answered),
                    })
                    .collect(),
                mean: (question.kind == QuestionKind::Scale && answered > 0)
                    .then(|| (f64::from(sum) * 100.0 / f64::from(answered)).round() / 100.0),
                texts,
            }
        })
        .collect()
}

/// The results in a few lines, for the published adoption response.
pub fn summary_lines(results: &[QuestionResult], respondents: usize) -> Vec<String> {
    let mut lines = vec![format!("共收回有效问卷{respondents}份。")];
    for r in results {
        let line = match r.kind {
            QuestionKind::Scale => format!(
                "第{}题“{}”：平均{}分（{}人作答）",
                r.number,
                r.title,
                r.mean.unwrap_or(0.0),
                r.answered
            ),
            QuestionKind::Text => format!(
                "第{}题“{}”：收到{}条意见，已逐条纳入意见建议并答复",
                r.number, r.title, r.answered
            ),
            _ => {
                let parts: Vec<String> = r
                    .options
                    .iter()
                    .map(|o| format!("{} {}%", o.label, o.percent))
                    .collect();
                format!("第{}题“{}”：{}", r.number, r.title, parts.join("，"))
            }
        };
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests;
