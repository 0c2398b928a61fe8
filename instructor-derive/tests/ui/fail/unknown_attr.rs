use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
struct User {
    #[instructor(minimum = 1)]
    age: u32,
}

fn main() {}
