//! The `public` Lambda: the `public` router of openday-api behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    openday_lambda::serve(openday_api::public::router).await
}
