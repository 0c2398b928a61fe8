use std::collections::HashMap;

use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
struct Scores {
    by_id: HashMap<u32, f64>,
}

fn main() {}
