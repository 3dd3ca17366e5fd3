//! The baselines of the Lambdas' size and start-up: functions that build the same AWS SDK
//! clients as ours and call one operation through each, and do nothing else.
//!
//! One call per client, because a client built and never called is dead code to the
//! linker: the request pipeline every operation shares (endpoint resolution, signing,
//! retries, the HTTPS client, the error and response parsing) would be left out, and the
//! baseline would measure a function that cannot do I/O. A function that calls more
//! operations pays for each one's own (de)serialiser; that is counted as ours.

use aws_sdk_dynamodb::types::AttributeValue;

/// The table the bench's engine holds (`OPENDAY_TABLE`, default `openday`).
fn table() -> String {
    std::env::var("OPENDAY_TABLE").unwrap_or_else(|_| "openday".into())
}

/// One item read: what every request of ours does at least once.
pub async fn read(dynamodb: &aws_sdk_dynamodb::Client) -> String {
    let key = || AttributeValue::S("baseline".into());
    match dynamodb
        .get_item()
        .table_name(table())
        .key("pk", key())
        .key("sk", key())
        .send()
        .await
    {
        Ok(out) if out.item.is_some() => "hello, found".into(),
        Ok(_) => "hello".into(),
        Err(e) => format!("hello, {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)),
    }
}

/// One text message, sent only when the request asks (`/send`, or `"send": true`), so a
/// start-up measurement calls no endpoint but DynamoDB.
pub async fn text(sns: &aws_sdk_sns::Client) -> Result<(), String> {
    sns.publish()
        .phone_number("+8613800138000")
        .message("hello")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws_sdk_sns::error::DisplayErrorContext(e).to_string())
}

/// One mail, sent only when the request asks, as [`text`].
pub async fn mail(ses: &aws_sdk_sesv2::Client) -> Result<(), String> {
    use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
    let hello = Content::builder()
        .data("hello")
        .build()
        .map_err(|e| e.to_string())?;
    ses.send_email()
        .from_email_address("baseline@example.cn")
        .destination(
            Destination::builder()
                .to_addresses("hello@example.cn")
                .build(),
        )
        .content(
            EmailContent::builder()
                .simple(
                    Message::builder()
                        .subject(hello.clone())
                        .body(Body::builder().text(hello).build())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws_sdk_sesv2::error::DisplayErrorContext(e).to_string())
}
