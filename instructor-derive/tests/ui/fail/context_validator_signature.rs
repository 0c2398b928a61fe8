use instructor_derive::Instructor;
use serde::Deserialize;

struct Catalog;

// Takes the field but not the context: the derive calls it with both.
fn one_argument(_: &String) -> Result<(), String> {
    Ok(())
}

#[derive(Instructor, Deserialize)]
#[instructor(context = Catalog)]
struct Order {
    #[instructor(validate_with_context = one_argument)]
    sku: String,
}

fn main() {}
