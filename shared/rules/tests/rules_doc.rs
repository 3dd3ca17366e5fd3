//! `docs/rules.md` stays true: it covers R1–R14 and every test it names exists.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn docs_rules_md_covers_every_rule_and_names_only_real_tests() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = read(&crate_dir.join("../../docs/rules.md"));
    for n in 1..=14 {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| R{n} |")))
            .unwrap_or_else(|| panic!("docs/rules.md has no row for R{n}"));
        assert!(row.contains("::tests::"), "the row of R{n} names no test");
    }
    let mut named = 0;
    for piece in doc.split('`').filter(|p| p.contains("::tests::")) {
        let (module, name) = piece.split_once("::tests::").expect("module::tests::name");
        let source = read(&crate_dir.join("src").join(format!("{module}.rs")));
        assert!(
            source.contains(&format!("fn {name}(")),
            "docs/rules.md names {piece}, which does not exist"
        );
        named += 1;
    }
    assert!(named >= 28, "only {named} tests named");
}
