//! Staff sign-in and sessions. Sign-in is by a link mailed to the organisation's directory
//! address, with a 6-digit code for a browser the link cannot reach. Mail scanners open
//! links before people do, so the adapter shows a page whose POST redeems the single-use
//! nonce, and only for the browser that asked (it holds the attempt id). A session names
//! the organisation and its session version, so an office can end every session at once.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use openday_mail::Message;
use openday_rules::org::{Id, OrgKind, Organisation};
use openday_store::keys;
use openday_store::records::{SignInProof, SignInRecord};

use crate::error::AppError;
use crate::limits::{SignInCount, sign_in_allowed};
use crate::quotas::SIGN_IN_WINDOW_MINUTES;
use crate::services::{Services, Store, random_hex, six_digits};

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;
/// How long a mailed sign-in link and code are good for.
pub const SIGN_IN_MINUTES: i64 = 15;
/// How long the links `openday serve --demo` prints are good for: a working day.
pub const DEMO_LINK_HOURS: i64 = 12;

/// What became of a request for a sign-in link. The attempt id goes to the browser that
/// asked, whatever the outcome, so that the answer reveals nothing about the address.
#[derive(Debug)]
pub struct LinkRequested {
    pub attempt: String,
    pub mail: LinkMail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMail {
    Sent,
    /// The address is nobody's in the directory: nothing was sent.
    NoSuchAddress,
    /// The mail could not be sent now; the attempt expires unused.
    NotSent,
}

/// The secrets of a sign-in attempt, handed out once: the id the browser keeps, the link's
/// nonce and the typed code. Only their keyed hashes are stored.
struct Attempt {
    id: String,
    nonce: String,
    code: String,
}

/// A sign-in attempt for `org`, stored as keyed hashes.
async fn new_attempt<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    until: DateTime<Utc>,
    bound: bool,
) -> Result<Attempt, AppError> {
    let attempt = Attempt {
        id: random_hex::<16>()?,
        nonce: random_hex::<16>()?,
        code: six_digits()?,
    };
    let key = &app.settings.person_key;
    app.store
        .put_sign_in(
            &key.secret_hash("sign-in-attempt", &attempt.id),
            &SignInRecord {
                org_id: org.id.clone(),
                nonce_hash: key.secret_hash("sign-in-nonce", &attempt.nonce),
                code_hash: key.secret_hash("sign-in-code", &attempt.code),
                expires_at: until,
                bound,
            },
        )
        .await?;
    Ok(attempt)
}

/// A sign-in link for the local demo: not bound to a browser (the person opens it from
/// the terminal), single-use, good for [`DEMO_LINK_HOURS`].
pub async fn demo_link<S: Store>(
    app: &Services<S>,
    org: &Organisation,
) -> Result<String, AppError> {
    let until = app.now() + chrono::Duration::hours(DEMO_LINK_HOURS);
    let attempt = new_attempt(app, org, until, false).await?;
    Ok(format!(
        "{}/staff/sign-in/confirm?n={}&a={}",
        app.settings.site, attempt.nonce, attempt.id
    ))
}

/// How long answering a request for a sign-in link takes at least, whatever the address:
/// sending the mail takes time, and an answer that came sooner for unknown addresses would
/// tell which addresses are in the directory.
pub const SIGN_IN_ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(400);

/// Mails a link and a code when `email` is an organisation's directory address, within
/// the limits per mailbox and per address `from` (the same for any address). Answers in
/// no less than [`SIGN_IN_ANSWER_FLOOR`], known address or not.
pub async fn request_link<S: Store>(
    app: &Services<S>,
    email: Option<&str>,
    from: IpAddr,
) -> Result<LinkRequested, AppError> {
    let started = tokio::time::Instant::now();
    let requested = send_link(app, email, from).await;
    tokio::time::sleep_until(started + SIGN_IN_ANSWER_FLOOR).await;
    requested
}

async fn send_link<S: Store>(
    app: &Services<S>,
    email: Option<&str>,
    from: IpAddr,
) -> Result<LinkRequested, AppError> {
    let raw = email.unwrap_or("").trim();
    if !email_address::EmailAddress::is_valid(raw) {
        return Err(AppError::invalid(
            "email",
            "请输入机关邮箱，例如 office@example.gov.cn",
        ));
    }
    let count = sign_in_allowed(app, raw, from).await?;
    let org = app
        .store
        .orgs_within("")
        .await?
        .into_iter()
        .find(|o| o.email.eq_ignore_ascii_case(raw));
    let Some(org) = org else {
        tracing::info!("sign-in asked for an address outside the directory");
        // An unknown address gets an attempt id too, so the answer reveals nothing.
        return Ok(LinkRequested {
            attempt: random_hex::<16>()?,
            mail: LinkMail::NoSuchAddress,
        });
    };
    let until = app.now() + chrono::Duration::minutes(SIGN_IN_MINUTES);
    let attempt = new_attempt(app, &org, until, true).await?;
    let link = format!(
        "{}/staff/sign-in/confirm?n={}",
        app.settings.site, attempt.nonce
    );
    let written = openday_mail::letters::sign_in(
        org.name.as_str(),
        &link,
        &attempt.code,
        SIGN_IN_MINUTES,
        &limit_note(count),
    );
    let to = [org.email.clone()];
    // The message's key names the file and Message-ID: random, nothing of the secrets.
    let key = format!("sign-in-{}", random_hex::<8>()?);
    let message = Message {
        key: &key,
        to: &to,
        subject: &written.subject,
        text: &written.text,
        html: &written.html,
        at: app.now(),
    };
    let mail = match app.mailer.send(&message).await {
        Ok(()) => {
            tracing::info!(org = %org.id, "sign-in link sent");
            LinkMail::Sent
        }
        Err(error) => {
            // Said plainly, so nobody waits for a mail that will not come.
            tracing::warn!(org = %org.id, %error, "sign-in link not sent");
            LinkMail::NotSent
        }
    };
    Ok(LinkRequested {
        attempt: attempt.id,
        mail,
    })
}

/// What the mail says of the limit per mailbox: the rule, or, on the last link allowed,
/// until when no more will come.
fn limit_note(count: SignInCount) -> String {
    if count.uses >= count.limit {
        format!(
            "这是{}分钟内发送到本邮箱的第{}封登录邮件，{}前不再发送新的登录邮件。如果不是您本人申请，请联系本级政务公开办公室。",
            SIGN_IN_WINDOW_MINUTES,
            count.uses,
            openday_rules::calendar::when(count.until)
        )
    } else {
        format!(
            "为防止他人猜测验证码，同一邮箱每{}分钟最多发送{}封登录邮件（这是第{}封）。",
            SIGN_IN_WINDOW_MINUTES, count.limit, count.uses
        )
    }
}

/// How a browser proves a sign-in attempt: the link it opened, or the code it was mailed.
#[derive(Debug, Default)]
pub struct Confirmation<'a> {
    /// The attempt id this browser holds (its cookie).
    pub own_attempt: Option<&'a str>,
    /// The attempt a demo link names (it counts only when that attempt is not bound).
    pub named_attempt: Option<&'a str>,
    /// The link's nonce.
    pub nonce: Option<&'a str>,
    /// The typed code.
    pub code: Option<&'a str>,
}

/// The outcome of a confirmation.
#[derive(Debug)]
pub enum Confirmed {
    SignedIn(Organisation),
    /// The link is invalid, used, expired or opened in another browser.
    LinkRefused,
    /// The typed code is not this browser's attempt's.
    CodeRefused,
}

fn non_blank(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// Uses the attempt: the link's nonce or the typed code.
pub async fn confirm<S: Store>(
    app: &Services<S>,
    proof: Confirmation<'_>,
) -> Result<Confirmed, AppError> {
    let key = &app.settings.person_key;
    let now = app.now();
    let attempt_hash = |a: &str| key.secret_hash("sign-in-attempt", a);
    let own = non_blank(proof.own_attempt).map(attempt_hash);
    let attempt = match non_blank(proof.named_attempt) {
        Some(a) => {
            let hash = attempt_hash(a);
            match app.store.sign_in(&hash, now).await? {
                Some(r) if !r.bound => Some(hash),
                _ => own,
            }
        }
        None => own,
    };
    let redeemed = match (attempt, non_blank(proof.nonce)) {
        (None, Some(_)) => return Ok(Confirmed::LinkRefused),
        (Some(attempt), Some(n)) => {
            let nonce = key.secret_hash("sign-in-nonce", n);
            match app
                .store
                .redeem_sign_in(&attempt, SignInProof::Nonce(&nonce), now)
                .await?
            {
                Some(r) => r,
                None => return Ok(Confirmed::LinkRefused),
            }
        }
        (attempt, None) => {
            let code = proof.code.unwrap_or("").trim();
            let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
            let found = match attempt {
                Some(attempt) if well_formed => {
                    let code = key.secret_hash("sign-in-code", code);
                    app.store
                        .redeem_sign_in(&attempt, SignInProof::Code(&code), now)
                        .await?
                }
                _ => None,
            };
            match found {
                Some(r) => r,
                None => return Ok(Confirmed::CodeRefused),
            }
        }
    };
    Ok(match app.store.org(redeemed.org_id.as_str()).await? {
        Some(org) => {
            tracing::info!(org = %org.id, "staff signed in");
            Confirmed::SignedIn(org)
        }
        None => Confirmed::LinkRefused,
    })
}

/// What a new session of `org` carries: its session version now, and the CSRF token of
/// every form in it.
pub struct NewSession {
    pub version: u64,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn start_session<S: Store>(
    app: &Services<S>,
    org: &Organisation,
) -> Result<NewSession, AppError> {
    Ok(NewSession {
        version: app.store.session_version(&org.id).await?,
        csrf: random_hex::<24>()?,
        expires_at: app.now() + chrono::Duration::hours(SESSION_HOURS),
    })
}

/// A session presented again: still good, or why not.
pub enum SessionCheck {
    Valid {
        org: Box<Organisation>,
        /// This year's programme in force for the organisation's region.
        programme: Box<openday_rules::Programme>,
    },
    Expired,
    Revoked,
    /// The organisation is no longer in the directory.
    Gone,
}

/// Checks a session of `org_id` issued at session `version` that ends at `expires_at`.
pub async fn check_session<S: Store>(
    app: &Services<S>,
    org_id: &Id,
    version: u64,
    expires_at: i64,
) -> Result<SessionCheck, AppError> {
    if expires_at <= app.now().timestamp() {
        return Ok(SessionCheck::Expired);
    }
    if app.store.session_version(org_id).await? != version {
        return Ok(SessionCheck::Revoked);
    }
    let Some(org) = app.store.org(org_id.as_str()).await? else {
        return Ok(SessionCheck::Gone);
    };
    let programme = app.programme_for(&org, app.this_year()).await?.programme;
    Ok(SessionCheck::Valid {
        org: Box::new(org),
        programme: Box::new(programme),
    })
}

/// The organisation a bearer token names, if it is in the directory.
pub async fn organisation<S: Store>(
    app: &Services<S>,
    org_id: &str,
) -> Result<Option<Organisation>, AppError> {
    Ok(app.store.org(org_id).await?)
}

/// The organisations of an office's jurisdiction and below, by id.
pub async fn names_within<S: Store>(
    app: &Services<S>,
    org: &Organisation,
) -> Result<BTreeMap<String, Organisation>, AppError> {
    Ok(app
        .store
        .orgs_within(&keys::path_of(org))
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o))
        .collect())
}

/// An office ends every session of an organisation of its jurisdiction (or its own); the
/// organisation whose sessions ended.
pub async fn revoke<S: Store>(
    app: &Services<S>,
    office: &Organisation,
    org_id: Option<&str>,
) -> Result<Organisation, AppError> {
    if office.kind != OrgKind::Office {
        return Err(AppError::forbidden("只有政务公开办公室可以注销登录"));
    }
    let names = names_within(app, office).await?;
    let Some(target) = names.get(org_id.unwrap_or("").trim()) else {
        return Err(AppError::forbidden("只能注销本辖区机关的登录"));
    };
    app.store.revoke_sessions(&target.id).await?;
    tracing::info!(by = %office.id, org = %target.id, "sessions revoked");
    Ok(target.clone())
}
