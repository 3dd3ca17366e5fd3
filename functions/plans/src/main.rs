//! The `plans` Lambda: the `plans` router of openday-api behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    openday_lambda::serve::<openday_lambda::SendsMail>(openday_api::plans::router).await
}
