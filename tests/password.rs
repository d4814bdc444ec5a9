//! The password hasher's public behaviour: hashing, verification, rehash decisions,
//! peppers, limits and malformed stored hashes.

use portcullis::password::{
    Limits, MAX_PASSWORD_BYTES, Params, PasswordCheck, PasswordError, PasswordHash, PasswordHasher, Pepper, Variant,
    Version,
};

const PASSWORD: &str = "correct horse battery staple";

fn pepper(id: &str) -> Pepper {
    Pepper::new(id, format!("pepper secret for {id}, 32 bytes+").into_bytes()).unwrap()
}

fn code(result: Result<impl std::fmt::Debug, PasswordError>) -> &'static str {
    result.unwrap_err().code()
}

// ---- hashing ----------------------------------------------------------------------

#[test]
fn new_hashes_are_argon2id_v19_at_owasp_parameters() {
    let phc = PasswordHasher::new().hash(PASSWORD).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let parsed = PasswordHash::parse(&phc).unwrap();
    assert_eq!(parsed.variant(), Variant::Argon2id);
    assert_eq!(parsed.version(), Version::V19);
    assert_eq!((parsed.salt_len(), parsed.output_len()), (16, 32));
    assert_eq!(parsed.keyid(), None);
}

#[test]
fn every_hash_has_a_fresh_salt() {
    let hasher = PasswordHasher::new();
    let (a, b) = (hasher.hash(PASSWORD).unwrap(), hasher.hash(PASSWORD).unwrap());
    assert_ne!(a, b);
    assert!(hasher.verify(PASSWORD, &a).unwrap().ok && hasher.verify(PASSWORD, &b).unwrap().ok);
}

#[test]
fn configured_parameters_are_written_into_the_hash() {
    let params = Params {
        m_cost: 8192,
        t_cost: 5,
        p_cost: 2,
        salt_len: 32,
        output_len: 64,
    };
    let hasher = PasswordHasher::builder().params(params).build().unwrap();
    let parsed = PasswordHash::parse(&hasher.hash(PASSWORD).unwrap()).unwrap();
    assert_eq!((parsed.m_cost(), parsed.t_cost(), parsed.p_cost()), (8192, 5, 2));
    assert_eq!((parsed.salt_len(), parsed.output_len()), (32, 64));
}

#[test]
fn parameters_below_owasps_floor_are_refused() {
    let weak = [
        Params {
            m_cost: 4096,
            t_cost: 10,
            ..Params::owasp()
        }, // memory under 7 MiB
        Params {
            m_cost: 7168,
            t_cost: 4,
            ..Params::owasp()
        }, // 7 MiB needs 5 passes
        Params {
            m_cost: 19456,
            t_cost: 1,
            ..Params::owasp()
        }, // 19 MiB needs 2 passes
        Params {
            p_cost: 0,
            ..Params::owasp()
        },
        Params {
            t_cost: 0,
            m_cost: u32::MAX,
            ..Params::owasp()
        },
        Params {
            salt_len: 8,
            ..Params::owasp()
        },
        Params {
            output_len: 8,
            ..Params::owasp()
        },
        Params {
            output_len: 65,
            ..Params::owasp()
        },
        Params {
            m_cost: 300 * 1024,
            ..Params::owasp()
        }, // over the 256 MiB default limit
    ];
    for params in weak {
        let result = PasswordHasher::builder().params(params).build();
        assert_eq!(code(result), "invalid_config", "{params:?}");
    }
}

#[test]
fn owasps_equivalent_alternatives_are_accepted() {
    for (m_cost, t_cost) in [(47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5)] {
        let params = Params {
            m_cost,
            t_cost,
            ..Params::owasp()
        };
        assert!(
            PasswordHasher::builder().params(params).build().is_ok(),
            "m={m_cost} t={t_cost}"
        );
    }
}

#[test]
fn params_deserialize_from_toml_shaped_json_with_defaults() {
    let params: Params = serde_json::from_str(r#"{"m_cost": 65536, "t_cost": 3}"#).unwrap();
    assert_eq!(
        params,
        Params {
            m_cost: 65_536,
            t_cost: 3,
            ..Params::owasp()
        }
    );
    assert!(serde_json::from_str::<Params>(r#"{"memory": 1}"#).is_err());
}

// ---- passwords of every shape -----------------------------------------------------

#[test]
fn empty_long_and_non_ascii_passwords_round_trip() {
    let hasher = PasswordHasher::new();
    let long_ascii = "x".repeat(1000);
    let long_unicode = "密码🔑".repeat(334).chars().take(1000).collect::<String>();
    for password in [
        "",
        " ",
        "\t\n",
        long_ascii.as_str(),
        long_unicode.as_str(),
        "пароль",
        "🔐🔐🔐🔐",
    ] {
        let phc = hasher.hash(password).unwrap();
        assert!(hasher.verify(password, &phc).unwrap().ok, "{password:?}");
        assert!(!hasher.verify(&format!("{password}x"), &phc).unwrap().ok);
    }
}

#[test]
fn nfc_and_nfd_are_different_passwords_by_default() {
    let (nfc, nfd) = ("caf\u{e9}", "cafe\u{301}");
    let hasher = PasswordHasher::new();
    assert!(!hasher.verify(nfd, &hasher.hash(nfc).unwrap()).unwrap().ok);
    assert!(!hasher.verify(nfc, &hasher.hash(nfd).unwrap()).unwrap().ok);
}

#[test]
fn normalization_makes_nfc_and_nfd_the_same_password() {
    let (nfc, nfd) = ("caf\u{e9}", "cafe\u{301}");
    let hasher = PasswordHasher::builder().normalize_unicode(true).build().unwrap();
    assert!(hasher.verify(nfd, &hasher.hash(nfc).unwrap()).unwrap().ok);
    assert!(hasher.verify(nfc, &hasher.hash(nfd).unwrap()).unwrap().ok);
    // An NFC password hashes exactly as without normalization: existing hashes keep working.
    let plain = PasswordHasher::new();
    assert!(hasher.verify(nfc, &plain.hash(nfc).unwrap()).unwrap().ok);
}

#[test]
fn passwords_over_4096_bytes_are_refused_before_hashing() {
    let hasher = PasswordHasher::new();
    let at_limit = "a".repeat(MAX_PASSWORD_BYTES);
    assert!(hasher.hash(&at_limit).is_ok());
    let over = "a".repeat(MAX_PASSWORD_BYTES + 1);
    assert_eq!(hasher.hash(&over), Err(PasswordError::PasswordTooLong { max: 4096 }));
}

/// No stored hash can be of a password `hash` refuses: verifying one is a plain
/// mismatch, for a known user exactly as for an unknown one, and never an error a
/// login could answer differently (as a 500 against a 401 gave accounts away).
#[test]
fn verifying_a_password_over_4096_bytes_is_a_mismatch_not_an_error() {
    let mismatch = PasswordCheck {
        ok: false,
        needs_rehash: false,
    };
    let hasher = PasswordHasher::new();
    let over = "a".repeat(MAX_PASSWORD_BYTES + 1);
    let stored = hasher.hash(PASSWORD).unwrap();
    assert_eq!(hasher.verify(&over, &stored), Ok(mismatch));
    assert_eq!(hasher.verify_unknown_user(&over), mismatch);
    // Nor does its first 4096 bytes' hash match it: nothing is truncated.
    let prefix = hasher.hash(&over[..MAX_PASSWORD_BYTES]).unwrap();
    assert_eq!(hasher.verify(&over, &prefix), Ok(mismatch));
    // Errors about the stored hash still come first.
    assert_eq!(code(hasher.verify(&over, "$argon2id$v=19$m=64")), "malformed_hash");
}

// ---- stored hashes of every variant and version -----------------------------------

/// The reference C implementation's published vectors (phc-winner-argon2 src/test.c),
/// for password "password" and salt "somesalt".
#[test]
fn reference_c_vectors_verify_for_each_variant_and_version() {
    let vectors = [
        "$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ",
        "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    ];
    let hasher = PasswordHasher::new();
    for phc in vectors {
        let verified = hasher.verify("password", phc).unwrap();
        assert_eq!(
            verified,
            portcullis::password::PasswordCheck {
                ok: true,
                needs_rehash: true
            },
            "{phc}"
        );
        assert!(!hasher.verify("passwore", phc).unwrap().ok);
    }
}

// ---- needs_rehash -----------------------------------------------------------------

#[test]
fn needs_rehash_truth_table() {
    let current = PasswordHasher::new();
    let owasp = Params::owasp();
    let cases: [(&str, PasswordHasher, bool); 6] = [
        ("same parameters", PasswordHasher::new(), false),
        (
            "other m",
            builder_with(Params {
                m_cost: 20_480,
                ..owasp
            }),
            true,
        ),
        ("other t", builder_with(Params { t_cost: 3, ..owasp }), true),
        ("other p", builder_with(Params { p_cost: 2, ..owasp }), true),
        (
            "other salt length",
            builder_with(Params { salt_len: 32, ..owasp }),
            true,
        ),
        (
            "other output length",
            builder_with(Params {
                output_len: 64,
                ..owasp
            }),
            true,
        ),
    ];
    for (what, old, expected) in cases {
        let stored = old.hash(PASSWORD).unwrap();
        assert_eq!(current.verify(PASSWORD, &stored), Ok(ok(expected)), "{what}");
        assert_eq!(current.needs_rehash(&stored), Ok(expected), "{what}");
        // A wrong password never asks for a rehash.
        assert_eq!(
            current.verify("wrong", &stored).map(|v| (v.ok, v.needs_rehash)),
            Ok((false, false)),
            "{what}"
        );
    }
}

fn builder_with(params: Params) -> PasswordHasher {
    PasswordHasher::builder().params(params).build().unwrap()
}

#[test]
fn other_variants_and_version_16_need_rehash() {
    let hasher = PasswordHasher::new();
    for phc in [
        "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2d$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=19456,t=2,p=1,data=YWQ$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    ] {
        assert_eq!(hasher.needs_rehash(phc), Ok(true), "{phc}");
    }
    let same = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    assert_eq!(hasher.needs_rehash(same), Ok(false));
}

// ---- peppers ----------------------------------------------------------------------

#[test]
fn a_pepper_is_named_in_the_hash_and_required_to_verify() {
    let peppered = PasswordHasher::builder().pepper(pepper("k1")).build().unwrap();
    let phc = peppered.hash(PASSWORD).unwrap();
    assert_eq!(PasswordHash::parse(&phc).unwrap().keyid(), Some(&b"k1"[..]));
    assert_eq!(peppered.verify(PASSWORD, &phc).unwrap(), ok(false));
    assert_eq!(code(PasswordHasher::new().verify(PASSWORD, &phc)), "unknown_pepper");
}

#[test]
fn the_same_id_with_another_secret_does_not_verify() {
    let phc = PasswordHasher::builder()
        .pepper(pepper("k1"))
        .build()
        .unwrap()
        .hash(PASSWORD)
        .unwrap();
    let other = Pepper::new("k1", b"a different secret entirely".to_vec()).unwrap();
    let imposter = PasswordHasher::builder().pepper(other).build().unwrap();
    assert!(!imposter.verify(PASSWORD, &phc).unwrap().ok);
}

#[test]
fn pepper_rotation_keeps_old_hashes_working_and_flags_them() {
    let v1 = PasswordHasher::builder().pepper(pepper("k1")).build().unwrap();
    let old_hash = v1.hash(PASSWORD).unwrap();
    let unpeppered = PasswordHasher::new().hash(PASSWORD).unwrap();

    let v2 = PasswordHasher::builder()
        .pepper(pepper("k2"))
        .retired_pepper(pepper("k1"))
        .build()
        .unwrap();
    assert_eq!(v2.verify(PASSWORD, &old_hash).unwrap(), ok(true));
    assert_eq!(v2.verify(PASSWORD, &unpeppered).unwrap(), ok(true));
    let new_hash = v2.hash(PASSWORD).unwrap();
    assert_eq!(v2.verify(PASSWORD, &new_hash).unwrap(), ok(false));
    assert!(!v2.verify("wrong", &old_hash).unwrap().ok);

    // Once k1 is dropped, hashes still under it cannot be checked.
    let v3 = PasswordHasher::builder().pepper(pepper("k2")).build().unwrap();
    assert_eq!(code(v3.verify(PASSWORD, &old_hash)), "unknown_pepper");
    assert_eq!(v3.verify(PASSWORD, &new_hash).unwrap(), ok(false));
}

#[test]
fn retiring_the_pepper_entirely_flags_peppered_hashes() {
    let peppered = PasswordHasher::builder()
        .pepper(pepper("k1"))
        .build()
        .unwrap()
        .hash(PASSWORD)
        .unwrap();
    let retired_only = PasswordHasher::builder().retired_pepper(pepper("k1")).build().unwrap();
    assert_eq!(retired_only.verify(PASSWORD, &peppered).unwrap(), ok(true));
    assert_eq!(
        PasswordHash::parse(&retired_only.hash(PASSWORD).unwrap())
            .unwrap()
            .keyid(),
        None
    );
}

#[test]
fn pepper_configuration_is_validated() {
    assert_eq!(code(Pepper::new("", vec![7; 32])), "invalid_config");
    assert_eq!(code(Pepper::new("123456789", vec![7; 32])), "invalid_config");
    assert_eq!(code(Pepper::new("k", vec![7; 15])), "invalid_config");
    assert_eq!(code(Pepper::new("k", vec![7; 1025])), "invalid_config");
    let twice = PasswordHasher::builder()
        .pepper(pepper("k1"))
        .retired_pepper(pepper("k1"))
        .build();
    assert_eq!(code(twice), "invalid_config");
}

fn ok(needs_rehash: bool) -> portcullis::password::PasswordCheck {
    portcullis::password::PasswordCheck { ok: true, needs_rehash }
}

// ---- unknown users ----------------------------------------------------------------

#[test]
fn verify_unknown_user_always_says_no() {
    let hasher = PasswordHasher::builder().pepper(pepper("k1")).build().unwrap();
    for password in ["", PASSWORD, "anything at all"] {
        let v = hasher.verify_unknown_user(password);
        assert!(!v.ok && !v.needs_rehash);
    }
}

// ---- malformed and hostile stored hashes ------------------------------------------

const SALT: &str = "c29tZXNhbHRzb21lc2FsdA";
const OUT: &str = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

#[test]
fn malformed_phc_strings_each_get_their_code() {
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "malformed_hash"),
        ("argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$aGFzaA".into(), "malformed_hash"),
        ("$".into(), "malformed_hash"),
        ("$argon2id".into(), "malformed_hash"),
        ("$argon2id$v=19".into(), "malformed_hash"),
        (format!("$argon2id$v=19$m=64,t=1,p=1${SALT}"), "malformed_hash"),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1${SALT}${OUT}$extra"),
            "malformed_hash",
        ),
        (format!("$argon2id$v=19$t=1,m=64,p=1${SALT}${OUT}"), "malformed_hash"),
        (format!("$argon2id$v=19$m=64,t=1${SALT}${OUT}"), "malformed_hash"),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1,p=1${SALT}${OUT}"),
            "malformed_hash",
        ),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1,x=1${SALT}${OUT}"),
            "malformed_hash",
        ),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1,data=YQ,keyid=YQ${SALT}${OUT}"),
            "malformed_hash",
        ),
        (format!("$argon2id$v=19$m=064,t=1,p=1${SALT}${OUT}"), "malformed_hash"),
        (format!("$argon2id$v=19$m=+64,t=1,p=1${SALT}${OUT}"), "malformed_hash"),
        (
            format!("$argon2id$v=19$m=99999999999,t=1,p=1${SALT}${OUT}"),
            "malformed_hash",
        ),
        (format!("$argon2id$v=19$m=64,t=1,p=1${SALT}=${OUT}"), "malformed_hash"),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ_${OUT}"),
            "malformed_hash",
        ),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1${SALT}$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2h"),
            "malformed_hash",
        ),
        (format!("$argon2id$v=019$m=64,t=1,p=1${SALT}${OUT}"), "malformed_hash"),
        (format!("$argon2id$v=$m=64,t=1,p=1${SALT}${OUT}"), "malformed_hash"),
        (format!("$ARGON2ID$v=19$m=64,t=1,p=1${SALT}${OUT}"), "malformed_hash"),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1${SALT}${OUT}{}", "A".repeat(1024)),
            "malformed_hash",
        ),
        (
            format!("$argon2x$v=19$m=64,t=1,p=1${SALT}${OUT}"),
            "unsupported_algorithm",
        ),
        (
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".into(),
            "unsupported_algorithm",
        ),
        (format!("$scrypt$ln=16,r=8,p=1${SALT}${OUT}"), "unsupported_algorithm"),
        (
            format!("$argon2id$v=18$m=64,t=1,p=1${SALT}${OUT}"),
            "unsupported_version",
        ),
        (
            format!("$argon2id$v=20$m=64,t=1,p=1${SALT}${OUT}"),
            "unsupported_version",
        ),
        (format!("$argon2id$v=19$m=64,t=0,p=1${SALT}${OUT}"), "invalid_params"),
        (format!("$argon2id$v=19$m=64,t=1,p=0${SALT}${OUT}"), "invalid_params"),
        (format!("$argon2id$v=19$m=7,t=1,p=1${SALT}${OUT}"), "invalid_params"),
        (
            format!("$argon2id$v=19$m=64,t=1,p=16777216${SALT}${OUT}"),
            "invalid_params",
        ),
        (format!("$argon2id$v=19$m=64,t=1,p=9${SALT}${OUT}"), "invalid_params"),
        (format!("$argon2id$v=19$m=64,t=1,p=1$c2FsdA${OUT}"), "invalid_params"),
        (format!("$argon2id$v=19$m=64,t=1,p=1${SALT}$aGFz"), "invalid_params"),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1,keyid=MTIzNDU2Nzg5${SALT}${OUT}"),
            "invalid_params",
        ),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1,data={}${SALT}${OUT}", "QUFB".repeat(11)),
            "invalid_params",
        ),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1,data=${SALT}${OUT}"),
            "invalid_params",
        ),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1,keyid=${SALT}${OUT}"),
            "invalid_params",
        ),
    ];
    let hasher = PasswordHasher::new();
    for (phc, expected) in cases {
        assert_eq!(code(hasher.verify(PASSWORD, &phc)), expected, "{phc:?}");
        assert_eq!(code(PasswordHash::parse(&phc)), expected, "{phc:?}");
    }
}

#[test]
fn stored_hashes_over_the_limits_are_refused_before_any_work() {
    let hasher = PasswordHasher::new();
    let cases = [
        (format!("$argon2id$v=19$m=4194304,t=1,p=1${SALT}${OUT}"), "memory"), // 4 GiB
        (format!("$argon2id$v=19$m=65536,t=1000000,p=1${SALT}${OUT}"), "passes"),
        (format!("$argon2id$v=19$m=65536,t=1,p=64${SALT}${OUT}"), "lanes"),
        (format!("$argon2id$v=19$m=262144,t=16,p=1${SALT}${OUT}"), "work"), // 4.5 s of CPU
        (format!("$argon2id$v=19$m=65536,t=9,p=1${SALT}${OUT}"), "work"),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1${}${OUT}", "c2FsdA".repeat(20)),
            "salt length",
        ),
        (
            format!("$argon2id$v=19$m=64,t=1,p=1${SALT}${}", "aGFzaA".repeat(20)),
            "output length",
        ),
    ];
    for (phc, what) in cases {
        assert_eq!(
            hasher.verify(PASSWORD, &phc),
            Err(PasswordError::ParamsExceedLimits(what)),
            "{phc}"
        );
    }
    // A stricter limit applies to what would otherwise be accepted.
    let strict = PasswordHasher::builder()
        .limits(Limits {
            max_m_cost: 32 * 1024,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let big = format!("$argon2id$v=19$m=65536,t=1,p=1${SALT}${OUT}");
    assert_eq!(code(strict.verify(PASSWORD, &big)), "params_exceed_limits");
}

#[test]
fn limits_must_admit_the_hashers_own_parameters() {
    let limits = Limits {
        max_m_cost: 8192,
        ..Limits::default()
    };
    assert_eq!(code(PasswordHasher::builder().limits(limits).build()), "invalid_config");
    for over_the_caps in [
        Limits {
            max_salt_len: 1000,
            ..Limits::default()
        },
        Limits {
            max_m_cost: u32::MAX,
            ..Limits::default()
        },
        Limits {
            max_t_cost: 1025,
            ..Limits::default()
        },
        Limits {
            max_p_cost: 256,
            ..Limits::default()
        },
        Limits {
            max_work: u64::MAX,
            ..Limits::default()
        },
    ] {
        assert_eq!(
            code(PasswordHasher::builder().limits(over_the_caps).build()),
            "invalid_config"
        );
    }
    let little_work = Limits {
        max_work: 30_000,
        ..Limits::default()
    };
    assert_eq!(
        code(PasswordHasher::builder().limits(little_work).build()),
        "invalid_config"
    );
}

// ---- nothing secret leaks ---------------------------------------------------------

#[test]
fn errors_and_debug_never_show_passwords_peppers_or_hashes() {
    let secret_pepper = Pepper::new("k1", b"PEPPER-SECRET-PEPPER-SECRET".to_vec()).unwrap();
    let hasher = PasswordHasher::builder().pepper(secret_pepper).build().unwrap();
    let shown = format!("{hasher:?}");
    assert!(!shown.contains("PEPPER-SECRET"), "{shown}");
    assert!(shown.contains("<redacted>"));

    let phc = hasher.hash(PASSWORD).unwrap();
    let output = phc.rsplit('$').next().unwrap();
    let parsed = format!("{:?}", PasswordHash::parse(&phc).unwrap());
    assert!(!parsed.contains(output), "{parsed}");

    let hostile = format!("$argon2id$v=19$m=64,t=1,p=1,x=hunter2${SALT}${OUT}");
    for err in [
        hasher.verify("hunter2", &hostile).unwrap_err(),
        hasher.hash(&"hunter2".repeat(1000)).unwrap_err(),
    ] {
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2") && !text.contains(SALT), "{text}");
    }
}

// ---- properties over arbitrary stored hashes ---------------------------------------

mod properties {
    use portcullis::password::{PasswordHash, PasswordHasher};
    use proptest::prelude::*;

    /// A cheap stored hash of "password" (m=64 KiB) made by the reference C library
    /// (tests/data/interop/argon2.json, case argon2id_v19_m64_t1_p1).
    const SMALL: &str =
        "$argon2id$v=19$m=64,t=1,p=1$W2eYmLl0KEWlJzmLebTGvw$v4cBYF2NwHmB5rwtqm8tIrqOxlzJjkmwnti9Nfb/Qh8";

    /// Strings shaped like argon2 PHC strings; about one in four parses.
    fn phc_like() -> impl Strategy<Value = String> {
        let variant = prop_oneof![3 => "argon2id", 1 => "argon2i", 1 => "argon2d", 1 => "[a-z0-9-]{0,10}"];
        let version = prop_oneof![3 => "v=19", 1 => "v=16", 1 => "v=[0-9]{0,3}", 1 => ""];
        let params = prop_oneof![
            4 => "m=[1-9][0-9]{1,3},t=[1-9],p=[1-4]",
            2 => "m=[1-9][0-9]{1,3},t=[1-9],p=[1-4](,keyid=[A-Za-z0-9+/]{2,10})?(,data=[A-Za-z0-9+/]{2,12})?",
            1 => "m=[0-9]{1,4},t=[0-9]{1,2},p=[0-9]{1,2}",
            1 => "[a-z=0-9,]{0,20}",
        ];
        let encoded = prop::collection::vec(any::<u8>(), 4..40).prop_map(|bytes| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
        });
        let b64 = move || prop_oneof![4 => encoded.clone(), 1 => "[A-Za-z0-9+/=_-]{0,30}"];
        (
            variant,
            version,
            params,
            b64(),
            b64(),
            prop_oneof![9 => Just(""), 1 => Just("$")],
        )
            .prop_map(|(id, v, p, salt, out, tail)| {
                let version = if v.is_empty() { String::new() } else { format!("${v}") };
                format!("${id}{version}${p}${salt}${out}{tail}")
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parsing_never_panics_and_what_parses_round_trips(phc in phc_like()) {
            if let Ok(parsed) = PasswordHash::parse(&phc) {
                                let canonical = parsed.to_string();
                // One spelling per hash: what parses (with its version written out)
                // is already canonical.
                if phc.contains("$v=") {
                    prop_assert_eq!(&canonical, &phc);
                }
                prop_assert_eq!(PasswordHash::parse(&canonical).unwrap(), parsed);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(phc in "\\PC{0,200}") {
            let _ = PasswordHash::parse(&phc);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn a_mutated_stored_hash_is_an_error_or_a_mismatch_never_a_match(
            at in 0..SMALL.len(),
            byte in any::<u8>(),
        ) {
            let mut bytes = SMALL.as_bytes().to_vec();
            prop_assume!(bytes[at] != byte);
            bytes[at] = byte;
            let Ok(mutated) = String::from_utf8(bytes) else { return Ok(()) };
                        let hasher = PasswordHasher::new();
            prop_assert!(hasher.verify("password", SMALL).unwrap().ok);
            if let Ok(verified) = hasher.verify("password", &mutated) {
                prop_assert!(!verified.ok, "{}", mutated);
            }
        }
    }
}
