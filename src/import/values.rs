//! A source file's JSON values, read one at a time.
//!
//! Contact-center exports come as one document (an object, or a list whose
//! items are the records), as JSON Lines, or as values written back to back
//! with no separator at all (Kinesis Firehose concatenates records). This
//! reader finds where each value ends by its structure (brackets and quotes,
//! outside strings), checks that it is JSON, and hands its bytes on: only the
//! value being read is held, so memory follows the largest value, not the
//! file, and time is linear in the file's size. Where a value is:
//!
//! - `file`: the only value of a file that holds one (not `.jsonl`);
//! - `[3]`: an item of a file that is one list;
//! - `line 4`: the value that starts on line 4 (a `.jsonl` file, or values
//!   back to back); `line 1, value 3`: the third of those that start on line
//!   1, as in a Firehose object that holds no line breaks.
//!
//! A value that is not JSON is rejected where it starts and reading goes on
//! after it: at the next line in a `.jsonl` file; elsewhere at the next `{`
//! from which a whole value parses and ends where a record can end (before
//! another value, a line break or the end of the file), so that one broken
//! record of a Firehose object costs no other. A UTF-8 byte-order mark is
//! skipped; UTF-16 text is rejected as such. A file that cannot be read to
//! its end (a compressed stream cut short or corrupt) is reported at the
//! line where reading stopped ([`Emit::unreadable`]), after every value
//! before it was handed on.

use std::io::{self, Read};
use std::path::Path;

use serde::de::IgnoredAny;

use super::Emit;

/// One value of a file.
pub(crate) struct Found<'b> {
    /// Where it is, for messages: `file`, `[3]`, `line 4`, `line 1, value 3`.
    pub record: String,
    pub bytes: &'b [u8],
    /// Its position among the file's values, the same on every reading.
    pub ordinal: usize,
}

/// How much is read from the source at a time.
const CHUNK: usize = 64 * 1024;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Hands each value of `path` to `f`, in order. With `report`, values that
/// are not JSON are rejected and a file that cannot be read is reported
/// through `emit`; without it (a second reading), they are passed over in
/// silence.
pub(crate) fn each_value(
    path: &Path,
    emit: &mut Emit<'_>,
    report: bool,
    mut f: impl FnMut(&mut Emit<'_>, Found<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let source = match crate::input::open(&crate::input::Input::File(path.to_path_buf())) {
        Ok(source) => source,
        Err(err) => {
            if report {
                let text = err.to_string();
                let prefix = format!("{}: ", path.display());
                let text = text.strip_prefix(&prefix).unwrap_or(&text);
                emit.unreadable("file", format!("cannot be read: {text}"))?;
            }
            return Ok(());
        }
    };
    let mut scanner = Scanner::new(source, super::is_jsonl(path));
    scanner.fill_to(3);
    if scanner.buf.starts_with(b"\xFF\xFE") || scanner.buf.starts_with(b"\xFE\xFF") {
        if report {
            emit.reject_record(
                "file",
                "UTF-16 text: handoff-eval reads UTF-8 (convert it first, e.g. with \
                 `iconv -f UTF-16 -t UTF-8`)",
            )?;
        }
        return Ok(());
    }
    if scanner.buf.starts_with(BOM) {
        scanner.consume(BOM.len());
    }
    scanner.run(emit, report, &mut f)?;
    if let Some(err) = scanner.error.take()
        && report
    {
        let text = err.to_string();
        let prefix = format!("{}: ", path.display());
        let text = text.strip_prefix(&prefix).unwrap_or(&text);
        emit.unreadable(
            format!("line {}", scanner.line),
            format!("cannot be read past this line: {text}"),
        )?;
    }
    Ok(())
}

/// What scanning a value found.
enum Scan {
    /// The value ends before this index of the buffer.
    Complete(usize),
    /// The value cannot be whole: a line break inside a string (JSON allows
    /// none) or, in a `.jsonl` file, inside an unclosed bracket; the bad
    /// part ends before this index.
    Broken(usize),
    /// The file ends inside the value.
    Unfinished,
}

struct Scanner {
    source: Box<dyn Read + Send>,
    /// Bytes read and not yet consumed.
    buf: Vec<u8>,
    /// The line `buf[0]` is on.
    line: usize,
    eof: bool,
    /// Why reading stopped early, if it did.
    error: Option<io::Error>,
    /// A `.jsonl` file: a value ends at its line's end.
    lines: bool,
    /// Values found so far.
    ordinal: usize,
    /// The line the last value started on, and how many started on it.
    last_line: (usize, usize),
}

impl Scanner {
    fn new(source: Box<dyn Read + Send>, lines: bool) -> Self {
        Scanner {
            source,
            buf: Vec::new(),
            line: 1,
            eof: false,
            error: None,
            lines,
            ordinal: 0,
            last_line: (0, 0),
        }
    }

    /// Reads one more chunk; false at the end of the source (or an error).
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let start = self.buf.len();
        self.buf.resize(start + CHUNK, 0);
        loop {
            match self.source.read(&mut self.buf[start..]) {
                Ok(0) => {
                    self.buf.truncate(start);
                    self.eof = true;
                    return false;
                }
                Ok(n) => {
                    self.buf.truncate(start + n);
                    return true;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    self.buf.truncate(start);
                    self.error = Some(err);
                    self.eof = true;
                    return false;
                }
            }
        }
    }

    /// Reads until at least `n` bytes are buffered, or the source ends.
    fn fill_to(&mut self, n: usize) {
        while self.buf.len() < n && self.fill() {}
    }

    /// Drops the first `n` bytes, counting their lines.
    fn consume(&mut self, n: usize) {
        self.line += memchr::memchr_iter(b'\n', &self.buf[..n]).count();
        self.buf.drain(..n);
    }

    /// The index of the first byte at or after `from` that is not
    /// whitespace, reading more as needed; `None` at the end of the file.
    /// `newline` says whether a line break was passed.
    fn skip_whitespace(&mut self, from: usize) -> (Option<usize>, bool) {
        let mut at = from;
        let mut newline = false;
        loop {
            while at < self.buf.len() {
                match self.buf[at] {
                    b'\n' => newline = true,
                    b' ' | b'\t' | b'\r' => {}
                    _ => return (Some(at), newline),
                }
                at += 1;
            }
            if !self.fill() {
                return (None, newline);
            }
        }
    }

    fn run(
        &mut self,
        emit: &mut Emit<'_>,
        report: bool,
        f: &mut impl FnMut(&mut Emit<'_>, Found<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let (first, _) = self.skip_whitespace(0);
        let Some(first) = first else {
            if report && !self.lines && self.error.is_none() {
                emit.reject_record("file", "no JSON value: the file is empty")?;
            }
            return Ok(());
        };
        self.consume(first);
        if !self.lines && self.buf[0] == b'[' {
            self.consume(1);
            if self.items(emit, report, f)? {
                return Ok(());
            }
        }
        self.values(emit, report, f)
    }

    /// The items of a list that is the whole file; true once the list is
    /// closed and nothing but whitespace follows it.
    fn items(
        &mut self,
        emit: &mut Emit<'_>,
        report: bool,
        f: &mut impl FnMut(&mut Emit<'_>, Found<'_>) -> io::Result<()>,
    ) -> io::Result<bool> {
        let mut index = 0;
        loop {
            let (next, _) = self.skip_whitespace(0);
            let Some(next) = next else {
                if report && self.error.is_none() {
                    emit.reject_record(
                        format!("line {}", self.line),
                        "invalid JSON: the file ends inside the list",
                    )?;
                }
                return Ok(true);
            };
            self.consume(next);
            match self.buf[0] {
                b']' => {
                    self.consume(1);
                    return Ok(self.skip_whitespace(0).0.is_none());
                }
                b',' if index > 0 => {
                    self.consume(1);
                    continue;
                }
                _ => {}
            }
            let record = format!("[{index}]");
            index += 1;
            let line = self.line;
            match self.scan(0) {
                Scan::Complete(end) => {
                    match check(&self.buf[..end], line) {
                        Ok(()) => self.deliver(record, end, emit, f)?,
                        Err(message) => {
                            self.ordinal += 1;
                            if report {
                                emit.reject_record(record, message)?;
                            }
                        }
                    }
                    self.consume(end);
                }
                Scan::Broken(end) => {
                    if report {
                        emit.reject_record(
                            record,
                            format!("invalid JSON at line {line}: a line break inside a string"),
                        )?;
                    }
                    self.consume(end);
                }
                Scan::Unfinished => {
                    if report && self.error.is_none() {
                        emit.reject_record(
                            record,
                            format!("invalid JSON at line {line}: the file ends inside this item"),
                        )?;
                    }
                    return Ok(true);
                }
            }
        }
    }

    /// Values one after another, each starting where the last ended.
    fn values(
        &mut self,
        emit: &mut Emit<'_>,
        report: bool,
        f: &mut impl FnMut(&mut Emit<'_>, Found<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut first = true;
        loop {
            let (next, _) = self.skip_whitespace(0);
            let Some(next) = next else {
                return Ok(());
            };
            self.consume(next);
            let line = self.line;
            let scanned = self.scan(0);
            let end = match scanned {
                Scan::Complete(end) | Scan::Broken(end) => end,
                Scan::Unfinished => self.buf.len(),
            };
            // What follows: nothing (the only value of a document), or
            // another value on the same line.
            let (after, newline) = self.skip_whitespace(end);
            let same_line = after.is_some() && !newline;
            let record = if first && after.is_none() && !self.lines {
                "file".to_string()
            } else {
                let count = if self.last_line.0 == line {
                    self.last_line.1 + 1
                } else {
                    1
                };
                self.last_line = (line, count);
                if count > 1 || same_line {
                    format!("line {line}, value {count}")
                } else {
                    format!("line {line}")
                }
            };
            first = false;
            match scanned {
                Scan::Complete(end) => {
                    if let Err(message) = check(&self.buf[..end], line) {
                        self.reject_and_resync(record, message, emit, report)?;
                        continue;
                    }
                    self.deliver(record, end, emit, f)?;
                    self.consume(end);
                }
                Scan::Broken(end) => {
                    let message = match check(&self.buf[..end], line) {
                        Err(message) => message,
                        Ok(()) => {
                            format!("invalid JSON at line {line}: a line break inside a string")
                        }
                    };
                    self.reject_and_resync(record, message, emit, report)?;
                }
                Scan::Unfinished => {
                    if self.error.is_some() {
                        // Reported as the file's read error.
                        return Ok(());
                    }
                    let message = match check(&self.buf, line) {
                        Err(message) => message,
                        Ok(()) => {
                            format!("invalid JSON at line {line}: the file ends inside this value")
                        }
                    };
                    self.reject_and_resync(record, message, emit, report)?;
                }
            }
        }
    }

    /// Hands a value that parses on.
    fn deliver(
        &mut self,
        record: String,
        end: usize,
        emit: &mut Emit<'_>,
        f: &mut impl FnMut(&mut Emit<'_>, Found<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let ordinal = self.ordinal;
        self.ordinal += 1;
        f(
            emit,
            Found {
                record,
                bytes: &self.buf[..end],
                ordinal,
            },
        )
    }

    /// Rejects the value that starts the buffer and goes on where the next
    /// one can start: the next line in a `.jsonl` file; elsewhere the next
    /// `{` from which a whole value parses and ends where a record can.
    fn reject_and_resync(
        &mut self,
        record: String,
        message: String,
        emit: &mut Emit<'_>,
        report: bool,
    ) -> io::Result<()> {
        self.ordinal += 1;
        if report {
            emit.reject_record(record, message)?;
        }
        if self.lines {
            // To the end of the line the bad value started on.
            loop {
                if let Some(newline) = memchr::memchr(b'\n', &self.buf) {
                    self.consume(newline + 1);
                    return Ok(());
                }
                if !self.fill() {
                    let all = self.buf.len();
                    self.consume(all);
                    return Ok(());
                }
            }
        }
        let mut at = 1;
        loop {
            let Some(offset) = memchr::memchr(b'{', &self.buf[at.min(self.buf.len())..]) else {
                if self.fill() {
                    continue;
                }
                let all = self.buf.len();
                self.consume(all);
                return Ok(());
            };
            let candidate = at + offset;
            match self.parses_as_record(candidate) {
                Some(true) => {
                    self.consume(candidate);
                    return Ok(());
                }
                Some(false) => at = candidate + 1,
                // More bytes are needed to tell.
                None => {
                    if !self.fill() {
                        at = candidate + 1;
                    }
                }
            }
        }
    }

    /// Whether a whole value parses from `start` and ends where a record
    /// can end; `None` when the buffer ends before that can be told.
    fn parses_as_record(&mut self, start: usize) -> Option<bool> {
        let mut stream =
            serde_json::Deserializer::from_slice(&self.buf[start..]).into_iter::<IgnoredAny>();
        match stream.next() {
            Some(Ok(_)) => {
                let end = start + stream.byte_offset();
                let mut at = end;
                let mut newline = false;
                while at < self.buf.len() {
                    match self.buf[at] {
                        b'\n' => newline = true,
                        b' ' | b'\t' | b'\r' => {}
                        b'{' | b'[' => return Some(true),
                        _ => return Some(newline),
                    }
                    at += 1;
                }
                if self.eof { Some(true) } else { None }
            }
            Some(Err(err)) if err.is_eof() && !self.eof => None,
            _ => Some(false),
        }
    }

    /// Where the value at `start` ends, by its brackets and quotes.
    fn scan(&mut self, start: usize) -> Scan {
        let mut at = start;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let scalar = !matches!(self.buf[start], b'{' | b'[' | b'"');
        loop {
            while at < self.buf.len() {
                let byte = self.buf[at];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if byte == b'\\' {
                        escaped = true;
                    } else if byte == b'"' {
                        in_string = false;
                        if depth == 0 {
                            return Scan::Complete(at + 1);
                        }
                    } else if byte == b'\n' {
                        return Scan::Broken(at);
                    }
                } else if scalar {
                    if matches!(
                        byte,
                        b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'[' | b'"' | b','
                    ) {
                        return Scan::Complete(at);
                    }
                } else {
                    match byte {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                return Scan::Complete(at + 1);
                            }
                        }
                        b'\n' if self.lines => return Scan::Broken(at),
                        _ => {}
                    }
                }
                at += 1;
            }
            if !self.fill() {
                return if scalar && at > start {
                    Scan::Complete(at)
                } else {
                    Scan::Unfinished
                };
            }
        }
    }
}

/// Whether `bytes` are one JSON value; if not, why, with the line and
/// column in the file (the value starts on `line`).
fn check(bytes: &[u8], line: usize) -> Result<(), String> {
    match serde_json::from_slice::<IgnoredAny>(bytes) {
        Ok(_) => Ok(()),
        Err(err) => Err(located(&err, line)),
    }
}

/// A parse error of a value that starts on `line`, located in the file.
pub(crate) fn located(err: &serde_json::Error, line: usize) -> String {
    let text = err.to_string();
    let what = match text.rfind(" at line ") {
        Some(cut) => &text[..cut],
        None => &text,
    };
    let at = line + err.line().saturating_sub(1);
    if err.line() == 0 {
        format!("invalid JSON: {what}")
    } else {
        format!("invalid JSON: {what} at line {at} column {}", err.column())
    }
}
