//! The local data folder: the embedded DynamoDB engine's file and the keys, or an external
//! DynamoDB when one is configured.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use openday_api::auth::TokenKey;
use openday_api::{App, Config};
use openday_local_dynamo::LocalDynamo;
use openday_mail::{EmlMailer, Mailer};
use openday_sms::{FolderSms, SmsSender};
use openday_store::{DynamoStore, PersonKey};

/// The table of the embedded engine, and the default for an external one.
pub const TABLE: &str = "openday";

/// The embedded engine's file in the data folder.
pub const DB_FILE: &str = "openday.db";

/// The keys of a data folder (`keys/<name>`): tokens, sealed personal data, cookies. A
/// backup carries them, since the sealed data cannot be read without them.
pub const KEY_FILES: [&str; 3] = ["token.key", "person.key", "cookie.key"];

/// The store of this machine: the embedded engine (kept running while this lives) or an
/// external DynamoDB.
pub struct Local {
    pub store: DynamoStore,
    pub data: PathBuf,
    engine: Option<LocalDynamo>,
    pub description: String,
}

impl Local {
    /// Opens the store for `data`. External when `AWS_ENDPOINT_URL_DYNAMODB` or
    /// `OPENDAY_TABLE` is set (table `OPENDAY_TABLE`, created if missing), else the embedded
    /// engine with its file in the data folder.
    pub async fn open(data: &Path) -> Result<Local, String> {
        std::fs::create_dir_all(data)
            .map_err(|e| format!("无法创建数据目录 {}：{e}", data.display()))?;
        // Registrations and keys live here: only the owner may read them.
        private(data, 0o700)?;
        let (store, engine, description) = if let Some(external) = External::from_env() {
            let (store, description) = external.open().await;
            (store, None, description)
        } else {
            let file = data.join(DB_FILE);
            let engine = LocalDynamo::open(&file, ([127, 0, 0, 1], 0).into()).await?;
            private(&file, 0o600)?;
            let store = DynamoStore::new(engine.client(), TABLE);
            (
                store,
                Some(engine),
                format!("embedded DynamoDB (dynoxide) in {}", file.display()),
            )
        };
        store
            .ensure_table()
            .await
            .map_err(|e| format!("无法准备数据表：{e}"))?;
        Ok(Local {
            store,
            data: data.to_owned(),
            engine,
            description,
        })
    }

    /// The keys of this data folder, created on first use.
    pub fn config(&self) -> Result<Config, String> {
        Ok(Config {
            tokens: TokenKey::new(&key_file(&self.key_path("token.key"))?)?,
            person_key: PersonKey::new(&key_file(&self.key_path("person.key"))?)?,
            retention_days: 180,
            limits: openday_api::limits::Limits::from_env()?,
            // The local server speaks plain HTTP on loopback: no `Secure` attribute.
            cookies: openday_api::pages::CookieKey::new(
                &key_file(&self.key_path("cookie.key"))?,
                false,
            )?,
            site: site_url(),
        })
    }

    fn key_path(&self, name: &str) -> PathBuf {
        key_path(&self.data, name)
    }

    pub async fn app(&self) -> Result<App<DynamoStore>, String> {
        Ok(App::new(
            self.store.clone(),
            self.config()?,
            self.clock()?,
            self.mailer().await?,
            self.sms().await?,
        ))
    }

    /// The clock of this data folder's server: `OPENDAY_NOW` when set; else the clock the
    /// server last started here runs on (a fixed `OPENDAY_NOW`, or the demo's shifted clock),
    /// so that a token made by `openday token` in another terminal is issued at the
    /// server's time; else the system's. (Only the local server keeps such a file: a
    /// function never reads one, and refuses a token from the future.)
    pub fn clock(&self) -> Result<Arc<dyn openday_rules::Clock + Send + Sync>, String> {
        if std::env::var("OPENDAY_NOW").is_ok_and(|v| !v.trim().is_empty()) {
            return openday_api::app::clock_from_env();
        }
        match std::fs::read_to_string(self.clock_file()) {
            Ok(raw) => ServerClock::parse(&raw).map(ServerClock::clock),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Arc::new(openday_api::app::SystemClock))
            }
            Err(e) => Err(format!("{}: {e}", self.clock_file().display())),
        }
    }

    fn clock_file(&self) -> PathBuf {
        self.data.join("clock")
    }

    /// Records the clock the server runs on (removes the record for the system's).
    pub fn keep_clock(&self, clock: Option<ServerClock>) -> Result<(), String> {
        let file = self.clock_file();
        match clock {
            Some(c) => {
                std::fs::write(&file, c.to_string()).map_err(|e| format!("{}: {e}", file.display()))
            }
            None => match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(format!("{}: {e}", file.display()))
                }
                _ => Ok(()),
            },
        }
    }

    /// The local SMS outbox (`<data>/sms/*.txt`) unless `OPENDAY_SMS` names a gateway
    /// (`sns`, `aliyun`, `tencent`).
    pub async fn sms(&self) -> Result<Arc<dyn SmsSender>, String> {
        match std::env::var("OPENDAY_SMS").unwrap_or_default().trim() {
            "" | "folder" => Ok(Arc::new(FolderSms::new(self.sms_dir()))),
            _ => {
                let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                openday_lambda::sms_from_env(&aws)
            }
        }
    }

    pub fn sms_dir(&self) -> PathBuf {
        self.data.join("sms")
    }

    /// The local outbox folder unless `OPENDAY_MAIL` says `ses` or `smtp` (or, as before
    /// `OPENDAY_MAIL` existed, `OPENDAY_SES_SENDER` is set).
    pub async fn mailer(&self) -> Result<Arc<dyn Mailer>, String> {
        let ses_sender = std::env::var("OPENDAY_SES_SENDER").is_ok_and(|v| !v.is_empty());
        match std::env::var("OPENDAY_MAIL").unwrap_or_default().trim() {
            "smtp" => return openday_lambda::smtp_from_env(),
            "ses" => {}
            "" if ses_sender => {}
            "" | "folder" => return Ok(self.outbox_mailer()),
            other => {
                return Err(format!(
                    "OPENDAY_MAIL: {other:?} is not ses, smtp or folder"
                ));
            }
        }
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        openday_lambda::ses_from_env(&aws)
    }

    fn outbox_mailer(&self) -> Arc<dyn Mailer> {
        Arc::new(EmlMailer::new(
            self.data.join("outbox"),
            "openday@localhost",
        ))
    }

    /// Whether the table holds nothing yet (where a restore may write).
    pub async fn holds_nothing(&self) -> Result<bool, String> {
        self.store
            .holds_nothing()
            .await
            .map_err(|e| format!("读取目标表失败：{e}"))
    }

    /// Writes a restore's batch of items (DynamoDB JSON) as they are.
    pub async fn put_items(&self, items: &[serde_json::Value]) -> Result<(), String> {
        self.store
            .put_backup_items(items)
            .await
            .map_err(|e| format!("写入失败：{e}"))
    }

    pub async fn close(self) {
        if let Some(engine) = self.engine {
            engine.stop().await;
        }
    }
}

/// A DynamoDB outside this machine's data folder: `AWS_ENDPOINT_URL_DYNAMODB` or
/// `OPENDAY_TABLE` set (table `OPENDAY_TABLE`, default `openday`).
pub struct External {
    endpoint: Option<String>,
    table: String,
}

impl External {
    pub fn from_env() -> Option<Self> {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let endpoint = set("AWS_ENDPOINT_URL_DYNAMODB");
        let table = set("OPENDAY_TABLE");
        (endpoint.is_some() || table.is_some()).then(|| External {
            endpoint,
            table: table.unwrap_or_else(|| TABLE.into()),
        })
    }

    /// The store on this table, and what to call it in messages.
    pub async fn open(self) -> (DynamoStore, String) {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), self.table.clone());
        let where_ = self.endpoint.unwrap_or_else(|| "AWS".into());
        (
            store,
            format!("external DynamoDB {where_}, table {}", self.table),
        )
    }
}

/// Where the key `name` of the data folder `data` is kept.
pub fn key_path(data: &Path, name: &str) -> PathBuf {
    data.join("keys").join(name)
}

/// A clock other than the system's that a server on this folder runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerClock {
    /// `OPENDAY_NOW`: standing still at an instant.
    Fixed(chrono::DateTime<chrono::Utc>),
    /// The demo's: the system's moved by so many seconds.
    Shifted(i64),
}

impl ServerClock {
    fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(at) = raw.strip_prefix("fixed ") {
            return openday_rules::calendar::parse_instant("clock", at)
                .map(Self::Fixed)
                .map_err(|v| v.message);
        }
        raw.strip_prefix("shifted ")
            .and_then(|s| s.parse().ok())
            .map(Self::Shifted)
            .ok_or_else(|| format!("the data folder's clock file says {raw:?}"))
    }

    pub fn clock(self) -> Arc<dyn openday_rules::Clock + Send + Sync> {
        match self {
            Self::Fixed(t) => Arc::new(openday_rules::FixedClock(t)),
            Self::Shifted(s) => {
                Arc::new(openday_api::app::ShiftedClock(chrono::Duration::seconds(s)))
            }
        }
    }
}

impl std::fmt::Display for ServerClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fixed(t) => write!(f, "fixed {}", t.to_rfc3339()),
            Self::Shifted(s) => write!(f, "shifted {s}"),
        }
    }
}

/// The address links in mail point at: `OPENDAY_SITE_URL`, else the local server's default
/// address (`openday serve` sets the one it really listens on).
pub fn site_url() -> String {
    std::env::var("OPENDAY_SITE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map_or_else(
            || "http://127.0.0.1:8080".to_owned(),
            |v| v.trim().trim_end_matches('/').to_owned(),
        )
}

/// Restricts `path` to its owner (`mode`: 0700 for folders, 0600 for files).
#[cfg(unix)]
pub fn private(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("无法设置 {} 的权限：{e}", path.display()))
}

#[cfg(not(unix))]
pub fn private(_: &Path, _: u32) -> Result<(), String> {
    Ok(())
}

/// A 32-byte random key kept as hex in `path` (mode 0600), made on first use.
fn key_file(path: &Path) -> Result<Vec<u8>, String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let hex = openday_store::personal::hex(&bytes);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write_private(path, &hex).map_err(|e| format!("无法写入密钥 {}：{e}", path.display()))?;
    Ok(hex.into_bytes())
}

#[cfg(unix)]
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
