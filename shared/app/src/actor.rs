//! The person of staff acting in a use case: who, of which organisation, with which roles,
//! from where. Built by sign-in (a session) or an API key; the use cases ask it for roles.

use openday_rules::org::Organisation;
use openday_rules::staff::{Roles, StaffRole};
use openday_store::people::MemberRecord;

use crate::error::AppError;

/// A person of staff acting: the organisation, who they are, their roles, and the address
/// the request came from. Dereferences to the organisation, whose jurisdiction rules apply
/// as before.
#[derive(Debug, Clone)]
pub struct Actor {
    org: Organisation,
    email: String,
    name: String,
    roles: Roles,
    from: String,
}

impl std::ops::Deref for Actor {
    type Target = Organisation;
    fn deref(&self) -> &Organisation {
        &self.org
    }
}

impl Actor {
    pub(crate) fn new(org: Organisation, member: &MemberRecord, from: String) -> Self {
        Self {
            org,
            email: member.email.clone(),
            name: member.name.clone(),
            roles: member.roles.clone(),
            from,
        }
    }

    pub fn org(&self) -> &Organisation {
        &self.org
    }
    pub fn email(&self) -> &str {
        &self.email
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn roles(&self) -> &Roles {
        &self.roles
    }
    pub fn from(&self) -> &str {
        &self.from
    }

    /// Whether the person may act on something of `email`'s (a session, a key) that belongs
    /// to organisation `org_id`: their own, or, as a 管理员, a member's of their organisation;
    /// otherwise forbidden with `refusal`.
    pub fn may_act_for(
        &self,
        email: &str,
        org_id: &openday_rules::org::Id,
        refusal: &str,
    ) -> Result<(), AppError> {
        if email == self.email {
            return Ok(());
        }
        self.require(StaffRole::Admin)?;
        if *org_id != self.org.id {
            return Err(AppError::forbidden(refusal));
        }
        Ok(())
    }

    /// Forbidden unless the person holds `role`.
    pub fn require(&self, role: StaffRole) -> Result<(), AppError> {
        self.roles.require(role).map_err(AppError::Forbidden)
    }

    /// How the pages name the person: 张三（a@b）.
    pub fn label(&self) -> String {
        format!("{}（{}）", self.name, self.email)
    }
}
