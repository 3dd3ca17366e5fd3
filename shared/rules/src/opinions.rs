//! Opinions from the room (三(一): 线上线下征集到的意见建议): what the agency gathered on
//! the day at the 座谈问答 or otherwise offline, entered one by one or pasted one a line.
//! They become feedback items of the plan, categorised and answered within the same
//! response clock (R12) as any other.

use serde::Deserialize;

use crate::WireEnum;
use crate::feedback::{Feedback, FeedbackCategory, FeedbackChannel};
use crate::text::LongText;
use crate::violation::{Code, Violation, Violations};

/// At most this many opinions in one entry (a long 座谈 fills a page or two).
pub const MAX_OPINIONS: usize = 200;

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomOpinionsDraft {
    /// `discussion` (座谈问答) or `offline` (线下).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FeedbackChannel>))]
    pub channel: Option<String>,
    /// The category of every opinion in `lines`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FeedbackCategory>))]
    pub category: Option<String>,
    /// Opinions pasted one a line (blank lines are skipped).
    pub lines: Option<String>,
    /// Opinions each with its own category.
    #[serde(default)]
    pub items: Vec<RoomOpinionDraft>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomOpinionDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FeedbackCategory>))]
    pub category: Option<String>,
    pub content: Option<String>,
}

/// The opinions of one entry, or every mistake in it; nothing is taken from a bad entry.
pub fn parse_room_opinions(draft: &RoomOpinionsDraft) -> Result<Vec<Feedback>, Violations> {
    let mut vs = Violations::new();
    let channel = match FeedbackChannel::parse("channel", draft.channel.as_deref().unwrap_or("")) {
        Ok(c @ (FeedbackChannel::Discussion | FeedbackChannel::Offline)) => Some(c),
        Ok(_) => {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    "现场收集的意见来源为“座谈问答”或“线下”",
                )
                .at("channel"),
            );
            None
        }
        Err(v) => {
            vs.push(v);
            None
        }
    };
    let lines: Vec<&str> = draft
        .lines
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line_category = if lines.is_empty() {
        None
    } else {
        vs.take(FeedbackCategory::parse(
            "category",
            draft.category.as_deref().unwrap_or(""),
        ))
    };
    let total = lines.len() + draft.items.len();
    if total == 0 {
        vs.push(Violation::new(Code::ValidationFailed, "请填写至少一条意见建议").at("lines"));
    } else if total > MAX_OPINIONS {
        vs.push(
            Violation::new(
                Code::ValidationFailed,
                format!("一次最多录入{MAX_OPINIONS}条意见建议（现为{total}条），请分批录入"),
            )
            .at("lines"),
        );
        return Err(vs);
    }
    let mut out = Vec::with_capacity(total);
    for (i, line) in lines.iter().enumerate() {
        let content = vs.take(LongText::parse(
            "lines",
            &format!("第{}条意见", i + 1),
            line,
        ));
        if let (Some(channel), Some(category), Some(content)) = (channel, line_category, content) {
            out.push(Feedback {
                channel,
                category,
                content,
            });
        }
    }
    for (i, item) in draft.items.iter().enumerate() {
        let f = |name: &str| format!("items[{i}].{name}");
        let category = vs.take(FeedbackCategory::parse(
            &f("category"),
            item.category.as_deref().unwrap_or(""),
        ));
        let content = vs.take(LongText::parse_required(
            &f("content"),
            "意见建议内容",
            item.content.as_deref(),
        ));
        if let (Some(channel), Some(category), Some(content)) = (channel, category, content) {
            out.push(Feedback {
                channel,
                category,
                content,
            });
        }
    }
    vs.finish(|| out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Vec<Feedback>, Violations> {
        parse_room_opinions(&serde_json::from_value(v).unwrap())
    }

    fn fields(v: serde_json::Value) -> Vec<String> {
        parse(v)
            .unwrap_err()
            .iter()
            .map(|v| v.field.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn pasted_lines_become_one_opinion_each_with_the_channel_and_category() {
        let got = parse(json!({
            "channel": "discussion", "category": "service",
            "lines": "公交站台增加遮阳棚\n\n  夜班公交延长运营时间  \r\n",
            "items": [{"category": "policy", "content": "公开线网优化听证结果"}]
        }))
        .unwrap();
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|f| f.channel == FeedbackChannel::Discussion));
        assert_eq!(got[1].content.as_str(), "夜班公交延长运营时间");
        assert_eq!(got[2].category, FeedbackCategory::Policy);
    }

    #[test]
    fn room_opinions_come_from_the_discussion_or_offline_and_are_never_empty() {
        assert_eq!(
            fields(json!({"channel": "online", "category": "service", "lines": "x"})),
            ["channel"]
        );
        assert_eq!(fields(json!({"channel": "offline"})), ["lines"]);
        assert_eq!(
            fields(json!({"channel": "offline", "lines": "x"})),
            ["category"],
            "pasted lines need their category"
        );
        assert_eq!(
            fields(json!({"channel": "offline", "items": [{"category": "x", "content": " "}]})),
            ["items[0].category", "items[0].content"]
        );
        let many = "意见\n".repeat(MAX_OPINIONS + 1);
        assert_eq!(
            fields(json!({"channel": "offline", "category": "other", "lines": many})),
            ["lines"]
        );
    }
}
