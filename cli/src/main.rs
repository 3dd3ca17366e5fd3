//! `openday`: the whole platform on one machine, and its admin commands.

mod backup;
mod check;
mod local;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use openday_rules::sweep::SweepKind;

use crate::local::Local;

/// A rush allocates from every thread at once (HTTP, JSON, the embedded engine), where
/// glibc's allocator took about an eighth of the server's time in a profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "openday",
    version,
    about = "“政府开放日”平台：本地服务与管理命令"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DataDir {
    /// The data folder: the embedded database and the keys.
    #[arg(long, default_value = "./openday-data")]
    data: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every router on one port, on the embedded DynamoDB engine by default.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        #[command(flatten)]
        data: DataDir,
        /// On an empty data folder: import infra/demo/orgs.json and print a token for each organisation.
        #[arg(long)]
        demo: bool,
    },
    /// Jurisdictions and organisations.
    #[command(subcommand)]
    Orgs(Orgs),
    /// Print a bearer token for an organisation: it acts as the organisation's first 管理员
    /// (its directory mailbox), for the demo and for administrators on the machine itself.
    Token {
        org_id: String,
        #[command(flatten)]
        data: DataDir,
    },
    /// Run compliance sweeps once and print what they found and sent.
    Sweep {
        #[arg(value_enum)]
        which: Which,
        #[command(flatten)]
        data: DataDir,
    },
    /// List the mail and text messages written to the local outboxes
    /// (`<data>/outbox/*.eml`, `<data>/sms/*.txt`).
    Outbox {
        #[command(flatten)]
        data: DataDir,
    },
    /// Check a file against the rules of the work plan.
    #[command(subcommand)]
    Check(Check),
    /// A region's programme (工作方案) as data: check a file, import it, show what is in force.
    #[command(subcommand)]
    Programme(ProgrammeCommand),
    /// Print the code an authenticator app shows now for a second factor's key (base32), by
    /// the server's clock (`OPENDAY_NOW` when set): for the demo's people, who have no phone
    /// enrolled.
    Totp {
        key: String,
        #[command(flatten)]
        data: DataDir,
    },
    /// The audit trail (操作日志).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent backup of the data folder (every item, and the keys) to one file,
    /// while the server may keep running.
    Backup {
        /// The backup file (default: openday-backup-<time>.jsonl here).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        data: DataDir,
    },
    /// Load a backup into an empty data folder (checked whole before anything is written).
    Restore {
        file: PathBuf,
        #[command(flatten)]
        data: DataDir,
    },
    /// Print, as JSON, what the code serves and stores (routes by job, the table definition),
    /// for the template drift check.
    #[command(hide = true)]
    Describe,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every day's hash chain of every organisation and report the first broken link
    /// (exit code 1 when one is found).
    Verify {
        /// First day (YYYY-MM-DD); default: 185 days before the last.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day (YYYY-MM-DD); default: today.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum Which {
    Notice,
    Feedback,
    Report,
    /// The kept figures of this year and last, reconciled with the data.
    Figures,
    All,
}

impl Which {
    fn kinds(self) -> Vec<SweepKind> {
        match self {
            Which::Notice => vec![SweepKind::Notice],
            Which::Feedback => vec![SweepKind::Feedback],
            Which::Report => vec![SweepKind::Report],
            Which::Figures => vec![],
            Which::All => vec![SweepKind::Notice, SweepKind::Feedback, SweepKind::Report],
        }
    }

    fn reconciles_figures(self) -> bool {
        matches!(self, Which::Figures | Which::All)
    }
}

#[derive(Subcommand)]
enum Orgs {
    /// Import `{"jurisdictions":[…],"orgs":[…]}` (idempotent).
    Import {
        file: PathBuf,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Subcommand)]
enum ProgrammeCommand {
    /// Check a programme file and print every parameter with its clause, or every problem.
    Check { file: PathBuf },
    /// Import a programme file as the next version of its region and year. Plans already
    /// submitted keep the version they were checked against.
    Import {
        file: PathBuf,
        #[command(flatten)]
        data: DataDir,
    },
    /// Print the programme in force for a region and year (default: the first region of
    /// the directory, this year).
    Show {
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Subcommand)]
enum Check {
    /// Check an implementation plan (the JSON body of `POST /api/plans`) and print its
    /// deadlines, under the shipped programme or `--programme FILE`.
    Plan {
        file: PathBuf,
        #[arg(long)]
        programme: Option<PathBuf>,
    },
    /// Check a directory of jurisdictions and organisations.
    Orgs { file: PathBuf },
}

async fn programme(command: ProgrammeCommand) -> Result<(), String> {
    match command {
        ProgrammeCommand::Check { file } => {
            let programme = check::programme(&file)?;
            println!("工作方案符合要求。");
            check::print_programme(&programme);
            Ok(())
        }
        ProgrammeCommand::Import { file, data } => {
            let programme = check::programme(&file)?;
            let local = Local::open(&data.data).await?;
            let app = local.app().await?;
            let imported = openday_app::programmes::import_by_operator(&app.core, &programme).await;
            let record = match imported {
                Ok(record) => record,
                Err(e) => {
                    local.close().await;
                    return Err(match e {
                        openday_app::AppError::Rules(_) => e.said().message,
                        e => format!("导入失败：{}", e.said().message),
                    });
                }
            };
            println!(
                "已导入《{}》：地区 {}，{} 年，第 {} 版（{}）。已报送的方案仍按其审核时的版本执行。",
                programme.title,
                programme.region,
                programme.year,
                record.version,
                local.description
            );
            local.close().await;
            Ok(())
        }
        ProgrammeCommand::Show { region, year, data } => {
            let local = Local::open(&data.data).await?;
            let app = local.app().await?;
            let year = year.unwrap_or_else(|| app.core.this_year());
            let found = openday_app::programmes::in_force(&app.core, region.as_deref(), year).await;
            local.close().await;
            let record = found.map_err(|e| match e {
                openday_app::AppError::NotFound(_) if region.is_none() => {
                    "名录中没有地区：请先 openday orgs import，或用 --region 指定".to_owned()
                }
                e => e.said().message,
            })?;
            let region = &record.programme.region;
            match record.version {
                0 => println!("{region} {year} 年未导入工作方案，执行项目自带的默认工作方案："),
                v => println!("{region} {year} 年执行第 {v} 版："),
            }
            check::print_programme(&record.programme);
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse().command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve { addr, data, demo } => serve::serve(addr, &data.data, demo).await,
        Command::Orgs(Orgs::Import { file, data }) => {
            let directory = check::directory(&file)?;
            let local = Local::open(&data.data).await?;
            let app = local.app().await?;
            openday_app::directory::import(&app.core, &directory)
                .await
                .map_err(|e| format!("导入失败：{e}"))?;
            println!(
                "已导入 {} 个行政区域、{} 个机关（{}）",
                directory.jurisdictions.len(),
                directory.orgs.len(),
                local.description
            );
            local.close().await;
            Ok(())
        }
        Command::Token { org_id, data } => {
            let local = Local::open(&data.data).await?;
            let app = local.app().await?;
            let epoch = openday_app::people::first_admin_epoch(&app.core, &org_id)
                .await
                .map_err(|e| e.to_string())?;
            local.close().await;
            let Some(epoch) = epoch else {
                return Err(format!(
                    "机关 {org_id} 或其管理员（机关邮箱）不存在：请先 openday orgs import"
                ));
            };
            println!(
                "{}",
                app.config.tokens.issue_at(&org_id, epoch, app.core.now())
            );
            Ok(())
        }
        Command::Totp { key, data } => {
            let local = Local::open(&data.data).await?;
            let app = local.app().await?;
            let code = openday_app::second_factor::code_now(&app.core, &key);
            local.close().await;
            println!("{}", code.map_err(|e| e.to_string())?);
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { from, to, data }) => {
            let local = Local::open(&data.data).await?;
            let app = local.app().await?;
            let to = to.unwrap_or_else(|| app.core.today());
            let from = from.unwrap_or(to - chrono::Duration::days(openday_app::audit::KEEP_DAYS));
            let report = openday_app::audit::verify(&app.core, from, to)
                .await
                .map_err(|e| e.to_string())?;
            local.close().await;
            match report.broken {
                None => {
                    println!(
                        "操作日志完整：{from} 至 {to}，{} 条哈希链，{} 条记录",
                        report.chains, report.records
                    );
                    Ok(())
                }
                Some(b) => Err(format!(
                    "操作日志哈希链断裂：{} 机关 {} 第 {} 条：{}",
                    b.day, b.org_id, b.seq, b.why
                )),
            }
        }
        Command::Backup { out, data } => {
            let out = out.unwrap_or_else(|| backup::default_name(chrono::Utc::now()));
            backup::backup(&data.data, &out).await
        }
        Command::Restore { file, data } => backup::restore(&file, &data.data).await,
        Command::Sweep { which, data } => {
            let local = Local::open(&data.data).await?;
            let app = local.app().await?;
            let sweeper = app.sweeper();
            let now = app.core.now();
            for kind in which.kinds() {
                let report = sweeper.run(kind, now).await.map_err(|e| e.to_string())?;
                serve::print_report(&report);
            }
            if which.reconciles_figures() {
                for r in openday_app::sheets::reconcile_recent(&app.core)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    serve::print_reconciled(&r);
                }
            }
            local.close().await;
            Ok(())
        }
        Command::Outbox { data } => {
            let dir = data.data.join("outbox");
            let mails = openday_mail::read_outbox(&dir)?;
            if mails.is_empty() {
                println!("{} 中没有邮件", dir.display());
            }
            for m in mails {
                println!("{}  {}  {}", m.date, m.to.join(","), m.subject);
                println!("    {}", m.file.display());
            }
            let sms_dir = data.data.join("sms");
            let texts = openday_sms::read_sms_outbox(&sms_dir)?;
            if texts.is_empty() {
                println!("{} 中没有短信", sms_dir.display());
            }
            for t in texts {
                // The listing masks the number, like every listing of personal data.
                let to = openday_rules::phone::Phone::parse("to", &t.to)
                    .map(|p| p.masked())
                    .unwrap_or_else(|_| "(号码无效)".into());
                println!("短信  {to}  {}", t.text);
                println!("    {}", t.file.display());
            }
            Ok(())
        }
        Command::Describe => {
            let routes: Vec<serde_json::Value> = openday_api::jobs::table::<openday_store::DynamoStore>()
                .into_iter()
                .flat_map(|(job, routes)| {
                    routes.into_iter().map(move |(method, path)| serde_json::json!({"job": job, "method": method.as_str(), "path": path}))
                })
                .collect();
            let table = openday_store::table::TABLE;
            let indexes: Vec<serde_json::Value> = table
                .indexes
                .iter()
                .map(|i| serde_json::json!({"name": i.name, "pk": i.pk, "sk": i.sk}))
                .collect();
            let shared: Vec<serde_json::Value> = openday_api::caching::SHARED
                .iter()
                .map(|(path, seconds)| serde_json::json!({"path": path, "seconds": seconds}))
                .collect();
            let description = serde_json::json!({
                "routes": routes,
                "shared": shared,
                "keyed_cookies": openday_api::caching::KEYED_COOKIES,
                "table": {"pk": table.pk, "sk": table.sk, "indexes": indexes, "ttl": table.ttl_attribute},
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&description).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Check(Check::Plan { file, programme }) => {
            let today = openday_api::app::clock_from_env()?.today();
            check::plan(&file, programme.as_deref(), today)
        }
        Command::Programme(command) => programme(command).await,
        Command::Check(Check::Orgs { file }) => {
            let directory = check::directory(&file)?;
            println!(
                "名录符合要求：{} 个行政区域，{} 个机关",
                directory.jurisdictions.len(),
                directory.orgs.len()
            );
            Ok(())
        }
    }
}
