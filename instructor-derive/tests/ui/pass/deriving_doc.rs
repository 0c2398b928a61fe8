use instructor::Instructor;
use instructor_derive::Instructor;
use serde::Deserialize;

/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct User {
    /// First name only.
    first_name: String,
    #[instructor(min = 0, max = 150)]
    age: u32,
    #[instructor(pattern = r"^[^@\s]+@[^@\s]+$", description = "Work email, if given.")]
    email: Option<String>,
    #[instructor(max_len = 3)]
    addresses: Vec<Address>,
}

/// A postal address.
#[derive(Instructor, Deserialize, Debug)]
struct Address {
    #[instructor(validate = not_placeholder)]
    city: String,
}

fn not_placeholder(city: &str) -> Result<(), String> {
    match city {
        "" | "N/A" | "unknown" => Err(format!(
            "`{city}` is a placeholder: give the real city or leave the address out"
        )),
        _ => Ok(()),
    }
}

fn main() {
    // The schema: names, doc comments and constraints, nested types in `$defs`.
    let schema = User::json_schema();
    assert_eq!(schema["description"], "A person mentioned in the text.");
    assert_eq!(
        schema["properties"]["firstName"]["description"],
        "First name only."
    );
    assert_eq!(schema["properties"]["age"]["maximum"], 150);
    assert_eq!(
        schema["properties"]["addresses"]["items"]["$ref"],
        "#/$defs/Address"
    );
    // The strict variant for strict tools / json_schema modes.
    assert_eq!(User::json_schema_strict()["additionalProperties"], false);

    // Validation: every failure with its JSON path, in words a model can act on.
    let user: User = serde_json::from_str(
        r#"{"firstName": "Ada", "age": 200, "email": null, "addresses": [{"city": "N/A"}]}"#,
    )
    .unwrap();
    let errors = user.validate().unwrap_err();
    assert_eq!(
        errors.to_string(),
        "age: must be at most 150, got 200; \
         addresses[0].city: `N/A` is a placeholder: give the real city or leave the address out"
    );

    // The partial twin: what a half-streamed reply reads as.
    let partial: PartialUser =
        serde_json::from_str(r#"{"firstName": "Ad", "addresses": [{}]}"#).unwrap();
    assert_eq!(partial.first_name.as_deref(), Some("Ad"));
    assert_eq!(partial.age, None);
    assert_eq!(partial.addresses.unwrap()[0], PartialAddress { city: None });
}
