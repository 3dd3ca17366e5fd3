//! The `public` Lambda: the `public` router of openday-api behind API Gateway. It sends
//! text messages, never mail, so it does not link the SES client.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    openday_lambda::serve::<openday_lambda::NoMail>(openday_api::public::router).await
}
