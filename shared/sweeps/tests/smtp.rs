//! Mail over SMTP, to a real SMTP server (aiosmtpd, `infra/tools/smtp-server`) that the test
//! starts on loopback: STARTTLS with a private CA and a password, or implicit TLS. What
//! arrives is parsed and compared; a server that refuses or hangs leaves the mail queued,
//! and it goes out exactly once when the server is back. (The store runs on the embedded
//! engine.)

#![allow(clippy::unwrap_used)] // tests fail loudly

mod common;

use std::sync::Arc;
use std::time::Duration;

use openday_mail::smtp::Security;
use openday_mail::{Mailer, Message, SmtpConfig, SmtpMailer};
use openday_rules::sweep::SweepKind;
use openday_store::ports::Outbox;
use openday_sweeps::Sweeper;
use openday_testkit::smtp::SmtpServer;

use common::*;

const SENDER: &str = "openday@gx.example.org";

fn config(server: &SmtpServer, security: Security, timeout: Duration) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: server.port,
        security,
        credentials: None,
        from: SENDER.into(),
        ca_file: Some(server.ca_file()),
        timeout,
    }
}

fn with_mailer(w: &mut World, mailer: Arc<dyn Mailer>) {
    w.sweeper = Sweeper::new(
        w.store.clone(),
        mailer,
        w.sweeper.sms.clone(),
        common::person_key(),
        "http://openday.test",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_over_starttls_survives_a_refusing_and_a_hanging_server_and_arrives_once() {
    let server = SmtpServer::start("starttls", Some("openday:s3cret-口令")).unwrap();
    let mut good = config(&server, Security::StartTls, Duration::from_secs(10));
    good.credentials = Some(("openday".into(), "s3cret-口令".into()));
    let mut w = World::new().await;
    w.import().await;

    // The server refuses every message (451): nothing is lost.
    server.refuse(true);
    with_mailer(&mut w, Arc::new(SmtpMailer::new(&good).unwrap()));
    let first = w.run(SweepKind::Report, "2026-11-16").await;
    assert_eq!(
        first.queued.len(),
        14,
        "7 late reporters, and the regional office for each"
    );
    assert_eq!((first.sent.len(), first.failed.len()), (0, 14));
    assert!(first.failed[0].1.contains("451"), "{}", first.failed[0].1);
    assert_eq!(w.store.pending(100).await.unwrap().len(), 14);

    // A server that accepts the connection and never answers: each send gives up after its
    // timeout, and the mail stays queued.
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut stuck = good.clone();
    stuck.port = hanging.local_addr().unwrap().port();
    stuck.timeout = Duration::from_millis(300);
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = hanging.accept().await {
            open.push(socket);
        }
    });
    with_mailer(&mut w, Arc::new(SmtpMailer::new(&stuck).unwrap()));
    let second = w
        .run_at(SweepKind::Report, "2026-11-16T09:30:00+08:00")
        .await;
    assert_eq!((second.sent.len(), second.failed.len()), (0, 14));
    assert!(
        second.failed[0].1.to_lowercase().contains("timed out")
            || second.failed[0].1.contains("timeout"),
        "{}",
        second.failed[0].1
    );
    held.abort();
    assert_eq!(w.store.pending(100).await.unwrap().len(), 14);
    assert!(server.received().is_empty());

    // The server is back: every message goes out once, and never again.
    server.refuse(false);
    with_mailer(&mut w, Arc::new(SmtpMailer::new(&good).unwrap()));
    let third = w
        .run_at(SweepKind::Report, "2026-11-16T10:00:00+08:00")
        .await;
    assert_eq!(
        (third.queued.len(), third.sent.len(), third.failed.len()),
        (0, 14, 0)
    );
    let fourth = w.run(SweepKind::Report, "2026-11-17").await;
    assert!(fourth.sent.is_empty() && fourth.queued.is_empty());
    assert!(w.store.pending(100).await.unwrap().is_empty());

    let received = server.received();
    assert_eq!(received.len(), 14, "each message exactly once");
    let ids: std::collections::BTreeSet<String> = received
        .iter()
        .map(|r| {
            let m = mail_parser::MessageParser::default().parse(&r.raw).unwrap();
            m.message_id().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 14, "one Message-ID each");
    assert!(
        ids.iter().all(|id| id.ends_with("@gx.example.org")),
        "{ids:?}"
    );

    // The one to Nanning's government, compared as it arrived.
    let nanning = received
        .iter()
        .find(|r| r.envelope["rcpt_tos"] == serde_json::json!(["zhengfu@nn.example.org"]))
        .expect("the mail to 南宁市人民政府");
    assert_eq!(nanning.envelope["mail_from"], SENDER);
    assert_eq!(
        nanning.envelope["tls"], true,
        "STARTTLS before anything was sent"
    );
    assert_eq!(nanning.envelope["login"], "openday");
    let head = String::from_utf8_lossy(
        &nanning.raw[..nanning
            .raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap()],
    )
    .into_owned();
    assert!(
        head.is_ascii(),
        "headers are 7-bit, the subject RFC 2047 encoded: {head}"
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&nanning.raw)
        .unwrap();
    assert_eq!(
        parsed.subject(),
        Some("【逾期】南宁市人民政府未按时报送2026年“政府开放日”开展情况")
    );
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("“政府开放日”平台"), Some(SENDER))
    );
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("zhengfu@nn.example.org")
    );
    assert!(parsed.body_text(0).unwrap().contains("南宁市人民政府"));
    assert!(parsed.body_html(0).is_some(), "an HTML alternative");
}

fn message<'a>(to: &'a [String]) -> Message<'a> {
    Message {
        key: "SIGNIN#test-1",
        to,
        subject: "登录“政府开放日”工作平台",
        text: "您的登录验证码为 123456。",
        html: "<p>您的登录验证码为 <b>123456</b>。</p>",
        at: at("2026-09-01T09:00:00+08:00"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_delivers_and_an_untrusted_certificate_is_refused() {
    let server = SmtpServer::start("tls", None).unwrap();
    let to = vec!["jt@nn.example.org".to_owned()];
    let tls = config(&server, Security::Tls, Duration::from_secs(10));
    SmtpMailer::new(&tls)
        .unwrap()
        .send(&message(&to))
        .await
        .unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].envelope["tls"], true);
    let parsed = mail_parser::MessageParser::default()
        .parse(&received[0].raw)
        .unwrap();
    assert_eq!(parsed.subject(), Some("登录“政府开放日”工作平台"));
    assert_eq!(parsed.message_id(), Some("SIGNIN.test-1@gx.example.org"));

    // Without the private CA the server's certificate is not trusted: nothing is sent.
    let mut untrusted = tls.clone();
    untrusted.ca_file = None;
    let e = SmtpMailer::new(&untrusted)
        .unwrap()
        .send(&message(&to))
        .await
        .unwrap_err();
    assert!(
        e.to_lowercase().contains("certificate") || e.contains("UnknownIssuer"),
        "{e}"
    );
    assert_eq!(server.received().len(), 1);
}
