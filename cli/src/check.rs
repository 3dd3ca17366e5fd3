//! `openday check plan|orgs FILE` and `openday programme check FILE`: a file against the
//! rules, without a server.

use std::path::Path;

use openday_rules::org::{Directory, DirectoryDraft};
use openday_rules::plan::{Plan, PlanDraft};
use openday_rules::{Programme, Violations};

pub fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} 不是有效的 JSON：{e}", file.display()))
}

pub fn report(violations: &Violations) -> String {
    let lines: Vec<String> = violations
        .iter()
        .map(|v| {
            format!(
                "  {} [{}] {}",
                v.code,
                v.field.as_deref().unwrap_or("-"),
                v.message
            )
        })
        .collect();
    format!(
        "不符合要求（{}项）：\n{}",
        violations.len(),
        lines.join("\n")
    )
}

/// Checks a plan against `programme` (the shipped default unless a file is given) and
/// prints its deadlines under that programme.
pub fn plan(file: &Path, programme: Option<&Path>, today: chrono::NaiveDate) -> Result<(), String> {
    let draft: PlanDraft = read_json(file)?;
    let year = draft
        .year
        .as_ref()
        .and_then(openday_rules::text::NumberLike::as_integer)
        .and_then(|y| i32::try_from(y).ok())
        .unwrap_or(chrono::Datelike::year(&today));
    let programme = match programme {
        Some(path) => self::programme(path)?,
        None => {
            let shipped = Programme::shipped();
            let region = shipped.region.clone();
            shipped.for_region_year(&region, year)
        }
    };
    let plan = Plan::parse(&draft, &programme).map_err(|vs| report(&vs))?;
    let (start, end) = (plan.period.start(), plan.period.end());
    let list = |days: Vec<(chrono::NaiveDate, String)>| {
        days.iter()
            .map(|(d, _)| d.to_string())
            .collect::<Vec<_>>()
            .join(" 和 ")
    };
    println!("方案符合要求：{}（依据《{}》）", plan.name, programme.title);
    println!(
        "  活动时间        {start} 至 {end}（{}）",
        plan.period.format().label()
    );
    println!("  参加人数        {}", plan.capacity.get());
    println!(
        "  公告提醒        {}",
        list(programme.notice_reminders(start))
    );
    let last_day = programme.last_announcement_day(start);
    println!("  公告最迟发布    {last_day}");
    println!(
        "  报名人数核查    {}",
        programme.participants_check_from(start)
    );
    println!(
        "  反馈提醒        {}",
        list(programme.feedback_reminders(end))
    );
    println!(
        "  采纳情况反馈    {} 前",
        programme.feedback_response_due(end)
    );
    println!("  年度报送        {} 前", programme.report_due(plan.year()));
    if today > last_day {
        println!("注意：今天（{today}）已晚于公告最迟发布日期，活动无法按期举办。");
    }
    Ok(())
}

/// Reads and checks a programme file, every problem listed.
pub fn programme(file: &Path) -> Result<Programme, String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
    Programme::parse_json(&text).map_err(|vs| format!("{}：{}", file.display(), report(&vs)))
}

/// Prints a programme: what it is and every parameter with its clause.
pub fn print_programme(programme: &Programme) {
    println!(
        "《{}》：地区 {}，{} 年",
        programme.title, programme.region, programme.year
    );
    for (what, value, clause) in programme.rows() {
        println!("  {what:<10}{value}（{clause}）");
    }
}

pub fn directory(file: &Path) -> Result<Directory, String> {
    let draft: DirectoryDraft = read_json(file)?;
    Directory::parse(&draft).map_err(|vs| report(&vs))
}
