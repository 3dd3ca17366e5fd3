//! A file-backed local database keeps every acknowledged write across a restart and across
//! `kill -9` of the process that serves it.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use openday_local_dynamo::{client_for, free_port};

/// Starts the engine on `file` in a child process and waits until it listens.
fn serve(file: &Path) -> (Child, Client) {
    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let mut child = Command::new(env!("CARGO_BIN_EXE_openday-local-dynamo"))
        .args([file.to_str().unwrap(), &addr])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening http://"), "{line}");
    (
        child,
        client_for(line.trim().trim_start_matches("listening ")),
    )
}

async fn create_table(client: &Client) {
    client
        .create_table()
        .table_name("durability")
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Writes items `item-<i>`, each acknowledged before the next.
async fn put_items(client: &Client, range: std::ops::Range<u32>) {
    for i in range {
        client
            .put_item()
            .table_name("durability")
            .item("pk", AttributeValue::S(format!("item-{i}")))
            .send()
            .await
            .unwrap();
    }
}

async fn count(client: &Client) -> usize {
    let mut n = 0;
    for i in 0..300 {
        let got = client
            .get_item()
            .table_name("durability")
            .key("pk", AttributeValue::S(format!("item-{i}")))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        n += usize::from(got.item.is_some());
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_restart_and_kill_9() {
    let dir = std::env::temp_dir().join(format!("openday-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("openday.db");

    let (mut first, client) = serve(&file);
    create_table(&client).await;
    put_items(&client, 0..150).await;
    // kill -9: no shutdown, no checkpoint.
    first.kill().unwrap();
    first.wait().unwrap();

    let (mut second, client) = serve(&file);
    assert_eq!(
        count(&client).await,
        150,
        "writes acknowledged before kill -9"
    );
    put_items(&client, 150..300).await;
    second.kill().unwrap();
    second.wait().unwrap();

    let (mut third, client) = serve(&file);
    assert_eq!(
        count(&client).await,
        300,
        "writes acknowledged before the second kill -9"
    );
    third.kill().unwrap();
    third.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_process_engine_reopens_its_file_after_a_clean_stop() {
    let dir = std::env::temp_dir().join(format!("openday-reopen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("openday.db");
    let addr = "127.0.0.1:0".parse().unwrap();
    let engine = openday_local_dynamo::LocalDynamo::open(&file, addr)
        .await
        .unwrap();
    let client = engine.client();
    create_table(&client).await;
    put_items(&client, 0..300).await;
    engine.stop().await;
    let engine = openday_local_dynamo::LocalDynamo::open(&file, addr)
        .await
        .unwrap();
    assert_eq!(count(&engine.client()).await, 300);
    engine.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
