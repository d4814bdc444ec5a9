//! The CLI's batch line reader (`src/bin/portcullis/io.rs`, `read_line`), through
//! which every `--batch` command reads standard input, on arbitrary bytes and
//! buffer sizes.
//!
//! Invariants: one answer per input line, in order; a line within the limit comes
//! back exactly (less its `\n` and one `\r` before it) when it is UTF-8, and as
//! unreadable otherwise; a line over the limit is unreadable and costs no more
//! memory than the limit; nothing after the last `\n` is lost.
#![no_main]

use std::io::{BufReader, Cursor};

use libfuzzer_sys::fuzz_target;

/// What `io.rs` expects at the crate root (as in `src/bin/portcullis/main.rs`).
pub struct ConfigError(pub String);

impl<E: std::fmt::Display> From<E> for ConfigError {
    fn from(err: E) -> Self {
        ConfigError(err.to_string())
    }
}

#[allow(dead_code)]
#[path = "../../src/bin/portcullis/io.rs"]
mod io;

fuzz_target!(|data: &[u8]| {
    let Some((&[max, capacity], input)) = data.split_first_chunk::<2>() else {
        return;
    };
    let max = usize::from(max % 64) + 1;
    let capacity = usize::from(capacity % 16) + 1;
    let mut reader = BufReader::with_capacity(capacity, Cursor::new(input));
    let mut expected = input.split(|&b| b == b'\n').collect::<Vec<_>>();
    if expected.last().is_some_and(|last| last.is_empty()) {
        expected.pop();
    }
    let mut lines = expected.into_iter();
    loop {
        let read = io::read_line(&mut reader, max).expect("reading memory does not fail");
        let (read, original) = match (read, lines.next()) {
            (None, None) => break,
            (Some(read), Some(original)) => (read, original),
            (read, original) => panic!("lines out of step: {:?} / {original:?}", read.is_some()),
        };
        // The limit counts the line as sent, a `\r` before its `\n` included.
        let within = original.len() <= max;
        let text = original.strip_suffix(b"\r").unwrap_or(original);
        match read {
            io::Line::Text(read) => {
                assert!(within, "a line over the limit was read");
                assert_eq!(read.as_bytes(), text, "a line came back changed");
            }
            io::Line::Unreadable => {
                assert!(
                    !within || std::str::from_utf8(text).is_err(),
                    "a readable line was refused"
                );
            }
        }
    }
});
