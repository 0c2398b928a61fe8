//! The guide's five scenarios (the repo's examples: basic, async, nested, partial, iterable), each
//! run in one mode and judged against the values its text states.

use std::future::Future;

use instructor::azure::{AsyncAzureOpenAI, AzureOpenAI};
use instructor::{AsyncClient, Client, Instructor, Mode, Request};
use serde::Deserialize;

// examples/basic.rs
/// A person mentioned in the text.
#[derive(Instructor, Deserialize, Debug)]
pub struct User {
    /// The person's first name.
    name: String,
    /// Age in years.
    #[instructor(min = 0, max = 150)]
    age: u32,
}

/// examples/async.rs, iterable.rs and modes.rs: the same `User`, without bounds on the age.
pub mod plain {
    use instructor::Instructor;
    use serde::Deserialize;

    /// A person mentioned in the text.
    #[derive(Instructor, Deserialize, Debug)]
    pub struct User {
        /// The person's first name.
        pub name: String,
        /// Age in years.
        pub age: u32,
    }
}
use plain::User as PlainUser;

/// A postal address.
#[derive(Instructor, Deserialize, Debug)]
pub struct Address {
    /// Street and number.
    street: String,
    /// The city.
    city: String,
    /// The country.
    country: String,
}

// examples/nested.rs
/// A person and every address mentioned for them.
#[derive(Instructor, Deserialize, Debug)]
pub struct UserWithAddress {
    /// The person's first name.
    name: String,
    /// Age in years.
    age: u32,
    /// Every address in the text, in order.
    #[instructor(min_len = 1)]
    addresses: Vec<Address>,
}

/// examples/partial.rs: its type is also named `User` (the tool's name and the schema's title).
pub mod bio {
    use instructor::Instructor;
    use serde::Deserialize;

    /// A person mentioned in the text.
    #[derive(Instructor, Deserialize, Debug)]
    pub struct User {
        /// The person's first name.
        pub name: String,
        /// Age in years.
        pub age: u32,
        /// One sentence about the person.
        pub bio: Option<String>,
    }
}
use bio::User as UserBio;

/// One thing to record (ParallelTools: one tool call per person).
#[derive(Instructor, Deserialize, Debug)]
pub enum Record {
    /// Record a person.
    User(PlainUser),
}

/// One person with addresses to record (ParallelTools' nested scenario).
#[derive(Instructor, Deserialize, Debug)]
pub enum NestedRecord {
    /// Record a person and their addresses.
    UserWithAddress(UserWithAddress),
}

pub const BASIC: &str = "Extract: Jason is 25 years old";
pub const ASYNC: [&str; 2] = [
    "Extract: Jason is 25 years old",
    "Extract: Sarah is 30 years old",
];
pub const NESTED: &str =
    "John Smith is 35 years old. He has homes at 123 Main St, Springfield, USA \
                          and 456 Oak Ave, Shelbyville, USA.";
pub const PARTIAL: &str =
    "Extract: Jason is 25 years old. He is a tech enthusiast who loves building apps in Rust.";
pub const ITERABLE: &str = "Extract every person: Jason is 25, Sarah is 30 and Mike is 28.";

/// The scenarios, in the order of the table.
pub const ALL: [Scenario; 5] = [
    Scenario::Basic,
    Scenario::Async,
    Scenario::Nested,
    Scenario::Partial,
    Scenario::Iterable,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Basic,
    Async,
    Nested,
    Partial,
    Iterable,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Basic => "basic",
            Scenario::Async => "async",
            Scenario::Nested => "nested",
            Scenario::Partial => "partial",
            Scenario::Iterable => "iterable",
        }
    }

    pub fn parse(name: &str) -> Option<Scenario> {
        ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What a scenario gave: right, a wrong value (shown), or an error.
#[derive(Debug, Clone)]
pub enum Verdict {
    Right,
    Wrong(String),
    Error(String),
}

/// Text compared the way a reader would: case, punctuation and spacing aside.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '.' | ','))
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person as the judges see one: name and age.
type Person = (String, u32);

fn is_person(p: &Person, name: &str, age: u32) -> bool {
    norm(&p.0) == norm(name) && p.1 == age
}

/// The nested text names "John Smith"; the field asks for the first name, and the full name
/// states it too.
fn judge_nested(u: &UserWithAddress) -> Verdict {
    let want = [
        ("123 main st", "springfield", "usa"),
        ("456 oak ave", "shelbyville", "usa"),
    ];
    let got: Vec<_> = u
        .addresses
        .iter()
        .map(|a| (norm(&a.street), norm(&a.city), norm(&a.country)))
        .collect();
    let addresses_right = got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|((s, c, k), (ws, wc, wk))| s == ws && c == wc && k == wk);
    let name = norm(&u.name);
    if (name == "john" || name == "john smith") && u.age == 35 && addresses_right {
        Verdict::Right
    } else {
        Verdict::Wrong(format!("{u:?}"))
    }
}

/// Right when the stream showed the value growing (more than one partial) and ended with the
/// text's values; the bio must be about what the text says (it mentions Rust).
fn judge_partial(partials: usize, last: Option<&UserBio>) -> Verdict {
    match last {
        Some(u)
            if partials > 1
                && norm(&u.name) == "jason"
                && u.age == 25
                && u.bio
                    .as_deref()
                    .is_some_and(|b| b.to_lowercase().contains("rust")) =>
        {
            Verdict::Right
        }
        _ => Verdict::Wrong(format!("{partials} partials, final {last:?}")),
    }
}

fn judge_people(people: &[Person]) -> Verdict {
    let want = [("Jason", 25), ("Sarah", 30), ("Mike", 28)];
    let right = people.len() == want.len()
        && people
            .iter()
            .zip(want)
            .all(|(p, (name, age))| is_person(p, name, age));
    if right {
        Verdict::Right
    } else {
        Verdict::Wrong(format!("{people:?}"))
    }
}

fn verdict<T>(outcome: Result<T, instructor::Error>, judge: impl FnOnce(T) -> Verdict) -> Verdict {
    match outcome {
        Ok(v) => judge(v),
        Err(e) => Verdict::Error(e.to_string()),
    }
}

/// The single person of a parallel reply, if that is all it holds.
fn single_record(records: Vec<Record>) -> Result<Person, String> {
    let mut records = records.into_iter();
    match (records.next(), records.next()) {
        (Some(Record::User(u)), None) => Ok((u.name, u.age)),
        (first, second) => Err(format!("{first:?}, {second:?}, ...")),
    }
}

fn judge_basic(p: Result<Person, String>, name: &str, age: u32) -> Verdict {
    match p {
        Ok(p) if is_person(&p, name, age) => Verdict::Right,
        Ok(p) => Verdict::Wrong(format!("{p:?}")),
        Err(shown) => Verdict::Wrong(shown),
    }
}

/// Runs one scenario in `mode` on the blocking client (the async one for `Scenario::Async`).
///
/// `ParallelTools` asks through enums whose variants are the tools: basic, async and nested
/// expect exactly one call, iterable one call per person (streamed); partial streams the single
/// call's arguments as they grow.
pub fn run(
    scenario: Scenario,
    mode: Mode,
    client: &Client<AzureOpenAI>,
    async_client: &AsyncClient<AsyncAzureOpenAI>,
    request: &dyn Fn(&str) -> Request,
) -> Verdict {
    let parallel = mode == Mode::ParallelTools;
    match scenario {
        Scenario::Basic if parallel => {
            verdict(client.create_parallel::<Record>(request(BASIC)), |r| {
                judge_basic(single_record(r), "Jason", 25)
            })
        }
        Scenario::Basic => verdict(client.create::<User>(request(BASIC)), |u| {
            judge_basic(Ok((u.name, u.age)), "Jason", 25)
        }),
        Scenario::Async => block_on(run_async(mode, async_client, request))
            .unwrap_or_else(|e| Verdict::Error(format!("no tokio runtime: {e}"))),
        Scenario::Nested if parallel => verdict(
            client.create_parallel::<NestedRecord>(request(NESTED)),
            |r| match r.as_slice() {
                [NestedRecord::UserWithAddress(u)] => judge_nested(u),
                _ => Verdict::Wrong(format!("{r:?}")),
            },
        ),
        Scenario::Nested => verdict(client.create::<UserWithAddress>(request(NESTED)), |u| {
            judge_nested(&u)
        }),
        Scenario::Partial => {
            let mut stream = match client.create_partial::<UserBio>(request(PARTIAL)) {
                Ok(s) => s,
                Err(e) => return Verdict::Error(e.to_string()),
            };
            let mut partials = 0;
            for partial in &mut stream {
                if let Err(e) = partial {
                    return Verdict::Error(e.to_string());
                }
                partials += 1;
            }
            judge_partial(partials, stream.take_final().as_ref())
        }
        Scenario::Iterable if parallel => {
            let users = client
                .create_iterable::<Record>(request(ITERABLE))
                .and_then(|items| {
                    items
                        .map(|r| r.map(|Record::User(u)| (u.name, u.age)))
                        .collect::<Result<Vec<_>, _>>()
                });
            verdict(users, |p| judge_people(&p))
        }
        Scenario::Iterable => {
            let users = client
                .create_iterable::<PlainUser>(request(ITERABLE))
                .and_then(|items| {
                    items
                        .map(|r| r.map(|u| (u.name, u.age)))
                        .collect::<Result<Vec<_>, _>>()
                });
            verdict(users, |p| judge_people(&p))
        }
    }
}

/// The async example: two extractions at once; right when both are.
async fn run_async(
    mode: Mode,
    client: &AsyncClient<AsyncAzureOpenAI>,
    request: &dyn Fn(&str) -> Request,
) -> Verdict {
    let one = |text: &'static str| {
        let request = request(text);
        async move {
            if mode == Mode::ParallelTools {
                client
                    .create_parallel::<Record>(request)
                    .await
                    .map(single_record)
            } else {
                client
                    .create::<PlainUser>(request)
                    .await
                    .map(|u| Ok((u.name, u.age)))
            }
        }
    };
    let (jason, sarah) = futures::join!(one(ASYNC[0]), one(ASYNC[1]));
    match (jason, sarah) {
        (Ok(jason), Ok(sarah)) => match (
            judge_basic(jason, "Jason", 25),
            judge_basic(sarah, "Sarah", 30),
        ) {
            (Verdict::Right, Verdict::Right) => Verdict::Right,
            (Verdict::Right, other) | (other, _) => other,
        },
        (Err(e), _) | (_, Err(e)) => Verdict::Error(e.to_string()),
    }
}

/// The async scenario on a runtime of its own, so the rest stays blocking.
fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}
