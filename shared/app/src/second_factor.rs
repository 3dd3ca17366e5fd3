//! The second factor of staff sign-in: TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1,
//! one step of skew), enrolled at the first sign-in with a QR code and a typed check, plus
//! ten single-use recovery codes. Five wrong codes in a row lock the person's sign-in for
//! 15 minutes; the lock and its end go into the audit trail.

use chrono::Duration;
use openday_rules::org::Organisation;
use openday_store::people::{Member, WrongCode};
use totp_rs::{Algorithm, Builder, Totp};

use crate::audit;
use crate::error::AppError;
use crate::services::{Services, Store, random_bytes, random_hex};
use crate::sessions;

/// Wrong codes in a row before sign-in locks.
pub const MAX_WRONG: u32 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The issuer an authenticator app shows.
pub const ISSUER: &str = "政府开放日平台";

/// The TOTP of a key, for `account` (the person's e-mail).
pub fn totp(secret: &[u8], account: &str) -> Result<Totp, AppError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AppError::Unavailable(format!("TOTP: {e}")))
}

/// What the enrolment page shows: the key as text (for typing into an app) and the
/// `otpauth://` address its QR code carries.
#[derive(Debug)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
}

/// The key being enrolled in this session: made once, kept sealed in the session until
/// the typed check succeeds (a reload shows the same QR code).
pub async fn begin_enrolment<S: Store>(
    app: &Services<S>,
    session_id: &str,
) -> Result<Enrolment, AppError> {
    let (hash, mut session) = sessions::pending(app, session_id).await?;
    let key = &app.settings.person_key;
    let secret = match session
        .enrolling
        .as_deref()
        .and_then(|s| key.open_secret(s))
    {
        Some(secret) => secret,
        None => {
            let secret = random_bytes::<20>()?.to_vec();
            session.enrolling = Some(
                key.seal_secret(&secret)
                    .map_err(|e| AppError::Unavailable(e.to_string()))?,
            );
            app.store.put_session(&hash, &session).await?;
            secret
        }
    };
    let totp = totp(&secret, &session.email)?;
    Ok(Enrolment {
        secret_base32: totp_rs::Secret::from(secret).to_base32(),
        otpauth_url: totp
            .to_url()
            .map_err(|e| AppError::Unavailable(format!("TOTP: {e}")))?,
    })
}

/// What a typed code did.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// Right: the session may work. At enrolment, the recovery codes (shown once).
    Passed { recovery_codes: Vec<String> },
    /// Wrong: this many tries are left before the lock.
    Wrong { left: u32 },
    /// Sign-in is locked until then.
    Locked {
        until: chrono::DateTime<chrono::Utc>,
    },
}

fn well_formed(code: &str) -> Option<String> {
    let c: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())).then_some(c)
}

/// A recovery code as people type it: ten letters and digits, a dash allowed anywhere.
fn recovery_form(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (c.len() == 10 && c.bytes().all(|b| b.is_ascii_hexdigit())).then_some(c)
}

async fn person_and_org<S: Store>(
    app: &Services<S>,
    email: &str,
) -> Result<(Member, Organisation), AppError> {
    let member = app
        .store
        .member(email)
        .await?
        .ok_or_else(|| AppError::forbidden("您已不是平台成员"))?;
    let org = app
        .store
        .org(member.record.org_id.as_str())
        .await?
        .ok_or_else(|| AppError::forbidden("所在机关已不在名录中"))?;
    Ok((member, org))
}

/// Checks a typed code for the session `session_id`: the enrolment's check (then the key
/// is kept and recovery codes made) or a sign-in's code (TOTP or a recovery code).
pub async fn check<S: Store>(
    app: &Services<S>,
    session_id: &str,
    typed: &str,
    from: &str,
) -> Result<Checked, AppError> {
    let (hash, mut session) = sessions::pending(app, session_id).await?;
    let (member, org) = person_and_org(app, &session.email).await?;
    let email = member.record.email.clone();
    let now = app.now();
    let log = |action: &'static str, result: &'static str, detail: String| {
        log_event(app, &org, &member.record, from, action, result, detail)
    };
    match member.locked_until {
        Some(until) if until > now => return Ok(Checked::Locked { until }),
        Some(until) => {
            app.store.right_second_factor(&email).await?;
            log(
                "sign_in.lock_ended",
                "ok",
                format!("锁定至 {}", audit::when(until)),
            )
            .await;
        }
        None => {}
    }
    let key = &app.settings.person_key;
    let at = u64::try_from(now.timestamp()).unwrap_or(0);
    let enrolling = member.record.totp_sealed.is_none();
    let secret = if enrolling {
        session
            .enrolling
            .as_deref()
            .and_then(|s| key.open_secret(s))
    } else {
        member
            .record
            .totp_sealed
            .as_deref()
            .and_then(|s| key.open_secret(s))
    };
    let Some(secret) = secret else {
        return Err(AppError::forbidden("请先扫描二维码绑定动态验证码"));
    };
    let totp = totp(&secret, &email)?;
    let by_totp = well_formed(typed).is_some_and(|c| totp.check(&c, at).is_some());
    let by_recovery = !by_totp
        && !enrolling
        && match recovery_form(typed) {
            Some(c) => {
                app.store
                    .use_recovery_code(&email, &key.secret_hash("recovery-code", &c))
                    .await?
            }
            None => false,
        };
    if !(by_totp || by_recovery) {
        return wrong_code(app, &org, &member.record, from).await;
    }
    app.store.right_second_factor(&email).await?;
    let recovery_codes = if enrolling {
        let codes = keep_key(app, &member, &secret).await?;
        log("second_factor.enrol", "ok", String::new()).await;
        codes
    } else {
        Vec::new()
    };
    session.verified = true;
    session.enrolling = None;
    session.last_used = now;
    app.store.put_session(&hash, &session).await?;
    let how = if by_recovery {
        "恢复码"
    } else {
        "动态验证码"
    };
    log("sign_in.ok", "ok", format!("第二因素：{how}")).await;
    Ok(Checked::Passed { recovery_codes })
}

/// A wrong code: counted in one conditional write; the fifth in a row locks sign-in.
async fn wrong_code<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    member: &openday_store::people::MemberRecord,
    from: &str,
) -> Result<Checked, AppError> {
    let email = member.email.as_str();
    let until = app.now() + Duration::minutes(LOCK_MINUTES);
    Ok(
        match app
            .store
            .wrong_second_factor(email, MAX_WRONG, until)
            .await?
        {
            WrongCode::Counted(n) => {
                log_event(
                    app,
                    org,
                    member,
                    from,
                    "sign_in.refused",
                    "wrong",
                    format!("连续第{n}次错误"),
                )
                .await;
                Checked::Wrong {
                    left: MAX_WRONG.saturating_sub(n),
                }
            }
            WrongCode::Locked(until) => {
                log_event(
                    app,
                    org,
                    member,
                    from,
                    "sign_in.locked",
                    "locked",
                    format!("锁定至 {}", audit::when(until)),
                )
                .await;
                Checked::Locked { until }
            }
        },
    )
}

/// Keeps the enrolled key (sealed) and ten new recovery codes (keyed hashes); the codes,
/// to be shown once.
async fn keep_key<S: Store>(
    app: &Services<S>,
    member: &Member,
    secret: &[u8],
) -> Result<Vec<String>, AppError> {
    let key = &app.settings.person_key;
    let mut record = member.record.clone();
    record.totp_sealed = Some(
        key.seal_secret(secret)
            .map_err(|e| AppError::Unavailable(e.to_string()))?,
    );
    record.recovery.clear();
    let mut codes = Vec::new();
    for _ in 0..RECOVERY_CODES {
        let code = random_hex::<5>()?;
        record
            .recovery
            .push(key.secret_hash("recovery-code", &code));
        codes.push(format!("{}-{}", &code[..5], &code[5..]));
    }
    app.store.put_member(&record, false).await?;
    Ok(codes)
}

/// A sign-in event in the trail (the person is not acting yet); a failure is logged.
async fn log_event<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    member: &openday_store::people::MemberRecord,
    from: &str,
    action: &'static str,
    result: &'static str,
    detail: String,
) {
    let person = openday_store::people::AuditPerson {
        id: member.email.clone(),
        name: member.name.clone(),
        email: member.email.clone(),
    };
    if let Err(e) = audit::write(app, org, Some(person), from, action, "", result, &detail).await {
        tracing::error!(action, error = %e, "audit record not written");
    }
}

/// The demo's people have their second factor enrolled already, so that the walk-through
/// needs no phone: the key of `email` (made now if the person has none), as base32 for an
/// authenticator app or `openday totp`. Only `openday serve --demo` calls this.
pub async fn demo_key<S: Store>(app: &Services<S>, email: &str) -> Result<String, AppError> {
    let member = app
        .store
        .member(email)
        .await?
        .ok_or(AppError::NotFound("没有该成员"))?;
    let key = &app.settings.person_key;
    let secret = match member
        .record
        .totp_sealed
        .as_deref()
        .and_then(|s| key.open_secret(s))
    {
        Some(secret) => secret,
        None => {
            let secret = random_bytes::<20>()?.to_vec();
            keep_key(app, &member, &secret).await?;
            secret
        }
    };
    Ok(totp_rs::Secret::from(secret).to_base32())
}

/// The code an authenticator shows for a base32 key at the services' clock now.
pub fn code_now<S>(app: &Services<S>, secret_base32: &str) -> Result<String, AppError> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32.trim())
        .map_err(|_| AppError::invalid("key", "密钥应为 base32 编码（A–Z、2–7）"))?;
    let totp = totp(secret.as_ref(), "demo")?;
    Ok(totp
        .generate(u64::try_from(app.now().timestamp()).unwrap_or(0))
        .to_string())
}
