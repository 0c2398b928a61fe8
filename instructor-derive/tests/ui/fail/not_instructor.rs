use instructor_derive::Instructor;

#[derive(serde::Deserialize)]
struct Plain {
    a: u8,
}

#[derive(Instructor, serde::Deserialize)]
struct User {
    plain: Plain,
}

fn main() {}
