//! The terminal UI example through its rendered buffer: the real events of a scripted extraction
//! (a failed attempt, then a good one) applied one by one, the screen read as a person sees it.

#[path = "../examples/tui/ui.rs"]
mod ui;
#[path = "../examples/common/user.rs"]
mod user;

use instructor::testing::{self, ScriptedTransport};
use instructor::{Client, PartialEvent, Request};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use user::User;

const BIO: &str = "Tech enthusiast who loves building apps in Rust.";

/// The screen, line by line, as text.
fn screen(form: &ui::Form) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(70, 18)).expect("a test terminal");
    terminal
        .draw(|frame| ui::draw(frame, form))
        .expect("the form draws");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect()
}

fn line_with<'a>(screen: &'a [String], label: &str) -> &'a str {
    screen
        .iter()
        .find(|l| l.trim_start_matches(['│', ' ']).starts_with(label))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no {label} line in\n{}", screen.join("\n")))
}

#[test]
fn the_terminal_form_fills_in_shows_the_correction_and_ends_validated() {
    let first = format!(r#"{{"name": "Jason", "age": 300, "bio": "{BIO}"}}"#);
    let second = format!(r#"{{"name": "Jason", "age": 25, "bio": "{BIO}"}}"#);
    let transport = ScriptedTransport::new()
        .stream(testing::tool_call_chunks("User", &first, 6))
        .stream(testing::tool_call_chunks("User", &second, 6));
    let client = Client::new(transport).max_retries(2);
    let events: Vec<PartialEvent<User>> = client
        .create_partial::<User>(Request::new("m").user("Jason is 25"))
        .expect("a stream")
        .events()
        .collect();

    let mut form = ui::Form::new("Jason is 25 years old. He loves building apps in Rust.");
    let mut saw_name_before_bio = false;
    let mut bios = Vec::new();
    let mut saw_correcting = false;
    for event in events {
        let retry = event.name() == "retry";
        form.apply(event);
        let now = screen(&form);
        let name = line_with(&now, "Name");
        let bio = line_with(&now, "Bio");
        let age = line_with(&now, "Age");
        // An age is never shown half-written.
        let age_value = age
            .trim_start_matches(['│', ' '])
            .trim_start_matches("Age")
            .trim();
        let age_value = age_value.trim_end_matches(['│', ' ']);
        assert!(["", "300", "25"].contains(&age_value), "age {age_value:?}");
        if name.contains("Jason") && !bio.contains("Rust.") {
            saw_name_before_bio = true;
        }
        if bio.contains("Tech") && !bios.contains(&bio.to_owned()) {
            bios.push(bio.to_owned());
        }
        if retry {
            let text = now.join("\n");
            assert!(text.contains("Correcting (attempt 2 of 3)"), "{text}");
            assert!(
                text.contains("age: 300 is greater than the maximum of 150"),
                "{text}"
            );
            saw_correcting = true;
        }
    }
    assert!(saw_name_before_bio);
    assert!(saw_correcting);
    assert!(bios.len() >= 3, "the bio grew through {bios:?}");

    let last = screen(&form);
    let text = last.join("\n");
    assert!(line_with(&last, "Name").contains("Jason"), "{text}");
    assert!(line_with(&last, "Age").contains("25"), "{text}");
    assert!(line_with(&last, "Bio").contains("Rust."), "{text}");
    assert!(
        text.contains("Validated ✓ (2 attempts, 30 tokens)"),
        "{text}"
    );
    assert!(text.contains("q: quit"), "{text}");
}

#[test]
fn a_failed_extraction_says_so_on_screen() {
    let bad = r#"{"name": "Jason", "age": 300}"#;
    let client =
        Client::new(ScriptedTransport::new().stream(testing::tool_call_chunks("User", bad, 6)));
    let mut form = ui::Form::new("Jason is 300");
    for event in client
        .create_partial::<User>(Request::new("m").user("Jason is 300"))
        .expect("a stream")
        .events()
    {
        form.apply(event);
    }
    let text = screen(&form).join("\n");
    assert!(text.contains("Failed: 1 attempt(s) failed"), "{text}");
}
