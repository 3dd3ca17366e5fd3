//! The `report` sweep: an EventBridge schedule at 09:00 Asia/Shanghai runs it daily.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    openday_lambda::sweep(openday_rules::sweep::SweepKind::Report).await
}
