//! R11, 三(二): “政府开放日” is a proper noun. The only allowed name is
//! `<place><agency>“政府开放日”`; every other “…开放日” is refused. The proper noun is the
//! programme's (`naming.proper_noun`): the seed's is “政府开放日”.

use serde::{Deserialize, Serialize};

use crate::violation::{Code, Violation};

/// The proper noun of the seed's work plan, and of names stored before programmes had one.
pub const SEED_PROPER_NOUN: &str = "政府开放日";
pub(crate) const ANY_OPEN_DAY: &str = "开放日";
const MAX_CHARS: usize = 60;

/// A plan name of the form `<place><agency>“政府开放日”`, kept in that canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanName {
    /// The place and agency before the proper noun, e.g. `南宁市交通运输局`.
    issuer: String,
    /// The programme's proper noun the name ends with, e.g. `政府开放日`.
    noun: String,
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
        )
}

/// The form a name is compared in: full-width letters and digits as ASCII, and the
/// traditional forms of the characters these names use as simplified, so that `警務開放日`
/// is seen as `警务开放日` and `政府開放日` as `政府开放日`.
fn fold(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        '開' => '开',
        '務' => '务',
        '園' => '园',
        '區' => '区',
        '縣' => '县',
        '門' => '门',
        '廳' => '厅',
        '辦' => '办',
        '機' => '机',
        '關' => '关',
        '會' => '会',
        '員' => '员',
        '衛' => '卫',
        '計' => '计',
        '發' => '发',
        '來' => '来',
        '體' => '体',
        '書' => '书',
        '護' => '护',
        '檢' => '检',
        '醫' => '医',
        '藥' => '药',
        '環' => '环',
        '態' => '态',
        '與' => '与',
        '農' => '农',
        '業' => '业',
        '運' => '运',
        '輸' => '输',
        '稅' => '税',
        '財' => '财',
        '資' => '资',
        '學' => '学',
        '法' => '法',
        '執' => '执',
        '寧' => '宁',
        '廣' => '广',
        '東' => '东',
        '壯' => '壮',
        '鄉' => '乡',
        '鎮' => '镇',
        '華' => '华',
        '聞' => '闻',
        '電' => '电',
        '視' => '视',
        '閱' => '阅',
        '歷' => '历',
        '圖' => '图',
        '館' => '馆',
        '場' => '场',
        '線' => '线',
        '網' => '网',
        '應' => '应',
        '急' => '急',
        '質' => '质',
        '監' => '监',
        '專' => '专',
        '項' => '项',
        '設' => '设',
        '貿' => '贸',
        '經' => '经',
        '濟' => '济',
        '統' => '统',
        '僑' => '侨',
        '衆' | '眾' => '众',
        '黨' => '党',
        '協' => '协',
        '鐵' => '铁',
        '車' => '车',
        '勞' => '劳',
        '動' => '动',
        '險' => '险',
        '災' => '灾',
        '產' => '产',
        '號' => '号',
        _ => c,
    }
}

/// `raw` in the form names are compared in: folded, decorations removed.
fn normalise(raw: &str) -> String {
    raw.chars()
        .map(fold)
        .filter(|c| !is_decoration(*c))
        .collect()
}

impl PlanName {
    /// R11: `raw` must be `<place><agency>“<noun>”`, `noun` being the programme's proper
    /// noun; any other “…开放日” is refused.
    pub fn parse(field: &str, raw: &str, noun: &str) -> Result<Self, Violation> {
        let noun = normalise(noun);
        let refuse = |why: String| {
            Violation::new(
                Code::NameNotAllowed,
                format!("{why}。“{noun}”是专有名词，名称应为：×××市、县（区）×××局“{noun}”"),
            )
            .at(field)
        };
        if raw.chars().any(crate::text::is_hidden) {
            return Err(Violation::new(
                Code::ValidationFailed,
                "活动名称含有不可见的控制字符（如零宽字符、文字方向控制符），请删除后重新输入",
            )
            .at(field));
        }
        let bare = normalise(raw);
        if bare.is_empty() {
            return Err(Violation::new(Code::ValidationFailed, "请填写活动名称").at(field));
        }
        // Every “开放日” in the name must be the proper noun's.
        let qualifier = noun.strip_suffix(ANY_OPEN_DAY).unwrap_or(&noun);
        for (at, _) in bare.match_indices(ANY_OPEN_DAY) {
            if !bare[..at].ends_with(qualifier) {
                let start = bare[..at].char_indices().rev().nth(1).map_or(0, |(i, _)| i);
                return Err(refuse(format!(
                    "不得使用“{}”等名称",
                    &bare[start..at + ANY_OPEN_DAY.len()]
                )));
            }
        }
        let Some(issuer) = bare.strip_suffix(noun.as_str()) else {
            return Err(refuse(format!("名称应以“{noun}”结尾")));
        };
        if issuer.contains(ANY_OPEN_DAY) {
            return Err(refuse(format!("名称中只能出现一次“{noun}”")));
        }
        if issuer.chars().count() < 2 {
            return Err(refuse("名称应写明地区和机关".to_owned()));
        }
        if issuer.chars().count() + noun.chars().count() > MAX_CHARS {
            return Err(Violation::new(
                Code::ValidationFailed,
                format!("活动名称不能超过{MAX_CHARS}个字"),
            )
            .at(field));
        }
        Ok(Self {
            issuer: issuer.to_owned(),
            noun,
        })
    }

    /// A name as it was stored when its plan was checked (`<issuer>“<noun>”`): read
    /// back with the noun it was checked against, not judged again.
    pub fn read(field: &str, raw: &str) -> Result<Self, Violation> {
        let stored = raw
            .strip_suffix('”')
            .and_then(|rest| rest.rsplit_once('“'))
            .filter(|(issuer, noun)| !issuer.is_empty() && noun.ends_with(ANY_OPEN_DAY));
        match stored {
            Some((issuer, noun)) => Self::parse(field, raw, noun).or_else(|_| {
                Ok(Self {
                    issuer: issuer.to_owned(),
                    noun: noun.to_owned(),
                })
            }),
            None => Self::parse(field, raw, SEED_PROPER_NOUN),
        }
    }

    /// The proper noun the name ends with.
    pub fn noun(&self) -> &str {
        &self.noun
    }

    /// The place and agency part, e.g. `南宁市交通运输局`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// R11: the name names the agency that runs the event (`<place><agency>`), not another
    /// one: 青秀区水利局 cannot publish `自治区人民政府“政府开放日”`.
    pub fn check_names(&self, field: &str, agency: &str) -> Result<(), Violation> {
        let agency = normalise(agency);
        if agency.is_empty() || self.issuer.contains(&agency) {
            Ok(())
        } else {
            Err(Violation::new(
                Code::NameNotAllowed,
                format!("活动名称应写明本机关，即“{agency}“政府开放日””"),
            )
            .at(field))
        }
    }
}

impl std::fmt::Display for PlanName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}“{}”", self.issuer, self.noun)
    }
}

impl TryFrom<String> for PlanName {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::read("name", &raw).map_err(|v| v.message)
    }
}

impl From<PlanName> for String {
    fn from(n: PlanName) -> String {
        n.to_string()
    }
}

#[cfg(test)]
mod disguise_tests {
    use super::*;

    #[test]
    fn traditional_and_full_width_forms_do_not_hide_another_open_day() {
        for disguised in [
            "南宁市公安局“警務開放日”",
            "南宁市人民政府“政務服務開放日”",
            "南宁市“校園開放日”",
            "南宁市ＸＸ局“司法開放日”",
        ] {
            let v = PlanName::parse("name", disguised, SEED_PROPER_NOUN).unwrap_err();
            assert_eq!(v.code, Code::NameNotAllowed, "{disguised}");
        }
        // The proper noun in traditional or full-width form is the proper noun.
        let name =
            PlanName::parse("name", "南寧市交通運輸局“政府開放日”", SEED_PROPER_NOUN).unwrap();
        assert_eq!(name.to_string(), "南宁市交通运输局“政府开放日”");
    }

    #[test]
    fn zero_width_and_bidirectional_characters_are_refused_in_names() {
        for sneaky in [
            "南宁市交通运输局“政府\u{200b}开放日”",
            "南宁市交通运输局\u{202e}”日放开府政“",
            "南宁市\u{2066}交通运输局“政府开放日”",
        ] {
            let v = PlanName::parse("name", sneaky, SEED_PROPER_NOUN).unwrap_err();
            assert!(v.message.contains("不可见"), "{sneaky:?}: {}", v.message);
        }
    }

    #[test]
    fn the_name_names_the_submitting_agency() {
        let name = PlanName::parse("name", "自治区人民政府“政府开放日”", SEED_PROPER_NOUN).unwrap();
        let v = name.check_names("name", "青秀区水利局").unwrap_err();
        assert_eq!(
            (v.code, v.field.as_deref()),
            (Code::NameNotAllowed, Some("name"))
        );
        assert!(v.message.contains("青秀区水利局"), "{}", v.message);
        let own =
            PlanName::parse("name", "南宁市青秀区水利局“政府开放日”", SEED_PROPER_NOUN).unwrap();
        assert!(own.check_names("name", "青秀区水利局").is_ok());
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
            let name = PlanName::parse("name", raw, SEED_PROPER_NOUN).unwrap();
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
            let v = PlanName::parse("name", raw, SEED_PROPER_NOUN).unwrap_err();
            assert_eq!(v.code, Code::NameNotAllowed, "{raw}");
            assert_eq!(v.field.as_deref(), Some("name"));
        }
    }

    #[test]
    fn the_message_names_the_refused_word() {
        let v = PlanName::parse("name", "南宁市公安局“警务开放日”", SEED_PROPER_NOUN).unwrap_err();
        assert!(v.message.contains("警务开放日"), "{}", v.message);
    }

    #[test]
    fn an_empty_name_is_missing_not_misnamed() {
        assert_eq!(
            PlanName::parse("name", " “” ", SEED_PROPER_NOUN)
                .unwrap_err()
                .code,
            Code::ValidationFailed
        );
    }
}
