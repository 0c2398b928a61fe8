use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
#[instructor(description = "a user", description = "the user")]
struct User {
    #[instructor(min = 1, max = 9, min = 2)]
    age: u32,
    #[instructor(pattern = "^a", pattern = "^b")]
    name: String,
}

fn main() {}
