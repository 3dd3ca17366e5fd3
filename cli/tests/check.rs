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

#[test]
fn a_plan_is_checked_against_another_programme_file() {
    // Under the example programme: 10 days' notice, response within 10 days.
    let (ok, out, err) = openday(&[
        "check",
        "plan",
        "infra/demo/plan.json",
        "--programme",
        "programmes/example-2027.json",
    ]);
    // The example file is for 2027: the 2026 demo plan lies outside its open period.
    assert!(!ok, "{out}");
    assert!(err.contains("OUTSIDE_OPEN_PERIOD"), "{err}");
    let dir = std::env::temp_dir().join(format!("openday-programme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("example-2026.json");
    let mut p: serde_json::Value = serde_json::from_str(openday_rules::programme::EXAMPLE).unwrap();
    p["year"] = serde_json::json!(2026);
    std::fs::write(&file, p.to_string()).unwrap();
    let (ok, out, err) = openday(&[
        "check",
        "plan",
        "infra/demo/plan.json",
        "--programme",
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("公告最迟发布    2026-09-10"), "{out}");
    assert!(out.contains("采纳情况反馈    2026-10-06 前"), "{out}");
    assert!(out.contains("年度报送        2026-11-10 前"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn programme_check_lists_every_parameter_or_every_problem() {
    let (ok, out, err) = openday(&["programme", "check", "programmes/gx-2026.json"]);
    assert!(ok, "{err}");
    assert!(out.contains("工作方案符合要求"), "{out}");
    assert!(out.contains("9月1日至10月31日（二（一））"), "{out}");
    assert!(out.contains("11月15日前报送"), "{out}");
    let (ok, out, err) = openday(&["programme", "check", "programmes/example-2027.json"]);
    assert!(ok, "{err}");
    assert!(out.contains("9月1日至10月15日"), "{out}");

    let dir = std::env::temp_dir().join(format!("openday-bad-programme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    let mut p: serde_json::Value = serde_json::from_str(openday_rules::programme::SHIPPED).unwrap();
    p["open_period"]["until"] = serde_json::json!("08-01");
    p["feedback"]["response_days"] = serde_json::json!(-3);
    p["naming"]["proper_noun"] = serde_json::json!("警务开放周");
    std::fs::write(&file, p.to_string()).unwrap();
    let (ok, _, err) = openday(&["programme", "check", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("不符合要求（3项）"), "{err}");
    for field in [
        "open_period.until",
        "feedback.response_days",
        "naming.proper_noun",
    ] {
        assert!(err.contains(field), "{field}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn programme_import_adds_a_version_and_show_prints_the_one_in_force() {
    let data = std::env::temp_dir().join(format!("openday-cli-programme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let dir = data.to_str().unwrap();
    // Before the directory is there, the region is unknown.
    let (ok, _, err) = openday(&[
        "programme",
        "import",
        "programmes/gx-2026.json",
        "--data",
        dir,
    ]);
    assert!(!ok);
    assert!(err.contains("不在名录中"), "{err}");
    let (ok, _, err) = openday(&["orgs", "import", "infra/demo/orgs.json", "--data", dir]);
    assert!(ok, "{err}");
    let (ok, out, err) = openday(&["programme", "show", "--year", "2026", "--data", dir]);
    assert!(ok, "{err}");
    assert!(out.contains("默认工作方案"), "{out}");
    for (n, file) in [
        (1, "programmes/gx-2026.json"),
        (2, "programmes/gx-2026.json"),
    ] {
        let (ok, out, err) = openday(&["programme", "import", file, "--data", dir]);
        assert!(ok, "{err}");
        assert!(out.contains(&format!("第 {n} 版")), "{out}");
    }
    let (ok, out, err) = openday(&[
        "programme",
        "import",
        "programmes/example-2027.json",
        "--data",
        dir,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("2027 年，第 1 版"), "{out}");
    let (ok, out, err) = openday(&["programme", "show", "--year", "2027", "--data", dir]);
    assert!(ok, "{err}");
    assert!(
        out.contains("执行第 1 版") && out.contains("11月10日前"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&data);
}
