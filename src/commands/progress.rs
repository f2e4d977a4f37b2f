//! Progress for long CLI work: a bar on a terminal, plain lines (every 10%) otherwise.

use std::io::{IsTerminal, Write};

pub struct Progress {
    label: &'static str,
    total: u64,
    done: u64,
    last_tenth: u64,
    terminal: bool,
    /// The bar reached its end (and its line was closed).
    ended: bool,
}

impl Progress {
    pub fn new(label: &'static str, total: u64) -> Self {
        Self {
            label,
            total: total.max(1),
            done: 0,
            last_tenth: 0,
            terminal: std::io::stderr().is_terminal(),
            ended: false,
        }
    }

    pub fn advance(&mut self, n: u64) {
        self.set(self.done + n);
    }

    /// Shows `done` of the total (at most the total).
    pub fn set(&mut self, done: u64) {
        if self.ended {
            return;
        }
        self.done = done.min(self.total);
        self.ended = self.done == self.total;
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let width = 30;
            let filled = (self.done * width / self.total) as usize;
            let _ = write!(
                err,
                "\r{} [{}{}] {}/{}",
                self.label,
                "#".repeat(filled),
                " ".repeat(width as usize - filled),
                self.done,
                self.total
            );
            if self.done == self.total {
                let _ = writeln!(err);
            }
        } else {
            let tenth = self.done * 10 / self.total;
            if tenth > self.last_tenth {
                self.last_tenth = tenth;
                let _ = writeln!(
                    err,
                    "{}: {}/{} ({}%)",
                    self.label,
                    self.done,
                    self.total,
                    tenth * 10
                );
            }
        }
    }
}
