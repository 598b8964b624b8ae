//! Compressed output, when the output's name asks for it.
//!
//! `import -o out.jsonl.gz` writes gzip (flate2, as RFC 1952), `-o
//! out.jsonl.zst` Zstandard (ruzstd, RFC 8878) and any other name plain
//! text, so that the file is what its name says and every reader here (and
//! `gzip -d`, `zstd -d`) reads it back. ruzstd compresses a whole input at a
//! time, so the Zstandard stream is written as a frame per MiB of output:
//! a sequence of frames is one valid stream (RFC 8878, section 3), and
//! memory stays at one MiB whatever the output's size.

use std::io::{self, Write};
use std::path::Path;

use ruzstd::encoding::{CompressionLevel, compress_to_vec};

use super::Compression;

/// Output bytes per Zstandard frame.
const FRAME: usize = 1 << 20;

/// A writer that compresses as the output's name says.
pub enum Encoder<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd {
        out: W,
        pending: Vec<u8>,
        frames: u64,
    },
}

impl<W: Write> Encoder<W> {
    /// The encoder `path`'s extension (`.gz`, `.zst`, other) asks for.
    pub fn for_name(path: &Path, out: W) -> Self {
        match Compression::of_name(path) {
            Compression::None => Encoder::Plain(out),
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::fast(),
            )),
            Compression::Zstd => Encoder::Zstd {
                out,
                pending: Vec::with_capacity(FRAME),
                frames: 0,
            },
        }
    }

    /// Writes what is pending and the stream's end; returns the writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(out) => Ok(out),
            Encoder::Gzip(encoder) => encoder.finish(),
            Encoder::Zstd {
                mut out,
                pending,
                frames,
            } => {
                // An empty output is still one (empty) frame: a valid stream.
                if !pending.is_empty() || frames == 0 {
                    out.write_all(&compress_to_vec(&pending[..], CompressionLevel::Fastest))?;
                }
                Ok(out)
            }
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(out) => out.write(buf),
            Encoder::Gzip(encoder) => encoder.write(buf),
            Encoder::Zstd {
                out,
                pending,
                frames,
            } => {
                pending.extend_from_slice(buf);
                if pending.len() >= FRAME {
                    out.write_all(&compress_to_vec(&pending[..], CompressionLevel::Fastest))?;
                    pending.clear();
                    *frames += 1;
                }
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(out) => out.flush(),
            Encoder::Gzip(encoder) => encoder.flush(),
            // A frame is written whole or not at all.
            Encoder::Zstd { out, .. } => out.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn what_is_written_reads_back_through_the_decoders() {
        let text = b"{\"a\":1}\n".repeat(300_000);
        for name in ["out.jsonl.gz", "out.jsonl.zst", "out.jsonl"] {
            let mut encoder = Encoder::for_name(Path::new(name), Vec::new());
            encoder.write_all(&text).unwrap();
            let bytes = encoder.finish().unwrap();
            let decoded = crate::input::decode(
                Box::new(io::Cursor::new(bytes)),
                Compression::of_name(Path::new(name)),
            )
            .unwrap();
            let mut back = Vec::new();
            { decoded }.read_to_end(&mut back).unwrap();
            assert!(back == text, "{name} does not read back");
        }
        // Nothing written is still a valid, empty stream.
        let bytes = Encoder::for_name(Path::new("e.zst"), Vec::new())
            .finish()
            .unwrap();
        let mut back = Vec::new();
        crate::input::decode(Box::new(io::Cursor::new(bytes)), Compression::Zstd)
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
    }
}
