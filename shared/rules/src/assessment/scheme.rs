//! The scoring scheme of a programme (考核方案): what each item measures and its weight.
//! A leaf: the programme reads it, the scoring in the parent module uses it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::WireEnum;
use crate::violation::{Code, Violation, Violations};

wire_enum! {
    /// What an item of the scheme measures, from the year's data.
    pub enum Measure : "考核指标" {
        AnnouncedOnTime => "announced_on_time", "按时发布活动公告";
        ParticipantsMet => "participants_met", "参加人数达到要求";
        InteractionHeld => "interaction_held", "设置座谈问答或问卷调查";
        RespondedOnTime => "responded_on_time", "按期公开反馈采纳情况";
        AdoptionRate => "adoption_rate", "意见建议采纳率";
        Ratings => "ratings", "网络测评满意度";
        Supervision => "supervision", "跟踪检查落实情况";
        ReportOnTime => "report_on_time", "按时报送年度开展情况";
    }
}

/// One item of the scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemeItem {
    pub measure: Measure,
    /// Points out of 100.
    pub weight: u32,
}

/// The scoring scheme: items whose weights add up to 100, and the most an office may add
/// or take away by hand (with a reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scheme {
    pub items: Vec<SchemeItem>,
    pub max_adjustment: u32,
    pub clause: String,
}

impl Scheme {
    /// The scheme of a programme file written before schemes existed: every measure, the
    /// weights of the shipped programme.
    pub fn standard() -> Scheme {
        let items = [
            (Measure::AnnouncedOnTime, 15),
            (Measure::ParticipantsMet, 10),
            (Measure::InteractionHeld, 15),
            (Measure::RespondedOnTime, 15),
            (Measure::AdoptionRate, 15),
            (Measure::Ratings, 10),
            (Measure::Supervision, 10),
            (Measure::ReportOnTime, 10),
        ]
        .into_iter()
        .map(|(measure, weight)| SchemeItem { measure, weight })
        .collect();
        Scheme {
            items,
            max_adjustment: 10,
            clause: "三（三）".into(),
        }
    }

    /// Reads the `assessment` section of a programme file: known measures, each once,
    /// positive whole weights adding up to 100, an adjustment bound of 0 to 50.
    pub fn parse(section: &Value) -> Result<Scheme, Violations> {
        let mut vs = Violations::new();
        let at = |f: &str| format!("assessment.{f}");
        let Some(map) = section.as_object() else {
            return Err(
                Violation::new(Code::ValidationFailed, "考核方案应为一个对象")
                    .at("assessment")
                    .into(),
            );
        };
        for key in map.keys() {
            if !["items", "max_adjustment", "clause"].contains(&key.as_str()) {
                vs.push(
                    Violation::new(Code::ValidationFailed, format!("考核方案没有“{key}”这一项"))
                        .at(at(key)),
                );
            }
        }
        let clause = match map.get("clause").and_then(Value::as_str).map(str::trim) {
            Some(c) if !c.is_empty() => Some(c.to_owned()),
            _ => {
                vs.push(
                    Violation::new(Code::ValidationFailed, "请写明考核所依据的条款")
                        .at(at("clause")),
                );
                None
            }
        };
        let max_adjustment = match map.get("max_adjustment").and_then(Value::as_u64) {
            Some(n @ 0..=50) => Some(n as u32),
            _ => {
                vs.push(
                    Violation::new(Code::ValidationFailed, "人工调整上限应为0至50的整数")
                        .at(at("max_adjustment")),
                );
                None
            }
        };
        let raw_items = map.get("items").and_then(Value::as_array);
        let mut items = Vec::new();
        match raw_items {
            None => {
                vs.push(Violation::new(Code::ValidationFailed, "请列出考核项目").at(at("items")))
            }
            Some(list) => {
                for (i, item) in list.iter().enumerate() {
                    let f = |k: &str| at(&format!("items[{i}].{k}"));
                    let measure = item.get("measure").and_then(Value::as_str).unwrap_or("");
                    let measure = vs.take(Measure::parse(&f("measure"), measure));
                    let weight = match item.get("weight").and_then(Value::as_u64) {
                        Some(w @ 1..=100) => Some(w as u32),
                        _ => {
                            vs.push(
                                Violation::new(Code::ValidationFailed, "权重应为1至100的整数")
                                    .at(f("weight")),
                            );
                            None
                        }
                    };
                    if let Some(m) = measure
                        && items.iter().any(|x: &SchemeItem| x.measure == m)
                    {
                        vs.push(
                            Violation::new(
                                Code::ValidationFailed,
                                format!("考核项目“{}”重复", m.label()),
                            )
                            .at(f("measure")),
                        );
                    }
                    if let (Some(measure), Some(weight)) = (measure, weight) {
                        items.push(SchemeItem { measure, weight });
                    }
                }
                let total: u32 = items.iter().map(|i| i.weight).sum();
                if vs.is_empty() && total != 100 {
                    vs.push(
                        Violation::new(
                            Code::ValidationFailed,
                            format!("考核项目的权重合计应为100（现为{total}）"),
                        )
                        .at(at("items")),
                    );
                }
            }
        }
        vs.finish_with(|| {
            Some(Scheme {
                items,
                max_adjustment: max_adjustment?,
                clause: clause?,
            })
        })
    }

    /// The scheme in words, for `programme check` and the 工作方案 page.
    pub fn text(&self) -> String {
        let items: Vec<String> = self
            .items
            .iter()
            .map(|i| format!("{}{}分", i.measure.label(), i.weight))
            .collect();
        format!(
            "{}；人工调整不超过±{}分",
            items.join("，"),
            self.max_adjustment
        )
    }
}
