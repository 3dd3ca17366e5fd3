//! The baseline of the sweep functions: an event Lambda with a DynamoDB, an SES v2 and an
//! SNS client that reads one item and answers with it (`"send": true` also mails and texts).

use openday_lambda_baseline::{mail, read, text};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let ses = aws_sdk_sesv2::Client::new(&aws);
    let sns = aws_sdk_sns::Client::new(&aws);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let (dynamodb, ses, sns) = (dynamodb.clone(), ses.clone(), sns.clone());
            async move {
                if event.payload["send"] == true {
                    mail(&ses).await?;
                    text(&sns).await?;
                }
                Ok::<_, lambda_runtime::Error>(serde_json::json!({"said": read(&dynamodb).await}))
            }
        },
    ))
    .await
}
