//! The baseline of the sweep functions: an event Lambda that builds a DynamoDB, an SES v2
//! and an SNS client and answers the event back.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let ses = aws_sdk_sesv2::Client::new(&aws);
    let sns = aws_sdk_sns::Client::new(&aws);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let _clients = (dynamodb.clone(), ses.clone(), sns.clone());
            async move { Ok::<_, lambda_runtime::Error>(event.payload) }
        },
    ))
    .await
}
