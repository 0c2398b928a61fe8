use instructor::Instructor;

#[derive(Instructor)]
struct Node {
    next: *const Node,
}

fn main() {}
