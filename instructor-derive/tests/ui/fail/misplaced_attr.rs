use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
#[instructor(min = 1)]
struct User {
    #[instructor(validate_with = check)]
    age: u32,
}

fn main() {}
