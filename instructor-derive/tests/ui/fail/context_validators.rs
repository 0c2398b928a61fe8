use instructor_derive::Instructor;
use serde::Deserialize;

struct Catalog;

fn known(_: &String, _: &Catalog) -> Result<(), String> {
    Ok(())
}

// A context validator without the context's type.
#[derive(Instructor, Deserialize)]
struct NoContext {
    #[instructor(validate_with_context = known)]
    sku: String,
}

// `context` names the type's context; it is no field attribute.
#[derive(Instructor, Deserialize)]
struct ContextOnField {
    #[instructor(context = Catalog)]
    sku: String,
}

// Enum variants' fields take no context validators.
#[derive(Instructor, Deserialize)]
#[instructor(context = Catalog)]
enum Item {
    Sku(#[instructor(validate_with_context = known)] String),
}

fn main() {}
