use std::collections::HashMap;

use instructor::Instructor;
use instructor_derive::Instructor;
use serde::{Deserialize, Serialize};

/// A user.
#[derive(Instructor, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[instructor(validate_with = check_user, examples = [{ "userName": "ada", "age": 36 }])]
pub struct User {
    /// The login.
    #[instructor(min_len = 1, max_len = 32, pattern = "^[a-z]+$")]
    pub user_name: String,
    #[instructor(min = 0, max = 150, description = "Age in years.")]
    pub age: u8,
    #[instructor(validate = check_tags)]
    pub tags: Vec<String>,
    pub extra: HashMap<String, serde_json::Value>,
    #[serde(skip)]
    pub cache: Option<std::time::Instant>,
}

fn check_user(_: &User) -> Result<(), String> {
    Ok(())
}

fn check_tags(tags: &[String]) -> Result<(), instructor::ValidationErrors> {
    let _ = tags;
    Ok(())
}

#[derive(Instructor, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event {
    /// Someone logged in.
    #[instructor(description = "A login.")]
    Login {
        user: Box<User>,
    },
    Logout,
}

#[derive(Instructor, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
}

#[derive(Instructor, Deserialize)]
pub struct Wrapper(pub Page<u8>);

mod inner {
    // The crate under another name.
    use instructor as renamed;

    #[derive(instructor_derive::Instructor, serde::Deserialize)]
    #[instructor(crate = "renamed")]
    pub struct Renamed {
        pub a: bool,
    }
}

fn main() {
    let _ = User::json_schema();
    let _ = Event::json_schema_strict();
    let _ = <Page<User> as Instructor>::json_schema();
    let _: PartialUser = PartialUser::default();
    let _: Option<PartialPage<User>> = None;
    let _ = Wrapper::schema_name();
    let _ = inner::Renamed::json_schema();
    let _ = inner::PartialRenamed::default();
}
