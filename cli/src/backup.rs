//! `openday backup` and `openday restore`: the local server's data as one file, and back.
//!
//! A backup is JSON lines: a header (format, version, when, from where, and the data
//! folder's keys, without which sealed phones and keyed hashes cannot be read), then one
//! line per item in DynamoDB's own JSON, then a closing line with the number of items and
//! the SHA-256 of their lines. The embedded engine's file is copied at one instant first
//! (the server may go on writing), so the backup is consistent; an external table is read
//! as it stands (on AWS, use point-in-time recovery: `docs/deploy.md`).
//! A restore checks the whole file before it writes anything, writes into an empty place
//! only, and, on the embedded engine, builds the data folder beside its final name and
//! moves it there at the end: nothing half-restored is left under that name.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use openday_local_dynamo::LocalDynamo;
use openday_store::DynamoStore;
use openday_store::personal::hex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::local::{DB_FILE, External, KEY_FILES, Local, TABLE, key_path, write_private};

/// What the first line of a backup says it is.
const FORMAT: &str = "openday-backup";
/// The newest format this program writes and reads.
const VERSION: u32 = 1;
/// Items per progress line, and per batch of a restore's reading.
const PROGRESS_EVERY: u64 = 10_000;
const BATCH: usize = 25;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    created_at: DateTime<Utc>,
    source: String,
    keys: BTreeMap<String, String>,
}

/// The keys' names only: a header never prints a key.
impl std::fmt::Debug for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Header")
            .field("format", &self.format)
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .field("source", &self.source)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    end: End,
}

#[derive(Serialize, Deserialize, PartialEq, Eq, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct End {
    items: u64,
    sha256: String,
}

/// Where a backup goes when no `--out` is given: `openday-backup-<Shanghai time>.jsonl`.
pub fn default_name(now: DateTime<Utc>) -> PathBuf {
    let local = now.with_timezone(&openday_rules::calendar::TZ);
    PathBuf::from(format!(
        "openday-backup-{}.jsonl",
        local.format("%Y%m%d-%H%M%S")
    ))
}

/// Writes a backup of the data folder `data` (or the external table) to `out`.
pub async fn backup(data: &Path, out: &Path) -> Result<(), String> {
    let keys = read_keys(data)?;
    let partial = out.with_extension("partial");
    let (end, source) = match External::from_env() {
        Some(external) => {
            let (store, source) = external.open().await;
            (write(&store, &source, keys, &partial).await?, source)
        }
        None => {
            let file = data.join(DB_FILE);
            if !file.exists() {
                return Err(format!("{} 不存在：没有可备份的数据", file.display()));
            }
            let copy = Snapshot(data.join(format!("backup-{}.db", std::process::id())));
            LocalDynamo::snapshot(&file, &copy.0)?;
            let engine = LocalDynamo::open(&copy.0, ([127, 0, 0, 1], 0).into()).await?;
            let store = DynamoStore::new(engine.client(), TABLE);
            let source = format!("embedded DynamoDB (dynoxide) in {}", file.display());
            let written = write(&store, &source, keys, &partial).await;
            engine.stop().await;
            (written?, source)
        }
    };
    std::fs::rename(&partial, out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "已备份 {} 条数据到 {}（{source}）。备份含本目录的密钥，请像数据本身一样妥善保管。",
        end.items,
        out.display()
    );
    Ok(())
}

/// The embedded engine's copy for one backup, removed with its WAL files when done.
struct Snapshot(PathBuf);

impl Drop for Snapshot {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

fn read_keys(data: &Path) -> Result<BTreeMap<String, String>, String> {
    KEY_FILES
        .iter()
        .map(|name| {
            let path = key_path(data, name);
            std::fs::read_to_string(&path)
                .map(|k| ((*name).to_owned(), k.trim().to_owned()))
                .map_err(|e| {
                    format!(
                        "{}：{e}（这不是 openday 的数据目录，或服务器从未在此启动）",
                        path.display()
                    )
                })
        })
        .collect()
}

async fn write(
    store: &DynamoStore,
    source: &str,
    keys: BTreeMap<String, String>,
    to: &Path,
) -> Result<End, String> {
    let file = private_file(to)?;
    let mut out = BufWriter::new(file);
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        created_at: Utc::now(),
        source: source.into(),
        keys,
    };
    let io = |e: std::io::Error| format!("{}: {e}", to.display());
    writeln!(out, "{}", json_line(&header)?).map_err(io)?;
    let mut digest = Sha256::new();
    let items = store
        .each_item(|item| {
            let line = item.to_string();
            digest.update(line.as_bytes());
            digest.update(b"\n");
            writeln!(out, "{line}").map_err(io)
        })
        .await
        .map_err(|e| format!("读取数据失败：{e}"))?;
    let end = End {
        items,
        sha256: hex(&digest.finalize()),
    };
    writeln!(out, "{}", json_line(&Trailer { end: end.clone() })?).map_err(io)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(end)
}

fn json_line<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// A new file only its owner can read (a backup holds personal data and keys).
fn private_file(path: &Path) -> Result<std::fs::File, String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| format!("无法写入 {}：{e}", path.display()))
}

/// Loads the backup `file` into the data folder `data`, which must not hold data yet.
pub async fn restore(file: &Path, data: &Path) -> Result<(), String> {
    let (header, end) = check(file)?;
    let external = External::from_env().is_some();
    if data.join("keys").exists() || (!external && data.join(DB_FILE).exists()) {
        return Err(format!(
            "{} 已有数据：恢复只写入空的数据目录（请换一个目录，或先移走它）",
            data.display()
        ));
    }
    // The embedded engine's folder is built beside its name and moved there at the end.
    let target = if external {
        data.to_owned()
    } else {
        let mut name = data.as_os_str().to_owned();
        name.push(format!(".restoring-{}", std::process::id()));
        PathBuf::from(name)
    };
    let local = Local::open(&target).await?;
    let loaded = load(&local, file, &header, end.items).await;
    let description = local.description.clone();
    local.close().await;
    if let Err(e) = loaded {
        if !external {
            let _ = std::fs::remove_dir_all(&target);
        }
        return Err(e);
    }
    if !external {
        // An empty folder of that name (made by hand for the restore) gives way.
        if data.exists() {
            std::fs::remove_dir(data).map_err(|e| format!("{}: {e}", data.display()))?;
        }
        std::fs::rename(&target, data).map_err(|e| format!("{}: {e}", data.display()))?;
    }
    println!(
        "已恢复 {} 条数据到 {}（{description}；备份于 {}，来自 {}）",
        end.items,
        data.display(),
        openday_rules::calendar::when(header.created_at),
        header.source
    );
    Ok(())
}

async fn load(local: &Local, file: &Path, header: &Header, total: u64) -> Result<(), String> {
    if !local.holds_nothing().await? {
        return Err(format!("{} 已有数据：恢复只写入空表", local.description));
    }
    for (name, key) in &header.keys {
        let path = key_path(&local.data, name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        write_private(&path, key).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let mut batch = Vec::with_capacity(BATCH);
    let mut written = 0u64;
    for line in item_lines(file, total)? {
        batch.push(serde_json::from_str::<Value>(&line?).map_err(|e| e.to_string())?);
        if batch.len() == BATCH {
            written += put(local, &mut batch).await?;
            if written % PROGRESS_EVERY < BATCH as u64 {
                eprintln!("已写入 {written} / {total} 条");
            }
        }
    }
    put(local, &mut batch).await?;
    Ok(())
}

async fn put(local: &Local, batch: &mut Vec<Value>) -> Result<u64, String> {
    local.put_items(batch).await?;
    let n = batch.len() as u64;
    batch.clear();
    Ok(n)
}

/// Reads the whole backup once: its header, and its closing line checked against the
/// items it holds. Nothing is written before this has passed.
fn check(file: &Path) -> Result<(Header, End), String> {
    let bad = |why: String| format!("{} 不是可用的备份：{why}", file.display());
    let reader =
        BufReader::new(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?);
    let mut lines = reader.lines();
    let first = lines
        .next()
        .ok_or_else(|| bad("文件是空的".into()))?
        .map_err(|e| bad(e.to_string()))?;
    let header: Header =
        serde_json::from_str(&first).map_err(|e| bad(format!("第 1 行不是备份的开头：{e}")))?;
    if header.format != FORMAT {
        return Err(bad(format!("格式是 {:?}，不是 {FORMAT}", header.format)));
    }
    if header.version > VERSION {
        return Err(bad(format!(
            "备份格式第 {} 版比本程序能读的第 {VERSION} 版新：请用更新的 openday 恢复",
            header.version
        )));
    }
    let mut digest = Sha256::new();
    let mut items = 0u64;
    let mut end: Option<End> = None;
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| bad(e.to_string()))?;
        if end.is_some() {
            return Err(bad(format!("结尾记录之后还有第 {} 行", n + 2)));
        }
        if let Ok(trailer) = serde_json::from_str::<Trailer>(&line) {
            end = Some(trailer.end);
            continue;
        }
        serde_json::from_str::<Value>(&line).map_err(|e| bad(format!("第 {} 行：{e}", n + 2)))?;
        digest.update(line.as_bytes());
        digest.update(b"\n");
        items += 1;
    }
    let end = end.ok_or_else(|| bad("没有结尾记录：备份在写入时中断了".into()))?;
    let found = End {
        items,
        sha256: hex(&digest.finalize()),
    };
    if found != end {
        return Err(bad(format!(
            "内容与结尾记录不符（记录 {} 条，实有 {} 条；或内容被改动过）",
            end.items, found.items
        )));
    }
    Ok((header, end))
}

/// The `items` item lines of a checked backup (between its first and last lines).
fn item_lines(
    file: &Path,
    items: u64,
) -> Result<impl Iterator<Item = Result<String, String>>, String> {
    let reader =
        BufReader::new(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?);
    let items = usize::try_from(items).map_err(|e| e.to_string())?;
    Ok(reader
        .lines()
        .skip(1)
        .take(items)
        .map(|l| l.map_err(|e| e.to_string())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;

    /// A backup file of `items` lines as `write` makes it, with its closing line.
    fn backup_of(items: &[&str], version: u32) -> (PathBuf, Vec<String>) {
        let header = Header {
            format: FORMAT.into(),
            version,
            created_at: Utc::now(),
            source: "test".into(),
            keys: BTreeMap::from([("person.key".to_owned(), "ab".to_owned())]),
        };
        let mut digest = Sha256::new();
        let mut lines = vec![json_line(&header).unwrap()];
        for item in items {
            digest.update(item.as_bytes());
            digest.update(b"\n");
            lines.push((*item).to_owned());
        }
        let end = End {
            items: items.len() as u64,
            sha256: hex(&digest.finalize()),
        };
        lines.push(json_line(&Trailer { end }).unwrap());
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file = std::env::temp_dir().join(format!(
            "openday-backup-test-{}-{n}.jsonl",
            std::process::id()
        ));
        (file, lines)
    }

    fn checked(file: &Path, lines: &[String]) -> Result<(Header, End), String> {
        std::fs::write(file, lines.join("\n") + "\n").unwrap();
        let out = check(file);
        std::fs::remove_file(file).unwrap();
        out
    }

    const ITEMS: [&str; 2] = [
        r#"{"pk":{"S":"PLAN#1"},"sk":{"S":"PLAN"}}"#,
        r#"{"end":{"S":"x"},"pk":{"S":"PLAN#2"},"sk":{"S":"PLAN"}}"#,
    ];

    #[test]
    fn a_whole_backup_passes_with_its_count_and_keys() {
        let (file, lines) = backup_of(&ITEMS, VERSION);
        let (header, end) = checked(&file, &lines).unwrap();
        assert_eq!(end.items, 2);
        assert_eq!(header.keys["person.key"], "ab");
        // An item with an attribute called `end` is an item, not the closing line.
        let (file, lines) = backup_of(&ITEMS[1..], VERSION);
        assert_eq!(checked(&file, &lines).unwrap().1.items, 1);
    }

    #[test]
    fn a_cut_off_changed_or_newer_backup_is_refused() {
        let (file, lines) = backup_of(&ITEMS, VERSION);
        let cut = &lines[..lines.len() - 1];
        assert!(checked(&file, cut).unwrap_err().contains("没有结尾记录"));
        let mut changed = lines.clone();
        changed[1] = changed[1].replace("PLAN#1", "PLAN#9");
        assert!(
            checked(&file, &changed)
                .unwrap_err()
                .contains("内容与结尾记录不符")
        );
        let mut dropped = lines.clone();
        dropped.remove(2);
        assert!(checked(&file, &dropped).unwrap_err().contains("实有 1 条"));
        let mut extra = lines.clone();
        extra.push(ITEMS[0].to_owned());
        assert!(checked(&file, &extra).unwrap_err().contains("结尾记录之后"));
        let mut garbled = lines.clone();
        garbled[1] = "{not json".into();
        assert!(checked(&file, &garbled).unwrap_err().contains("第 2 行"));
        let (file, newer) = backup_of(&ITEMS, VERSION + 1);
        assert!(
            checked(&file, &newer)
                .unwrap_err()
                .contains("比本程序能读的")
        );
        let mut other = lines.clone();
        other[0] = other[0].replace(FORMAT, "something-else");
        assert!(checked(&file, &other).unwrap_err().contains("格式是"));
        assert!(checked(&file, &[]).unwrap_err().contains("不是可用的备份"));
    }

    #[test]
    fn the_default_name_carries_the_shanghai_time() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T16:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            default_name(at),
            PathBuf::from("openday-backup-20261206-003000.jsonl")
        );
    }
}
