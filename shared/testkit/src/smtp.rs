//! A real SMTP server for the mail transport's tests: `infra/tools/smtp-server` (aiosmtpd
//! from the project's `.venv`) on a free loopback port, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One message the server accepted: the bytes received and the envelope.
#[derive(Debug)]
pub struct Received {
    pub raw: Vec<u8>,
    pub envelope: serde_json::Value,
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpServer {
    /// Starts the server with `security` (`starttls`, `tls` or `none`) and, when given, the
    /// `user:password` it requires. Fails, never skips, when aiosmtpd is missing.
    pub fn start(security: &str, auth: Option<&str>) -> Result<Self, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let python = root.join(".venv/bin/python");
        if !python.exists() {
            return Err(format!(
                "{} not found: run infra/tools/install (scripts/test does)",
                python.display()
            ));
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            l.local_addr().map_err(|e| e.to_string())?.port()
        };
        let dir = crate::temp_dir("smtp");
        let mut command = Command::new(python);
        command
            .arg(root.join("infra/tools/smtp-server"))
            .args(["--dir", &dir.to_string_lossy(), "--port", &port.to_string()])
            .args(["--security", security])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(auth) = auth {
            command.args(["--auth", auth]);
        }
        let mut child = command.spawn().map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if line.trim() != "ready" {
            let _ = child.kill();
            return Err(format!("smtp-server did not start: {line:?}"));
        }
        Ok(Self { child, port, dir })
    }

    /// The private CA the server's certificate is signed with (itself).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// While `refusing`, every message is answered 451 at DATA.
    pub fn refuse(&self, refusing: bool) {
        let flag = self.dir.join("refuse");
        if refusing {
            std::fs::write(flag, b"").expect("refuse flag");
        } else {
            let _ = std::fs::remove_file(flag);
        }
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|x| x == "eml"));
        files.sort();
        files
            .into_iter()
            .map(|eml| Received {
                raw: std::fs::read(&eml).expect("message"),
                envelope: serde_json::from_slice(
                    &std::fs::read(eml.with_extension("json")).expect("envelope"),
                )
                .expect("envelope json"),
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
