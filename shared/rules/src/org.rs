//! Jurisdictions, organisations and who each one is to a plan (二(二), 二(四), 三(四)).

use std::collections::{HashMap, HashSet};

use email_address::EmailAddress;
use serde::{Deserialize, Serialize};

use crate::text::ShortText;
use crate::violation::{Code, Violation, Violations};
use crate::wire::WireEnum;

wire_enum! {
    /// The administrative level of a jurisdiction, highest first.
    pub enum Level : "行政层级" {
        Region => "region", "自治区";
        City => "city", "地级市";
        County => "county", "县（市、区）";
        Township => "township", "乡镇";
        Street => "street", "街道";
        Village => "village", "村（居）";
    }
}

wire_enum! {
    pub enum OrgKind : "机关类型" {
        Government => "government", "人民政府";
        Department => "department", "政府部门";
        Office => "office", "政务公开办公室";
        Institution => "institution", "企事业单位";
    }
}

impl Level {
    /// The levels a jurisdiction of this level may sit directly under.
    fn allowed_parents(self) -> &'static [Level] {
        match self {
            Level::Region => &[],
            Level::City => &[Level::Region],
            // County-level cities and districts under a prefecture city, or directly
            // administered by the region.
            Level::County => &[Level::City, Level::Region],
            Level::Township | Level::Street => &[Level::County, Level::City],
            Level::Village => &[Level::Township, Level::Street],
        }
    }
}

/// An identifier chosen by the directory: 1–64 characters of `A-Z a-z 0-9 - _ .`, so it
/// can stand inside a storage key and a URL path unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Id(String);

impl Id {
    pub fn parse(field: &str, raw: &str) -> Result<Self, Violation> {
        let v = raw.trim();
        let ok = (1..=64).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(v.to_owned()))
        } else {
            Err(Violation::new(
                Code::ValidationFailed,
                format!("编号“{v}”无效，应为1至64位字母、数字、-、_ 或 .",),
            )
            .at(field))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Id {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse("id", &raw).map_err(|v| v.message)
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.0
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    pub id: Id,
    pub name: ShortText,
    pub level: Level,
    pub parent: Option<Id>,
}

/// An organisation with its place in the jurisdiction tree resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: Id,
    pub name: ShortText,
    pub kind: OrgKind,
    /// The level of its jurisdiction.
    pub level: Level,
    /// Jurisdiction ids from the region down to the organisation's own (never empty).
    pub jurisdiction_path: Vec<Id>,
    pub email: String,
}

impl Organisation {
    /// The organisation's own jurisdiction.
    pub fn jurisdiction(&self) -> &Id {
        // Directory::parse never builds an empty path; fall back to the id for safety.
        self.jurisdiction_path.last().unwrap_or(&self.id)
    }

    /// Whether `jurisdiction` is this organisation's own or one above it.
    pub fn lies_within(&self, jurisdiction: &Id) -> bool {
        self.jurisdiction_path.contains(jurisdiction)
    }
}

/// What an organisation is to a plan, which decides what it may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The implementing agency that owns the plan.
    Implementer,
    /// The openness office of the same level and jurisdiction (二(四)): reviews and files.
    ReviewingOffice,
    /// An openness office of a jurisdiction above: supervises, sees, does not review.
    SupervisingOffice,
    /// Anyone else: no access to the plan.
    Unrelated,
}

impl Role {
    pub fn of(actor: &Organisation, implementer: &Organisation) -> Role {
        if actor.id == implementer.id {
            Role::Implementer
        } else if actor.kind != OrgKind::Office {
            Role::Unrelated
        } else if actor.jurisdiction() == implementer.jurisdiction() {
            Role::ReviewingOffice
        } else if implementer.lies_within(actor.jurisdiction()) {
            Role::SupervisingOffice
        } else {
            Role::Unrelated
        }
    }

    /// Implementer and offices of its jurisdiction or above may read the plan.
    pub fn may_view(self) -> bool {
        !matches!(self, Role::Unrelated)
    }
}

/// The import format of `openday orgs import`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DirectoryDraft {
    #[serde(default)]
    pub jurisdictions: Vec<JurisdictionDraft>,
    #[serde(default)]
    pub orgs: Vec<OrgDraft>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JurisdictionDraft {
    pub id: Option<String>,
    pub name: Option<String>,
    pub level: Option<String>,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgDraft {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub jurisdiction: Option<String>,
    pub email: Option<String>,
}

/// A consistent directory: unique ids, every parent known and of a higher level, no
/// cycles, every organisation in a known jurisdiction, at most one office per jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    pub jurisdictions: Vec<Jurisdiction>,
    pub orgs: Vec<Organisation>,
}

impl Directory {
    pub fn parse(draft: &DirectoryDraft) -> Result<Directory, Violations> {
        let mut vs = Violations::new();
        if draft.jurisdictions.is_empty() || draft.orgs.is_empty() {
            // Most likely the wrong file: nothing to import is never what was meant.
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    "名录应包含 jurisdictions（行政区域）和 orgs（机关）两部分，且均不为空",
                )
                .at(if draft.jurisdictions.is_empty() {
                    "jurisdictions"
                } else {
                    "orgs"
                }),
            );
        }
        let jurisdictions = parse_jurisdictions(&mut vs, &draft.jurisdictions);
        let by_id: HashMap<&Id, &Jurisdiction> = jurisdictions.iter().map(|j| (&j.id, j)).collect();
        let mut paths: HashMap<&Id, Vec<Id>> = HashMap::new();
        for (i, j) in jurisdictions.iter().enumerate() {
            match path_of(j, &by_id) {
                Ok(path) => {
                    paths.insert(&j.id, path);
                }
                Err(why) => vs.push(
                    Violation::new(Code::ValidationFailed, why)
                        .at(format!("jurisdictions[{i}].parent")),
                ),
            }
        }
        let orgs = parse_orgs(&mut vs, &draft.orgs, &by_id, &paths);
        vs.finish(|| Directory {
            jurisdictions,
            orgs,
        })
    }

    pub fn org(&self, id: &str) -> Option<&Organisation> {
        self.orgs.iter().find(|o| o.id.as_str() == id)
    }

    /// The openness office of a jurisdiction, if the directory has one.
    pub fn office_of(&self, jurisdiction: &Id) -> Option<&Organisation> {
        self.orgs
            .iter()
            .find(|o| o.kind == OrgKind::Office && o.jurisdiction() == jurisdiction)
    }
}

/// Each jurisdiction's own fields, and ids that are unique.
fn parse_jurisdictions(vs: &mut Violations, drafts: &[JurisdictionDraft]) -> Vec<Jurisdiction> {
    let mut jurisdictions = Vec::new();
    let mut seen = HashSet::new();
    for (i, j) in drafts.iter().enumerate() {
        let f = |name: &str| format!("jurisdictions[{i}].{name}");
        let id = vs.take(Id::parse(&f("id"), j.id.as_deref().unwrap_or("")));
        let name = vs.take(ShortText::parse_required(
            &f("name"),
            "行政区域名称",
            j.name.as_deref(),
        ));
        let level = vs.take(Level::parse(&f("level"), j.level.as_deref().unwrap_or("")));
        let parent = match j.parent.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(p) => vs.take(Id::parse(&f("parent"), p)).map(Some),
        };
        if let Some(id) = &id
            && !seen.insert(id.clone())
        {
            vs.push(duplicate(&f("id"), id));
        }
        if let (Some(id), Some(name), Some(level), Some(parent)) = (id, name, level, parent) {
            jurisdictions.push(Jurisdiction {
                id,
                name,
                level,
                parent,
            });
        }
    }
    jurisdictions
}

/// Each organisation's own fields, in a known jurisdiction, with unique ids and at most one
/// office per jurisdiction.
fn parse_orgs(
    vs: &mut Violations,
    drafts: &[OrgDraft],
    by_id: &HashMap<&Id, &Jurisdiction>,
    paths: &HashMap<&Id, Vec<Id>>,
) -> Vec<Organisation> {
    let mut orgs = Vec::new();
    let mut org_ids = HashSet::new();
    let mut offices = HashSet::new();
    for (i, o) in drafts.iter().enumerate() {
        let f = |name: &str| format!("orgs[{i}].{name}");
        let id = vs.take(Id::parse(&f("id"), o.id.as_deref().unwrap_or("")));
        let name = vs.take(ShortText::parse_required(
            &f("name"),
            "机关名称",
            o.name.as_deref(),
        ));
        let kind = vs.take(OrgKind::parse(&f("kind"), o.kind.as_deref().unwrap_or("")));
        let email = vs.take(parse_email(&f("email"), o.email.as_deref().unwrap_or("")));
        let jurisdiction = o.jurisdiction.as_deref().unwrap_or("").trim();
        let path = paths.get(&Id(jurisdiction.to_owned())).cloned();
        if path.is_none() {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!("机关所属行政区域“{jurisdiction}”不存在"),
                )
                .at(f("jurisdiction")),
            );
        }
        if let Some(id) = &id
            && !org_ids.insert(id.clone())
        {
            vs.push(duplicate(&f("id"), id));
        }
        if kind == Some(OrgKind::Office) && !offices.insert(jurisdiction.to_owned()) {
            vs.push(
                Violation::new(
                    Code::ValidationFailed,
                    format!("行政区域“{jurisdiction}”已有政务公开办公室，每个行政区域只能有一个"),
                )
                .at(f("kind")),
            );
        }
        if let (Some(id), Some(name), Some(kind), Some(email), Some(path)) =
            (id, name, kind, email, path)
        {
            let level = by_id
                .get(path.last().unwrap_or(&id))
                .map_or(Level::Village, |j| j.level);
            orgs.push(Organisation {
                id,
                name,
                kind,
                level,
                jurisdiction_path: path,
                email,
            });
        }
    }
    orgs
}

fn duplicate(field: &str, id: &Id) -> Violation {
    Violation::new(Code::ValidationFailed, format!("编号“{id}”重复")).at(field)
}

fn parse_email(field: &str, raw: &str) -> Result<String, Violation> {
    let v = raw.trim();
    if EmailAddress::is_valid(v) && v.contains('.') {
        Ok(v.to_owned())
    } else {
        Err(Violation::new(Code::ValidationFailed, format!("电子邮箱“{v}”无效")).at(field))
    }
}

/// Root-to-node ids, refusing unknown parents, level inversions and cycles.
fn path_of(j: &Jurisdiction, by_id: &HashMap<&Id, &Jurisdiction>) -> Result<Vec<Id>, String> {
    let mut path = vec![j.id.clone()];
    let mut current = j;
    while let Some(parent_id) = &current.parent {
        let parent = by_id
            .get(parent_id)
            .ok_or_else(|| format!("上级行政区域“{parent_id}”不存在"))?;
        if !current.level.allowed_parents().contains(&parent.level) {
            return Err(format!(
                "{}“{}”不能隶属于{}“{}”",
                current.level.label(),
                current.name,
                parent.level.label(),
                parent.name
            ));
        }
        if path.contains(&parent.id) || path.len() > 8 {
            return Err("行政区域的上下级关系形成了循环".to_owned());
        }
        path.push(parent.id.clone());
        current = parent;
    }
    if current.level != Level::Region {
        return Err(format!(
            "{}“{}”缺少上级行政区域",
            current.level.label(),
            current.name
        ));
    }
    path.reverse();
    Ok(path)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::programme::tests::both as programmes;

    /// A small directory: region gx, city nn with county qx and township wt; one office each.
    pub(crate) fn demo() -> Directory {
        let draft: DirectoryDraft = serde_json::from_value(serde_json::json!({
            "jurisdictions": [
                {"id":"gx","name":"自治区","level":"region"},
                {"id":"gx-nn","name":"南宁市","level":"city","parent":"gx"},
                {"id":"gx-lz","name":"柳州市","level":"city","parent":"gx"},
                {"id":"gx-nn-qx","name":"青秀区","level":"county","parent":"gx-nn"},
                {"id":"gx-nn-qx-wt","name":"伍塘镇","level":"township","parent":"gx-nn-qx"}
            ],
            "orgs": [
                {"id":"gx-office","name":"自治区政务公开办公室","kind":"office","jurisdiction":"gx","email":"office@gx.example.cn"},
                {"id":"gx-edu","name":"自治区教育厅","kind":"department","jurisdiction":"gx","email":"edu@gx.example.cn"},
                {"id":"gx-gov","name":"自治区人民政府","kind":"government","jurisdiction":"gx","email":"gov@gx.example.cn"},
                {"id":"nn-gov","name":"南宁市人民政府","kind":"government","jurisdiction":"gx-nn","email":"gov@nn.example.cn"},
                {"id":"nn-office","name":"南宁市政务公开办公室","kind":"office","jurisdiction":"gx-nn","email":"office@nn.example.cn"},
                {"id":"nn-jt","name":"南宁市交通运输局","kind":"department","jurisdiction":"gx-nn","email":"jt@nn.example.cn"},
                {"id":"lz-office","name":"柳州市政务公开办公室","kind":"office","jurisdiction":"gx-lz","email":"office@lz.example.cn"},
                {"id":"qx-gov","name":"青秀区人民政府","kind":"government","jurisdiction":"gx-nn-qx","email":"gov@qx.example.cn"},
                {"id":"qx-office","name":"青秀区政务公开办公室","kind":"office","jurisdiction":"gx-nn-qx","email":"office@qx.example.cn"},
                {"id":"qx-sw","name":"青秀区水利局","kind":"department","jurisdiction":"gx-nn-qx","email":"sw@qx.example.cn"},
                {"id":"nn-hospital","name":"南宁市第一人民医院","kind":"institution","jurisdiction":"gx-nn","email":"h1@nn.example.cn"},
                {"id":"wt-gov","name":"伍塘镇人民政府","kind":"government","jurisdiction":"gx-nn-qx-wt","email":"gov@wt.example.cn"}
            ]
        }))
        .unwrap();
        Directory::parse(&draft).unwrap()
    }

    pub(crate) fn org(id: &str) -> Organisation {
        demo().org(id).cloned().unwrap()
    }

    #[test]
    fn the_directory_resolves_each_organisation_s_path_and_level() {
        let d = demo();
        let sw = d.org("qx-sw").unwrap();
        assert_eq!(sw.level, Level::County);
        let path: Vec<&str> = sw.jurisdiction_path.iter().map(Id::as_str).collect();
        assert_eq!(path, ["gx", "gx-nn", "gx-nn-qx"]);
        assert_eq!(
            d.office_of(&Id("gx-nn".into())).unwrap().id.as_str(),
            "nn-office"
        );
    }

    #[test]
    fn a_broken_directory_reports_every_problem() {
        let draft: DirectoryDraft = serde_json::from_value(serde_json::json!({
            "jurisdictions": [
                {"id":"gx","name":"自治区","level":"region"},
                {"id":"gx","name":"重复","level":"region"},
                {"id":"c1","name":"市","level":"city","parent":"nowhere"},
                {"id":"c2","name":"县","level":"county","parent":"t1"},
                {"id":"t1","name":"镇","level":"township","parent":"gx"},
                {"id":"x y","name":"空格","level":"planet"}
            ],
            "orgs": [
                {"id":"o1","name":"某局","kind":"department","jurisdiction":"missing","email":"a@b.cn"},
                {"id":"o2","name":"办","kind":"office","jurisdiction":"gx","email":"not-an-email"},
                {"id":"o3","name":"办","kind":"office","jurisdiction":"gx","email":"o3@b.cn"},
                {"id":"o4","name":"办二","kind":"office","jurisdiction":"gx","email":"o4@b.cn"}
            ]
        }))
        .unwrap();
        let err = Directory::parse(&draft).unwrap_err();
        let fields: Vec<&str> = err.iter().filter_map(|v| v.field.as_deref()).collect();
        for expected in [
            "jurisdictions[1].id",
            "jurisdictions[2].parent",
            "jurisdictions[3].parent",
            "jurisdictions[4].parent",
            "jurisdictions[5].id",
            "jurisdictions[5].level",
            "orgs[0].jurisdiction",
            "orgs[1].email",
            "orgs[2].kind",
            "orgs[3].kind",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn an_empty_directory_is_refused() {
        let err = Directory::parse(&DirectoryDraft::default()).unwrap_err();
        assert_eq!(err.first().unwrap().field.as_deref(), Some("jurisdictions"));
    }

    #[test]
    fn governments_and_departments_of_region_city_and_county_implement() {
        let [seed, example] = programmes();
        for id in [
            "gx-edu",
            "gx-gov",
            "nn-gov",
            "nn-jt",
            "qx-gov",
            "qx-sw",
            "nn-hospital",
        ] {
            assert!(seed.check_implementer(&org(id)).is_ok(), "{id}");
        }
        // Another region's file may leave institutions out.
        assert!(example.check_implementer(&org("nn-jt")).is_ok());
        assert!(example.check_implementer(&org("nn-hospital")).is_err());
    }

    #[test]
    fn township_bodies_and_offices_do_not_implement() {
        for p in programmes() {
            for id in ["wt-gov", "nn-office"] {
                let v = p.check_implementer(&org(id)).unwrap_err();
                assert_eq!(v.code, Code::ImplementerNotEligible, "{id}");
            }
            let mut street = org("qx-sw");
            for level in [Level::Township, Level::Street, Level::Village] {
                street.level = level;
                assert!(p.check_implementer(&street).is_err());
            }
        }
    }

    #[test]
    fn reporters_are_city_and_county_governments_and_regional_departments() {
        let directory = demo();
        let expected: [&[&str]; 2] = [
            &["gx-edu", "nn-gov", "qx-gov"],
            // The example's file adds the departments of city governments.
            &["gx-edu", "nn-gov", "nn-jt", "qx-gov"],
        ];
        for (p, expected) in programmes().iter().zip(expected) {
            let reporters: Vec<&str> = directory
                .orgs
                .iter()
                .filter(|o| p.is_reporter(o))
                .map(|o| o.id.as_str())
                .collect();
            assert_eq!(reporters, expected);
        }
    }

    #[test]
    fn roles_follow_level_and_jurisdiction() {
        let plan_owner = org("qx-sw");
        assert_eq!(Role::of(&org("qx-sw"), &plan_owner), Role::Implementer);
        assert_eq!(
            Role::of(&org("qx-office"), &plan_owner),
            Role::ReviewingOffice
        );
        assert_eq!(
            Role::of(&org("nn-office"), &plan_owner),
            Role::SupervisingOffice
        );
        assert_eq!(
            Role::of(&org("gx-office"), &plan_owner),
            Role::SupervisingOffice
        );
        assert_eq!(Role::of(&org("lz-office"), &plan_owner), Role::Unrelated);
        assert_eq!(Role::of(&org("qx-gov"), &plan_owner), Role::Unrelated);
        assert!(!Role::Unrelated.may_view());
        // A regional department is reviewed by the regional office.
        assert_eq!(
            Role::of(&org("gx-office"), &org("gx-edu")),
            Role::ReviewingOffice
        );
    }
}
