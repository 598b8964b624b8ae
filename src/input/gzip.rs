//! A gzip stream of one or more members, decoded by flate2.
//!
//! RFC 1952 (section 2.2) makes a gzip file a series of members, each
//! decoded in turn (`cat a.gz b.gz`, and parallel compressors, write them).
//! After the last member, GNU gzip ignores zero bytes (tape and block
//! devices pad files with them: `gzip -t` accepts such a file) and rejects
//! anything else; so does this reader. A member cut short or corrupt is an
//! error, never an early end.

use std::io::{self, BufRead, Read};

use flate2::bufread::GzDecoder;

pub struct Members<R: BufRead> {
    state: State<R>,
}

enum State<R: BufRead> {
    /// Inside a member.
    Member(GzDecoder<R>),
    /// Between members, or before the first.
    Between(R),
    Done,
}

impl<R: BufRead> Members<R> {
    pub fn new(source: R) -> Self {
        Members {
            state: State::Between(source),
        }
    }
}

/// The first gzip magic byte (RFC 1952, 2.3.1).
const ID1: u8 = 0x1f;

/// Reads past zero bytes to the end; an error at anything else.
fn only_zeros<R: BufRead>(source: &mut R) -> io::Result<()> {
    loop {
        let buf = source.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if buf.iter().any(|b| *b != 0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "not a valid gzip stream: bytes after the last member that are neither a \
                 member nor zero padding",
            ));
        }
        let n = buf.len();
        source.consume(n);
    }
}

impl<R: BufRead> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Ok(0),
                State::Member(mut decoder) => match decoder.read(buf) {
                    Ok(0) => self.state = State::Between(decoder.into_inner()),
                    Ok(n) => {
                        self.state = State::Member(decoder);
                        return Ok(n);
                    }
                    Err(err) => {
                        self.state = State::Member(decoder);
                        return Err(if err.kind() == io::ErrorKind::UnexpectedEof {
                            io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "the gzip stream ends inside a member: the file is cut short",
                            )
                        } else {
                            io::Error::new(err.kind(), format!("not a valid gzip stream: {err}"))
                        });
                    }
                },
                State::Between(mut source) => {
                    let next = source.fill_buf()?.first().copied();
                    match next {
                        None => return Ok(0),
                        Some(ID1) => self.state = State::Member(GzDecoder::new(source)),
                        Some(0) => {
                            only_zeros(&mut source)?;
                            return Ok(0);
                        }
                        Some(_) => {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                "not a valid gzip stream: bytes after the last member that are \
                                 neither a member nor zero padding",
                            ));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn member(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn decode(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Members::new(io::BufReader::new(bytes)).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn members_in_turn_and_zero_padding_after_them() {
        let mut stream = member(b"first\n");
        stream.extend(member(b"second\n"));
        assert_eq!(decode(&stream).unwrap(), b"first\nsecond\n");
        stream.extend([0u8; 4096]);
        assert_eq!(decode(&stream).unwrap(), b"first\nsecond\n");
        assert_eq!(decode(&[]).unwrap(), b"");
    }

    #[test]
    fn garbage_after_a_member_or_a_cut_member_is_an_error() {
        let mut stream = member(&b"hello world\n".repeat(1000));
        let cut = decode(&stream[..stream.len() - 6]).unwrap_err();
        assert!(cut.to_string().contains("cut short"), "{cut}");
        stream.extend([0, 0, 7]);
        let err = decode(&stream).unwrap_err();
        assert!(err.to_string().contains("zero padding"), "{err}");
    }
}
