//! Interoperability with the reference C implementation of argon2, in both directions:
//! portcullis verifies PHC strings the C library made (committed fixtures from
//! argon2-cffi, and the reference repository's own test vectors), and argon2-cffi
//! (tests/interop/verify_with_argon2.py) verifies hashes portcullis makes.

mod common {
    pub mod interop;
}

use portcullis::password::{Params, PasswordError, PasswordHasher};
use serde_json::{Value, json};

fn load(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn password_of(case: &Value) -> String {
    let hex = case["password_hex"].as_str().unwrap();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let password = String::from_utf8(bytes).unwrap();
    assert_eq!(
        case["password_utf8"].as_str(),
        Some(password.as_str()),
        "fixture hex and text disagree"
    );
    password
}

#[test]
fn every_argon2_cffi_fixture_verifies_as_the_c_library_decided() {
    let cases = load("interop/argon2.json");
    assert!(cases.len() >= 30);
    let hasher = PasswordHasher::new();
    let mut variants = std::collections::BTreeSet::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let phc = case["phc"].as_str().unwrap();
        let verified = hasher
            .verify(&password_of(case), phc)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.ok, case["expect_ok"].as_bool().unwrap(), "{name}");
        if verified.ok {
            variants.insert((
                case["variant"].as_str().unwrap().to_owned(),
                case["version"].as_u64().unwrap(),
            ));
        }
    }
    // All three variants at both versions were verified at least once.
    assert_eq!(variants.len(), 6, "{variants:?}");
}

#[test]
fn reference_repository_vectors_verify_and_the_1_gib_ones_are_refused_by_default() {
    let hasher = PasswordHasher::new();
    let cases = load("rfc/argon2_reference_c.json");
    let mut checked = 0;
    for case in &cases {
        let phc = case["phc"].as_str().unwrap();
        let password = case["password"].as_str().unwrap();
        if case["large"].as_bool() == Some(true) {
            assert_eq!(
                hasher.verify(password, phc),
                Err(PasswordError::ParamsExceedLimits("memory")),
                "{phc}"
            );
            continue;
        }
        let verified = hasher.verify(password, phc).unwrap_or_else(|e| panic!("{phc}: {e}"));
        assert_eq!(verified.ok, case["expect_ok"].as_bool().unwrap(), "{phc}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} vectors checked");
}

#[test]
fn argon2_cffi_verifies_the_hashes_portcullis_makes() {
    let stronger = Params {
        m_cost: 8192,
        t_cost: 5,
        p_cost: 2,
        salt_len: 32,
        output_len: 64,
    };
    let hashers = [
        PasswordHasher::new(),
        PasswordHasher::builder().params(stronger).build().unwrap(),
        PasswordHasher::builder()
            .params(Params {
                output_len: 16,
                ..Params::owasp()
            })
            .build()
            .unwrap(),
    ];
    let long_unicode: String = "密码🔑ñ".chars().cycle().take(1000).collect();
    let passwords = [
        "",
        "password",
        "caf\u{e9}",
        "cafe\u{301}",
        "tab\tand space",
        "🔐",
        long_unicode.as_str(),
    ];

    let mut lines = Vec::new();
    let mut expected = Vec::new();
    for hasher in &hashers {
        for password in passwords {
            let phc = hasher.hash(password).unwrap();
            lines.push(json!({ "phc": phc, "password": password }).to_string());
            expected.push(json!({ "ok": true }));
            lines.push(json!({ "phc": phc, "password": format!("{password}!") }).to_string());
            expected.push(json!({ "ok": false }));
        }
    }
    let test = "argon2_cffi_verifies_the_hashes_portcullis_makes";
    let Some(stdout) = common::interop::interop_output(test, "verify_with_argon2.py", &lines.join("\n")) else {
        return;
    };
    let results: Vec<Value> = stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(results.len(), expected.len(), "{stdout}");
    for ((result, expected), line) in results.iter().zip(&expected).zip(&lines) {
        assert_eq!(result, expected, "{line}");
    }
}
