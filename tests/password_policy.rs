//! Password policy per NIST SP 800-63B-4: length in code points, no composition rules,
//! blocklists, context words.

use portcullis::password::{ContextWord, PasswordError, PasswordRules};

fn code(policy: &PasswordRules, password: &str, account: &str) -> Option<&'static str> {
    policy.check(password, account).err().map(|e| e.code())
}

#[test]
fn length_is_counted_in_code_points_not_bytes() {
    let policy = PasswordRules::new();
    // 7 code points, 28 bytes: too short although long in bytes.
    assert_eq!(
        policy.check("🔐🔐🔐🔐🔐🔐🔐", ""),
        Err(PasswordError::TooShort { min: 8 })
    );
    // 8 code points of 4 bytes each: long enough.
    assert_eq!(
        code(&PasswordRules::builder().build().unwrap(), "𝄞🔐密码ñ𝄞🔐密", ""),
        None
    );
    // Combining marks are code points of their own.
    assert_eq!("cafe\u{301}xyz".chars().count(), 8);
    assert_eq!(code(&policy, "cafe\u{301}xyz", ""), None);
}

/// `len` letters from a fixed pseudo-random sequence: no pattern zxcvbn would find.
fn unpredictable(len: usize) -> String {
    let mut state: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect()
}

#[test]
fn defaults_are_8_to_128() {
    let policy = PasswordRules::new();
    assert_eq!((policy.min_length(), policy.max_length()), (8, 128));
    assert_eq!(code(&policy, "abcdefg", ""), Some("too_short"));
    assert_eq!(code(&policy, &unpredictable(128), ""), None);
    assert_eq!(
        policy.check(&unpredictable(129), ""),
        Err(PasswordError::TooLong { max: 128 })
    );
}

#[test]
fn single_factor_services_can_ask_for_15() {
    let policy = PasswordRules::builder().min_length(15).build().unwrap();
    assert_eq!(
        policy.check("fourteen chars", ""),
        Err(PasswordError::TooShort { min: 15 })
    );
    assert_eq!(code(&policy, "fifteen chars!!", ""), None);
}

#[test]
fn lengths_are_validated_against_nist_floors() {
    let err = |b: portcullis::password::PasswordRulesBuilder| b.build().unwrap_err().code();
    assert_eq!(err(PasswordRules::builder().min_length(7)), "invalid_config");
    assert_eq!(err(PasswordRules::builder().max_length(63)), "invalid_config");
    assert_eq!(err(PasswordRules::builder().max_length(1025)), "invalid_config");
    assert_eq!(
        err(PasswordRules::builder().min_length(100).max_length(64)),
        "invalid_config"
    );
    assert!(PasswordRules::builder().min_length(64).max_length(64).build().is_ok());
}

#[test]
fn there_are_no_composition_rules() {
    let policy = PasswordRules::new();
    // All lowercase, no digits, no symbols: fine when long and unpredictable.
    assert_eq!(code(&policy, "plum verdict gallop umbrella", ""), None);
    assert_eq!(code(&policy, "zqxjvkwpbrtm", ""), None);
}

#[test]
fn the_account_name_and_its_derivatives_are_refused() {
    let policy = PasswordRules::new();
    for password in [
        "alice.smith",
        "Alice.Smith",
        "ALICE.SMITH2026",
        "!alice.smith!",
        "ａｌｉｃｅ.ｓｍｉｔｈ",
    ] {
        assert_eq!(
            policy.check(password, "alice.smith"),
            Err(PasswordError::MatchesContext(ContextWord::Account)),
            "{password}"
        );
    }
    // Digits and symbols inside the name itself count as part of it.
    assert_eq!(code(&policy, "bob42bob42!", "bob42bob42"), Some("matches_context"));
    assert_eq!(code(&policy, "!!alice.smith2", "alice.smith2"), Some("matches_context"));
    // More than six characters of decoration, or other letters: not a derivative.
    assert_eq!(code(&policy, "alice.smith1234567", "alice.smith"), None);
    assert_eq!(code(&policy, "alice.smith likes tea", "alice.smith"), None);
    // No account name given: nothing to compare.
    assert_eq!(code(&policy, "alice.smith", ""), None);
}

#[test]
fn short_account_names_match_only_exactly() {
    let policy = PasswordRules::builder().min_length(8).build().unwrap();
    // A derivative of a longer name, but a two-letter name is too short to rule
    // anything out.
    assert_eq!(code(&policy, "al9x4Qm7", "al"), None);
}

#[test]
fn the_service_name_is_refused() {
    let policy = PasswordRules::builder()
        .service_name("Portcullis Demo")
        .build()
        .unwrap();
    assert_eq!(
        policy.check("portcullis demo", "bob"),
        Err(PasswordError::MatchesContext(ContextWord::Service))
    );
    assert_eq!(code(&policy, "Portcullis Demo 2026", "bob"), Some("matches_context"));
    assert_eq!(code(&policy, "Portcullis Demolition", "bob"), None);
}

#[test]
fn the_services_blocklist_is_refused_case_insensitively() {
    let policy = PasswordRules::builder()
        .blocklist(["AcmeWidgets", "springfield"])
        .build()
        .unwrap();
    assert_eq!(policy.check("acmewidgets", "bob"), Err(PasswordError::Blocklisted));
    assert_eq!(code(&policy, "SPRINGFIELD", "bob"), Some("blocklisted"));
    assert_eq!(code(&policy, "springfield is lovely", "bob"), None);
}

#[test]
fn errors_name_the_rule_and_never_the_password() {
    let policy = PasswordRules::builder().blocklist(["hunter2hunter2"]).build().unwrap();
    for (password, account) in [
        ("hunter2", ""),
        ("hunter2hunter2", ""),
        ("hunter2hunter2!", "hunter2hunter2"),
    ] {
        let err = policy.check(password, account).unwrap_err();
        assert!(err.is_policy_violation());
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[test]
fn over_long_input_is_refused_before_counting() {
    let policy = PasswordRules::new();
    assert_eq!(code(&policy, &"x".repeat(1_000_000), ""), Some("too_long"));
}

#[cfg(feature = "zxcvbn")]
mod common_passwords {
    use super::*;

    #[test]
    fn the_most_common_passwords_and_their_variants_are_refused() {
        let policy = PasswordRules::new();
        for password in [
            "password",
            "Password1",
            "P@ssw0rd",
            "12345678",
            "iloveyou",
            "qwertyuiop",
            "drowssap",
        ] {
            assert_eq!(
                policy.check(password, ""),
                Err(PasswordError::CommonPassword),
                "{password}"
            );
        }
    }

    #[test]
    fn keyboard_walks_repeats_and_sequences_are_refused() {
        let policy = PasswordRules::new();
        for password in ["aaaaaaaaaa", "abcdefghij", "1qaz2wsx3edc", "zxcvbnm,./"] {
            assert_eq!(code(&policy, password, ""), Some("common_password"), "{password}");
        }
    }

    #[test]
    fn long_unpredictable_passwords_pass() {
        let policy = PasswordRules::new();
        for password in [
            "correct horse battery staple",
            "vK7#pQ9zL2mW",
            "Tür-Schlüssel-Ofen-Brot-17",
        ] {
            assert_eq!(code(&policy, password, ""), None, "{password}");
        }
    }

    #[test]
    fn passwords_over_24_code_points_skip_the_zxcvbn_rule() {
        // zxcvbn's cost grows faster than quadratically with length; a long password
        // is judged by length alone.
        let policy = PasswordRules::new();
        assert_eq!(code(&policy, &"a".repeat(24), ""), Some("common_password"));
        assert_eq!(code(&policy, &"a".repeat(25), ""), None);
    }

    #[test]
    fn the_check_can_be_switched_off() {
        let policy = PasswordRules::builder().common_passwords(false).build().unwrap();
        assert_eq!(code(&policy, "password", ""), None);
    }
}
