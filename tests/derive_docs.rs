//! docs/deriving.md shows the example that `instructor-derive/tests/ui/pass/deriving_doc.rs`
//! compiles and runs. There the derive is imported from `instructor_derive` (the compile tests
//! build against the engine alone); users import it from `instructor`, as the doc shows.

#[test]
fn deriving_doc_example_is_the_compiled_one() {
    let md = include_str!("../docs/deriving.md");
    let compiled = include_str!("../instructor-derive/tests/ui/pass/deriving_doc.rs");
    let code: String = compiled
        .lines()
        .filter(|l| *l != "use instructor_derive::Instructor;")
        .map(|l| format!("{l}\n"))
        .collect();
    let block = md
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a rust block in docs/deriving.md");
    assert_eq!(
        block, code,
        "docs/deriving.md and instructor-derive/tests/ui/pass/deriving_doc.rs differ"
    );
}
