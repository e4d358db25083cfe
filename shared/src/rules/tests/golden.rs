//! The comparison case's results, pinned to the cent (`golden/comparison.json`). A faster
//! engine (issue 11 §6) must reproduce this file exactly. To accept an intended change in the
//! rules, rewrite it with `LOANPATH_WRITE_GOLDEN=1 cargo test -p loanpath-shared golden` and
//! say why in the commit.

use crate::rules::{assess, cases};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/rules/tests/golden/comparison.json"
);

#[test]
fn the_comparison_case_reproduces_its_golden_file() {
    let a = assess(&cases::comparison()).unwrap();
    let now = serde_json::to_string_pretty(&a).unwrap() + "\n";
    if std::env::var("LOANPATH_WRITE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(std::path::Path::new(PATH).parent().unwrap()).unwrap();
        std::fs::write(PATH, &now).unwrap();
    }
    let golden = std::fs::read_to_string(PATH).expect("the golden file (see the module docs)");
    assert!(
        golden == now,
        "the comparison case no longer matches its golden file; first difference at byte {}",
        golden
            .bytes()
            .zip(now.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(golden.len().min(now.len()))
    );
}
