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
        let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
            .ok()
            .filter(|v| !v.is_empty());
        let table = std::env::var("OPENDAY_TABLE")
            .ok()
            .filter(|v| !v.is_empty());
        let (store, engine, description) = if endpoint.is_some() || table.is_some() {
            let table = table.unwrap_or_else(|| TABLE.into());
            let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table.clone());
            let where_ = endpoint.unwrap_or_else(|| "AWS".into());
            (
                store,
                None,
                format!("external DynamoDB {where_}, table {table}"),
            )
        } else {
            let file = data.join("openday.db");
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
            tokens: TokenKey::new(&key_file(&self.data.join("keys/token.key"))?)?,
            person_key: PersonKey::new(&key_file(&self.data.join("keys/person.key"))?)?,
            retention_days: 180,
            limits: openday_api::limits::Limits::from_env()?,
            // The local server speaks plain HTTP on loopback: no `Secure` attribute.
            cookies: openday_api::pages::CookieKey::new(
                &key_file(&self.data.join("keys/cookie.key"))?,
                false,
            )?,
            site: site_url(),
        })
    }

    pub async fn app(&self) -> Result<App<DynamoStore>, String> {
        Ok(App::new(
            self.store.clone(),
            self.config()?,
            openday_api::app::clock_from_env()?,
            self.mailer().await?,
            self.sms().await,
        ))
    }

    /// The local SMS outbox (`<data>/sms/*.txt`), unless `OPENDAY_SMS=sns` sends through
    /// Amazon SNS.
    pub async fn sms(&self) -> Arc<dyn SmsSender> {
        if std::env::var("OPENDAY_SMS").is_ok_and(|v| v == "sns") {
            let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            return openday_lambda::sns_from_env(&aws);
        }
        Arc::new(FolderSms::new(self.sms_dir()))
    }

    pub fn sms_dir(&self) -> PathBuf {
        self.data.join("sms")
    }

    /// The local outbox folder, unless `OPENDAY_SES_SENDER` configures Amazon SES.
    pub async fn mailer(&self) -> Result<Arc<dyn Mailer>, String> {
        if std::env::var("OPENDAY_SES_SENDER").is_ok_and(|v| !v.is_empty()) {
            let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            return openday_lambda::ses_from_env(&aws);
        }
        Ok(Arc::new(EmlMailer::new(
            self.data.join("outbox"),
            "openday@localhost",
        )))
    }

    pub async fn close(self) {
        if let Some(engine) = self.engine {
            engine.stop().await;
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
fn private(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("无法设置 {} 的权限：{e}", path.display()))
}

#[cfg(not(unix))]
fn private(_: &Path, _: u32) -> Result<(), String> {
    Ok(())
}

/// A 32-byte random key kept as hex in `path` (mode 0600), made on first use.
fn key_file(path: &Path) -> Result<Vec<u8>, String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write_private(path, &hex).map_err(|e| format!("无法写入密钥 {}：{e}", path.display()))?;
    Ok(hex.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
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
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
