//! Conversations in: the `handoff-trace/v1` model and its streaming reader.

mod model;
mod reader;

pub use model::*;
pub use reader::{
    Input, InputError, LineReader, RawLine, files_in, overlong_error, parse_line, resolve_inputs,
};
