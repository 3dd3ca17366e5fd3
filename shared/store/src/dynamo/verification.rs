//! Text-message codes: issued with limits, checked, burned.

use chrono::{DateTime, Utc};
use openday_rules::verification;

use super::DynamoStore;
use super::codec::{n, num, s, text};
use crate::error::{StoreError, StoreResult};
use crate::keys;
use crate::ports::VerificationStore;

impl VerificationStore for DynamoStore {
    async fn issue_sms_code(
        &self,
        phone_hash: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let key = keys::sms_code(phone_hash);
        let t = now.timestamp();
        let today = verification::day_of(now).to_string();
        let common = [
            (":hash", s(code_hash)),
            (":valid", n(t + verification::CODE_VALID_SECONDS)),
            (":zero", n(0)),
            (":one", n(1)),
            (":now", n(t)),
            (":today", s(today.as_str())),
            (":ttl", n(t + 2 * 86_400)),
            (":cooldown", n(t - verification::RESEND_AFTER_SECONDS)),
            (":daily", n(verification::MAX_SENDS_PER_DAY)),
        ];
        const SET: &str = "SET #code_hash = :hash, #valid_until = :valid, #tries = :zero, \
                           #last_sent = :now, #expires_at = :ttl";
        // Another code today: at most one a minute and ten a day.
        let same_day = self
            .update(
                key.clone(),
                &format!("{SET}, #sent_today = #sent_today + :one"),
                "#day = :today AND #last_sent <= :cooldown AND #sent_today < :daily",
                &common,
            )
            .await?;
        let old = match same_day {
            Ok(()) => return Ok(()),
            Err(old) => old,
        };
        // The first code of the day (or ever) starts the day's count.
        if old
            .as_ref()
            .is_none_or(|o| text(o, "day").is_ok_and(|d| d != today))
        {
            let first = self
                .update(
                    key,
                    &format!("{SET}, #sent_today = :one, #day = :today"),
                    "attribute_not_exists(#pk) OR #day <> :today",
                    &common,
                )
                .await?;
            if first.is_ok() {
                return Ok(());
            }
            // Another request of the same phone won the first code of the day.
            return Err(StoreError::Limited {
                retry_after: verification::RESEND_AFTER_SECONDS as u64,
            });
        }
        let old = old.unwrap_or_default();
        let sent: u32 = num(&old, "sent_today").unwrap_or(0);
        let retry_after = if sent >= verification::MAX_SENDS_PER_DAY {
            verification::seconds_until_tomorrow(now)
        } else {
            num::<i64>(&old, "last_sent").unwrap_or(t) + verification::RESEND_AFTER_SECONDS - t
        };
        Err(StoreError::Limited {
            retry_after: retry_after.max(1) as u64,
        })
    }

    async fn withdraw_sms_code(&self, phone_hash: &str) -> StoreResult<()> {
        let _ = self
            .update(
                keys::sms_code(phone_hash),
                "SET #last_sent = :zero, #sent_today = #sent_today - :one REMOVE #code_hash",
                "#sent_today > :zero",
                &[(":zero", n(0)), (":one", n(1))],
            )
            .await?;
        Ok(())
    }

    async fn check_sms_code(
        &self,
        phone_hash: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // A wrong guess is counted in the write that compares it, under the cap: of any
        // number of simultaneous guesses, five at most are ever compared as wrong.
        let wrong = self
            .update(
                keys::sms_code(phone_hash),
                "SET #tries = #tries + :one",
                "attribute_exists(#code_hash) AND #code_hash <> :guess \
                 AND #valid_until >= :now AND #tries < :max",
                &[
                    (":one", n(1)),
                    (":guess", s(code_hash)),
                    (":now", n(now.timestamp())),
                    (":max", n(verification::MAX_WRONG_TRIES)),
                ],
            )
            .await?;
        // Not counted: the code as it was at that instant says whether the guess was right
        // (and still live), or the code was missing, expired or used up.
        Ok(match wrong {
            Ok(()) | Err(None) => false,
            Err(Some(item)) => {
                text(&item, "code_hash").is_ok_and(|stored| stored == code_hash)
                    && num::<i64>(&item, "valid_until").is_ok_and(|v| v >= now.timestamp())
                    && num::<u32>(&item, "tries").is_ok_and(|t| t < verification::MAX_WRONG_TRIES)
            }
        })
    }
}
