use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
struct User {
    name: &'static str,
}

fn main() {}
