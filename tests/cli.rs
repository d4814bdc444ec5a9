//! The `portcullis` command-line contract (DESIGN.md): outputs and exit codes.
#![cfg(feature = "cli")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn portcullis(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn portcullis");
    // A command that fails on its arguments exits before reading its input.
    // (Nor does it read more of a password than it needs to know it is over-long.)
    if let Err(err) = child.stdin.take().expect("stdin").write_all(stdin.as_ref()) {
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {err}");
    }
    child.wait_with_output().expect("portcullis runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("portcullis-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }
    fn path(&self, file: &str) -> String {
        self.0.join(file).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn keygen(dir: &Dir, alg: &str) -> (String, String) {
    let (private, public) = (
        dir.path(&format!("{alg}.private.jwks")),
        dir.path(&format!("{alg}.jwks")),
    );
    let out = portcullis(
        &[
            "keygen",
            "--alg",
            alg,
            "--kid",
            "k1",
            "--private-out",
            &private,
            "--jwks-out",
            &public,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    (private, public)
}

fn issue(private: &str, aud: &str) -> String {
    issue_by(private, "https://auth.example", aud)
}

/// A token for alice from `iss` to `aud`, with roles ["clerk"].
fn issue_by(private: &str, iss: &str, aud: &str) -> String {
    let out = portcullis(
        &[
            "token",
            "issue",
            "--jwks-private",
            private,
            "--kid",
            "k1",
            "--iss",
            iss,
            "--aud",
            aud,
            "--sub",
            "alice",
            "--claims",
            r#"{"roles":["clerk"]}"#,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    stdout(&out).trim().to_owned()
}

#[test]
fn keygen_issue_verify_round_trip_for_every_algorithm_family() {
    let dir = Dir::new("roundtrip");
    for alg in ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"] {
        let (private, public) = keygen(&dir, alg);
        let token = issue(&private, "orders");
        let out = portcullis(
            &[
                "token",
                "verify",
                "--jwks",
                &public,
                "--iss",
                "https://auth.example",
                "--aud",
                "orders",
                &token,
            ],
            "",
        );
        assert_eq!(out.status.code(), Some(0), "{alg}: {}", stdout(&out));
        let claims: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("claims JSON");
        assert_eq!(claims["sub"], "alice", "{alg}");
        assert_eq!(claims["roles"][0], "clerk", "{alg}");
    }
}

#[test]
fn private_key_file_is_owner_only() {
    let dir = Dir::new("mode");
    let (private, _) = keygen(&dir, "ES256");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(Path::new(&private))
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public = std::fs::read_to_string(dir.path("ES256.jwks")).expect("public jwks");
    assert!(
        !public.contains("\"d\""),
        "public JWKS must not hold the private scalar"
    );
}

#[test]
fn invalid_token_prints_the_code_and_exits_1() {
    let dir = Dir::new("invalid");
    let (private, public) = keygen(&dir, "ES256");
    let token = issue(&private, "orders");
    let out = portcullis(&["token", "verify", "--jwks", &public, "--aud", "billing", &token], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).trim(), r#"{"valid":false,"error":"invalid_audience"}"#);
}

#[test]
fn single_token_is_read_from_stdin_when_not_an_argument() {
    let dir = Dir::new("stdin");
    let (private, public) = keygen(&dir, "EdDSA");
    let token = issue(&private, "orders");
    let out = portcullis(
        &["token", "verify", "--jwks", &public, "--aud", "orders"],
        format!("{token}\n"),
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn batch_writes_one_line_per_input_line_in_order_and_exits_0() {
    let dir = Dir::new("batch");
    let (private, public) = keygen(&dir, "ES256");
    let token = issue(&private, "orders");
    let input = format!("{token}\nnot-a-token\n\n\"{token}\"\neyJhbGciOiJub25lIn0.e30.\n");
    let out = portcullis(
        &["token", "verify", "--jwks", &public, "--aud", "orders", "--batch"],
        &input,
    );
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["claims"]["sub"], "alice");
    assert_eq!(lines[1], serde_json::json!({"valid": false, "error": "malformed"}));
    assert_eq!(lines[2], serde_json::json!({"valid": false, "error": "malformed"}));
    assert_eq!(lines[3]["valid"], true);
    assert_eq!(
        lines[4],
        serde_json::json!({"valid": false, "error": "unsupported_algorithm"})
    );
}

#[test]
fn pem_and_secret_file_key_sources() {
    let dir = Dir::new("sources");
    let secret = dir.path("secret.bin");
    std::fs::write(&secret, [0x5a; 32]).expect("secret");
    let out = portcullis(
        &[
            "token",
            "issue",
            "--secret-file",
            &secret,
            "--alg",
            "HS256",
            "--iss",
            "i",
            "--aud",
            "a",
            "--sub",
            "s",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let token = stdout(&out).trim().to_owned();
    let ok = portcullis(
        &[
            "token",
            "verify",
            "--secret-file",
            &secret,
            "--alg",
            "HS256",
            "--aud",
            "a",
            &token,
        ],
        "",
    );
    assert_eq!(ok.status.code(), Some(0));

    // RFC 8037's Ed25519 public key as SPKI PEM; a token from another key fails.
    let pem = dir.path("ed.pem");
    std::fs::write(&pem, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n").expect("pem");
    let (private, _) = keygen(&dir, "EdDSA");
    let other = issue(&private, "orders");
    let out = portcullis(
        &[
            "token", "verify", "--key", &pem, "--alg", "EdDSA", "--aud", "orders", &other,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).trim(), r#"{"valid":false,"error":"invalid_signature"}"#);
}

#[test]
fn configuration_and_usage_errors_exit_2_with_a_message() {
    let dir = Dir::new("config");
    let short = dir.path("short.bin");
    std::fs::write(&short, [1; 16]).expect("secret");
    let cases: [&[&str]; 5] = [
        &["token", "verify", "--jwks", "/nonexistent/jwks.json", "x"],
        &["token", "verify", "x"],
        &[
            "token",
            "issue",
            "--secret-file",
            &short,
            "--alg",
            "HS256",
            "--iss",
            "i",
            "--aud",
            "a",
            "--sub",
            "s",
        ],
        &["keygen", "--alg", "none"],
        &[
            "token",
            "verify",
            "--secret-file",
            &short,
            "--alg",
            "HS256",
            "--batch",
            "tok",
        ],
    ];
    for args in cases {
        let out = portcullis(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: message on stderr");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn batch_with_a_bad_configuration_exits_2() {
    let out = portcullis(&["token", "verify", "--jwks", "/nonexistent", "--batch"], "x\n");
    assert_eq!(out.status.code(), Some(2));
}

// ---- password hash / password verify ----------------------------------------------

fn hash_password(password_on_stdin: &str, extra: &[&str]) -> String {
    let out = portcullis(&[&["password", "hash"], extra].concat(), password_on_stdin);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let phc = stdout(&out);
    assert_eq!(phc.lines().count(), 1);
    phc.trim_end().to_owned()
}

#[test]
fn password_hash_then_verify_match_and_mismatch() {
    let phc = hash_password("correct horse\n", &[]);
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");

    let ok = portcullis(&["password", "verify", "--hash", &phc], "correct horse\n");
    assert_eq!(
        (ok.status.code(), stdout(&ok).trim()),
        (Some(0), r#"{"ok":true,"needs_rehash":false}"#)
    );
    let wrong = portcullis(&["password", "verify", "--hash", &phc], "correct horsf\n");
    assert_eq!(
        (wrong.status.code(), stdout(&wrong).trim()),
        (Some(1), r#"{"ok":false,"needs_rehash":false}"#)
    );
}

#[test]
fn password_stdin_loses_exactly_one_trailing_newline() {
    let phc = hash_password("pw\n\n", &[]);
    let verify = |stdin: &str| portcullis(&["password", "verify", "--hash", &phc], stdin).status.code();
    assert_eq!(verify("pw\n\n"), Some(0));
    assert_eq!(verify("pw\n"), Some(1), "the second newline is part of the password");
    let no_newline = hash_password("pw", &[]);
    assert_eq!(
        portcullis(&["password", "verify", "--hash", &no_newline], "pw\n")
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn password_hash_parameters_and_needs_rehash_against_them() {
    let phc = hash_password("pw", &["--m-cost", "8192", "--t-cost", "5", "--p-cost", "2"]);
    assert!(phc.starts_with("$argon2id$v=19$m=8192,t=5,p=2$"), "{phc}");
    let out = portcullis(&["password", "verify", "--hash", &phc], "pw");
    assert_eq!(stdout(&out).trim(), r#"{"ok":true,"needs_rehash":true}"#);
    let same = portcullis(
        &[
            "password", "verify", "--hash", &phc, "--m-cost", "8192", "--t-cost", "5", "--p-cost", "2",
        ],
        "pw",
    );
    assert_eq!(stdout(&same).trim(), r#"{"ok":true,"needs_rehash":false}"#);
}

#[test]
fn password_verify_of_a_malformed_hash_exits_2_with_its_code() {
    let out = portcullis(&["password", "verify", "--hash", "$argon2id$v=19$m=64"], "pw");
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("malformed_hash"), "{stderr}");
}

#[test]
fn password_weak_parameters_are_a_configuration_error() {
    let out = portcullis(&["password", "hash", "--m-cost", "1024"], "pw");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OWASP"));
}

#[test]
fn password_with_a_pepper_file() {
    let dir = Dir::new("pepper");
    let pepper = dir.path("pepper.bin");
    std::fs::write(&pepper, [0x5a; 32]).unwrap();
    let phc = hash_password("pw", &["--pepper-file", &pepper, "--pepper-id", "k1"]);
    assert!(phc.contains(",keyid=azE$"), "{phc}");
    let with = portcullis(
        &[
            "password",
            "verify",
            "--hash",
            &phc,
            "--pepper-file",
            &pepper,
            "--pepper-id",
            "k1",
        ],
        "pw",
    );
    assert_eq!(with.status.code(), Some(0));
    let without = portcullis(&["password", "verify", "--hash", &phc], "pw");
    assert_eq!(without.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&without.stderr).contains("unknown_pepper"));
}

#[test]
fn password_verify_batch_answers_each_line_in_order_and_exits_0() {
    let phc = hash_password("right", &[]);
    let line = |phc: &str, password: &str| serde_json::json!({ "phc": phc, "password": password }).to_string();
    let input = [
        line(&phc, "right"),
        line(&phc, "wrong"),
        line("$argon2id$v=18$m=64,t=1,p=1$c29tZXNhbHQ$aGFzaA", "x"),
        "not json".to_owned(),
        r#"{"phc":"x"}"#.to_owned(),
        line(
            "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
            "password",
        ),
    ]
    .join("\n");
    let out = portcullis(&["password", "verify", "--batch"], &input);
    assert_eq!(out.status.code(), Some(0));
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    let expected = [
        r#"{"ok":true,"needs_rehash":false}"#,
        r#"{"ok":false,"needs_rehash":false}"#,
        r#"{"error":"unsupported_version"}"#,
        r#"{"error":"malformed_input"}"#,
        r#"{"error":"malformed_input"}"#,
        r#"{"ok":true,"needs_rehash":true}"#,
    ];
    assert_eq!(lines, expected);
}

// ---- policy check / policy lint ---------------------------------------------------

const POLICY: &str = r#"
[roles.viewer]
permissions = ["orders:read"]
[roles.editor]
inherits = ["viewer"]
permissions = ["orders:write", "invoices:*"]
[subjects]
alice = ["editor"]
[tenants.acme.subjects]
bob = ["viewer"]
"#;

fn policy_file(dir: &Dir, name: &str, text: &str) -> String {
    let path = dir.path(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn policy_check_allows_and_denies_with_exit_codes() {
    let dir = Dir::new("policy-check");
    let policy = policy_file(&dir, "p.toml", POLICY);
    let check = |subject: &str, permission: &str, extra: &[&str]| {
        let args = [
            &[
                "policy",
                "check",
                "--policy",
                &policy,
                "--subject",
                subject,
                "--permission",
                permission,
            ],
            extra,
        ]
        .concat();
        let out = portcullis(&args, "");
        (out.status.code(), stdout(&out).trim().to_owned())
    };
    assert_eq!(
        check("alice", "invoices:pay", &[]),
        (Some(0), r#"{"allowed":true}"#.to_owned())
    );
    assert_eq!(
        check("alice", "orders:read", &[]),
        (Some(0), r#"{"allowed":true}"#.to_owned())
    );
    assert_eq!(
        check("bob", "orders:read", &[]),
        (Some(1), r#"{"allowed":false}"#.to_owned())
    );
    assert_eq!(
        check("bob", "orders:read", &["--tenant", "acme"]),
        (Some(0), r#"{"allowed":true}"#.to_owned())
    );
    assert_eq!(
        check("mallory", "orders:read", &[]),
        (Some(1), r#"{"allowed":false}"#.to_owned())
    );
}

#[test]
fn policy_check_batch_answers_each_line_in_order() {
    let dir = Dir::new("policy-batch");
    let policy = policy_file(
        &dir,
        "p.json",
        &serde_json::json!({
            "roles": { "viewer": { "permissions": ["orders:read"] } },
            "subjects": { "carol": ["viewer"] }
        })
        .to_string(),
    );
    let input = "{\"subject\":\"carol\",\"permission\":\"orders:read\"}\n{\"subject\":\"carol\",\"permission\":\"orders:write\"}\nnot json\n";
    let out = portcullis(&["policy", "check", "--policy", &policy, "--batch"], input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "{\"allowed\":true}\n{\"allowed\":false}\n{\"error\":\"malformed_input\"}\n"
    );
}

#[test]
fn policy_lint_prints_a_summary_or_the_error() {
    let dir = Dir::new("policy-lint");
    let good = policy_file(&dir, "good.toml", POLICY);
    let out = portcullis(&["policy", "lint", "--policy", &good], "");
    assert_eq!(out.status.code(), Some(0));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        summary,
        serde_json::json!({ "valid": true, "roles": 2, "permissions": 3, "bindings": 2, "tenants": 1 })
    );

    let cyclic = policy_file(
        &dir,
        "cyclic.toml",
        "[roles.a]\ninherits = [\"b\"]\n[roles.b]\ninherits = [\"a\"]\n",
    );
    let out = portcullis(&["policy", "lint", "--policy", &cyclic], "");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["error"], "inheritance_cycle");
    assert_eq!(report["message"], "roles inherit in a cycle: a -> b -> a");

    // `check` with a broken policy is a configuration error.
    let out = portcullis(
        &[
            "policy",
            "check",
            "--policy",
            &cyclic,
            "--subject",
            "a",
            "--permission",
            "x:y",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sanitize_html_cleans_stdin_to_stdout() {
    let out = portcullis(
        &["sanitize", "html"],
        "<p onclick=\"x()\">Hi <a href=\"javascript:x()\">there</a><script>x()</script></p>\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "<p>Hi <a rel=\"noopener noreferrer nofollow\">there</a></p>\n"
    );

    let out = portcullis(&["sanitize", "html", "--text-only"], "<p>5 &lt; 6 <b>bold</b></p>");
    assert_eq!(stdout(&out), "5 &lt; 6 bold\n");
}

#[test]
fn sanitize_html_batch_answers_each_line_in_order() {
    let input = concat!(
        r#"{"html":"<b>ok</b><img src=x onerror=alert(1)>"}"#,
        "\n",
        "not json\n",
        r#"{"html":"<i>x</i>","extra":true}"#,
        "\n",
        r#"{"html":"<svg><script>alert(1)</script></svg>tail"}"#,
        "\n",
    );
    let out = portcullis(&["sanitize", "html", "--batch"], input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        concat!(
            r#"{"html":"<b>ok</b>"}"#,
            "\n",
            r#"{"error":"malformed_input"}"#,
            "\n",
            r#"{"error":"malformed_input"}"#,
            "\n",
            r#"{"html":"tail"}"#,
            "\n",
        )
    );
}

#[test]
fn encode_each_context_from_stdin() {
    let input = "<a href='x'>&\"</a> é\n";
    for (context, expected) in [
        ("html", "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt; é"),
        ("attr", "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt; é"),
        ("js", r"\x3ca href\x3d\x27x\x27\x3e\x26\x22\x3c\x2fa\x3e é"),
        ("url", "%3Ca%20href%3D%27x%27%3E%26%22%3C%2Fa%3E%20%C3%A9"),
        ("css", r"\3c a href\3d \27 x\27 \3e \26 \22 \3c \2f a\3e  é"),
    ] {
        let out = portcullis(&["encode", "--context", context], input);
        assert_eq!(out.status.code(), Some(0), "{context}");
        assert_eq!(stdout(&out), format!("{expected}\n"), "{context}");
    }
}

#[test]
fn encode_batch_and_usage_errors() {
    let out = portcullis(
        &["encode", "--context", "url", "--batch"],
        "{\"text\":\"a b\"}\n{\"html\":\"a\"}\n{\"text\":\"\"}\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "{\"text\":\"a%20b\"}\n{\"error\":\"malformed_input\"}\n{\"text\":\"\"}\n"
    );

    let out = portcullis(&["encode", "--context", "sql"], "x");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected html, attr, js, url or css"));

    // Not UTF-8 on standard input: a usage error, not a guess.
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["encode", "--context", "html"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn portcullis");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"\xff\xfe<")
        .expect("write");
    let out = child.wait_with_output().expect("portcullis runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// `token verify --jwks-url`: keys from a JWKS served on 127.0.0.1; plain http
/// only with `--allow-http-loopback`, and never to another host.
#[test]
fn verify_with_keys_from_a_jwks_url() {
    use portcullis::token::{Algorithm, Issuer, JwkSet, SigningKey};

    let mut jwk = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    jwk.kid = Some("k1".into());
    let jwks = serde_json::to_string(&JwkSet {
        keys: vec![jwk.to_public().expect("public")],
    })
    .expect("json");
    let token = Issuer::builder(SigningKey::from_jwk(&jwk).expect("key"))
        .audience("orders")
        .build()
        .expect("issuer")
        .issue("alice", &())
        .expect("token");

    // A one-route server on its own runtime thread.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            sender.send(listener.local_addr().expect("addr")).expect("addr");
            let app = axum::Router::new().route("/jwks", axum::routing::get(move || async move { jwks }));
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let url = format!("http://{}/jwks", receiver.recv().expect("addr"));

    let verified = portcullis(
        &[
            "token",
            "verify",
            "--jwks-url",
            &url,
            "--allow-http-loopback",
            "--aud",
            "orders",
            &token,
        ],
        "",
    );
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let claims: serde_json::Value = serde_json::from_str(&stdout(&verified)).expect("claims");
    assert_eq!(claims["sub"], "alice");

    let refused = portcullis(&["token", "verify", "--jwks-url", &url, "--aud", "orders", &token], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("insecure_url"));
}

/// Found in review: an existing 0644 file kept its mode with the private key inside.
#[cfg(unix)]
#[test]
fn keygen_replaces_a_loose_existing_file_with_an_owner_only_one() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new("loose");
    let private = dir.path("ES256.private.jwks");
    std::fs::write(&private, "old").expect("write");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    keygen(&dir, "ES256");
    let mode = std::fs::metadata(&private).expect("metadata").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(std::fs::read_to_string(&private).expect("read").contains("\"d\""));
}

/// Found in review: a symbolic link at --private-out was written through, putting the
/// private key wherever it pointed. The link is replaced; its target is untouched.
#[cfg(unix)]
#[test]
fn keygen_never_writes_a_private_key_through_a_symbolic_link() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new("symlink");
    let elsewhere = dir.path("elsewhere.txt");
    std::fs::write(&elsewhere, "untouched").expect("write");
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let private = dir.path("ES256.private.jwks");
    std::os::unix::fs::symlink(&elsewhere, &private).expect("symlink");
    keygen(&dir, "ES256");
    assert_eq!(std::fs::read_to_string(&elsewhere).expect("read"), "untouched");
    let meta = std::fs::symlink_metadata(&private).expect("metadata");
    assert!(meta.file_type().is_file(), "the link was replaced by a file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(&dir.0)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

/// Found in review (RFC 8725 §3.8): one key set for two issuers accepted a token
/// signed with A's key that claims to come from B. Each issuer now brings its keys.
#[test]
fn token_verify_binds_each_issuers_keys_to_that_issuer() {
    let (dir_a, dir_b) = (Dir::new("issuer-a"), Dir::new("issuer-b"));
    let (private_a, public_a) = keygen(&dir_a, "ES256");
    let (private_b, public_b) = keygen(&dir_b, "ES256");
    let (a, b) = ("https://a.example", "https://b.example");
    let verify = |token: &str| {
        let issuer_a = format!("{a}={public_a}");
        let issuer_b = format!("{b}={public_b}");
        portcullis(
            &[
                "token",
                "verify",
                "--issuer-jwks",
                &issuer_a,
                "--issuer-jwks",
                &issuer_b,
                "--aud",
                "orders",
                token,
            ],
            "",
        )
    };
    for (private, iss) in [(&private_a, a), (&private_b, b)] {
        let out = verify(&issue_by(private, iss, "orders"));
        assert_eq!(out.status.code(), Some(0), "{iss}: {}", stdout(&out));
    }
    // A's key (kid k1, like B's), claiming B.
    let out = verify(&issue_by(&private_a, b, "orders"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out).trim(), r#"{"valid":false,"error":"invalid_signature"}"#);
    // An issuer neither names.
    let out = verify(&issue_by(&private_a, "https://c.example", "orders"));
    assert_eq!(stdout(&out).trim(), r#"{"valid":false,"error":"invalid_issuer"}"#);
}

#[test]
fn token_verify_refuses_one_key_source_for_several_issuers() {
    let dir = Dir::new("several-iss");
    let (private, public) = keygen(&dir, "ES256");
    let token = issue(&private, "orders");
    let out = portcullis(
        &[
            "token",
            "verify",
            "--jwks",
            &public,
            "--iss",
            "https://auth.example",
            "--iss",
            "https://other.example",
            &token,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stdout(&out).is_empty());
    let issuer = format!("https://auth.example={public}");
    let out = portcullis(
        &[
            "token",
            "verify",
            "--issuer-jwks",
            &issuer,
            "--iss",
            "https://auth.example",
            &token,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "--iss with --issuer-jwks is a usage error");
}

/// Found in review: subject bindings matched `sub` alone, though `sub` is unique
/// only per issuer.
#[test]
fn policy_check_applies_subject_bindings_of_the_named_issuer_only() {
    let dir = Dir::new("policy-issuer");
    let policy = dir.path("policy.toml");
    std::fs::write(
        &policy,
        "[roles.admin]\npermissions = [\"orders:*\"]\n[issuers.\"https://a.example\".subjects]\nalice = [\"admin\"]\n",
    )
    .expect("write");
    let check = |issuer: Option<&str>| {
        let mut args = vec![
            "policy",
            "check",
            "--policy",
            &policy,
            "--subject",
            "alice",
            "--permission",
            "orders:delete",
        ];
        if let Some(issuer) = issuer {
            args.extend(["--issuer", issuer]);
        }
        portcullis(&args, "").status.code()
    };
    assert_eq!(check(Some("https://a.example")), Some(0));
    assert_eq!(check(Some("https://b.example")), Some(1));
    assert_eq!(check(None), Some(1));
    let batch = portcullis(
        &["policy", "check", "--policy", &policy, "--batch"],
        "{\"subject\":\"alice\",\"permission\":\"orders:delete\",\"issuer\":\"https://a.example\"}\n{\"subject\":\"alice\",\"permission\":\"orders:delete\",\"issuer\":\"https://b.example\"}\n",
    );
    assert_eq!(stdout(&batch), "{\"allowed\":true}\n{\"allowed\":false}\n");
}

// ---------------------------------------------------------------------------------
// `portcullis password` and over-long passwords: `hash` refuses one (exit 2, as any
// input it cannot take); `verify` calls it what the library does, a mismatch (exit 1),
// since no stored hash can be of it. DESIGN.md keeps exit 2 for a malformed hash,
// which still comes first.

const MAX: usize = portcullis::password::MAX_PASSWORD_BYTES;
const MISMATCH: &str = r#"{"ok":false,"needs_rehash":false}"#;

fn stored(password: &[u8]) -> String {
    let out = portcullis(&["password", "hash"], password);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    stdout(&out).trim_end().to_owned()
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
            (Some(1), format!("{MISMATCH}\n")),
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

// ---------------------------------------------------------------------------
// portcullis secrets

/// A keyring and its master key file in `dir`, made by `secrets keygen`.
fn secrets_keygen(dir: &Dir) -> (String, String) {
    let (keyring, master) = (dir.path("keyring.json"), dir.path("master.key"));
    let out = portcullis(
        &["secrets", "keygen", "--keyring", &keyring, "--master-key-file", &master],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    (keyring, master)
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(output).trim()).expect("one JSON document")
}

#[test]
fn secrets_keygen_writes_a_keyring_and_a_master_key_of_mode_0600_and_refuses_to_overwrite() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new("secrets-keygen");
    let (keyring, master) = secrets_keygen(&dir);
    for file in [&keyring, &master] {
        assert_eq!(
            std::fs::metadata(file).unwrap().permissions().mode() & 0o777,
            0o600,
            "{file}"
        );
    }
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&keyring).unwrap()).unwrap();
    assert_eq!(file["format"], "portcullis-keyring");
    assert_eq!(file["wrapper"], "local");
    let again = portcullis(
        &["secrets", "keygen", "--keyring", &keyring, "--master-key-file", &master],
        "",
    );
    assert_eq!(again.status.code(), Some(2));
    let listed = json(&portcullis(
        &["secrets", "list", "--keyring", &keyring, "--master-key-file", &master],
        "",
    ));
    assert_eq!(listed["keys"].as_array().unwrap().len(), 1);
    assert_eq!(listed["keys"][0]["status"], "primary");
    assert_eq!(listed["keys"][0]["suite"], "aes-256-gcm");
    assert_eq!(listed["primary"], listed["keys"][0]["id"]);
}

#[test]
fn secrets_seal_and_open_round_trip_bytes_under_a_context_and_refuse_another() {
    let dir = Dir::new("secrets-seal");
    let (keyring, master) = secrets_keygen(&dir);
    let base = ["--keyring", &keyring, "--master-key-file", &master];
    let args = |command: &'static str, context: &'static [&'static str]| {
        let mut all = vec!["secrets", command];
        all.extend(base);
        all.extend(context);
        all.into_iter().map(str::to_owned).collect::<Vec<String>>()
    };
    let run = |argv: Vec<String>, stdin: &[u8]| {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        portcullis(&argv, stdin)
    };
    let plaintext = b"\x00binary\xffnote\n";
    let sealed = run(
        args("seal", &["--context", "table=orders", "--context", "row=7"]),
        plaintext,
    );
    assert_eq!(sealed.status.code(), Some(0));
    let text = stdout(&sealed);
    assert!(text.ends_with('\n'));
    let opened = run(
        args("open", &["--context", "row=7", "--context", "table=orders"]),
        text.as_bytes(),
    );
    assert_eq!(opened.status.code(), Some(0));
    assert_eq!(opened.stdout, plaintext);
    let wrong = run(
        args("open", &["--context", "table=orders", "--context", "row=8"]),
        text.as_bytes(),
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(json(&wrong)["error"], "authentication_failed");
    let garbage = run(args("open", &["--context", "row=7"]), b"not sealed!");
    assert_eq!(json(&garbage)["error"], "malformed");
    let repeated = run(args("seal", &["--context", "row=1", "--context", "row=2"]), b"x");
    assert_eq!(repeated.status.code(), Some(2));
    let inspected = json(&portcullis(&["secrets", "inspect"], text.as_bytes()));
    assert_eq!(inspected["version"], 1);
    assert_eq!(inspected["suite"], "aes-256-gcm");
}

#[test]
fn secrets_rotate_rewrap_disable_and_destroy_follow_the_retirement_routine() {
    let dir = Dir::new("secrets-rotate");
    let (keyring, master) = secrets_keygen(&dir);
    let with = |command: &str, extra: &[&str], stdin: &[u8]| {
        let mut argv = vec!["secrets", command, "--keyring", &keyring, "--master-key-file", &master];
        argv.extend(extra);
        portcullis(&argv, stdin)
    };
    let old = json(&with("list", &[], b""))["primary"].as_u64().unwrap().to_string();
    let sealed = stdout(&with("seal", &["--context", "row=1"], b"note"));
    let new = json(&with("rotate", &[], b""));
    assert_eq!(new["status"], "primary");
    let new_id = new["id"].as_u64().unwrap();
    assert_eq!(
        json(&portcullis(&["secrets", "inspect"], sealed.as_bytes()))["key_id"]
            .as_u64()
            .unwrap()
            .to_string(),
        old
    );
    let moved = stdout(&with("rewrap", &["--context", "row=1"], sealed.as_bytes()));
    assert_eq!(
        json(&portcullis(&["secrets", "inspect"], moved.as_bytes()))["key_id"],
        new_id
    );
    // The primary cannot go; the old key can, step by step.
    let refused = with("destroy", &["--key-id", &new_id.to_string()], b"");
    assert_eq!(
        (refused.status.code(), json(&refused)["error"].clone()),
        (Some(1), "key_is_primary".into())
    );
    assert_eq!(json(&with("disable", &["--key-id", &old], b""))["status"], "disabled");
    let disabled = with("open", &["--context", "row=1"], sealed.as_bytes());
    assert_eq!(json(&disabled)["error"], "key_disabled");
    assert_eq!(json(&with("enable", &["--key-id", &old], b""))["status"], "active");
    assert_eq!(with("open", &["--context", "row=1"], sealed.as_bytes()).stdout, b"note");
    assert_eq!(
        json(&with("destroy", &["--key-id", &old], b""))["destroyed"]
            .as_u64()
            .unwrap()
            .to_string(),
        old
    );
    assert_eq!(
        json(&with("open", &["--context", "row=1"], sealed.as_bytes()))["error"],
        "unknown_key"
    );
    assert_eq!(with("open", &["--context", "row=1"], moved.as_bytes()).stdout, b"note");
}

#[test]
fn secrets_batches_answer_one_line_per_line_in_order() {
    let dir = Dir::new("secrets-batch");
    let (keyring, master) = secrets_keygen(&dir);
    let with = |command: &str, stdin: &str| {
        portcullis(
            &[
                "secrets",
                command,
                "--batch",
                "--keyring",
                &keyring,
                "--master-key-file",
                &master,
            ],
            stdin,
        )
    };
    let sealed = with(
        "seal",
        "{\"plaintext\":\"first\",\"context\":{\"row\":\"1\"}}\nnot json\n{\"plaintext\":\"second\"}\n",
    );
    assert_eq!(sealed.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stdout(&sealed)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["error"], "malformed_input");
    let first = lines[0]["sealed"].as_str().unwrap();
    let second = lines[2]["sealed"].as_str().unwrap();
    let input = format!(
        "{}\n{}\n{}\n",
        serde_json::json!({"sealed": first, "context": {"row": "1"}}),
        serde_json::json!({"sealed": first, "context": {"row": "2"}}),
        serde_json::json!({"sealed": second}),
    );
    let opened: Vec<serde_json::Value> = stdout(&with("open", &input))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(opened[0]["plaintext"], "first");
    assert_eq!(opened[1]["error"], "authentication_failed");
    assert_eq!(opened[2]["plaintext"], "second");
    let rewrapped: Vec<serde_json::Value> = stdout(&with("rewrap", &input))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rewrapped[0]["sealed"].is_string());
    assert_eq!(rewrapped[1]["error"], "authentication_failed");
    let inspected = stdout(&portcullis(
        &["secrets", "inspect", "--batch"],
        format!("{first}\nAQ\n"),
    ));
    let inspected: Vec<serde_json::Value> = inspected.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(inspected[0]["version"], 1);
    assert_eq!(inspected[1]["error"], "malformed");
}

#[test]
fn secrets_refuse_a_keyring_of_mode_0644_and_take_the_master_key_from_the_environment() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new("secrets-env");
    let (keyring, master) = secrets_keygen(&dir);
    let master_text = std::fs::read_to_string(&master).unwrap();
    let from_env = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["secrets", "list", "--keyring", &keyring])
        .env("PORTCULLIS_MASTER_KEY", master_text.trim())
        .output()
        .unwrap();
    assert_eq!(
        from_env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&from_env.stderr)
    );
    let no_key = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["secrets", "list", "--keyring", &keyring])
        .env_remove("PORTCULLIS_MASTER_KEY")
        .output()
        .unwrap();
    assert_eq!(no_key.status.code(), Some(2));
    std::fs::set_permissions(&keyring, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loose = portcullis(
        &["secrets", "list", "--keyring", &keyring, "--master-key-file", &master],
        "",
    );
    assert_eq!(loose.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&loose.stderr).contains("insecure_permissions"));
    assert!(!String::from_utf8_lossy(&loose.stderr).contains(master_text.trim()));
}

/// A pepper file of 32 bytes, mode 0600.
fn pepper_file(dir: &Dir) -> String {
    let path = dir.path("pepper");
    std::fs::write(&path, b"a-pepper-of-thirty-two-bytes!!!!").unwrap();
    path
}

#[test]
fn apikey_new_check_verify_rotate_revoke_and_list() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new("apikey");
    let (store, pepper) = (dir.path("keys.json"), pepper_file(&dir));
    let with_pepper = |command: &'static str, extra: &[&str]| -> Vec<String> {
        let mut argv = vec![
            "apikey",
            command,
            "--store",
            &store,
            "--pepper-file",
            &pepper,
            "--pepper-id",
            "p1",
        ];
        argv.extend(extra);
        argv.into_iter().map(str::to_owned).collect()
    };
    let run = |argv: Vec<String>, stdin: &str| {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        portcullis(&argv, stdin)
    };

    let made = run(
        with_pepper(
            "new",
            &[
                "--prefix",
                "pk",
                "--owner",
                "svc-reports",
                "--scope",
                "reports.read",
                "--role",
                "viewer",
                "--ttl",
                "3600",
            ],
        ),
        "",
    );
    assert_eq!(made.status.code(), Some(0), "{}", String::from_utf8_lossy(&made.stderr));
    let made = json(&made);
    let key = made["key"].as_str().unwrap().to_owned();
    let id = made["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("pk_"));
    assert_eq!(
        (&made["owner"], &made["scopes"], &made["roles"]),
        (
            &"svc-reports".into(),
            &serde_json::json!(["reports.read"]),
            &serde_json::json!(["viewer"])
        )
    );
    assert_eq!(std::fs::metadata(&store).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(!std::fs::read_to_string(&store).unwrap().contains(&key[3..20]));

    // check: shape and checksum only, no store.
    assert_eq!(
        portcullis(&["apikey", "check"], format!("{key}\n")).status.code(),
        Some(0)
    );
    let typo = format!("{}{}", &key[..10], if &key[10..11] == "a" { "b" } else { "a" }) + &key[11..];
    assert_eq!(portcullis(&["apikey", "check"], &typo).status.code(), Some(1));
    let batch = portcullis(&["apikey", "check", "--batch"], format!("{key}\n{typo}\n\n"));
    assert_eq!(
        stdout(&batch),
        "{\"well_formed\":true}\n{\"well_formed\":false}\n{\"well_formed\":false}\n"
    );

    // verify: against the store.
    let verified = run(with_pepper("verify", &[]), &key);
    assert_eq!(verified.status.code(), Some(0));
    assert_eq!(json(&verified)["id"], id.as_str());
    let refused = run(with_pepper("verify", &[]), &typo);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        json(&refused),
        serde_json::json!({"valid": false, "error": "invalid_api_key"})
    );
    let batch = run(with_pepper("verify", &["--batch"]), &format!("{key}\n{typo}\n"));
    assert_eq!(batch.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stdout(&batch)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        (lines[0]["valid"].clone(), lines[1]["error"].clone()),
        (true.into(), "invalid_api_key".into())
    );

    // rotate: the new key keeps scopes, roles and expiry; the old one lasts the grace.
    let rotated = run(with_pepper("rotate", &["--id", &id, "--grace", "60"]), "");
    assert_eq!(
        rotated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let rotated = json(&rotated);
    let new_key = rotated["key"].as_str().unwrap().to_owned();
    assert_eq!(
        (&rotated["expires_at"], &rotated["roles"], &rotated["prefix"]),
        (&made["expires_at"], &made["roles"], &"pk".into())
    );
    assert_eq!(run(with_pepper("verify", &[]), &key).status.code(), Some(0));
    assert_eq!(run(with_pepper("verify", &[]), &new_key).status.code(), Some(0));

    // revoke, then the key is refused; list shows records and no key.
    let revoked = portcullis(&["apikey", "revoke", "--store", &store, "--id", &id], "");
    assert_eq!(json(&revoked)["status"], "revoked");
    assert_eq!(json(&run(with_pepper("verify", &[]), &key))["error"], "api_key_revoked");
    let unknown = portcullis(&["apikey", "revoke", "--store", &store, "--id", "nope"], "");
    assert_eq!(
        (unknown.status.code(), json(&unknown)),
        (Some(1), serde_json::json!({"error": "unknown_api_key"}))
    );
    let listed = stdout(&portcullis(&["apikey", "list", "--store", &store], ""));
    let records: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 2);
    assert!(!listed.contains(&key[3..]) && !listed.contains(&new_key[3..]) && !listed.contains("\"hash\""));

    // The wrong pepper: every key is unknown. A missing store: configuration error.
    std::fs::write(dir.path("other"), b"another-pepper-of-32-bytes-long!").unwrap();
    let other = portcullis(
        &[
            "apikey",
            "verify",
            "--store",
            &store,
            "--pepper-file",
            &dir.path("other"),
            "--pepper-id",
            "p1",
        ],
        &new_key,
    );
    assert_eq!(json(&other)["error"], "invalid_api_key");
    let missing = portcullis(&["apikey", "list", "--store", &dir.path("none.json")], "");
    assert_eq!(missing.status.code(), Some(2));
    // A store readable by others is refused.
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        portcullis(&["apikey", "list", "--store", &store], "").status.code(),
        Some(2)
    );
}
