//! The `reports` Lambda: the `reports` router of openday-api behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    openday_lambda::serve::<openday_lambda::SendsMail>(openday_api::reports::router).await
}
