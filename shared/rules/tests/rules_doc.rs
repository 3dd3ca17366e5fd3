//! `docs/rules.md` stays true: it covers R1–R14, every test it names exists, each rule's
//! clause is the seed programme's, and its table of programme parameters is the shipped
//! files' own.

#![allow(clippy::unwrap_used)] // tests fail loudly

use std::path::Path;

use openday_rules::Programme;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn doc_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md")
}

fn rule_row(doc: &str, n: u32) -> &str {
    doc.lines()
        .find(|l| l.starts_with(&format!("| R{n} |")))
        .unwrap_or_else(|| panic!("docs/rules.md has no row for R{n}"))
}

#[test]
fn docs_rules_md_covers_every_rule_and_names_only_real_tests() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = read(&doc_path());
    for n in 1..=14 {
        assert!(
            rule_row(&doc, n).contains("::tests::"),
            "the row of R{n} names no test"
        );
    }
    let mut named = 0;
    for piece in doc.split('`').filter(|p| p.contains("::tests::")) {
        let (module, name) = piece.split_once("::tests::").expect("module::tests::name");
        // A module's tests are in `src/<module>.rs`, or in `src/<module>/tests.rs` when the
        // module keeps them in a file of their own.
        let src = crate_dir.join("src");
        let module = module.replace("::", "/");
        let mut source = read(&src.join(format!("{module}.rs")));
        let own_file = src.join(&module).join("tests.rs");
        if own_file.exists() {
            source.push_str(&read(&own_file));
        }
        assert!(
            source.contains(&format!("fn {name}(")),
            "docs/rules.md names {piece}, which does not exist"
        );
        named += 1;
    }
    assert!(named >= 28, "only {named} tests named");
}

/// `二（五）` and `二(五)` are the same clause.
fn clause(raw: &str) -> String {
    raw.replace('（', "(").replace('）', ")")
}

#[test]
fn each_rule_cites_the_clause_the_seed_programme_gives() {
    let doc = read(&doc_path());
    let seed = Programme::shipped();
    for (n, from_programme) in [
        (1, &seed.open_period.clause),
        (2, &seed.formats.clause),
        (3, &seed.implementers.clause),
        (5, &seed.notice.clause),
        (7, &seed.participants.clause),
        (8, &seed.registration.clause),
        (11, &seed.naming.clause),
        (12, &seed.feedback.clause),
        (13, &seed.evaluation.clause),
        (14, &seed.report.clause),
    ] {
        let cited = rule_row(&doc, n)
            .split('|')
            .nth(2)
            .unwrap()
            .trim()
            .to_owned();
        assert!(
            clause(&cited).contains(&clause(from_programme)),
            "R{n} cites {cited}, the seed's programme says {from_programme}"
        );
    }
}

const BEGIN: &str = "<!-- BEGIN programme table -->";
const END: &str = "<!-- END programme table -->";

/// The parameter table of both shipped programmes, side by side.
fn programme_table() -> String {
    let (seed, example) = (Programme::shipped(), Programme::example());
    let mut out = String::from(
        "| 事项 | 默认：`programmes/gx-2026.json` | 条款 | 示例：`programmes/example-2027.json` | 条款 |\n|---|---|---|---|---|\n",
    );
    for ((what, a, ca), (_, b, cb)) in seed.rows().into_iter().zip(example.rows()) {
        out.push_str(&format!("| {what} | {a} | {ca} | {b} | {cb} |\n"));
    }
    out
}

#[test]
fn the_programme_table_is_the_shipped_files_own() {
    let path = doc_path();
    let doc = read(&path);
    let (head, rest) = doc.split_once(BEGIN).expect("the BEGIN marker");
    let (current, tail) = rest.split_once(END).expect("the END marker");
    let table = programme_table();
    let wanted = format!("\n{table}");
    if current != wanted {
        if std::env::var_os("OPENDAY_BLESS").is_some() {
            std::fs::write(&path, format!("{head}{BEGIN}{wanted}{END}{tail}")).unwrap();
        } else {
            panic!(
                "docs/rules.md's programme table differs from programmes/*.json; run OPENDAY_BLESS=1 cargo test -p openday-rules --test rules_doc\nwanted:\n{table}"
            );
        }
    }
}
