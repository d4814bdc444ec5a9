//! PHC strings (`PasswordHash::parse`) and verification against them with a small
//! cost cap, on arbitrary input.
//!
//! Invariants:
//! - a parsed hash writes back as a string that parses to the same hash (one
//!   canonical form), and `needs_rehash` accepts exactly what `parse` accepts;
//! - verification is bounded by the hasher's limits (7 MiB, 5 passes here), answers
//!   deterministically and refuses with stable codes (never `internal`);
//! - a published hash (argon2's reference C implementation, m = 256 KiB) takes its
//!   own password and no other.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portcullis::password::{Limits, Params, PasswordHash, PasswordHasher};

/// The input is `phc NUL password` (or a PHC string alone, with the password
/// "password").
struct Input<'a> {
    phc: &'a str,
    password: &'a str,
}

impl<'a> Input<'a> {
    fn read(data: &'a [u8]) -> Option<Self> {
        let (phc, password) = match data.iter().position(|&b| b == 0) {
            Some(split) => (&data[..split], &data[split + 1..]),
            None => (data, &b"password"[..]),
        };
        Some(Input {
            phc: std::str::from_utf8(phc).ok()?,
            password: std::str::from_utf8(password).ok()?,
        })
    }
}

/// The cheapest hasher the library allows, with limits at its parameters: a stored
/// hash may cost at most 7 MiB × 5 passes to check.
fn hasher() -> &'static PasswordHasher {
    static HASHER: OnceLock<PasswordHasher> = OnceLock::new();
    HASHER.get_or_init(|| {
        let params = Params {
            m_cost: Params::MIN_M_COST,
            t_cost: 5,
            p_cost: 1,
            ..Params::owasp()
        };
        let limits = Limits {
            max_m_cost: params.m_cost,
            max_t_cost: params.t_cost,
            max_p_cost: 2,
            max_work: Params::MIN_WORK,
            ..Limits::default()
        };
        PasswordHasher::builder()
            .params(params)
            .limits(limits)
            .build()
            .expect("hasher")
    })
}

/// argon2id, m = 256 KiB, t = 2, of "password" (tests/data/rfc/argon2_reference_c.json).
const KNOWN: &str = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";

const CODES: &[&str] = &[
    "malformed_hash",
    "unsupported_algorithm",
    "unsupported_version",
    "invalid_params",
    "params_exceed_limits",
    "unknown_pepper",
];

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::read(data) else {
        return;
    };
    let hasher = hasher();
    match PasswordHash::parse(input.phc) {
        Ok(hash) => {
            let written = hash.to_string();
            assert!(PasswordHash::parse(&written).ok() == Some(hash.clone()), "round trip");
            assert!(hasher.needs_rehash(input.phc).is_ok());
        }
        Err(err) => {
            assert!(hasher.needs_rehash(input.phc).is_err(), "{}", err.code());
        }
    }
    let first = hasher.verify(input.password, input.phc);
    match &first {
        Ok(_) => {}
        Err(err) => assert!(CODES.contains(&err.code()), "unknown code {}", err.code()),
    }
    if first.is_ok() && input.phc.len() < 256 {
        // Determinism, where the work is small enough to do twice.
        let again = hasher.verify(input.password, input.phc);
        assert_eq!(first.as_ref().map(|v| v.ok).ok(), again.as_ref().map(|v| v.ok).ok());
    }
    // The published hash takes exactly its password (half a millisecond of argon2:
    // only for inputs that look like it, to keep the parsers' rate up).
    if input.password.starts_with("pass") {
        let known = hasher.verify(input.password, KNOWN).expect("a well-formed hash");
        assert_eq!(known.ok, input.password == "password");
    }
});
