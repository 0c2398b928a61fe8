//! The cells, the markdown table, and the baseline: the cells that were right, one per line.

use std::collections::BTreeSet;
use std::process::ExitCode;

use instructor::Mode;

use crate::mode_name;
use crate::scenarios::{Scenario, Verdict};

/// One scenario in one mode.
pub struct Cell {
    pub verdict: Verdict,
    /// Requests sent: first attempts and re-asks (two extractions in the async scenario).
    pub requests: u32,
    /// Prompt and completion tokens over every request.
    pub tokens: u64,
    /// False when a reply carried no usage: `tokens` is then a lower bound.
    pub tokens_complete: bool,
    pub seconds: f64,
}

impl Cell {
    pub fn is_right(&self) -> bool {
        matches!(self.verdict, Verdict::Right)
    }

    /// This second run of a cell, with the first run's time added: the table shows the
    /// second outcome (right on a second run is right: temperature 0 is not bit-reproducible).
    pub fn after(mut self, first: &Cell) -> Cell {
        self.seconds += first.seconds;
        self
    }

    fn word(&self) -> &'static str {
        match self.verdict {
            Verdict::Right => "right",
            Verdict::Wrong(_) => "wrong",
            Verdict::Error(_) => "error",
        }
    }

    fn tokens(&self) -> String {
        if self.tokens_complete {
            self.tokens.to_string()
        } else {
            format!("≥{}", self.tokens)
        }
    }

    /// `right 1 req 301 tok 0.9 s`, and what was wrong.
    pub fn line(&self) -> String {
        let detail = match &self.verdict {
            Verdict::Right => String::new(),
            Verdict::Wrong(s) | Verdict::Error(s) => format!(" | {}", one_line(s, 300)),
        };
        format!(
            "{} {} req {} tok {:.1} s{detail}",
            self.word(),
            self.requests,
            self.tokens(),
            self.seconds
        )
    }
}

fn one_line(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

#[derive(Default)]
pub struct Table {
    cells: Vec<(Mode, Scenario, Cell)>,
}

impl Table {
    pub fn push(&mut self, mode: Mode, scenario: Scenario, cell: Cell) {
        self.cells.push((mode, scenario, cell));
    }

    fn cell(&self, mode: Mode, scenario: Scenario) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|(m, s, _)| *m == mode && *s == scenario)
            .map(|(_, _, c)| c)
    }

    pub fn right_count(&self) -> usize {
        self.cells.iter().filter(|(_, _, c)| c.is_right()).count()
    }

    /// One row per mode, one column per scenario: `right 1/301` is the verdict, requests and
    /// tokens; then what each cell that was not right gave.
    pub fn markdown(&self, modes: &[Mode], scenarios: &[Scenario]) -> String {
        let mut out = String::from("| mode |");
        for s in scenarios {
            out.push_str(&format!(" {} |", s.name()));
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(scenarios.len()));
        for &mode in modes {
            out.push_str(&format!("\n| {} |", mode_name(mode)));
            for &s in scenarios {
                match self.cell(mode, s) {
                    Some(c) => {
                        out.push_str(&format!(" {} {}/{} |", c.word(), c.requests, c.tokens()))
                    }
                    None => out.push_str(" |"),
                }
            }
        }
        out.push('\n');
        for (mode, scenario, cell) in &self.cells {
            if !cell.is_right() {
                out.push_str(&format!(
                    "\n- {} / {}: {}",
                    mode_name(*mode),
                    scenario.name(),
                    cell.line()
                ));
            }
        }
        out
    }

    /// The baseline file: every right cell as `Mode scenario`.
    pub fn baseline(&self) -> String {
        let mut out = String::from(
            "# Cells of examples/fidelity.rs that were right on the local model; scripts/test.sh\n\
             # fails when one of them is not (twice in a row). Regenerate with\n\
             # `cargo run --example fidelity -- --write-baseline docs/fidelity-baseline.txt`.\n",
        );
        for (mode, scenario, cell) in &self.cells {
            if cell.is_right() {
                out.push_str(&format!("{} {}\n", mode_name(*mode), scenario.name()));
            }
        }
        out
    }

    /// Fails when a cell of the baseline that ran is not right; names the cells newly right.
    pub fn check(&self, baseline: &Baseline) -> ExitCode {
        let mut regressed = Vec::new();
        let mut improved = Vec::new();
        for (mode, scenario, cell) in &self.cells {
            let key = (mode_name(*mode).to_owned(), scenario.name());
            match (baseline.contains(&key), cell.is_right()) {
                (true, false) => regressed.push(format!("{} {}: {}", key.0, key.1, cell.line())),
                (false, true) => improved.push(format!("{} {}", key.0, key.1)),
                _ => {}
            }
        }
        if !improved.is_empty() {
            println!(
                "right now and not in the baseline (add them): {}",
                improved.join(", ")
            );
        }
        if regressed.is_empty() {
            println!("no regression against the baseline");
            return ExitCode::SUCCESS;
        }
        println!("REGRESSED (right in the baseline, not now):");
        for r in &regressed {
            println!("  {r}");
        }
        ExitCode::FAILURE
    }
}

/// The cells that were right: `(mode name, scenario name)`.
pub type Baseline = BTreeSet<(String, &'static str)>;

pub fn read_baseline(path: &str) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut cells = Baseline::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("{path}:{}: expected `Mode scenario`, got `{line}`", n + 1);
        let mut words = line.split_whitespace();
        let (Some(mode), Some(scenario), None) = (words.next(), words.next(), words.next()) else {
            return Err(bad());
        };
        if !Mode::ALL.iter().any(|m| mode_name(*m) == mode) {
            return Err(format!("{path}:{}: no mode `{mode}`", n + 1));
        }
        let scenario = Scenario::parse(scenario).ok_or_else(bad)?;
        cells.insert((mode.to_owned(), scenario.name()));
    }
    Ok(cells)
}
