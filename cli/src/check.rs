//! `openday check plan|orgs FILE`: a file against the rules, without a server.

use std::path::Path;

use openday_rules::Violations;
use openday_rules::calendar::{
    annual_report_due, days_after, days_before, feedback_response_due, last_announcement_day,
};
use openday_rules::org::{Directory, DirectoryDraft};
use openday_rules::plan::{Plan, PlanDraft};

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

pub fn plan(file: &Path, today: chrono::NaiveDate) -> Result<(), String> {
    let draft: PlanDraft = read_json(file)?;
    let plan = Plan::parse(&draft).map_err(|vs| report(&vs))?;
    let (start, end) = (plan.period.start(), plan.period.end());
    println!("方案符合要求：{}", plan.name);
    println!(
        "  活动时间        {start} 至 {end}（{}）",
        plan.period.format().label()
    );
    println!("  参加人数        {}", plan.capacity.get());
    println!(
        "  公告提醒        {} 和 {}",
        days_before(start, 20),
        days_before(start, 16)
    );
    println!("  公告最迟发布    {}", last_announcement_day(start));
    println!("  报名人数核查    {}", days_before(start, 3));
    println!("  反馈提醒        {}", days_after(end, 10));
    println!("  采纳情况反馈    {} 前", feedback_response_due(end));
    println!("  年度报送        {} 前", annual_report_due(plan.year()));
    if today > last_announcement_day(start) {
        println!("注意：今天（{today}）已晚于公告最迟发布日期，活动无法按期举办。");
    }
    Ok(())
}

pub fn directory(file: &Path) -> Result<Directory, String> {
    let draft: DirectoryDraft = read_json(file)?;
    Directory::parse(&draft).map_err(|vs| report(&vs))
}
