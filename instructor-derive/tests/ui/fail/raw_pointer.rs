use instructor_derive::Instructor;

#[derive(Instructor)]
struct Node {
    next: *const Node,
}

fn main() {}
