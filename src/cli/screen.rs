//! Standard output that a closed pipe ends quietly, and standard error that
//! never stops a command.
//!
//! `handoff-eval score ... | head -2` closes the pipe after two lines; every
//! later write to standard output then fails with "broken pipe" (Rust
//! ignores SIGPIPE). Like ripgrep and cargo, a command does not panic or
//! complain about that: [`Screen`] drops what it cannot print, says nothing,
//! and lets the command go on completing its files (`score`) or stop early
//! when standard output was all it had to write (`generate`, `import`; see
//! [`Screen::is_closed`]). The exit code stays what the command's work
//! decided. Any other write error (a full disk behind `> file`) is an error
//! naming standard output.
//!
//! Standard error carries messages only (rejected lines, warnings, where
//! the files went, errors), never a result: everything written there goes
//! through [`to_stderr!`], which drops a line it cannot write. `eprintln!`
//! panics on a closed or full stderr (`2>&1 | head -1`, `2>/dev/full`),
//! which would leave a run incomplete; `clippy::print_stderr` (denied in
//! `lib.rs`) keeps it out of the crate.

use std::fmt;
use std::io::{self, BufWriter, Stdout, Write};

/// Writes `args` and a newline to standard error; a line that cannot be
/// written (a closed pipe, a full disk, a hung-up terminal) is dropped.
pub fn stderr_line(args: fmt::Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    let _ = stderr
        .write_fmt(args)
        .and_then(|()| stderr.write_all(b"\n"));
}

/// Writes `text` to standard error as it is (no newline added), dropping
/// what cannot be written.
pub fn stderr_text(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// `eprintln!` that never panics: see [`stderr_line`].
macro_rules! to_stderr {
    ($($arg:tt)*) => {
        $crate::cli::screen::stderr_line(format_args!($($arg)*))
    };
}
pub(crate) use to_stderr;

/// Buffered standard output that treats a closed pipe as the end of output.
pub struct Screen {
    out: BufWriter<Stdout>,
    closed: bool,
}

impl Default for Screen {
    fn default() -> Self {
        Screen::new()
    }
}

fn named(err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        format!("cannot write to standard output: {err}"),
    )
}

impl Screen {
    pub fn new() -> Self {
        Screen {
            out: BufWriter::with_capacity(64 * 1024, io::stdout()),
            closed: false,
        }
    }

    /// Whether the reader of standard output has gone away.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Prints `text` (nothing once the pipe is closed).
    pub fn print(&mut self, text: &str) -> io::Result<()> {
        self.write_all(text.as_bytes())
    }

    /// Prints `text` and a newline.
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        self.print(text)?;
        self.print("\n")
    }

    /// Sends what is buffered; call it before the command returns, so
    /// that an error other than a closed pipe is reported.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.out.flush();
        self.absorb(result)
    }

    fn absorb(&mut self, result: io::Result<()>) -> io::Result<()> {
        match result {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other.map_err(named),
        }
    }
}

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.out.write_all(buf);
        self.absorb(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        Screen::flush(self)
    }
}

/// Columns the tables on standard output may take. A terminal's own width
/// (at least [`NARROWEST`]); a terminal that reports none, or 0 columns (as
/// some consoles and CI runners do), gets `COLUMNS` or 80. Not a terminal
/// (a pipe, a file): `COLUMNS`, else 120, so that what is written there
/// does not depend on the window it was run from.
pub fn columns() -> u16 {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|text| text.trim().parse::<u16>().ok())
        .filter(|&columns| columns > 0);
    let stdout = io::stdout();
    let columns = if std::io::IsTerminal::is_terminal(&stdout) {
        terminal_size::terminal_size_of(&stdout)
            .map(|(width, _)| width.0)
            .or(from_env)
            .unwrap_or(80)
    } else {
        from_env.unwrap_or(120)
    };
    columns.max(NARROWEST)
}

/// Below this, a table is drawn this wide and the terminal wraps it.
pub const NARROWEST: u16 = 40;
