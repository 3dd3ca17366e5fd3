//! Serves a file-backed embedded DynamoDB on a loopback address until killed.
//! Used by the durability test (kill -9 and restart); `openday serve` embeds the same engine.
//!
//! Usage: openday-local-dynamo FILE ADDR

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(addr)) = (args.next(), args.next()) else {
        return Err("usage: openday-local-dynamo FILE ADDR".into());
    };
    let addr = addr.parse().map_err(|e| format!("{addr}: {e}"))?;
    let dynamo = openday_local_dynamo::LocalDynamo::open(std::path::Path::new(&file), addr).await?;
    println!("listening {}", dynamo.endpoint());
    std::future::pending::<()>().await;
    Ok(())
}
