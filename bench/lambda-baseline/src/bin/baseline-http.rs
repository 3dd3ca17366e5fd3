//! The baseline of the `plans`, `feedback` and `reports` functions: an HTTP Lambda that
//! builds a DynamoDB, an SES v2 and an SNS client and answers "hello".

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let ses = aws_sdk_sesv2::Client::new(&aws);
    let sns = aws_sdk_sns::Client::new(&aws);
    lambda_http::run(lambda_http::service_fn(
        move |_req: lambda_http::Request| {
            let _clients = (dynamodb.clone(), ses.clone(), sns.clone());
            async move { Ok::<_, lambda_http::Error>("hello") }
        },
    ))
    .await
}
