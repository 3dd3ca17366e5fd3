//! Joint campaigns (二(五): 统一组织开放活动、统筹安排开放时间、明确开放责任部门、集中发布
//! 活动公告): a city or county office organises a campaign for an open period it chooses,
//! invites agencies of its jurisdiction, each of which still files its own plan tied to the
//! campaign, and publishes one 集中公告 listing every event once each plan is filed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{day_text, parse_required_day};
use crate::org::{Id, Level, OrgKind, Organisation};
use crate::programme::Programme;
use crate::text::{LineText, LongText};
use crate::violation::{Code, Violation, Violations};

/// A campaign as the office set it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// 联合开放活动名称
    pub name: LineText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<LongText>,
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// The agencies invited (责任部门).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub agencies: Vec<Id>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignDraft {
    pub name: Option<String>,
    pub intro: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub from: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub until: Option<String>,
    #[serde(default)]
    pub agencies: Vec<String>,
}

/// Who may organise: the openness office of a city or county.
pub fn may_organise(org: &Organisation) -> bool {
    org.kind == OrgKind::Office && matches!(org.level, Level::City | Level::County)
}

impl Campaign {
    /// Checks a campaign: its dates within the programme's open period (R1) and in order,
    /// at least one agency, each an implementer (R3) of the office's jurisdiction (`within`
    /// says which are), none twice.
    pub fn parse(
        draft: &CampaignDraft,
        programme: &Programme,
        agency_of: impl Fn(&str) -> Option<Organisation>,
        within: impl Fn(&Organisation) -> bool,
    ) -> Result<Campaign, Violations> {
        let mut vs = Violations::new();
        let name = vs.take(LineText::parse_required(
            "name",
            "联合开放活动名称",
            draft.name.as_deref(),
        ));
        let intro = match draft.intro.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => vs.take(LongText::parse("intro", "活动简介", raw)),
        };
        let from = vs.take(parse_required_day(
            "from",
            "开始日期",
            draft.from.as_deref(),
        ));
        let until = vs.take(parse_required_day(
            "until",
            "结束日期",
            draft.until.as_deref(),
        ));
        let (first, last) = programme.open_season();
        for (field, d) in [("from", from), ("until", until)] {
            if let Some(d) = d
                && (d < first || d > last)
            {
                vs.push(
                    Violation::new(
                        Code::OutsideOpenPeriod,
                        format!(
                            "{}不在开放时间内：{}年的开放时间为{}至{}（{}）",
                            day_text(d),
                            programme.year,
                            day_text(first),
                            day_text(last),
                            programme.open_period.clause
                        ),
                    )
                    .at(field),
                );
            }
        }
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            vs.push(Violation::new(Code::ValidationFailed, "结束日期不能早于开始日期").at("until"));
        }
        if draft.agencies.is_empty() {
            vs.push(
                Violation::new(Code::ValidationFailed, "请至少邀请一个责任部门").at("agencies"),
            );
        }
        let mut agencies: Vec<Id> = Vec::new();
        for (i, raw) in draft.agencies.iter().enumerate() {
            let field = format!("agencies[{i}]");
            match agency_of(raw.trim()) {
                None => vs.push(
                    Violation::new(Code::ValidationFailed, format!("机关“{raw}”不存在")).at(&field),
                ),
                Some(org) if !within(&org) => vs.push(
                    Violation::new(Code::Forbidden, format!("“{}”不在本辖区", org.name)).at(&field),
                ),
                Some(org) => match programme.check_implementer(&org) {
                    Err(v) => vs.push(v.at(&field)),
                    Ok(()) if agencies.contains(&org.id) => vs.push(
                        Violation::new(Code::ValidationFailed, format!("“{}”重复", org.name))
                            .at(&field),
                    ),
                    Ok(()) => agencies.push(org.id),
                },
            }
        }
        vs.finish_with(|| {
            Some(Campaign {
                name: name?,
                intro,
                from: from?,
                until: until?,
                agencies,
            })
        })
    }

    /// Whether an event of these days lies within the campaign's period.
    pub fn covers(&self, start: NaiveDate, end: NaiveDate) -> bool {
        start >= self.from && end <= self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::day;
    use crate::org::tests::org;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Campaign, Violations> {
        Campaign::parse(
            &serde_json::from_value(v).unwrap(),
            &Programme::shipped(),
            |id| {
                ["nn-jt", "nn-gov", "qx-gov", "nn-office"]
                    .contains(&id)
                    .then(|| org(id))
            },
            |o| o.id.as_str() != "qx-gov",
        )
    }

    fn fields(vs: Violations) -> Vec<String> {
        vs.iter()
            .map(|v| v.field.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn a_campaign_lies_in_the_open_period_and_invites_implementers_of_the_jurisdiction() {
        let c = parse(json!({"name": "南宁市2026年“政府开放日”联合开放活动",
            "from": "2026-09-14", "until": "2026-09-30", "agencies": ["nn-jt", "nn-gov"]}))
        .unwrap();
        assert!(c.covers(day("2026-09-20"), day("2026-09-26")));
        assert!(!c.covers(day("2026-09-28"), day("2026-10-02")));
        let vs = parse(
            json!({"name": " ", "from": "2026-08-30", "until": "2026-11-02",
            "agencies": ["nn-jt", "nn-jt", "qx-gov", "nn-office", "nobody"]}),
        )
        .unwrap_err();
        assert_eq!(
            fields(vs.clone()),
            [
                "name",
                "from",
                "until",
                "agencies[1]",
                "agencies[2]",
                "agencies[3]",
                "agencies[4]"
            ]
        );
        assert!(vs.iter().any(|v| v.code == Code::OutsideOpenPeriod));
        assert!(vs.iter().any(|v| v.code == Code::ImplementerNotEligible));
    }

    #[test]
    fn only_city_and_county_offices_organise() {
        assert!(may_organise(&org("nn-office")));
        assert!(!may_organise(&org("gx-office")));
        assert!(!may_organise(&org("nn-jt")));
    }
}
