//! The local SMS outbox: one `.txt` file per message in a folder.

use std::path::{Path, PathBuf};

use openday_rules::phone::Phone;

use crate::{Accepted, Sent, SmsError, SmsSender, Text};

/// One `.txt` file per message in a folder: `To: <phone>`, a blank line, the text.
pub struct FolderSms {
    dir: PathBuf,
}

impl FolderSms {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn write(&self, to: &Phone, text: &Text) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let mut id = [0u8; 4];
        getrandom::fill(&mut id).map_err(|e| format!("no randomness: {e}"))?;
        let name = format!(
            "{}-{}.txt",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%6f"),
            id.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let path = self.dir.join(name);
        // Write then rename, so a listed file is always whole.
        let partial = path.with_extension("txt.partial");
        std::fs::write(
            &partial,
            format!("To: {}\n\n{}\n", to.expose(), text.body()),
        )
        .map_err(|e| format!("{}: {e}", partial.display()))?;
        std::fs::rename(&partial, &path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

impl SmsSender for FolderSms {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> Sent<'a> {
        Box::pin(async move {
            self.write(to, text).map_err(SmsError::Unavailable)?;
            Ok(Accepted::default())
        })
    }

    fn provider(&self) -> &'static str {
        "folder"
    }

    fn describe(&self) -> String {
        format!("local SMS outbox {}", self.dir.display())
    }
}

/// A text message found in a local SMS outbox folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsEntry {
    pub file: PathBuf,
    pub to: String,
    pub text: String,
}

/// Every `.txt` in `dir`, oldest first.
pub fn read_sms_outbox(dir: &Path) -> Result<Vec<SmsEntry>, String> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let raw =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let (head, text) = raw
                .split_once("\n\n")
                .ok_or_else(|| format!("{}: no blank line after the header", file.display()))?;
            let to = head
                .strip_prefix("To: ")
                .ok_or_else(|| format!("{}: the first line is not To:", file.display()))?;
            Ok(SmsEntry {
                to: to.trim().to_owned(),
                text: text.trim_end().to_owned(),
                file,
            })
        })
        .collect()
}
