//! `portcullis password` and over-long passwords: `hash` refuses one (exit 2, as
//! any input it cannot take); `verify` calls it what the library does, a mismatch
//! (exit 1), since no stored hash can be of it. DESIGN.md keeps exit 2 for a
//! malformed hash, which still comes first.
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

const MAX: usize = portcullis::password::MAX_PASSWORD_BYTES;
const MISMATCH: &str = r#"{"ok":false,"needs_rehash":false}"#;

fn portcullis(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn portcullis");
    // The tool reads no more of a password than it needs to know it is over-long.
    if let Err(err) = child.stdin.take().expect("stdin").write_all(stdin) {
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {err}");
    }
    child.wait_with_output().expect("portcullis runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

fn stored(password: &[u8]) -> String {
    let out = portcullis(&["password", "hash"], password);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    stdout(&out)
}

#[test]
fn hash_refuses_a_password_over_4096_bytes_with_exit_2() {
    for stdin in [vec![b'a'; MAX + 1], [vec![b'a'; MAX + 1], b"\n".to_vec()].concat()] {
        let out = portcullis(&["password", "hash"], &stdin);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("password_too_long"), "{stderr}");
    }
    // 4096 bytes and the newline that ends them are a password of 4096 bytes.
    stored(&[vec![b'a'; MAX], b"\n".to_vec()].concat());
}

#[test]
fn verify_of_a_password_over_4096_bytes_is_a_mismatch_with_exit_1() {
    let at_limit = vec![b'a'; MAX];
    let phc = stored(&at_limit);
    let verify = |stdin: &[u8]| portcullis(&["password", "verify", "--hash", &phc], stdin);
    let ok = verify(&at_limit);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));

    let over = [at_limit.clone(), b"a".to_vec()].concat();
    let not_utf8_past_the_limit = [at_limit.clone(), vec![0xff, 0xfe]].concat();
    let far_over = vec![b'a'; 1 << 20];
    for stdin in [&over, &not_utf8_past_the_limit, &far_over] {
        let out = verify(stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            (out.status.code(), stdout(&out)),
            (Some(1), MISMATCH.to_owned()),
            "{stderr}"
        );
    }

    // A malformed hash is still exit 2, whatever the password.
    let out = portcullis(&["password", "verify", "--hash", "$argon2id$v=19$m=64"], &over);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed_hash"));
}

#[test]
fn verify_batch_answers_a_password_over_4096_bytes_as_a_mismatch() {
    let phc = stored(b"pw");
    let line = |password: &str| serde_json::json!({ "phc": phc, "password": password }).to_string();
    let input = [line(&"a".repeat(MAX + 1)), line("pw")].join("\n");
    let out = portcullis(&["password", "verify", "--batch"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [MISMATCH, r#"{"ok":true,"needs_rehash":false}"#]
    );
}
