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
//!
//! Markdown reports also keep input text from changing the document's
//! structure: a `|` would split a table cell, `</details>` close a folded
//! list, a backtick end a code span, `[text](url)` make a link. Plain text
//! goes through [`markdown`] (a backslash before each such character, as
//! CommonMark allows before any ASCII punctuation); ids quoted as code go
//! through [`code_span`] (a fence longer than any run of backticks inside,
//! since a code span takes no backslash escapes).

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

/// Characters that can change a Markdown document's structure inline.
fn markdown_special(c: char) -> bool {
    matches!(c, '\\' | '`' | '|' | '<' | '>' | '[' | ']' | '*' | '&')
}

/// `text` for Markdown prose or a table cell: [`controls`] escaped, and a
/// backslash before `` \ ` | < > [ ] * & `` (CommonMark 2.4: any ASCII
/// punctuation may be backslash-escaped; GFM tables read `\|` as a `|`
/// inside a cell; `&` would start an entity such as `&#x202e;`). An `_`
/// inside a word is no emphasis and is left alone. Borrowed unchanged when
/// there is nothing to escape.
pub fn markdown(text: &str) -> Cow<'_, str> {
    let text = controls(text);
    if !text.chars().any(markdown_special) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if markdown_special(c) {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// `text` as a Markdown code span, [`controls`] escaped: fenced by one
/// backtick more than the longest run of backticks inside, and padded with
/// a space where it starts or ends with one (CommonMark 6.1). In a table
/// cell (`in_table`), a `|` is written `\|`, which GFM tables read as a
/// `|` even inside a code span; elsewhere it stays as it is.
pub fn code_span(text: &str, in_table: bool) -> String {
    let text = controls(text);
    let text = if in_table && text.contains('|') {
        Cow::Owned(text.replace('|', "\\|"))
    } else {
        text
    };
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
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

    #[test]
    fn markdown_text_cannot_change_a_document() {
        assert_eq!(
            markdown("bot | 1.0 </details> [x](http://e) `a`\u{1b}"),
            "bot \\| 1.0 \\</details\\> \\[x\\](http://e) \\`a\\`\\\\u{1b}"
        );
        assert!(matches!(markdown("bot_v1@1.0 (beta)"), Cow::Borrowed(_)));
        assert_eq!(code_span("conv-1", false), "`conv-1`");
        assert_eq!(code_span("a`b``c", false), "```a`b``c```");
        assert_eq!(code_span("`x", false), "`` `x ``");
        assert_eq!(code_span("a|b", true), "`a\\|b`");
        assert_eq!(code_span("a|b", false), "`a|b`");
    }
}
