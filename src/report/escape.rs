//! Text from the input made safe to print: transcripts, ids and the
//! excerpts of rejected lines are customer- or producer-written, and a
//! terminal obeys the escape sequences in what it is given (`ESC ] 0; ...
//! BEL` retitles the window, `ESC [ 2 J` clears it, a carriage return
//! overwrites the line). Every control character (Unicode category Cc: C0,
//! DEL and C1) and the bidirectional overrides and isolates (which reorder
//! what a reader sees) are shown escaped, as Rust writes them: `\u{1b}`,
//! `\n`, `\u{202e}`.
//!
//! Everything printed to a terminal and every Markdown or text report puts
//! input-derived text through [`controls`]; JSON outputs need not, since
//! JSON escapes C0 itself and is read by programs.

use std::borrow::Cow;

/// Whether `c` is shown escaped.
fn escaped(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character and bidirectional override escaped
/// (`\u{1b}`); borrowed unchanged when there is none, as in nearly all text.
pub fn controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_cannot_reach_a_terminal() {
        let hostile = "hi\u{1b}]0;owned\u{7}\u{1b}[2J\r\n\tend\u{9b}31m\u{202e}txt";
        let safe = controls(hostile);
        assert_eq!(
            safe,
            "hi\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\r\\n\\tend\\u{9b}31m\\u{202e}txt"
        );
        assert!(!safe.chars().any(escaped));
        assert!(matches!(
            controls("plain, accented é and 🙂"),
            Cow::Borrowed(_)
        ));
    }
}
