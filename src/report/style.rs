//! Colour on a terminal: verdicts, errors, warnings and the gate decision.
//!
//! Whether a stream gets colour is decided once per stream by anstream's
//! rules (the same as clap's and cargo's): `NO_COLOR` set and not empty
//! turns it off, `CLICOLOR_FORCE` turns it on, `CLICOLOR=0` turns it off,
//! and otherwise only a terminal gets colour (never a pipe or a file). Text
//! is painted with ANSI SGR sequences from anstyle; a [`Palette`] that is
//! off returns the text unchanged, so what is written to files and pipes
//! is byte for byte the same as before colour existed.

use std::io::{self};

use anstyle::{AnsiColor, Style};

/// Paints text for one output stream, or leaves it plain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Palette {
    enabled: bool,
}

const PASS: Style = AnsiColor::Green.on_default();
const FAIL: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const NOTE: Style = AnsiColor::Cyan.on_default();
const STRONG: Style = Style::new().bold();

impl Palette {
    /// No colour.
    pub const PLAIN: Palette = Palette { enabled: false };

    /// Colour for standard output, if anstream's rules allow it.
    pub fn stdout() -> Palette {
        Palette::from_choice(anstream::AutoStream::choice(&io::stdout()))
    }

    /// Colour for standard error, if anstream's rules allow it.
    pub fn stderr() -> Palette {
        Palette::from_choice(anstream::AutoStream::choice(&io::stderr()))
    }

    fn from_choice(choice: anstream::ColorChoice) -> Palette {
        Palette {
            enabled: matches!(
                choice,
                anstream::ColorChoice::Always | anstream::ColorChoice::AlwaysAnsi
            ),
        }
    }

    pub fn is_enabled(self) -> bool {
        self.enabled
    }

    fn paint(self, style: Style, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// A verdict word or count that passed.
    pub fn pass(self, text: &str) -> String {
        self.paint(PASS, text)
    }

    /// A failure: a failed verdict, `error:`, a failed gate.
    pub fn fail(self, text: &str) -> String {
        self.paint(FAIL, text)
    }

    /// What could not be judged, `warning:`, an undecided gate.
    pub fn warn(self, text: &str) -> String {
        self.paint(WARN, text)
    }

    /// A command to run next.
    pub fn note(self, text: &str) -> String {
        self.paint(NOTE, text)
    }

    /// A headline.
    pub fn strong(self, text: &str) -> String {
        self.paint(STRONG, text)
    }

    /// A verdict (`pass`, `fail`, `unscored`, `na`) in its colour.
    pub fn verdict(self, verdict: &str) -> String {
        self.verdict_as(verdict, verdict)
    }

    /// `text` in the colour of `verdict` (`pass`, `fail`, `unscored`).
    pub fn verdict_as(self, verdict: &str, text: &str) -> String {
        match verdict {
            "pass" => self.pass(text),
            "fail" => self.fail(text),
            "unscored" => self.warn(text),
            _ => text.to_string(),
        }
    }

    /// `text` with the `error:` and `warning:` that open its lines painted
    /// (rubric diagnostics, rustc style).
    pub fn levels(self, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("error:") {
                out.push_str(&self.fail("error:"));
                out.push_str(rest);
            } else if let Some(rest) = line.strip_prefix("warning:") {
                out.push_str(&self.warn("warning:"));
                out.push_str(rest);
            } else {
                out.push_str(line);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_left_alone_and_colour_wraps_it() {
        assert_eq!(Palette::PLAIN.fail("fail"), "fail");
        assert_eq!(Palette::PLAIN.levels("error: x\n"), "error: x\n");
        let on = Palette { enabled: true };
        assert_eq!(on.pass("pass"), "\u{1b}[32mpass\u{1b}[0m");
        assert_eq!(
            on.levels("error: bad\n  --> x\nwarning: meh\n"),
            "\u{1b}[1m\u{1b}[31merror:\u{1b}[0m bad\n  --> x\n\u{1b}[1m\u{1b}[33mwarning:\u{1b}[0m meh\n"
        );
    }
}
