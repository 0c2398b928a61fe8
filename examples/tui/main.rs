//! The web page's form in a terminal: a `User` filling in while the model writes, the retry
//! shown if validation fails, then the validated value. `q` quits.
//!
//! ```sh
//! scripts/local-model.sh start        # or set the AZURE_OPENAI_* variables
//! cargo run --example tui -- "Jason is 25 years old. He loves building apps in Rust."
//! ```
//!
//! The blocking client streams on a worker thread; the UI thread draws what it sends.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/user.rs"]
mod user;

mod ui;

use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};
use user::{prompt, User};

const TEXT: &str =
    "Jason is 25 years old. He is a tech enthusiast who loves building apps in Rust.";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::env::args().nth(1).unwrap_or_else(|| TEXT.to_owned());
    let client = instructor::from_openai(common::azure()?).max_retries(2);
    let events = client
        .create_partial::<User>(common::request().user(prompt(&text)))?
        .events();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for event in events {
            if tx.send(event).is_err() {
                break;
            }
        }
    });

    let mut terminal = ratatui::init();
    let mut form = ui::Form::new(text);
    let result = loop {
        while let Ok(event) = rx.try_recv() {
            form.apply(event);
        }
        if let Err(e) = terminal.draw(|frame| ui::draw(frame, &form)) {
            break Err(e);
        }
        match event::poll(Duration::from_millis(50)) {
            Ok(true) => match event::read() {
                Ok(Event::Key(key))
                    if key.kind == KeyEventKind::Press
                        && matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) =>
                {
                    break Ok(())
                }
                Ok(_) => {}
                Err(e) => break Err(e),
            },
            Ok(false) => {}
            Err(e) => break Err(e),
        }
    };
    ratatui::restore();
    Ok(result?)
}
