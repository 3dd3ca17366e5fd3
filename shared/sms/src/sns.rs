//! Amazon SNS `Publish` to a phone number.

use aws_sdk_sns::error::SdkError;
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;
use openday_rules::phone::Phone;

use crate::{Accepted, Sent, SmsError, SmsSender, Text, e164, not_a_mobile};

/// Amazon SNS `Publish` to a phone number, as a transactional message.
pub struct SnsSms {
    client: aws_sdk_sns::Client,
    /// The sender ID shown where carriers support one (`OPENDAY_SMS_SENDER_ID`).
    sender_id: Option<String>,
}

impl SnsSms {
    pub fn new(client: aws_sdk_sns::Client, sender_id: Option<String>) -> Self {
        Self { client, sender_id }
    }
}

fn string_attribute(value: &str) -> Result<MessageAttributeValue, SmsError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| SmsError::Unavailable(e.to_string()))
}

impl SmsSender for SnsSms {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> Sent<'a> {
        Box::pin(async move {
            let number = e164(to).ok_or_else(not_a_mobile)?;
            let mut publish = self
                .client
                .publish()
                .phone_number(number)
                .message(text.body())
                .message_attributes("AWS.SNS.SMS.SMSType", string_attribute("Transactional")?);
            if let Some(id) = &self.sender_id {
                publish = publish.message_attributes("AWS.SNS.SMS.SenderID", string_attribute(id)?);
            }
            publish
                .send()
                .await
                .map(|out| Accepted {
                    id: out.message_id().map(str::to_owned),
                })
                .map_err(refusal_or_outage)
        })
    }

    fn provider(&self) -> &'static str {
        "sns"
    }

    fn describe(&self) -> String {
        "Amazon SNS".into()
    }
}

/// SNS's own refusals (a bad number, an opted-out one, the account's limits) against
/// everything else (network, throttling, SNS failing).
fn refusal_or_outage(e: SdkError<PublishError>) -> SmsError {
    let text = aws_sdk_sns::error::DisplayErrorContext(&e).to_string();
    match e.as_service_error() {
        Some(
            refused @ (PublishError::InvalidParameterException(_)
            | PublishError::InvalidParameterValueException(_)
            | PublishError::AuthorizationErrorException(_)),
        ) => SmsError::Refused {
            code: aws_sdk_sns::error::ProvideErrorMetadata::code(refused)
                .unwrap_or("Refused")
                .to_owned(),
            message: text,
        },
        _ => SmsError::Unavailable(text),
    }
}
