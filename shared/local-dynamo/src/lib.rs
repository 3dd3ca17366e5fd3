//! DynamoDB on one machine, for the local server and the tests.
//!
//! [`LocalDynamo`] runs the embedded `dynoxide` engine (SQLite-backed) in-process on a
//! loopback port, in memory or in a file; [`MotoServer`] runs `moto_server` from the
//! project's virtual environment as a second, independent implementation for tests.
//! Both are reached through the real `aws-sdk-dynamodb` client from [`client_for`]: what
//! runs locally is what runs on AWS. Lambda binaries never link this crate.

use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A DynamoDB client for a local endpoint, with static credentials no server checks.
pub fn client_for(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("cn-north-1"))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "openday-local",
        ))
        .build();
    Client::from_conf(config)
}

/// The embedded engine serving on a loopback port until dropped or stopped.
pub struct LocalDynamo {
    endpoint: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), String>>>,
}

impl LocalDynamo {
    /// An in-memory engine on a free loopback port: one per test, safe in parallel.
    pub async fn memory() -> Result<Self, String> {
        let db = dynoxide::Database::memory().map_err(|e| format!("dynoxide: {e}"))?;
        Self::serve(db, "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?).await
    }

    /// An engine whose data lives in `file` (created if missing), on `addr`.
    /// SQLite in WAL mode: an acknowledged write survives the process being killed.
    pub async fn open(file: &Path, addr: SocketAddr) -> Result<Self, String> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let path = file
            .to_str()
            .ok_or_else(|| format!("{}: not UTF-8", file.display()))?;
        let db = dynoxide::Database::new(path).map_err(|e| format!("dynoxide {path}: {e}"))?;
        Self::serve(db, addr).await
    }

    /// Copies the engine's `file` as it stands at one instant into `into` (a new file),
    /// while a server may be writing to it: SQLite's `VACUUM INTO` reads one transaction.
    pub fn snapshot(file: &Path, into: &Path) -> Result<(), String> {
        let utf8 = |p: &Path| {
            p.to_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{}: not UTF-8", p.display()))
        };
        let db = dynoxide::Database::new(&utf8(file)?)
            .map_err(|e| format!("dynoxide {}: {e}", file.display()))?;
        db.vacuum_into(&utf8(into)?).map_err(|e| {
            format!(
                "snapshot of {} into {}: {e}",
                file.display(),
                into.display()
            )
        })
    }

    async fn serve(db: dynoxide::Database, addr: SocketAddr) -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(dynoxide::server::serve_with_shutdown(listener, db, async {
            let _ = rx.await;
        }));
        Ok(Self {
            endpoint: format!("http://{local}"),
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn client(&self) -> Client {
        client_for(&self.endpoint)
    }

    /// Stops serving and waits until every connection has finished.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LocalDynamo {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// `moto_server` from the project's virtual environment (`infra/tools/install`), on a free
/// loopback port, stopped when dropped.
pub struct MotoServer {
    child: Child,
    endpoint: String,
}

impl MotoServer {
    /// Where `infra/tools/install` puts `moto_server`, unless `OPENDAY_MOTO_SERVER` says otherwise.
    pub fn binary() -> PathBuf {
        std::env::var_os("OPENDAY_MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server")
            })
    }

    /// Starts moto and waits until it answers. Fails, never skips, when moto is missing:
    /// the tests that need it are part of the suite.
    pub fn start() -> Result<Self, String> {
        let binary = Self::binary();
        if !binary.exists() {
            return Err(format!(
                "{} not found: run infra/tools/install (scripts/test does)",
                binary.display()
            ));
        }
        let port = free_port()?;
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("moto_server exited early: {status}"));
            }
            if Instant::now() > deadline {
                return Err("moto_server did not start within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn client(&self) -> Client {
        client_for(&self.endpoint)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> Result<u16, String> {
    let listener = StdListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
