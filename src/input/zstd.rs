//! A Zstandard stream of one or more frames, decoded by ruzstd.
//!
//! RFC 8878 (section 3) defines a stream as a sequence of frames: data
//! frames, decoded in turn, and skippable frames (magic 0x184D2A5?), whose
//! content is stepped over. ruzstd's own streaming decoder reads a single
//! frame, so this reader starts a new frame where the previous one ended,
//! until the source ends exactly at a frame boundary. A source that ends
//! inside a frame, or holds bytes that are not a frame, is an error.

use std::io::{self, BufRead, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

pub struct Frames<R: BufRead> {
    source: R,
    decoder: FrameDecoder,
    /// A data frame's header has been read and its last block not yet drained.
    in_frame: bool,
}

impl<R: BufRead> Frames<R> {
    pub fn new(source: R) -> Self {
        Frames {
            source,
            decoder: FrameDecoder::new(),
            in_frame: false,
        }
    }

    fn corrupt(err: impl std::fmt::Display) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a valid Zstandard stream: {err}"),
        )
    }

    /// A decoder error in words: ruzstd's own texts print its internal
    /// structures (`BlockContentReadError(Error { kind: UnexpectedEof ...`).
    fn decoding(err: FrameDecoderError) -> io::Error {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        let mut cut = false;
        while let Some(error) = source {
            if error
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::UnexpectedEof)
            {
                cut = true;
            }
            source = error.source();
        }
        if cut || format!("{err:?}").contains("UnexpectedEof") {
            return io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the Zstandard stream ends inside a frame: the file is cut short",
            );
        }
        Self::corrupt(match err {
            FrameDecoderError::ReadFrameHeaderError(_) | FrameDecoderError::FrameHeaderError(_) => {
                "a frame header that is not one (bytes that are not Zstandard)".to_string()
            }
            FrameDecoderError::WindowSizeTooBig { requested, max } => {
                format!("a frame asks for a {requested}-byte window, more than {max}")
            }
            FrameDecoderError::DictNotProvided { dict_id } => {
                format!("a frame needs dictionary {dict_id}, and dictionaries are not supported")
            }
            FrameDecoderError::FailedToReadChecksum(_) => "its checksum cannot be read".into(),
            _ => "a corrupt block".to_string(),
        })
    }

    /// Reads the next frame header; false at the end of the source.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.source.fill_buf()?.is_empty() {
                return Ok(false);
            }
            match self.decoder.reset(&mut self.source) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped = io::copy(
                        &mut (&mut self.source).take(u64::from(length)),
                        &mut io::sink(),
                    )?;
                    if skipped != u64::from(length) {
                        return Err(Self::corrupt("the stream ends inside a skippable frame"));
                    }
                }
                Err(err) => return Err(Self::decoding(err)),
            }
        }
    }
}

impl<R: BufRead> Read for Frames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if !self.next_frame()? {
                    return Ok(0);
                }
                self.in_frame = true;
            }
            while self.decoder.can_collect() == 0 && !self.decoder.is_finished() {
                if let Err(err) = self
                    .decoder
                    .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                {
                    return Err(Self::decoding(err));
                }
            }
            let read = self.decoder.read(buf)?;
            if read > 0 {
                return Ok(read);
            }
            if self.decoder.is_finished() {
                // A frame that carries a checksum of its content is held to it.
                if let (Some(stored), Some(computed)) = (
                    self.decoder.get_checksum_from_data(),
                    self.decoder.get_calculated_checksum(),
                ) && stored != computed
                {
                    return Err(Self::corrupt("content checksum mismatch"));
                }
                self.in_frame = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruzstd::encoding::{CompressionLevel, compress_to_vec};

    fn decode(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Frames::new(io::BufReader::new(bytes)).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn concatenated_frames_and_skippable_frames_decode_in_turn() {
        let first = b"{\"a\":1}\n".repeat(1000);
        let second = b"{\"b\":2}\n".repeat(10);
        let mut stream = compress_to_vec(&first[..], CompressionLevel::Fastest);
        // A skippable frame: magic 0x184D2A50 (little-endian), length 3, content.
        stream.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
        stream.extend(compress_to_vec(&second[..], CompressionLevel::Fastest));
        let mut expected = first.clone();
        expected.extend_from_slice(&second);
        assert_eq!(decode(&stream).unwrap(), expected);
        assert_eq!(decode(&[]).unwrap(), b"");
    }

    #[test]
    fn a_cut_or_corrupt_stream_is_an_error_not_an_early_end() {
        let stream = compress_to_vec(&b"hello world\n".repeat(500)[..], CompressionLevel::Fastest);
        let cut = decode(&stream[..stream.len() - 5]).unwrap_err();
        assert_eq!(cut.kind(), io::ErrorKind::UnexpectedEof, "{cut}");
        assert_eq!(
            cut.to_string(),
            "the Zstandard stream ends inside a frame: the file is cut short"
        );
        let mut trailing = stream.clone();
        trailing.extend_from_slice(b"garbage");
        let err = decode(&trailing).unwrap_err();
        assert!(
            err.to_string().contains("not a valid Zstandard stream"),
            "{err}"
        );
        // Words, not the decoder's internal structures.
        assert!(!err.to_string().contains('{'), "{err}");
    }
}
