//! The baseline of the `public` function: an HTTP Lambda that builds a DynamoDB and an SNS
//! client and answers "hello".

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let sns = aws_sdk_sns::Client::new(&aws);
    lambda_http::run(lambda_http::service_fn(
        move |_req: lambda_http::Request| {
            let _clients = (dynamodb.clone(), sns.clone());
            async move { Ok::<_, lambda_http::Error>("hello") }
        },
    ))
    .await
}
