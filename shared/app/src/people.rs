//! Staff as people: the members of an organisation and their roles. The directory's
//! mailbox of each organisation is its first 管理员; a 管理员 invites members (a sign-in
//! link by mail), changes their roles and removes them (their sessions end at once).

use openday_mail::Message;
use openday_rules::org::Organisation;
use openday_rules::staff::{Roles, StaffRole};
use openday_store::people::{Member, MemberRecord};

pub use crate::actor::Actor;
use crate::audit;
use crate::error::AppError;
use crate::services::{Services, Store};

/// An address as a member's key: trimmed, lower case, and a valid address.
pub fn email_key(raw: &str) -> Result<String, AppError> {
    let e = raw.trim().to_lowercase();
    if email_address::EmailAddress::is_valid(&e) {
        Ok(e)
    } else {
        Err(AppError::invalid("email", "请输入有效的工作邮箱"))
    }
}

/// The first 管理员 of `org`: its directory mailbox, with every role the organisation has.
pub fn first_admin(org: &Organisation, at: chrono::DateTime<chrono::Utc>) -> MemberRecord {
    MemberRecord {
        email: org.email.trim().to_lowercase(),
        name: "机关邮箱管理员".to_owned(),
        org_id: org.id.clone(),
        roles: Roles::all_for(org),
        added_at: at,
        added_by: None,
        totp_sealed: None,
        recovery: Vec::new(),
    }
}

/// Makes each organisation's mailbox its first 管理员 where the organisation has no members
/// yet (an import that runs again leaves the members as they are).
pub async fn ensure_first_admins<S: Store>(
    app: &Services<S>,
    orgs: &[Organisation],
) -> Result<(), AppError> {
    for org in orgs {
        if app.store.members(org.id.as_str()).await?.is_empty() {
            app.store
                .put_member(&first_admin(org, app.now()), true)
                .await?;
        }
    }
    Ok(())
}

/// The member signing in with `email`, and their organisation. An organisation's mailbox
/// becomes its first 管理员 here when the organisation has no member yet (a directory put
/// into the table before members existed).
pub async fn member_for_sign_in<S: Store>(
    app: &Services<S>,
    email: &str,
) -> Result<Option<(Member, Organisation)>, AppError> {
    let key = email.trim().to_lowercase();
    if let Some(m) = app.store.member(&key).await? {
        return Ok(app
            .store
            .org(m.record.org_id.as_str())
            .await?
            .map(|org| (m, org)));
    }
    let org = app
        .store
        .orgs_within("")
        .await?
        .into_iter()
        .find(|o| o.email.eq_ignore_ascii_case(&key));
    let Some(org) = org else { return Ok(None) };
    ensure_first_admins(app, std::slice::from_ref(&org)).await?;
    Ok(app.store.member(&key).await?.map(|m| (m, org)))
}

/// One member as the members page lists them.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub email: String,
    pub name: String,
    pub roles: Roles,
    pub enrolled: bool,
    pub locked: bool,
    pub added_by: Option<String>,
}

/// The members of the actor's organisation (管理员 only).
pub async fn list<S: Store>(app: &Services<S>, actor: &Actor) -> Result<Vec<MemberView>, AppError> {
    actor.require(StaffRole::Admin)?;
    let now = app.now();
    let mut members: Vec<MemberView> = app
        .store
        .members(actor.id.as_str())
        .await?
        .into_iter()
        .map(|m| MemberView {
            enrolled: m.record.totp_sealed.is_some(),
            locked: m.locked_until.is_some_and(|t| t > now),
            email: m.record.email,
            name: m.record.name,
            roles: m.record.roles,
            added_by: m.record.added_by,
        })
        .collect();
    members.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(members)
}

/// A new member, as the invitation form sends it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Invitation {
    pub email: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A 管理员 invites a member of their organisation: the member is stored and mailed a
/// sign-in link (the second factor is enrolled at the first sign-in).
pub async fn invite<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    invitation: &Invitation,
) -> Result<MemberRecord, AppError> {
    let result = invite_inner(app, actor, invitation).await;
    let object = format!(
        "member:{}",
        invitation
            .email
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_lowercase()
    );
    audit::record(
        app,
        actor,
        "member.invite",
        &object,
        &audit::outcome(&result),
        "",
    )
    .await;
    result
}

async fn invite_inner<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    invitation: &Invitation,
) -> Result<MemberRecord, AppError> {
    actor.require(StaffRole::Admin)?;
    let email = email_key(invitation.email.as_deref().unwrap_or(""))?;
    let name = openday_rules::text::ShortText::parse(
        "name",
        "姓名",
        invitation.name.as_deref().unwrap_or(""),
    )
    .map_err(AppError::from)?;
    let roles = Roles::parse("roles", invitation.roles.iter().map(String::as_str), actor)
        .map_err(AppError::from)?;
    let record = MemberRecord {
        email: email.clone(),
        name: name.as_str().to_owned(),
        org_id: actor.id.clone(),
        roles,
        added_at: app.now(),
        added_by: Some(actor.email().to_owned()),
        totp_sealed: None,
        recovery: Vec::new(),
    };
    if !app.store.put_member(&record, true).await? {
        return Err(AppError::Conflict {
            code: "MEMBER_EXISTS",
            message: "该邮箱已是平台成员（本机关或其他机关），不能重复邀请".into(),
            field: Some("email"),
        });
    }
    let link = format!("{}/staff/sign-in", app.settings.site);
    let written = openday_mail::letters::invitation(&openday_mail::letters::Invitation {
        name: &record.name,
        email: &email,
        org_name: actor.name.as_str(),
        inviter: actor.name(),
        roles: &record.roles.labels(),
        link: &link,
    });
    let to = [email.clone()];
    let key = format!("invite-{}", crate::services::random_hex::<8>()?);
    let message = Message {
        key: &key,
        to: &to,
        subject: &written.subject,
        text: &written.text,
        html: &written.html,
        at: app.now(),
    };
    if let Err(e) = app.mailer.send(&message).await {
        // The member is stored; they can ask for a sign-in link themselves.
        tracing::warn!(error = %e, "invitation mail not sent");
    }
    Ok(record)
}

/// A member of the actor's organisation, or not found.
async fn member_of_org<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    email: &str,
) -> Result<Member, AppError> {
    let key = email.trim().to_lowercase();
    match app.store.member(&key).await? {
        Some(m) if m.record.org_id == actor.id => Ok(m),
        _ => Err(AppError::NotFound("本机关没有该成员")),
    }
}

/// A 管理员 changes a member's roles. The last 管理员 keeps that role.
pub async fn change_roles<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    email: &str,
    roles: &[String],
) -> Result<MemberRecord, AppError> {
    let result = async {
        actor.require(StaffRole::Admin)?;
        let member = member_of_org(app, actor, email).await?;
        let roles = Roles::parse("roles", roles.iter().map(String::as_str), actor)
            .map_err(AppError::from)?;
        if member.record.roles.has(StaffRole::Admin) && !roles.has(StaffRole::Admin) {
            last_admin_stays(app, actor, &member.record.email).await?;
        }
        let mut record = member.record;
        record.roles = roles;
        app.store.put_member(&record, false).await?;
        Ok(record)
    }
    .await;
    let detail = result
        .as_ref()
        .map(|r| r.roles.labels())
        .unwrap_or_default();
    audit::record(
        app,
        actor,
        "member.roles",
        &format!("member:{email}"),
        &audit::outcome(&result),
        &detail,
    )
    .await;
    result
}

async fn last_admin_stays<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    leaving: &str,
) -> Result<(), AppError> {
    let others = app
        .store
        .members(actor.id.as_str())
        .await?
        .into_iter()
        .filter(|m| m.record.email != leaving && m.record.roles.has(StaffRole::Admin))
        .count();
    if others == 0 {
        return Err(AppError::Conflict {
            code: "LAST_ADMIN",
            message: "本机关至少保留一名管理员".into(),
            field: Some("roles"),
        });
    }
    Ok(())
}

/// A 管理员 removes a member: the record goes, and with it every session and key.
pub async fn remove<S: Store>(
    app: &Services<S>,
    actor: &Actor,
    email: &str,
) -> Result<(), AppError> {
    let result = async {
        actor.require(StaffRole::Admin)?;
        let member = member_of_org(app, actor, email).await?;
        if member.record.roles.has(StaffRole::Admin) {
            last_admin_stays(app, actor, &member.record.email).await?;
        }
        crate::sessions::end_everything(app, &member.record.email).await?;
        app.store.remove_member(&member.record.email).await?;
        Ok(())
    }
    .await;
    audit::record(
        app,
        actor,
        "member.remove",
        &format!("member:{email}"),
        &audit::outcome(&result),
        "",
    )
    .await;
    result
}

/// An organisation's first 管理员 (its directory mailbox) and the organisation: two reads.
/// The mailbox becomes the first 管理员 here when the organisation has no member yet.
async fn first_admin_of<S: Store>(
    app: &Services<S>,
    org_id: &str,
) -> Result<Option<(Member, Organisation)>, AppError> {
    let Some(org) = app.store.org(org_id).await? else {
        return Ok(None);
    };
    let mailbox = org.email.trim().to_lowercase();
    let member = match app.store.member(&mailbox).await? {
        Some(m) => Some(m),
        None => {
            ensure_first_admins(app, std::slice::from_ref(&org)).await?;
            app.store.member(&mailbox).await?
        }
    };
    Ok(member
        .filter(|m| m.record.org_id == org.id)
        .map(|m| (m, org)))
}

/// The person an organisation's bearer token (`openday token`, made on the machine itself)
/// acts as: the organisation's first 管理员, its directory mailbox, with the roles that
/// person holds now. `None` when the organisation or that person is gone, or the person's
/// sessions were ended since the token was made (`epoch`).
pub async fn actor_of_org_token<S: Store>(
    app: &Services<S>,
    org_id: &str,
    epoch: u64,
    from: String,
) -> Result<Option<Actor>, AppError> {
    Ok(first_admin_of(app, org_id)
        .await?
        .filter(|(m, _)| m.epoch == epoch)
        .map(|(m, org)| Actor::new(org, &m.record, from)))
}

/// The epoch of an organisation's first 管理员 now (what a machine token is issued at).
pub async fn first_admin_epoch<S: Store>(
    app: &Services<S>,
    org_id: &str,
) -> Result<Option<u64>, AppError> {
    Ok(first_admin_of(app, org_id).await?.map(|(m, _)| m.epoch))
}
