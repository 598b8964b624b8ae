//! Outputs of a scoring run: `summary.json` ([`summary`]) and the table
//! printed to the terminal ([`table`]); input text in them goes through
//! [`escape`], and colour on a terminal through [`style`]. Call scorecards are written as they
//! are produced, by the run itself, each as a line of [`call_line`].

pub mod call_line;
pub mod card;
pub mod escape;
pub mod explain;
pub mod gate;
pub mod html;
pub mod run_report;
pub mod stream_file;
pub mod style;
pub mod summary;
pub mod table;
pub mod yaml;
