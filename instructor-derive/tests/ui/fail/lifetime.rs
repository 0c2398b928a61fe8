use instructor_derive::Instructor;

#[derive(Instructor, serde::Deserialize)]
struct User<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
}

fn main() {}
