//! Text-message codes that prove a phone: sent on request (within the per-phone limits),
//! and checked by every public write that carries one.

use std::net::IpAddr;

use openday_rules::phone::Phone;
use openday_rules::verification;
use openday_rules::{Code, Violation};
use openday_sms::{SmsError, Text};

use crate::commands::PhoneProof;
use crate::error::AppError;
use crate::limits::code_allowed;
use crate::services::{Services, Store, six_digits};
use crate::views::SmsCodeSent;

/// Sends a 6-digit code to a mobile phone: at most one a minute and ten a day per phone,
/// within the limits of the address it was asked `from` and of the platform's budget
/// (see [`crate::limits`]). Every path that sends a code comes here.
pub async fn send_code<S: Store>(
    app: &Services<S>,
    phone: Option<&str>,
    from: IpAddr,
) -> Result<SmsCodeSent, AppError> {
    let sent = send_code_counted(app, phone, from).await;
    match &sent {
        Ok(_) => app.metrics.code_sent(),
        Err(e) => app.metrics.code_refused(&e.said().code),
    }
    sent
}

async fn send_code_counted<S: Store>(
    app: &Services<S>,
    phone: Option<&str>,
    from: IpAddr,
) -> Result<SmsCodeSent, AppError> {
    let (phone, phone_hash) = limited_mobile(app, phone)?;
    code_allowed(app, from).await?;
    let key = &app.settings.person_key;
    let code = six_digits()?;
    app.store
        .issue_sms_code(&phone_hash, &key.sms_code_hash(&phone, &code), app.now())
        .await?;
    if let Err(e) = app.sms.send(&phone, &Text::Code { code }).await {
        // Not sent: take it back so the person may ask again at once.
        tracing::error!(phone = %phone.masked(), error = %e, "verification code not sent");
        app.store.withdraw_sms_code(&phone_hash).await?;
        return Err(match e {
            SmsError::Unavailable(why) => AppError::Unavailable(format!("sms: {why}")),
            // The gateway's own limit for this number (or its refusal of it): asking again
            // at once would be refused again.
            SmsError::Refused { code, .. } => Violation::new(
                Code::SmsRefused,
                format!("短信平台拒绝向该号码发送验证码（{code}）。请核对手机号码；如该号码今天已收到多条验证码，请明天再试"),
            )
            .at("phone")
            .into(),
        });
    }
    tracing::info!(phone = %phone.masked(), "verification code sent");
    Ok(SmsCodeSent {
        phone: phone.masked(),
        valid_seconds: verification::CODE_VALID_SECONDS,
        resend_after_seconds: verification::RESEND_AFTER_SECONDS,
    })
}

/// The mobile phone of a public write and its keyed hash, within the per-phone rate limit.
fn limited_mobile<S>(app: &Services<S>, phone: Option<&str>) -> Result<(Phone, String), AppError> {
    let phone = verification::mobile("phone", phone)?;
    let phone_hash = app.settings.person_key.phone_hash(&phone);
    app.phones.check(&phone_hash)?;
    Ok((phone, phone_hash))
}

/// What a public write claims: the phone's keyed hash and the keyed hash of the code given.
pub(crate) struct Claim {
    pub phone_hash: String,
    pub code_hash: String,
}

pub(crate) fn claim<S>(app: &Services<S>, proof: &PhoneProof) -> Result<Claim, AppError> {
    let (phone, phone_hash) = limited_mobile(app, proof.phone.as_deref())?;
    let code = verification::code("sms_code", proof.sms_code.as_deref())?;
    let code_hash = app.settings.person_key.sms_code_hash(&phone, &code);
    Ok(Claim {
        phone_hash,
        code_hash,
    })
}

/// The phone (keyed hash) of a public write, checked against the code last sent to it.
pub(crate) async fn verified_phone<S: Store>(
    app: &Services<S>,
    proof: &PhoneProof,
) -> Result<String, AppError> {
    let Claim {
        phone_hash,
        code_hash,
    } = claim(app, proof)?;
    if !app
        .store
        .check_sms_code(&phone_hash, &code_hash, app.now())
        .await?
    {
        return Err(verification::invalid_code("sms_code").into());
    }
    Ok(phone_hash)
}

/// The keyed hash of a phone given to look something up, within the per-phone limit (so
/// that guessing codes for a phone is slowed down like any other write by that phone).
pub(crate) fn looked_up_phone<S>(app: &Services<S>, raw: Option<&str>) -> Result<String, AppError> {
    let phone = Phone::parse("phone", raw.unwrap_or(""))?;
    let phone_hash = app.settings.person_key.phone_hash(&phone);
    app.phones.check(&phone_hash)?;
    Ok(phone_hash)
}
