//! Staff sign-in, its first step: a link mailed to the member's work address, with a 6-digit
//! code for a browser the link cannot reach. Mail scanners open links before people do, so
//! the adapter shows a page whose POST redeems the single-use nonce, and only for the
//! browser that asked (it holds the attempt id). Then a session starts ([`crate::sessions`])
//! and the second factor follows ([`crate::second_factor`]).

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use openday_mail::Message;
use openday_rules::org::{OrgKind, Organisation};
use openday_store::keys;
use openday_store::people::Member;
use openday_store::records::{SignInProof, SignInRecord};

use crate::error::AppError;
use crate::limits::{SignInCount, sign_in_allowed};
use crate::quotas::SIGN_IN_WINDOW_MINUTES;
use crate::services::{Services, Store, random_hex, six_digits};

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

/// A sign-in attempt of `email` (a member of `org`), stored as keyed hashes.
async fn new_attempt<S: Store>(
    app: &Services<S>,
    org: &Organisation,
    email: &str,
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
                email: email.to_owned(),
                nonce_hash: key.secret_hash("sign-in-nonce", &attempt.nonce),
                code_hash: key.secret_hash("sign-in-code", &attempt.code),
                expires_at: until,
                bound,
            },
        )
        .await?;
    Ok(attempt)
}

/// A sign-in link for the local demo, for the organisation's first 管理员 (its mailbox):
/// not bound to a browser (the person opens it from the terminal), single-use, good for
/// [`DEMO_LINK_HOURS`].
pub async fn demo_link<S: Store>(
    app: &Services<S>,
    org: &Organisation,
) -> Result<String, AppError> {
    crate::people::ensure_first_admins(app, std::slice::from_ref(org)).await?;
    let until = app.now() + chrono::Duration::hours(DEMO_LINK_HOURS);
    let email = org.email.trim().to_lowercase();
    let attempt = new_attempt(app, org, &email, until, false).await?;
    Ok(format!(
        "{}/staff/sign-in/confirm?n={}&a={}",
        app.settings.site, attempt.nonce, attempt.id
    ))
}

/// How long answering a request for a sign-in link takes at least, whatever the address:
/// sending the mail takes time, and an answer that came sooner for unknown addresses would
/// tell which addresses are in the directory.
pub const SIGN_IN_ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(400);

/// Mails a link and a code when `email` is a member's work address, within
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
    let Some((member, org)) = crate::people::member_for_sign_in(app, raw).await? else {
        tracing::info!("sign-in asked for an address of nobody on the platform");
        // An unknown address gets an attempt id too, so the answer reveals nothing.
        return Ok(LinkRequested {
            attempt: random_hex::<16>()?,
            mail: LinkMail::NoSuchAddress,
        });
    };
    let until = app.now() + chrono::Duration::minutes(SIGN_IN_MINUTES);
    let email = member.record.email.clone();
    let attempt = new_attempt(app, &org, &email, until, true).await?;
    let link = format!(
        "{}/staff/sign-in/confirm?n={}",
        app.settings.site, attempt.nonce
    );
    let greeting = format!("{}（{}）", member.record.name, org.name.as_str());
    let written = openday_mail::letters::sign_in(
        &greeting,
        &link,
        &attempt.code,
        SIGN_IN_MINUTES,
        &limit_note(count),
    );
    let to = [email];
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
    /// The link or code was right: the member and their organisation.
    SignedIn(Box<Member>, Box<Organisation>),
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
    let email = if redeemed.email.is_empty() {
        // An attempt made before members existed: the organisation's mailbox.
        match app.store.org(redeemed.org_id.as_str()).await? {
            Some(org) => org.email.trim().to_lowercase(),
            None => return Ok(Confirmed::LinkRefused),
        }
    } else {
        redeemed.email
    };
    Ok(
        match crate::people::member_for_sign_in(app, &email).await? {
            Some((member, org)) if org.id == redeemed.org_id => {
                tracing::info!(org = %org.id, "staff signed in by the mailed link");
                Confirmed::SignedIn(Box::new(member), Box::new(org))
            }
            _ => Confirmed::LinkRefused,
        },
    )
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

/// An office's 管理员 ends every session and key of every member of an organisation of its
/// jurisdiction (or its own); the organisation whose sessions ended.
pub async fn revoke<S: Store>(
    app: &Services<S>,
    office: &crate::actor::Actor,
    org_id: Option<&str>,
) -> Result<Organisation, AppError> {
    let result = revoke_inner(app, office, org_id).await;
    let object = format!("org:{}", org_id.unwrap_or("").trim());
    crate::audit::record(
        app,
        office,
        "org.sessions_end",
        &object,
        &crate::audit::outcome(&result),
        "",
    )
    .await;
    result
}

async fn revoke_inner<S: Store>(
    app: &Services<S>,
    office: &crate::actor::Actor,
    org_id: Option<&str>,
) -> Result<Organisation, AppError> {
    if office.kind != OrgKind::Office {
        return Err(AppError::forbidden("只有政务公开办公室可以注销登录"));
    }
    office.require(openday_rules::staff::StaffRole::Admin)?;
    let names = names_within(app, office).await?;
    let Some(target) = names.get(org_id.unwrap_or("").trim()) else {
        return Err(AppError::forbidden("只能注销本辖区机关的登录"));
    };
    for m in app.store.members(target.id.as_str()).await? {
        crate::sessions::end_everything(app, &m.record.email).await?;
    }
    tracing::info!(by = %office.id, org = %target.id, "sessions revoked");
    Ok(target.clone())
}
