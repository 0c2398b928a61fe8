//! Compile tests of `#[derive(Instructor)]`: what must compile, and what must not, with the exact
//! error a user sees.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
