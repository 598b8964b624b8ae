//! Conversations in: the `handoff-trace/v1` model and its streaming reader.

mod model;
mod reader;

pub use crate::input::{Input, InputError, files_in, resolve_inputs};
pub use model::*;
pub use reader::{LineReader, RawLine, overlong_error, parse_line};
