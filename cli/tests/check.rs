//! `openday check` on the demo files, as a person would run it.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::process::Command;

fn openday(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_openday"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("OPENDAY_NOW", "2026-08-01T09:00:00+08:00")
        .output()
        .expect("run openday");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_demo_plan_passes_and_its_deadlines_are_printed() {
    let (ok, out, err) = openday(&["check", "plan", "infra/demo/plan.json"]);
    assert!(ok, "{err}");
    assert!(out.contains("南宁市交通运输局“政府开放日”"), "{out}");
    assert!(out.contains("公告最迟发布    2026-09-05"), "{out}");
    assert!(out.contains("采纳情况反馈    2026-10-11 前"), "{out}");
    assert!(
        !out.contains("注意"),
        "on 2026-08-01 there is still time: {out}"
    );
}

#[test]
fn a_broken_plan_lists_every_violation_and_fails() {
    let (ok, _, err) = openday(&["check", "plan", "infra/demo/bad-plan.json"]);
    assert!(!ok);
    for code in [
        "NAME_NOT_ALLOWED",
        "OUTSIDE_OPEN_PERIOD",
        "FORMAT_MISMATCH",
        "INTERACTION_REQUIRED",
        "PARTICIPANTS_BELOW_MINIMUM",
        "LEADER_NOT_ALLOWED",
    ] {
        assert!(err.contains(code), "{code} missing: {err}");
    }
}

#[test]
fn the_demo_directory_is_consistent() {
    let (ok, out, err) = openday(&["check", "orgs", "infra/demo/orgs.json"]);
    assert!(ok, "{err}");
    assert!(out.contains("7 个行政区域，21 个机关"), "{out}");
}

#[test]
fn unreadable_input_is_a_clear_error_not_a_panic() {
    let (ok, _, err) = openday(&["check", "plan", "no-such-file.json"]);
    assert!(!ok);
    assert!(err.contains("无法读取"), "{err}");
    let (ok, _, err) = openday(&["check", "plan", "README.md"]);
    assert!(!ok);
    assert!(err.contains("不是有效的 JSON"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn orgs_import_then_token_for_a_known_organisation() {
    let data = std::env::temp_dir().join(format!("openday-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let dir = data.to_str().unwrap();
    let (ok, out, err) = openday(&["orgs", "import", "infra/demo/orgs.json", "--data", dir]);
    assert!(ok, "{err}");
    assert!(out.contains("已导入 7 个行政区域、21 个机关"), "{out}");
    let (ok, out, err) = openday(&["token", "nn-jt", "--data", dir]);
    assert!(ok, "{err}");
    assert!(
        out.trim().starts_with("eyJ") && out.trim().split('.').count() == 3,
        "{out}"
    );
    let (ok, _, err) = openday(&["token", "no-such-org", "--data", dir]);
    assert!(!ok);
    assert!(err.contains("不存在"), "{err}");
    let (ok, _, err) = openday(&["orgs", "import", "infra/demo/bad-plan.json", "--data", dir]);
    assert!(!ok, "a plan is not a directory");
    assert!(err.contains("不符合要求"), "{err}");
    let _ = std::fs::remove_dir_all(&data);
}
