//! Free text that people type: trimmed, never blank, never longer than its field allows.

use serde::{Deserialize, Serialize};

use crate::violation::{Code, Violation};

/// Trimmed, non-empty text of at most `MAX` characters, without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MAX: usize>(String);

/// A person's name, a leader's title, a contact person.
pub type ShortText = Text<50>;
/// A theme, a venue, a place, a registration method.
pub type LineText = Text<200>;
/// A description, content, reminders, a summary, a reply.
pub type LongText = Text<5000>;

impl<const MAX: usize> Text<MAX> {
    /// Parses `raw` for `field`; `what` names the field in Chinese for the message.
    pub fn parse(field: &str, what: &str, raw: &str) -> Result<Self, Violation> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Violation::new(Code::ValidationFailed, format!("请填写{what}")).at(field));
        }
        let chars = value.chars().count();
        if chars > MAX {
            return Err(Violation::new(
                Code::ValidationFailed,
                format!("{what}不能超过{MAX}个字（现为{chars}个字）"),
            )
            .at(field));
        }
        if value.chars().any(is_hidden) {
            return Err(Violation::new(
                Code::ValidationFailed,
                format!("{what}含有不可见的控制字符"),
            )
            .at(field));
        }
        Ok(Self(value.to_owned()))
    }

    /// Parses an optional field: absent is fine, present must be valid.
    pub fn parse_required(field: &str, what: &str, raw: Option<&str>) -> Result<Self, Violation> {
        Self::parse(field, what, raw.unwrap_or(""))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse("", "文本", &raw).map_err(|v| v.message)
    }
}

impl<const MAX: usize> From<Text<MAX>> for String {
    fn from(t: Text<MAX>) -> String {
        t.0
    }
}

impl<const MAX: usize> std::fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A number that may arrive as JSON number or as a form field's string.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum NumberLike {
    Number(serde_json_number::Number),
    Text(String),
}

/// Tiny local stand-in for a JSON number so the crate needs no serde_json at run time.
mod serde_json_number {
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Deserialize)]
    #[serde(untagged)]
    pub enum Number {
        Int(i64),
        Float(f64),
    }
}

impl NumberLike {
    /// The whole number it holds, if it holds one.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            NumberLike::Number(serde_json_number::Number::Int(i)) => Some(*i),
            NumberLike::Number(serde_json_number::Number::Float(f))
                if f.fract() == 0.0 && f.abs() < 1e15 =>
            {
                Some(*f as i64)
            }
            NumberLike::Number(_) => None,
            NumberLike::Text(s) => s.trim().parse().ok(),
        }
    }
}

/// A yes/no that may arrive as JSON `true` or as a form checkbox (`on`, `true`, `1`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum BoolLike {
    Bool(bool),
    Text(String),
}

impl BoolLike {
    pub fn is_yes(&self) -> bool {
        match self {
            BoolLike::Bool(b) => *b,
            BoolLike::Text(s) => matches!(s.trim(), "true" | "on" | "1" | "yes"),
        }
    }
}

/// True only when the box was present and ticked.
pub fn ticked(value: &Option<BoolLike>) -> bool {
    value.as_ref().is_some_and(BoolLike::is_yes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        let t = ShortText::parse("name", "姓名", "  张三 ").unwrap();
        assert_eq!(t.as_str(), "张三");
        assert_eq!(
            ShortText::parse("name", "姓名", "   ").unwrap_err().message,
            "请填写姓名"
        );
        let fifty = "字".repeat(50);
        assert!(ShortText::parse("name", "姓名", &fifty).is_ok());
        let v = ShortText::parse("name", "姓名", &format!("{fifty}字")).unwrap_err();
        assert_eq!(v.field.as_deref(), Some("name"));
        assert!(ShortText::parse("name", "姓名", "张\u{0}三").is_err());
    }

    #[test]
    fn numbers_and_checkboxes_arrive_as_json_or_form_values() {
        let n: NumberLike = serde_json::from_str("30").unwrap();
        assert_eq!(n.as_integer(), Some(30));
        let n: NumberLike = serde_json::from_str("\" 30 \"").unwrap();
        assert_eq!(n.as_integer(), Some(30));
        let n: NumberLike = serde_json::from_str("30.5").unwrap();
        assert_eq!(n.as_integer(), None);
        let b: BoolLike = serde_json::from_str("\"on\"").unwrap();
        assert!(b.is_yes());
        let b: BoolLike = serde_json::from_str("false").unwrap();
        assert!(!b.is_yes());
        assert!(!ticked(&None));
    }
}

/// Characters that change what text looks like without being seen: control characters
/// (but line breaks and tabs), zero-width characters and bidirectional controls (which can
/// make `局“政府开放日”` display as something else), and the byte-order mark.
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        || matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{3164}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Input echoed back in a message, at most 64 characters: enough to recognise, never a
/// megabyte of someone's paste in an error body or a log.
pub fn clip(raw: &str) -> String {
    const MAX: usize = 64;
    let mut chars = raw.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod clip_tests {
    #[test]
    fn zero_width_and_bidirectional_controls_are_refused_in_text() {
        for sneaky in [
            "南宁\u{200b}市",
            "abc\u{202e}def",
            "x\u{2066}y",
            "\u{feff}z",
            "a\u{0007}b",
        ] {
            let v = super::LineText::parse("theme", "开放主题", sneaky).unwrap_err();
            assert!(v.message.contains("不可见"), "{sneaky:?}");
        }
        assert!(super::LongText::parse("content", "内容", "第一行\n第二行\t制表").is_ok());
    }

    #[test]
    fn long_input_is_clipped_when_echoed() {
        assert_eq!(super::clip("短"), "短");
        let long = "长".repeat(100);
        let clipped = super::clip(&long);
        assert_eq!(clipped.chars().count(), 65);
        assert!(clipped.ends_with('…'));
    }
}
