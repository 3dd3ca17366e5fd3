//! The attending leaders (参加领导): R6 asks the announcement to name them, R9 (二(三)) admits
//! government leaders only. The tick box is the agency's word; the title is judged too:
//! a post of the party, a people's congress, a political consultative conference or a
//! discipline body is refused with the clause, a government post passes, and a title that
//! names neither is passed on to the reviewing office as a note instead of being refused.

use serde::{Deserialize, Serialize, Serializer};

use crate::text::{BoolLike, ShortText, ticked};
use crate::violation::{Code, Violation, Violations};

/// A leader invited to attend; R9 admits only government leaders.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Leader {
    pub name: ShortText,
    pub title: ShortText,
}

impl Serialize for Leader {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Leader", 3)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("title", &self.title)?;
        st.serialize_field("government_leader", &true)?;
        st.end()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderDraft {
    pub name: Option<String>,
    pub title: Option<String>,
    pub government_leader: Option<BoolLike>,
}

/// What a title says about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleVerdict {
    /// A post of a people's government or one of its departments.
    Government,
    /// A post of another body; the word that shows it.
    NotGovernment(&'static str),
    /// Neither: the reviewing office decides.
    Unknown,
}

/// Bodies whose leaders are never government leaders, whatever else the title says
/// (a people's congress standing committee has a 主任 too).
const OTHER_BODIES: [&str; 16] = [
    "人大",
    "人民代表大会",
    "政协",
    "政治协商",
    "纪委",
    "纪律检查",
    "监委",
    "监察委",
    "法院",
    "检察院",
    "工会",
    "妇联",
    "共青团",
    "团委",
    "工商联",
    "武装部",
];

/// Party posts. A government leader often holds one beside the government post
/// (“市委副书记、市长”, “党组书记、局长”): with a government post in the same title they pass.
const PARTY_POSTS: [&str; 14] = [
    "书记",
    "党委",
    "党组",
    "党工委",
    "市委",
    "县委",
    "区委",
    "州委",
    "盟委",
    "旗委",
    "常委",
    "组织部",
    "宣传部",
    "统战部",
];

/// Posts of a people's government and its departments (副 posts contain them).
const GOVERNMENT_POSTS: [&str; 22] = [
    "主席",
    "省长",
    "市长",
    "州长",
    "盟长",
    "县长",
    "区长",
    "旗长",
    "镇长",
    "乡长",
    "秘书长",
    "厅长",
    "局长",
    "主任",
    "处长",
    "科长",
    "署长",
    "司长",
    "专员",
    "队长",
    "站长",
    "所长",
];

/// Judges a leader's title by the words of its posts.
pub fn judge_title(title: &str) -> TitleVerdict {
    if let Some(w) = OTHER_BODIES.iter().find(|w| title.contains(*w)) {
        return TitleVerdict::NotGovernment(w);
    }
    let government = GOVERNMENT_POSTS.iter().any(|w| title.contains(w));
    match PARTY_POSTS.iter().find(|w| title.contains(*w)) {
        Some(_) if government => TitleVerdict::Government,
        Some(w) => TitleVerdict::NotGovernment(w),
        None if government => TitleVerdict::Government,
        None => TitleVerdict::Unknown,
    }
}

/// A title the rules could not place, for the reviewing office to judge (R9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderNote {
    /// The leader's place in `leaders`.
    pub index: usize,
    pub name: String,
    pub title: String,
    pub message: String,
}

/// Notes for the reviewing office on titles that name no government post.
pub fn leader_notes(leaders: &[Leader]) -> Vec<LeaderNote> {
    leaders
        .iter()
        .enumerate()
        .filter(|(_, l)| judge_title(l.title.as_str()) == TitleVerdict::Unknown)
        .map(|(index, l)| LeaderNote {
            index,
            name: l.name.to_string(),
            title: l.title.to_string(),
            message: format!(
                "请审核：参加领导{}的职务“{}”未能识别为政府领导职务，请确认其为政府领导（二(三)：不邀请政府领导以外的其他领导参加或出席）",
                l.name, l.title
            ),
        })
        .collect()
}

/// The attending leaders: at least one (R6), government leaders only (R9).
pub(super) fn parse_leaders(drafts: &[LeaderDraft]) -> Result<Vec<Leader>, Violations> {
    let mut vs = Violations::new();
    let mut out = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let f = |name: &str| format!("leaders[{i}].{name}");
        let name = vs.take(ShortText::parse_required(
            &f("name"),
            "领导姓名",
            d.name.as_deref(),
        ));
        let title = vs.take(ShortText::parse_required(
            &f("title"),
            "领导职务",
            d.title.as_deref(),
        ));
        let verdict = title.as_ref().map(|t| judge_title(t.as_str()));
        if let Some(TitleVerdict::NotGovernment(word)) = verdict {
            vs.push(
                Violation::new(
                    Code::LeaderNotAllowed,
                    format!(
                        "不邀请政府领导以外的其他领导参加或出席（二(三)）：“{}”含“{word}”，不是政府领导职务",
                        title.as_ref().map_or("", |t| t.as_str())
                    ),
                )
                .at(f("title")),
            );
        } else if !ticked(&d.government_leader) {
            vs.push(
                Violation::new(
                    Code::LeaderNotAllowed,
                    format!(
                        "不邀请政府领导以外的其他领导参加或出席（二(三)）：请确认{}为政府领导",
                        title.as_ref().map_or("该领导", |t| t.as_str())
                    ),
                )
                .at(f("government_leader")),
            );
        }
        if let (Some(name), Some(title)) = (name, title) {
            out.push(Leader { name, title });
        }
    }
    if drafts.is_empty() {
        // R6 asks the announcement to state the attending leaders, and a filed plan can
        // no longer change: so the plan must name them.
        vs.push(
            Violation::new(
                Code::AnnouncementIncomplete,
                "活动公告须写明参加领导：请至少填写一位出席活动的政府领导",
            )
            .at("leaders"),
        );
    }
    vs.finish(|| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_congress_consultative_and_discipline_posts_are_not_government() {
        for (title, word) in [
            ("市委书记", "书记"),
            ("县委副书记", "书记"),
            ("市委常委、宣传部部长", "市委"),
            ("市人大常委会副主任", "人大"),
            ("区政协副主席", "政协"),
            ("市纪委书记、市监委主任", "纪委"),
            ("县人民法院院长", "法院"),
            ("市总工会主席", "工会"),
        ] {
            assert_eq!(
                judge_title(title),
                TitleVerdict::NotGovernment(word),
                "{title}"
            );
        }
    }

    #[test]
    fn government_posts_pass_also_beside_a_party_post() {
        for title in [
            "市长",
            "副县长",
            "局长",
            "市交通运输局副局长",
            "县政府办公室主任",
            "自治区人民政府副主席",
            "市政府副秘书长",
            "党组书记、局长",
            "市委副书记、市长",
            "城市管理综合行政执法支队支队长",
        ] {
            assert_eq!(judge_title(title), TitleVerdict::Government, "{title}");
        }
    }

    #[test]
    fn titles_without_a_known_post_are_noted_for_the_reviewer_not_refused() {
        for title in ["一级调研员", "总工程师", "首席专家"] {
            assert_eq!(judge_title(title), TitleVerdict::Unknown, "{title}");
        }
        let leaders = vec![
            Leader {
                name: ShortText::parse_required("n", "n", Some("李明")).unwrap(),
                title: ShortText::parse_required("t", "t", Some("副局长")).unwrap(),
            },
            Leader {
                name: ShortText::parse_required("n", "n", Some("王强")).unwrap(),
                title: ShortText::parse_required("t", "t", Some("总工程师")).unwrap(),
            },
        ];
        let notes = leader_notes(&leaders);
        assert_eq!(notes.len(), 1);
        assert_eq!((notes[0].index, notes[0].title.as_str()), (1, "总工程师"));
        assert!(notes[0].message.contains("请审核"));
    }
}
