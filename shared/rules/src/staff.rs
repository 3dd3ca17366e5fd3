//! Staff as people: the roles a member of an organisation holds, and what each allows.
//! The jurisdiction rules (who sees or reviews which plan) stay in [`crate::org`]; a role
//! says which kind of work a person of the organisation may do there.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::org::{OrgKind, Organisation};
use crate::violation::{Code, Violation};

wire_enum! {
    /// What a member of an organisation may do. A person may hold several.
    pub enum StaffRole : "岗位角色" {
        Admin => "admin", "管理员";
        Clerk => "clerk", "经办人";
        Reviewer => "reviewer", "审核人";
    }
}

impl StaffRole {
    /// What the role allows, as the members page says it.
    pub fn duties(self) -> &'static str {
        match self {
            StaffRole::Admin => "管理本机关成员、登录会话和操作日志",
            StaffRole::Clerk => "编写实施方案、发布公告、签到、答复意见建议、报送年度报告",
            StaffRole::Reviewer => "审核备案本级实施方案（政务公开办公室）",
        }
    }
}

/// A non-empty set of roles that suits the organisation (审核人 only at an office).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Roles(BTreeSet<StaffRole>);

impl Roles {
    /// Every role the organisation has: what its directory mailbox, the first 管理员, holds.
    pub fn all_for(org: &Organisation) -> Self {
        let mut set = BTreeSet::from([StaffRole::Admin, StaffRole::Clerk]);
        if org.kind == OrgKind::Office {
            set.insert(StaffRole::Reviewer);
        }
        Self(set)
    }

    /// Roles as a form or a request sends them (wire names), checked for `org`.
    pub fn parse<'a>(
        field: &str,
        raw: impl IntoIterator<Item = &'a str>,
        org: &Organisation,
    ) -> Result<Self, Violation> {
        let mut set = BTreeSet::new();
        for r in raw {
            let r = r.trim();
            if r.is_empty() {
                continue;
            }
            let role = StaffRole::from_wire(r).ok_or_else(|| {
                Violation::new(Code::ValidationFailed, format!("岗位角色“{r}”无效")).at(field)
            })?;
            set.insert(role);
        }
        if set.is_empty() {
            return Err(Violation::new(Code::ValidationFailed, "请至少选择一个岗位角色").at(field));
        }
        if set.contains(&StaffRole::Reviewer) && org.kind != OrgKind::Office {
            return Err(
                Violation::new(Code::ValidationFailed, "审核人只设在政务公开办公室").at(field),
            );
        }
        Ok(Self(set))
    }

    pub fn has(&self, role: StaffRole) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = StaffRole> + '_ {
        self.0.iter().copied()
    }

    /// 管理员、经办人
    pub fn labels(&self) -> String {
        self.iter()
            .map(StaffRole::label)
            .collect::<Vec<_>>()
            .join("、")
    }

    /// A refusal unless the person holds `role`: the message names the role needed.
    pub fn require(&self, role: StaffRole) -> Result<(), Violation> {
        if self.has(role) {
            Ok(())
        } else {
            Err(Violation::new(
                Code::Forbidden,
                format!("此操作需要“{}”岗位角色，请联系本机关管理员", role.label()),
            ))
        }
    }
}

impl TryFrom<Vec<String>> for Roles {
    type Error = String;
    fn try_from(raw: Vec<String>) -> Result<Self, String> {
        let set: BTreeSet<StaffRole> = raw.iter().filter_map(|r| StaffRole::from_wire(r)).collect();
        if set.is_empty() {
            return Err("no roles".into());
        }
        Ok(Self(set))
    }
}

impl From<Roles> for Vec<String> {
    fn from(r: Roles) -> Self {
        r.0.iter().map(|r| r.wire().to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(kind: OrgKind) -> Organisation {
        Organisation {
            id: crate::org::Id::parse("id", "nn-jt").unwrap(),
            name: crate::text::ShortText::parse("name", "名称", "南宁市交通运输局").unwrap(),
            kind,
            level: crate::org::Level::City,
            jurisdiction_path: vec![crate::org::Id::parse("id", "gx").unwrap()],
            email: "jt@nn.example.org".into(),
        }
    }

    #[test]
    fn reviewers_sit_only_at_an_office() {
        let agency = org(OrgKind::Department);
        let office = org(OrgKind::Office);
        assert!(Roles::parse("roles", ["reviewer"], &agency).is_err());
        assert!(
            Roles::parse("roles", ["reviewer", "clerk"], &office)
                .unwrap()
                .has(StaffRole::Reviewer)
        );
        assert!(Roles::all_for(&office).has(StaffRole::Reviewer));
        assert!(!Roles::all_for(&agency).has(StaffRole::Reviewer));
    }

    #[test]
    fn a_person_needs_at_least_one_known_role() {
        let agency = org(OrgKind::Department);
        assert!(Roles::parse("roles", Vec::<&str>::new(), &agency).is_err());
        assert!(Roles::parse("roles", ["", " "], &agency).is_err());
        assert!(Roles::parse("roles", ["boss"], &agency).is_err());
        let r = Roles::parse("roles", ["clerk", "admin"], &agency).unwrap();
        assert_eq!(r.labels(), "管理员、经办人");
        assert_eq!(
            r.require(StaffRole::Reviewer).unwrap_err().code,
            Code::Forbidden
        );
        assert!(r.require(StaffRole::Clerk).is_ok());
    }
}
