//! Staff sessions on the server: started by the mailed link, usable once the second factor
//! is done, ended after 30 minutes idle or 8 hours in all, by signing out, by the person
//! (any of their sessions) or by a 管理员. The browser holds a random id; only its keyed
//! hash is stored, so a replayed cookie of an ended session finds nothing.

use chrono::{DateTime, Duration, Utc};
use openday_rules::org::Organisation;
use openday_store::people::{Member, SessionRecord};

use crate::actor::Actor;
use crate::audit;
use crate::error::AppError;
use crate::services::{Services, Store, random_hex};

/// A session ends after this long without a request.
pub const IDLE_MINUTES: i64 = 30;
/// A session ends this long after it started, whatever happens.
pub const SESSION_HOURS: i64 = 8;
/// The last-use time is written at most this often (a write per request would be waste).
const TOUCH_SECONDS: i64 = 60;

fn hash_of<S>(app: &Services<S>, id: &str) -> String {
    app.settings.person_key.secret_hash("staff-session", id)
}

/// A session just started: the id for the browser's cookie, the CSRF token of its forms.
#[derive(Debug)]
pub struct Started {
    pub id: String,
    pub csrf: String,
    /// Whether the person has a second factor already (else they enrol one now).
    pub enrolled: bool,
}

/// Starts a session for `member` (not yet through the second factor).
pub async fn start<S: Store>(
    app: &Services<S>,
    member: &Member,
    org: &Organisation,
    device: &str,
    from: &str,
) -> Result<Started, AppError> {
    let id = random_hex::<24>()?;
    let csrf = random_hex::<24>()?;
    let now = app.now();
    let record = SessionRecord {
        email: member.record.email.clone(),
        org_id: org.id.clone(),
        epoch: member.epoch,
        started: now,
        last_used: now,
        ends: now + Duration::hours(SESSION_HOURS),
        device: device.chars().take(120).collect(),
        address: mask_address(from),
        verified: false,
        enrolling: None,
        csrf: csrf.clone(),
    };
    app.store.put_session(&hash_of(app, &id), &record).await?;
    Ok(Started {
        id,
        csrf,
        enrolled: member.record.totp_sealed.is_some(),
    })
}

/// An address as sessions list it: the last part hidden.
pub fn mask_address(raw: &str) -> String {
    match raw.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.*", o[0], o[1], o[2])
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::*", s[0], s[1], s[2], s[3])
        }
        Err(_) => "未知".into(),
    }
}

/// Why a session no longer serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// 30 minutes without a request.
    Idle,
    /// 8 hours since it started.
    Total,
    /// Signed out, ended by the person or a 管理员, or never was.
    Revoked,
    /// The person was removed or the organisation left the directory.
    Gone,
}

impl Ended {
    /// What the sign-in page says.
    pub fn words(self) -> &'static str {
        match self {
            Ended::Idle => "已超过30分钟未操作，登录已失效，请重新登录。",
            Ended::Total => "登录已超过8小时，请重新登录。",
            Ended::Revoked => "登录已失效（已退出或被注销），请重新登录。",
            Ended::Gone => "您已不是平台成员，或所在机关已不在名录中，请联系本机关管理员。",
        }
    }
}

/// A session presented again.
pub enum SessionState {
    /// Through the second factor: the person may work.
    Active {
        actor: Box<Actor>,
        /// This year's programme in force for the organisation's region.
        programme: Box<openday_rules::Programme>,
        csrf: String,
    },
    /// Signed in by the link, the second factor still to do.
    SecondFactor {
        email: String,
        enrolled: bool,
        csrf: String,
    },
    Ended(Ended),
}

/// Checks the session whose browser holds `id`, and notes its use.
pub async fn check<S: Store>(
    app: &Services<S>,
    id: &str,
    from: &str,
) -> Result<SessionState, AppError> {
    let hash = hash_of(app, id);
    let Some(mut session) = app.store.session(&hash).await? else {
        return Ok(SessionState::Ended(Ended::Revoked));
    };
    let now = app.now();
    let ended = if session.ends <= now {
        Some(Ended::Total)
    } else if session.last_used + Duration::minutes(IDLE_MINUTES) <= now {
        Some(Ended::Idle)
    } else {
        None
    };
    if let Some(why) = ended {
        app.store.end_session(&hash).await?;
        return Ok(SessionState::Ended(why));
    }
    let Some(member) = app.store.member(&session.email).await? else {
        app.store.end_session(&hash).await?;
        return Ok(SessionState::Ended(Ended::Gone));
    };
    if member.epoch != session.epoch || member.record.org_id != session.org_id {
        app.store.end_session(&hash).await?;
        return Ok(SessionState::Ended(Ended::Revoked));
    }
    if !session.verified {
        return Ok(SessionState::SecondFactor {
            email: session.email,
            enrolled: member.record.totp_sealed.is_some(),
            csrf: session.csrf,
        });
    }
    let Some(org) = app.store.org(session.org_id.as_str()).await? else {
        return Ok(SessionState::Ended(Ended::Gone));
    };
    if now - session.last_used >= Duration::seconds(TOUCH_SECONDS) {
        session.last_used = now;
        app.store.put_session(&hash, &session).await?;
    }
    let programme = app.programme_for(&org, app.this_year()).await?.programme;
    Ok(SessionState::Active {
        actor: Box::new(Actor::new(org, &member.record, from.to_owned())),
        programme: Box::new(programme),
        csrf: session.csrf,
    })
}

/// The session's record, for the second-factor steps.
pub(crate) async fn pending<S: Store>(
    app: &Services<S>,
    id: &str,
) -> Result<(String, SessionRecord), AppError> {
    let hash = hash_of(app, id);
    match app.store.session(&hash).await? {
        Some(s) if s.ends > app.now() => Ok((hash, s)),
        _ => Err(AppError::forbidden("登录已失效，请重新登录")),
    }
}

/// Signing out: the session ends on the server.
pub async fn sign_out<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    id: &str,
) -> Result<(), AppError> {
    app.store.end_session(&hash_of(app, id)).await?;
    audit::record(app, actor, "sign_out", "", "ok", "").await;
    Ok(())
}

/// One session as the account page lists it.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// What the page's 注销 button names (the stored key, not the browser's id).
    pub handle: String,
    pub device: String,
    pub address: String,
    pub started: DateTime<Utc>,
    pub last_used: DateTime<Utc>,
    pub current: bool,
}

/// The live sessions of a person, newest first.
pub async fn of_person<S: Store>(
    app: &Services<S>,
    email: &str,
    current_id: Option<&str>,
) -> Result<Vec<SessionView>, AppError> {
    let now = app.now();
    let epoch = app.store.member(email).await?.map(|m| m.epoch);
    let current = current_id.map(|id| hash_of(app, id));
    let mut out: Vec<SessionView> = app
        .store
        .sessions_of(email)
        .await?
        .into_iter()
        .filter(|(_, s)| {
            Some(s.epoch) == epoch
                && s.ends > now
                && s.last_used + Duration::minutes(IDLE_MINUTES) > now
        })
        .map(|(hash, s)| SessionView {
            current: current.as_deref() == Some(hash.as_str()),
            handle: hash,
            device: s.device,
            address: s.address,
            started: s.started,
            last_used: s.last_used,
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.started));
    Ok(out)
}

/// Ends one session: the person's own, or (a 管理员) a member's of the same organisation.
pub async fn end_one<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    handle: &str,
) -> Result<(), AppError> {
    let result = async {
        let session = app
            .store
            .session(handle.trim())
            .await?
            .ok_or(AppError::NotFound("该登录会话不存在或已结束"))?;
        actor.may_act_for(&session.email, &session.org_id, "只能注销本机关成员的登录")?;
        app.store.end_session(handle.trim()).await?;
        Ok(session.email)
    }
    .await;
    let object = result
        .as_ref()
        .map(|e| format!("member:{e}"))
        .unwrap_or_default();
    audit::record(
        app,
        actor,
        "session.end",
        &object,
        &audit::outcome(&result),
        "",
    )
    .await;
    result.map(drop)
}

/// Every session and API key of a person ends: their epoch rises (so nothing issued before
/// serves again, whatever a listing shows) and the records are deleted.
pub async fn end_everything<S: Store>(app: &Services<S>, email: &str) -> Result<(), AppError> {
    app.store.end_everything_of(email).await?;
    for (hash, _) in app.store.sessions_of(email).await? {
        app.store.end_session(&hash).await?;
    }
    for key in app.store.api_keys_of(email).await? {
        app.store.delete_api_key(&key.id).await?;
    }
    Ok(())
}

/// A person ends all their own sessions and keys, or a 管理员 a member's.
pub async fn end_all_of<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    email: &str,
) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    let result = async {
        if email != actor.email() {
            let member = app
                .store
                .member(&email)
                .await?
                .ok_or(AppError::NotFound("本机关没有该成员"))?;
            actor.may_act_for(&email, &member.record.org_id, "本机关没有该成员")?;
        }
        end_everything(app, &email).await
    }
    .await;
    audit::record(
        app,
        actor,
        "session.end_all",
        &format!("member:{email}"),
        &audit::outcome(&result),
        "",
    )
    .await;
    result
}
