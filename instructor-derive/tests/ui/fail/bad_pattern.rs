use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
struct User {
    #[instructor(pattern = "([a-z]+")]
    name: String,
}

fn main() {}
