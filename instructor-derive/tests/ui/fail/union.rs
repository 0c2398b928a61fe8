use instructor_derive::Instructor;

#[derive(Instructor)]
union Number {
    int: u32,
    float: f32,
}

fn main() {}
