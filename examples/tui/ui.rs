//! The terminal UI apart from the terminal: the form's state, what each event does to it, and how
//! it is drawn. The example drives it with crossterm; the test renders it into ratatui's
//! `TestBackend`.

use instructor::PartialEvent;
use ratatui::layout::{Constraint, Layout, Margin};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use crate::user::{PartialUser, User};

/// Where the extraction stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The model is writing.
    Streaming,
    /// An attempt failed validation; the model writes the value again.
    Correcting { next: u32, of: u32 },
    /// The value passed validation.
    Validated { attempts: u32, tokens: Option<u64> },
    /// The extraction failed.
    Failed(String),
}

/// The form a person watches fill in.
#[derive(Debug, Clone)]
pub struct Form {
    pub text: String,
    pub name: String,
    pub age: String,
    pub bio: String,
    pub status: Status,
    /// What the failed attempt got wrong, shown while it is corrected and after.
    pub notice: Vec<String>,
}

impl Form {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            name: String::new(),
            age: String::new(),
            bio: String::new(),
            status: Status::Streaming,
            notice: Vec::new(),
        }
    }

    fn show(&mut self, user: &PartialUser) {
        self.name = user.name.clone().unwrap_or_default();
        // A number arrives only once complete: the age is absent or whole.
        self.age = user.age.map(|a| a.to_string()).unwrap_or_default();
        self.bio = user.bio.clone().unwrap_or_default();
    }

    /// What one event of the extraction does to the form.
    pub fn apply(&mut self, event: PartialEvent<User>) {
        match event {
            PartialEvent::Partial(partial) => self.show(&partial),
            PartialEvent::Retry(retry) => {
                self.show(&PartialUser::default());
                self.notice = retry.errors.iter().map(ToString::to_string).collect();
                self.status = Status::Correcting {
                    next: retry.attempt + 1,
                    of: retry.max_attempts,
                };
            }
            PartialEvent::Final(done) => {
                self.name = done.value.name;
                self.age = done.value.age.to_string();
                self.bio = done.value.bio.unwrap_or_default();
                self.status = Status::Validated {
                    attempts: done.attempts,
                    tokens: done.completion.usage.map(|u| u.total_tokens),
                };
            }
            PartialEvent::Error(error) => self.status = Status::Failed(error.to_string()),
        }
    }
}

fn status_line(status: &Status) -> Line<'static> {
    match status {
        Status::Streaming => Line::from("The model is writing…".fg(Color::Blue)),
        Status::Correcting { next, of } => {
            Line::from(format!("Correcting (attempt {next} of {of})…").fg(Color::Yellow))
        }
        Status::Validated { attempts, tokens } => {
            let tokens = tokens.map(|t| format!(", {t} tokens")).unwrap_or_default();
            let s = if *attempts == 1 { "" } else { "s" };
            Line::from(format!("Validated ✓ ({attempts} attempt{s}{tokens})").fg(Color::Green))
        }
        Status::Failed(message) => Line::from(format!("Failed: {message}").fg(Color::Red)),
    }
}

fn field(label: &'static str, value: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<6}"), Style::default().fg(Color::DarkGray)),
        Span::raw(value.to_owned()),
    ])
}

/// Draws the form: the text, the three fields, the status, what was corrected, and the key help.
pub fn draw(frame: &mut Frame, form: &Form) {
    let [text, user, help] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(8),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(
        Paragraph::new(form.text.as_str())
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Text ")),
        text,
    );
    let validated = matches!(form.status, Status::Validated { .. });
    let border = if validated {
        Color::Green
    } else {
        Color::Reset
    };
    let mut lines = vec![
        field("Name", &form.name),
        field("Age", &form.age),
        field("Bio", &form.bio),
        Line::default(),
        status_line(&form.status).add_modifier(Modifier::BOLD),
    ];
    if !form.notice.is_empty() {
        lines.push(Line::from("The failed attempt was told:".fg(Color::Yellow)));
        lines.extend(form.notice.iter().map(|n| Line::from(format!("  • {n}"))));
    }
    let block = Block::bordered()
        .title(" User ")
        .border_style(Style::default().fg(border));
    frame.render_widget(block, user);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        user.inner(Margin::new(2, 1)),
    );
    frame.render_widget(Line::from(" q: quit".fg(Color::DarkGray)), help);
}
