use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
struct User {
    #[instructor(min = 1)]
    name: String,
    #[instructor(max_len = 3)]
    age: u32,
}

fn main() {}
