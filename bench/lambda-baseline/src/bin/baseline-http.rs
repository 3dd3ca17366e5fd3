//! The baseline of the `plans`, `feedback` and `reports` functions: an HTTP Lambda with a
//! DynamoDB, an SES v2 and an SNS client that reads one item and answers "hello" (`/send`
//! also mails and texts).

use openday_lambda_baseline::{mail, read, text};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let ses = aws_sdk_sesv2::Client::new(&aws);
    let sns = aws_sdk_sns::Client::new(&aws);
    lambda_http::run(lambda_http::service_fn(move |req: lambda_http::Request| {
        let (dynamodb, ses, sns) = (dynamodb.clone(), ses.clone(), sns.clone());
        async move {
            if req.uri().path() == "/send" {
                mail(&ses).await?;
                text(&sns).await?;
            }
            Ok::<_, lambda_http::Error>(read(&dynamodb).await)
        }
    }))
    .await
}
