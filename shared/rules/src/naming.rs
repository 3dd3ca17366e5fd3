//! R11, 三(二): “政府开放日” is a proper noun. The only allowed name is
//! `<place><agency>“政府开放日”`; every other “…开放日” is refused.

use serde::{Deserialize, Serialize};

use crate::violation::{Code, Violation};

const PROPER_NOUN: &str = "政府开放日";
const ANY_OPEN_DAY: &str = "开放日";
const MAX_CHARS: usize = 60;

/// A plan name of the form `<place><agency>“政府开放日”`, kept in that canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanName {
    /// The place and agency before the proper noun, e.g. `南宁市交通运输局`.
    issuer: String,
}

/// Quotes and brackets people put around the proper noun, and every kind of space.
fn is_decoration(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '“'
                | '”'
                | '‘'
                | '’'
                | '「'
                | '」'
                | '『'
                | '』'
                | '《'
                | '》'
                | '〈'
                | '〉'
                | '＂'
                | '＇'
                | '【'
                | '】'
                | '〔'
                | '〕'
                | '«'
                | '»'
                | '\u{200b}'
                | '\u{feff}'
        )
}

impl PlanName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        let refuse = |why: String| {
            Violation::new(
                Code::NameNotAllowed,
                format!(
                    "{why}。“政府开放日”是专有名词，名称应为：×××市、县（区）×××局“政府开放日”"
                ),
            )
            .at(field)
        };
        let bare: String = raw.chars().filter(|c| !is_decoration(*c)).collect();
        if bare.is_empty() {
            return Err(Violation::new(Code::ValidationFailed, "请填写活动名称").at(field));
        }
        // Every “开放日” in the name must be the proper noun “政府开放日”.
        for (at, _) in bare.match_indices(ANY_OPEN_DAY) {
            if !bare[..at].ends_with("政府") {
                let start = bare[..at].char_indices().rev().nth(1).map_or(0, |(i, _)| i);
                return Err(refuse(format!(
                    "不得使用“{}”等名称",
                    &bare[start..at + ANY_OPEN_DAY.len()]
                )));
            }
        }
        let Some(issuer) = bare.strip_suffix(PROPER_NOUN) else {
            return Err(refuse("名称应以“政府开放日”结尾".to_owned()));
        };
        if issuer.contains(ANY_OPEN_DAY) {
            return Err(refuse("名称中只能出现一次“政府开放日”".to_owned()));
        }
        if issuer.chars().count() < 2 {
            return Err(refuse("名称应写明地区和机关".to_owned()));
        }
        if issuer.chars().count() + PROPER_NOUN.chars().count() > MAX_CHARS {
            return Err(Violation::new(
                Code::ValidationFailed,
                format!("活动名称不能超过{MAX_CHARS}个字"),
            )
            .at(field));
        }
        Ok(Self {
            issuer: issuer.to_owned(),
        })
    }

    /// The place and agency part, e.g. `南宁市交通运输局`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

impl std::fmt::Display for PlanName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}“{}”", self.issuer, PROPER_NOUN)
    }
}

impl TryFrom<String> for PlanName {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse("name", &raw).map_err(|v| v.message)
    }
}

impl From<PlanName> for String {
    fn from(n: PlanName) -> String {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proper_noun_is_accepted_whatever_quotes_surround_it() {
        for raw in [
            "南宁市交通运输局“政府开放日”",
            "南宁市交通运输局政府开放日",
            "南宁市交通运输局 \"政府开放日\"",
            "南宁市交通运输局「政府开放日」",
            "  南宁市交通运输局　『政府开放日』 ",
        ] {
            let name = PlanName::parse("name", raw).unwrap();
            assert_eq!(name.to_string(), "南宁市交通运输局“政府开放日”", "{raw}");
            assert_eq!(name.issuer(), "南宁市交通运输局");
        }
    }

    #[test]
    fn every_other_open_day_name_is_refused() {
        for raw in [
            "警务开放日",
            "南宁市公安局“警务开放日”",
            "政务服务开放日",
            "南宁市“政务服务开放日”",
            "「校园开放日」",
            "南宁市第一中学 「校园开放日」",
            "南宁市中级人民法院“司法开放日”",
            "南宁市 政务 服务 开放日",
            "南宁市交通运输局“开放日”",
            "南宁市交通运输局“政府开放周”",
            "南宁市交通运输局“政府开放日”暨“警务开放日”",
            "南宁市政府开放日政府开放日",
            "“政府开放日”",
        ] {
            let v = PlanName::parse("name", raw).unwrap_err();
            assert_eq!(v.code, Code::NameNotAllowed, "{raw}");
            assert_eq!(v.field.as_deref(), Some("name"));
        }
    }

    #[test]
    fn the_message_names_the_refused_word() {
        let v = PlanName::parse("name", "南宁市公安局“警务开放日”").unwrap_err();
        assert!(v.message.contains("警务开放日"), "{}", v.message);
    }

    #[test]
    fn an_empty_name_is_missing_not_misnamed() {
        assert_eq!(
            PlanName::parse("name", " “” ").unwrap_err().code,
            Code::ValidationFailed
        );
    }
}
