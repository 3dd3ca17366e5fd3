//! Text messages a gateway took, kept so that its delivery receipt can say what became of
//! each ([`Logged`]), and the receipts themselves ([`receipts`]): Alibaba Cloud's SmsReport
//! push and Tencent Cloud's status callback.

use std::sync::Arc;

use openday_rules::phone::Phone;
use openday_sms::{Sent, SmsSender, Text};
use openday_store::messages::{SmsMessageRecord, SmsStatus};
use serde_json::Value;

use crate::error::AppError;
use crate::services::{Services, Store};

/// A gateway whose accepted messages (those it gives an id) are recorded in the store.
/// Recording never fails a send: the message went; a lost record only loses its receipt.
pub struct Logged<S> {
    store: S,
    inner: Arc<dyn SmsSender>,
}

/// `inner`, recording what it sends in `store`.
pub fn logged<S: Store + Clone + Send + Sync + 'static>(
    store: S,
    inner: Arc<dyn SmsSender>,
) -> Arc<dyn SmsSender> {
    Arc::new(Logged { store, inner })
}

impl<S: Store + Send + Sync> SmsSender for Logged<S> {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> Sent<'a> {
        Box::pin(async move {
            let accepted = self.inner.send(to, text).await?;
            if let Some(id) = &accepted.id {
                let record = SmsMessageRecord {
                    provider: self.inner.provider().to_owned(),
                    id: id.clone(),
                    kind: text.kind().wire().to_owned(),
                    phone_masked: to.masked(),
                    sent_at: chrono::Utc::now(),
                    status: SmsStatus::Sent,
                    detail: None,
                    status_at: None,
                };
                if let Err(e) = self.store.put_sms_message(&record).await {
                    tracing::warn!(provider = %record.provider, id = %record.id, error = %e, "a sent text not recorded: its receipt will find nothing");
                }
            }
            Ok(accepted)
        })
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn provider(&self) -> &'static str {
        self.inner.provider()
    }
}

/// What a push of receipts did.
#[derive(Debug, PartialEq)]
pub struct ReceiptsTaken {
    /// The answer the vendor expects.
    pub acknowledgement: Value,
    /// Receipts of messages recorded here, and of ids not known (sent before recording
    /// began, or by another platform on the same account).
    pub matched: usize,
    pub unknown: usize,
}

/// Records each receipt of a push from `provider` on its message.
pub async fn receipts<S: Store>(
    app: &Services<S>,
    provider: &str,
    body: &[u8],
) -> Result<ReceiptsTaken, AppError> {
    let acknowledgement = openday_sms::receipts::acknowledgement(provider)
        .ok_or(AppError::NotFound("没有该短信平台"))?;
    let receipts = openday_sms::receipts::parse(provider, body)
        .map_err(|e| AppError::invalid("body", format!("回执格式不正确：{e}")))?;
    let (mut matched, mut unknown) = (0, 0);
    for receipt in receipts {
        let Some(mut message) = app.store.sms_message(provider, &receipt.id).await? else {
            unknown += 1;
            continue;
        };
        message.status = if receipt.delivered {
            SmsStatus::Delivered
        } else {
            SmsStatus::Failed
        };
        message.detail = Some(receipt.detail);
        message.status_at = Some(app.now());
        app.store.put_sms_message(&message).await?;
        if message.status == SmsStatus::Failed {
            tracing::warn!(provider, id = %message.id, kind = %message.kind, phone = %message.phone_masked, detail = ?message.detail, "a text was not delivered");
        }
        matched += 1;
    }
    tracing::info!(provider, matched, unknown, "delivery receipts taken");
    Ok(ReceiptsTaken {
        acknowledgement,
        matched,
        unknown,
    })
}

/// A message as recorded, with what its receipt said.
pub async fn message<S: Store>(
    app: &Services<S>,
    provider: &str,
    id: &str,
) -> Result<Option<SmsMessageRecord>, AppError> {
    Ok(app.store.sms_message(provider, id).await?)
}
