//! `openday`: the platform's command line. Today it checks plans and directories against
//! the rules of the work plan; the local server (`openday serve`) lands with issue #4.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use openday_rules::calendar::{
    annual_report_due, days_after, days_before, feedback_response_due, last_announcement_day,
    parse_instant,
};
use openday_rules::org::{Directory, DirectoryDraft};
use openday_rules::plan::{Plan, PlanDraft};
use openday_rules::{Violations, local_day};

#[derive(Parser)]
#[command(name = "openday", version, about = "“政府开放日”平台命令行")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a file against the rules of the work plan.
    #[command(subcommand)]
    Check(Check),
}

#[derive(Subcommand)]
enum Check {
    /// Check an implementation plan (the JSON body of `POST /api/plans`) and print its deadlines.
    Plan { file: PathBuf },
    /// Check a directory of jurisdictions and organisations (the file of `openday orgs import`).
    Orgs { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Today in Asia/Shanghai, or the day of `OPENDAY_NOW` when it is set.
fn today() -> Result<NaiveDate, String> {
    match std::env::var("OPENDAY_NOW") {
        Ok(raw) => parse_instant("OPENDAY_NOW", &raw)
            .map(|t| local_day(&t))
            .map_err(|v| format!("OPENDAY_NOW: {}", v.message)),
        Err(_) => Ok(local_day(&Utc::now())),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} 不是有效的 JSON：{e}", file.display()))
}

fn report(violations: &Violations) -> String {
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

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Check(Check::Plan { file }) => {
            let draft: PlanDraft = read_json(&file)?;
            let plan = Plan::parse(&draft).map_err(|vs| report(&vs))?;
            let (start, end) = (plan.period.start(), plan.period.end());
            let today = today()?;
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
        Command::Check(Check::Orgs { file }) => {
            let draft: DirectoryDraft = read_json(&file)?;
            let directory = Directory::parse(&draft).map_err(|vs| report(&vs))?;
            println!(
                "名录符合要求：{} 个行政区域，{} 个机关",
                directory.jurisdictions.len(),
                directory.orgs.len()
            );
            Ok(())
        }
    }
}
