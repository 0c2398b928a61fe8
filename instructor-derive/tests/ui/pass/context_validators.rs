use instructor::ValidateContext;
use instructor_derive::Instructor;
use serde::Deserialize;

struct Catalog {
    skus: Vec<String>,
}

fn in_catalog(sku: &str, catalog: &Catalog) -> Result<(), String> {
    if catalog.skus.iter().any(|s| s == sku) {
        Ok(())
    } else {
        Err(format!("`{sku}` is not in the catalogue"))
    }
}

fn enough(order: &Order, _: &Catalog) -> Result<(), &'static str> {
    if order.quantity == 0 { Err("order at least one") } else { Ok(()) }
}

fn not_empty(sku: &str) -> Result<(), &'static str> {
    if sku.is_empty() { Err("empty") } else { Ok(()) }
}

#[derive(Instructor, Deserialize)]
#[instructor(context = Catalog, validate_with_context = enough)]
struct Order {
    // The plain validator keeps working beside the context one.
    #[instructor(validate = not_empty, validate_with_context = in_catalog)]
    sku: String,
    quantity: u32,
}

// A generic type with a context validator at the type level.
fn page_in_catalog<T>(_: &Page<T>, _: &Catalog) -> Result<(), String> {
    Ok(())
}

#[derive(Instructor, Deserialize)]
#[instructor(context = Catalog, validate_with_context = page_in_catalog)]
struct Page<T> {
    items: Vec<T>,
}

fn main() {
    let catalog = Catalog { skus: vec!["A1".into()] };
    let order = Order { sku: "B2".into(), quantity: 0 };
    let errors = order.validate_context(&catalog).unwrap_err();
    assert_eq!(errors.to_string(), "sku: `B2` is not in the catalogue; order at least one");
    let page = Page::<u32> { items: vec![] };
    assert!(page.validate_context(&catalog).is_ok());
}
