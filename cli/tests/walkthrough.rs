//! What a newcomer does first, run as they would: `openday serve --demo` on today's date
//! (a living season, whatever the date), and the README's curl walk-through, taken from the
//! README's own text and run command by command against a fresh server, each answer checked
//! against the `# →` line under it. Only the server's address and data folder and the way
//! the `openday` binary is called are replaced, so the text cannot drift from what works.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use openday_local_dynamo::free_port;
use serde_json::Value;

/// A running `openday serve`, killed when dropped, with its data folder.
struct Server {
    child: Child,
    base: String,
    data: PathBuf,
    printed: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `openday serve --demo` on a fresh folder, with `env`; waits for "listening" and keeps
/// what it printed before. A port taken between choosing and binding it (tests run side
/// by side) is chosen again.
fn serve_demo(env: &[(&str, &str)]) -> Server {
    for _ in 0..5 {
        match try_serve_demo(env) {
            Ok(server) => return server,
            Err(e) if e.contains("Address already in use") => continue,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("no free port in five tries");
}

fn try_serve_demo(env: &[(&str, &str)]) -> Result<Server, String> {
    let data = openday_testkit::temp_dir("walkthrough");
    let port = free_port().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_openday"));
    cmd.args([
        "serve",
        "--demo",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--data",
    ])
    .arg(&data)
    .env_remove("OPENDAY_NOW")
    .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
    .env_remove("OPENDAY_TABLE")
    .env_remove("OPENDAY_SMS")
    .env_remove("OPENDAY_MAIL")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut printed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.starts_with("openday listening on") => break,
            Ok(line) => printed.push(line),
            Err(_) => {
                if let Ok(Some(status)) = child.try_wait() {
                    let mut err = String::new();
                    let _ = stderr.read_to_string(&mut err);
                    let _ = std::fs::remove_dir_all(&data);
                    return Err(format!(
                        "openday serve exited ({status}): {printed:#?}\n{err}"
                    ));
                }
                assert!(Instant::now() < deadline, "not listening: {printed:#?}");
            }
        }
    }
    // Its logs are not read: drain them so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    Ok(Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        data,
        printed,
    })
}

/// `serve --demo` with the real date: the season is there, whatever today is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_a_living_season_on_any_day() {
    let server = serve_demo(&[]);
    let printed = server.printed.join("\n");
    let today = openday_rules::local_day(&chrono::Utc::now());
    let season = openday_rules::Programme::shipped().open_season();
    let day = openday_app::demo::demo_day(today, season);
    if day == today {
        assert!(!printed.contains("演示时钟"), "{printed}");
    } else {
        assert!(printed.contains(&format!("演示时钟：{day}")), "{printed}");
    }
    assert!(
        printed.contains("已生成演示数据：6 个实施方案"),
        "{printed}"
    );
    let year = chrono::Datelike::year(&day);
    let http = reqwest::Client::new();

    // Open days on `/`, some of them open for registration.
    let home = http
        .get(&server.base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for event in [
        "柳州市生态环境局“政府开放日”",
        "青秀区水利局“政府开放日”",
        "南宁市交通运输局“政府开放日”",
    ] {
        assert!(home.contains(event), "{event} on /: {home}");
    }
    let list: Value = http
        .get(format!("{}/api/announcements?year={year}", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let announced = list["announcements"].as_array().unwrap();
    assert_eq!(announced.len(), 4, "{list:#}");
    let day_text = day.to_string();
    let open = announced
        .iter()
        .filter(|a| a["registration_deadline"].as_str().unwrap() >= day_text.as_str())
        .count();
    assert_eq!(open, 2, "two open for registration: {list:#}");

    // A held event with its published response and the questionnaire's results.
    let held = announced
        .iter()
        .find(|a| a["name"] == "南宁市交通运输局“政府开放日”")
        .unwrap();
    let response = http
        .get(format!(
            "{}/open-days/{}/response",
            server.base,
            held["plan_id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        response.contains("已纳入下一阶段公交线网优化方案"),
        "{response}"
    );
    assert!(
        response.contains("问卷调查结果") && response.contains("共收回有效问卷12份"),
        "{response}"
    );
    let statistics = http
        .get(format!("{}/api/statistics?year={year}", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        statistics.contains("\"held\":2") || statistics.contains("\"held\": 2"),
        "{statistics}"
    );

    // A token made in another terminal, without OPENDAY_NOW: the compliance dashboard's
    // findings, on the server's (demo) clock.
    let token = Command::new(env!("CARGO_BIN_EXE_openday"))
        .args(["token", "nn-office", "--data"])
        .arg(&server.data)
        .env_remove("OPENDAY_NOW")
        .output()
        .unwrap();
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    let compliance: Value = http
        .get(format!("{}/api/compliance?year={year}", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let findings = compliance.to_string();
    assert!(
        findings.contains("nn-water") && findings.contains("nn-sj"),
        "{compliance:#}"
    );
}

/// One command of the walk-through and what the README says it prints.
#[derive(Debug)]
struct Step {
    command: String,
    expected: Vec<String>,
}

/// The ```sh blocks of the README's walk-through section.
fn walkthrough_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("\n## A walk through the main flow with curl")
        .nth(1)
        .expect("the walk-through section")
        .split("\n## ")
        .next()
        .unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("\n```").next().unwrap().to_owned())
        .collect()
}

/// The commands of a block (continued lines joined), each with its `# →` lines.
fn steps(block: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut open: Option<String> = None;
    for line in block.lines() {
        if let Some(partial) = open.as_mut() {
            partial.push('\n');
            partial.push_str(line);
            if !line.ends_with('\\') && !unbalanced(partial) {
                steps.push(Step {
                    command: open.take().unwrap(),
                    expected: Vec::new(),
                });
            }
            continue;
        }
        let trimmed = line.trim();
        if let Some(expected) = trimmed.strip_prefix("# →") {
            steps
                .last_mut()
                .expect("a command before its answer")
                .expected
                .push(expected.trim().to_owned());
        } else if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        } else if line.ends_with('\\') || unbalanced(line) {
            open = Some(line.to_owned());
        } else {
            steps.push(Step {
                command: line.to_owned(),
                expected: Vec::new(),
            });
        }
    }
    steps
}

/// An open single quote: the command goes on (a JSON body over several lines).
fn unbalanced(text: &str) -> bool {
    text.matches('\'').count() % 2 == 1
}

/// Whether `output` is what `expected` shows: its literal pieces in order, `<…>` any value
/// and `…` anything.
fn matches(expected: &str, output: &str) -> bool {
    let mut pieces = Vec::new();
    let mut rest = expected;
    while !rest.is_empty() {
        let next = [rest.find('<'), rest.find('…')].into_iter().flatten().min();
        match next {
            Some(i) => {
                pieces.push(&rest[..i]);
                rest = &rest[i..];
                rest = if rest.starts_with('…') {
                    &rest['…'.len_utf8()..]
                } else {
                    rest.find('>').map_or("", |j| &rest[j + 1..])
                };
            }
            None => {
                pieces.push(rest);
                rest = "";
            }
        }
    }
    let mut at = 0;
    for piece in pieces.iter().filter(|p| !p.is_empty()) {
        match output[at..].find(piece) {
            Some(i) => at += i + piece.len(),
            None => return false,
        }
    }
    true
}

#[test]
fn the_answer_patterns_match_values_and_the_rest() {
    assert!(matches(
        r#"{"id":"<PLAN>","status":"filed",…}"#,
        r#"{"id":"ab12","status":"filed","version":2}"#
    ));
    assert!(!matches(
        r#"{"id":"<PLAN>","status":"filed",…}"#,
        r#"{"id":"ab12","status":"submitted"}"#
    ));
    assert!(matches(
        "短信  138****8000  【政府开放日】您的验证码为<CODE6>，10分钟内有效。…",
        "短信  138****8000  【政府开放日】您的验证码为123456，10分钟内有效。如非本人操作"
    ));
}

/// The README's walk-through as written: its server command (on a free port and a fresh
/// folder), then its second block command by command in one shell, each answer checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_walkthrough_works_as_written() {
    let blocks = walkthrough_blocks();
    assert_eq!(blocks.len(), 2, "the server's block and the walk-through's");
    let start = blocks[0].trim();
    let (now, rest) = start
        .strip_prefix("OPENDAY_NOW=")
        .and_then(|s| s.split_once(' '))
        .expect("the server starts with OPENDAY_NOW");
    assert_eq!(
        rest,
        "cargo run -p openday -- serve --demo --data /tmp/openday-demo"
    );
    let server = serve_demo(&[("OPENDAY_NOW", now)]);
    let binary = env!("CARGO_BIN_EXE_openday");
    let data = server.data.to_str().unwrap().to_owned();
    let adapt = |command: &str| {
        command
            .replace("http://127.0.0.1:8080", &server.base)
            .replace("cargo run -q -p openday --", binary)
            .replace("/tmp/openday-demo", &data)
    };
    let steps = steps(&blocks[1]);
    assert!(steps.len() >= 12, "{steps:#?}");
    // One shell for the whole walk-through (its variables and functions carry on), a marker
    // between commands to tell their answers apart.
    let mut script = String::from("set -u\n");
    for (i, step) in steps.iter().enumerate() {
        script.push_str(&format!(
            "echo '@@step {i}'\n{{ {}\n}} 2>&1\necho\n",
            adapt(&step.command)
        ));
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(repo())
        .env_remove("OPENDAY_NOW")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<&str> = text.split("@@step ").skip(1).collect();
    assert_eq!(answers.len(), steps.len(), "{text}");
    let mut checked = 0;
    for (step, answer) in steps.iter().zip(&answers) {
        let answer = answer.split_once('\n').map_or("", |(_, a)| a);
        assert!(
            !answer.contains("\"error\""),
            "{}\n→ {answer}",
            step.command
        );
        for expected in &step.expected {
            assert!(
                matches(expected, answer),
                "{}\nexpected {expected}\n→ {answer}",
                step.command
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} answers checked");
    drop(server);
}
