//! docs/deriving.md shows the example that `tests/ui/pass/deriving_doc.rs` compiles and runs.

#[test]
fn deriving_doc_example_is_the_compiled_one() {
    let md = include_str!("../docs/deriving.md");
    let code = include_str!("ui/pass/deriving_doc.rs");
    let block = md
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a rust block in docs/deriving.md");
    assert_eq!(
        block, code,
        "docs/deriving.md and tests/ui/pass/deriving_doc.rs differ"
    );
}
