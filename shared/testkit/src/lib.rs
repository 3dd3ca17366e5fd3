//! Fixtures for tests only: the demo files of `infra/demo`, parsed by the rules crate, and
//! instants and days written as people write them. Never linked into a binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // fixtures fail loudly

pub mod arbitrary;
pub mod fault_proxy;
pub mod sms_gateway;
pub mod smtp;
pub use fault_proxy::{FaultCounts, FaultProxy, Faults};

use chrono::{DateTime, NaiveDate, Utc};
use openday_rules::calendar::parse_instant;
use openday_rules::org::{Directory, DirectoryDraft, Organisation};
use openday_rules::plan::{Plan, PlanDraft};

/// A file of the repository, by its path from the root.
/// The environment that lifts the limits every process shares (codes per address, network
/// and hour; sign-ins per mailbox and address) for a server under a test or benchmark whose
/// clock stands still and whose requests all come from loopback. The limits themselves are
/// tested in `shared/api/tests/floods.rs`.
pub const UNLIMITED_QUOTAS: [(&str, &str); 7] = [
    ("OPENDAY_SMS_PER_ADDRESS_MINUTE", "1000000"),
    ("OPENDAY_SMS_PER_ADDRESS_DAY", "1000000"),
    ("OPENDAY_SMS_PER_NETWORK_MINUTE", "1000000"),
    ("OPENDAY_SMS_PER_NETWORK_DAY", "1000000"),
    ("OPENDAY_SMS_BUDGET_PER_HOUR", "1000000"),
    ("OPENDAY_SIGN_INS_PER_MAILBOX", "1000000"),
    ("OPENDAY_SIGN_INS_PER_ADDRESS", "1000000"),
];

pub fn repo_file(path: &str) -> String {
    let full = repo_path(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Where a file of the repository is, as a path a command takes.
pub fn repo_path(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The demo directory (`infra/demo/orgs.json`).
pub fn directory() -> Directory {
    let draft: DirectoryDraft = serde_json::from_str(&repo_file("infra/demo/orgs.json")).unwrap();
    Directory::parse(&draft).unwrap()
}

/// An organisation of the demo directory.
pub fn org(id: &str) -> Organisation {
    directory()
        .org(id)
        .cloned()
        .unwrap_or_else(|| panic!("no demo organisation {id}"))
}

/// The demo plan (`infra/demo/plan.json`): 南宁市交通运输局, 2026-09-20..26, 30 seats.
pub fn plan() -> Plan {
    let draft: PlanDraft = serde_json::from_str(&repo_file("infra/demo/plan.json")).unwrap();
    Plan::parse(&draft, &openday_rules::Programme::shipped()).unwrap()
}

/// One morning session on an event's first day, as an announcement's `sessions` (an
/// announcement states its times of day: at least one session, on the first day).
pub fn first_day_session(first_day: NaiveDate) -> serde_json::Value {
    serde_json::json!([{
        "date": first_day.to_string(),
        "start": "09:00",
        "end": "11:30",
        "meeting_point": "机关大院北门"
    }])
}

/// Both shipped programmes (the seed's and the example) for the demo region and `year`, so
/// that a test can run against each.
pub fn programmes(year: i32) -> [openday_rules::Programme; 2] {
    let gx = openday_rules::org::Id::parse("region", "gx").unwrap();
    [
        openday_rules::Programme::shipped().for_region_year(&gx, year),
        openday_rules::Programme::example().for_region_year(&gx, year),
    ]
}

/// An RFC 3339 instant.
pub fn at(raw: &str) -> DateTime<Utc> {
    parse_instant("t", raw).unwrap()
}

/// A `YYYY-MM-DD` day.
pub fn day(raw: &str) -> NaiveDate {
    raw.parse().unwrap()
}

/// The verification code last sent to `phone` (as written, e.g. `13800138000`) in a local
/// SMS outbox folder.
pub fn sms_code_in(dir: &std::path::Path, phone: &str) -> String {
    let texts = openday_sms::read_sms_outbox(dir).unwrap();
    let text = texts
        .iter()
        .rev()
        .find(|t| t.to == phone)
        .unwrap_or_else(|| panic!("no text message to {phone} in {}", dir.display()));
    code_in(&text.text)
}

/// The newest code sent to each phone in a local SMS outbox, read in one pass (for many
/// people at once).
pub fn sms_codes_in(dir: &std::path::Path) -> std::collections::HashMap<String, String> {
    openday_sms::read_sms_outbox(dir)
        .unwrap()
        .into_iter()
        .filter(|t| t.text.contains("验证码为"))
        .map(|t| {
            let code = code_in(&t.text);
            (t.to, code)
        })
        .collect()
}

/// The 6-digit code of a verification text.
fn code_in(text: &str) -> String {
    let digits: String = text
        .split("验证码为")
        .nth(1)
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .chars()
        .take(6)
        .collect();
    assert_eq!(digits.len(), 6, "{text:?}");
    digits
}

/// The last sign-in mail to `email` in a local mail outbox: the link (its path and query,
/// from `/staff/`) and the 6-digit code, as the person reads them.
pub fn sign_in_mail(outbox: &std::path::Path, email: &str) -> (String, String) {
    let mut mails = openday_mail::read_outbox(outbox).unwrap();
    // Newest last, by when the file was written (a fixed test clock stamps them alike).
    mails.sort_by_key(|m| std::fs::metadata(&m.file).and_then(|m| m.modified()).ok());
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.to.iter().any(|t| t == email) && m.subject.contains("登录"))
        .unwrap_or_else(|| panic!("no sign-in mail to {email} in {}", outbox.display()));
    let at = mail.text.find("/staff/sign-in/confirm?").expect("a link");
    let link: String = mail.text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let code: String = mail
        .text
        .split("验证码：")
        .nth(1)
        .expect("a code")
        .chars()
        .take(6)
        .collect();
    assert!(
        code.bytes().all(|b| b.is_ascii_digit()) && code.len() == 6,
        "{}",
        mail.text
    );
    (link, code)
}

/// A fresh temporary folder path (not created), unique to this process and call.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "openday-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A valid resident ID number of Nanning, distinct for each `n` (born `n` days after
/// 1960-01-01: adult whatever `n`).
pub fn id_number(n: u32) -> String {
    let birth = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Days::new(u64::from(n));
    let body = format!("450103{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let mut digits = [0u8; 17];
    for (d, c) in digits.iter_mut().zip(body.chars()) {
        *d = c.to_digit(10).unwrap() as u8;
    }
    format!(
        "{body}{}",
        openday_rules::resident_id::check_character(&digits)
    )
}

/// An API Gateway HTTP API (payload v2) request event, as API Gateway hands it to a
/// function: `stage` is the named stage in front of the path (`$default` for none).
pub fn api_gateway_event(
    stage: &str,
    method: &str,
    raw_path: &str,
    query: &str,
    headers: serde_json::Value,
    source_ip: &str,
    body: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api-id",
            "domainName": "abc.execute-api.cn-north-1.amazonaws.com.cn",
            "domainPrefix": "abc",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": source_ip, "userAgent": "fixture"},
            "requestId": "id",
            "routeKey": "$default",
            "stage": stage,
            "time": "02/Sep/2026:02:00:00 +0000",
            "timeEpoch": 1_788_314_400_000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// The second factor's code a person's authenticator app shows at `at`, as the tests type
/// it. `page` is the second-factor page the person is on: at enrolment it shows the key
/// (`<code id="totp-secret">`), which is remembered for `outbox`'s world and `email`; later
/// sign-ins use the remembered key.
pub fn second_factor_code(
    outbox: &std::path::Path,
    email: &str,
    page: &str,
    at: DateTime<Utc>,
) -> String {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KEYS: OnceLock<Mutex<HashMap<(std::path::PathBuf, String), String>>> = OnceLock::new();
    let keys = KEYS.get_or_init(Mutex::default);
    let id = (outbox.to_path_buf(), email.to_lowercase());
    let shown = page
        .split_once("id=\"totp-secret\">")
        .and_then(|(_, rest)| rest.split_once('<'))
        .map(|(secret, _)| secret.trim().to_owned());
    let mut keys = keys
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(secret) = shown {
        keys.insert(id.clone(), secret);
    }
    let secret = keys
        .get(&id)
        .unwrap_or_else(|| panic!("no second-factor key seen for {email}"))
        .clone();
    totp_code(&secret, at)
}

/// The TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) of a base32 key at `at`.
pub fn totp_code(secret_base32: &str, at: DateTime<Utc>) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32)
        .unwrap_or_else(|e| panic!("a base32 key: {e:?}"));
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .unwrap_or_else(|e| panic!("a TOTP: {e:?}"));
    totp.generate(u64::try_from(at.timestamp()).unwrap_or(0))
        .to_string()
}
