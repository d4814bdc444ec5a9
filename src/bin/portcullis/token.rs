//! `portcullis token issue` and `portcullis token verify`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use portcullis::token::{
    Algorithm, Issuer, JwkSet, KeySet, KeySource, RemoteKeySet, SigningKey, TokenError, Verifier, VerifyingKey,
};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::ConfigError;
use crate::io::{self, Line};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Sign a token; prints it on standard output.
    Issue(IssueArgs),
    /// Verify tokens; prints their claims, or {"valid":false,"error":CODE}.
    Verify(VerifyArgs),
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("signing").required(true).multiple(false)))]
pub struct IssueArgs {
    /// Private JWKS holding the key (select it with --kid).
    #[arg(long, requires = "kid", group = "signing")]
    jwks_private: Option<PathBuf>,
    /// Key id in --jwks-private.
    #[arg(long)]
    kid: Option<String>,
    /// PKCS#8 (or PKCS#1 RSA) private key PEM file (with --alg).
    #[arg(long, requires = "alg", group = "signing")]
    key: Option<PathBuf>,
    /// File of raw secret bytes for HS* (with --alg).
    #[arg(long, requires = "alg", group = "signing")]
    secret_file: Option<PathBuf>,
    /// Algorithm for --key or --secret-file.
    #[arg(long)]
    alg: Option<Algorithm>,
    /// Issuer (`iss`).
    #[arg(long)]
    iss: String,
    /// Audience (`aud`).
    #[arg(long)]
    aud: String,
    /// Subject (`sub`).
    #[arg(long)]
    sub: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 900)]
    ttl: u64,
    /// Extra claims, a JSON object.
    #[arg(long)]
    claims: Option<String>,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("verifying").required(true).multiple(false)))]
pub struct VerifyArgs {
    /// JWKS file of verification keys (`oct` keys allowed for HS*).
    #[arg(long, group = "verifying")]
    jwks: Option<PathBuf>,
    /// JWKS URL of an identity provider (https), fetched once.
    #[arg(long, group = "verifying")]
    jwks_url: Option<String>,
    /// Allow a plain-http --jwks-url or --issuer-jwks-url to a loopback address (for a
    /// local test server).
    #[arg(long)]
    allow_http_loopback: bool,
    /// SPKI (or PKCS#1 RSA) public key PEM file (with --alg).
    #[arg(long, requires = "alg", group = "verifying")]
    key: Option<PathBuf>,
    /// File of raw secret bytes for HS* (with --alg).
    #[arg(long, requires = "alg", group = "verifying")]
    secret_file: Option<PathBuf>,
    /// Algorithm for --key or --secret-file.
    #[arg(long)]
    alg: Option<Algorithm>,
    /// An issuer and the JWKS file of its keys, `ISS=FILE` (repeat for several
    /// issuers: a token is verified only with the keys of the issuer it names).
    #[arg(long, value_name = "ISS=FILE", value_parser = issuer_pair, group = "verifying", conflicts_with = "iss")]
    issuer_jwks: Vec<(String, String)>,
    /// An issuer and the JWKS URL of its keys, `ISS=URL` (https; fetched once; repeat for
    /// several issuers).
    #[arg(long, value_name = "ISS=URL", value_parser = issuer_pair, group = "verifying", conflicts_with = "iss")]
    issuer_jwks_url: Vec<(String, String)>,
    /// Expected issuer, the one the keys belong to (once: for several issuers, give
    /// each its keys with --issuer-jwks or --issuer-jwks-url).
    #[arg(long)]
    iss: Vec<String>,
    /// Expected audience (repeat for several). A token with `aud` is rejected when none is given.
    #[arg(long)]
    aud: Vec<String>,
    /// Clock skew tolerated, in seconds.
    #[arg(long, default_value_t = 30)]
    leeway: u64,
    /// Accept ES256/ES384 signatures with a high S, for issuers that do not normalize
    /// it (OpenSSL-based ones, Java, Go): each such token then has two spellings.
    #[arg(long)]
    accept_high_s: bool,
    /// Read one token per line on standard input, write one JSON line per token.
    #[arg(long, conflicts_with = "token")]
    batch: bool,
    /// The token (default: read from standard input).
    token: Option<String>,
}

pub fn run(command: Command) -> Result<ExitCode, ConfigError> {
    match command {
        Command::Issue(args) => issue(args),
        Command::Verify(args) => verify(args),
    }
}

fn need_alg(alg: Option<Algorithm>) -> Result<Algorithm, ConfigError> {
    alg.ok_or_else(|| ConfigError("--alg is required with --key and --secret-file".into()))
}

fn issue(args: IssueArgs) -> Result<ExitCode, ConfigError> {
    let key = if let Some(path) = &args.jwks_private {
        let jwks = JwkSet::from_json(std::str::from_utf8(&io::read_file(path)?)?)?;
        let kid = args.kid.as_deref().unwrap_or_default();
        let jwk = jwks
            .keys
            .iter()
            .find(|jwk| jwk.kid.as_deref() == Some(kid))
            .ok_or_else(|| ConfigError(format!("no key with kid {kid:?} in {}", path.display())))?;
        SigningKey::from_jwk(jwk)?
    } else if let Some(path) = &args.key {
        SigningKey::from_pem(need_alg(args.alg)?, &io::read_file(path)?)?
    } else if let Some(path) = &args.secret_file {
        SigningKey::from_secret(need_alg(args.alg)?, &Zeroizing::new(io::read_file(path)?))?
    } else {
        return Err(ConfigError(
            "one of --jwks-private, --key, --secret-file is required".into(),
        ));
    };
    let claims: Value = match &args.claims {
        Some(text) => serde_json::from_str(text).map_err(|e| ConfigError(format!("--claims: {e}")))?,
        None => Value::Null,
    };
    let issuer = Issuer::builder(key)
        .issuer(args.iss)
        .audience(args.aud)
        .ttl(Duration::from_secs(args.ttl))
        .build()?;
    let token = issuer.issue(&args.sub, &claims)?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// `ISS=VALUE`, split at the first `=` (an issuer is a URL, which may hold `=` only
/// after its path; the value is a file or a URL).
fn issuer_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((iss, value)) if !iss.is_empty() && !value.is_empty() => Ok((iss.to_owned(), value.to_owned())),
        _ => Err("expected ISS=VALUE".to_owned()),
    }
}

fn jwks_file(path: &std::path::Path) -> Result<KeySet, ConfigError> {
    Ok(KeySet::from_jwks(&JwkSet::from_json(std::str::from_utf8(
        &io::read_file(path)?,
    )?)?)?)
}

fn verifier(args: &VerifyArgs) -> Result<Verifier, ConfigError> {
    let per_issuer = !args.issuer_jwks.is_empty() || !args.issuer_jwks_url.is_empty();
    let mut builder = if per_issuer {
        let mut sources: Vec<(String, KeySource)> = Vec::new();
        for (iss, path) in &args.issuer_jwks {
            sources.push((iss.clone(), jwks_file(std::path::Path::new(path))?.into()));
        }
        for (iss, url) in &args.issuer_jwks_url {
            sources.push((iss.clone(), remote_keys(url, args.allow_http_loopback)?.into()));
        }
        Verifier::builder_for_issuers(sources)
    } else {
        if args.iss.len() > 1 {
            return Err(ConfigError(
                "one key source belongs to one issuer: give each issuer its keys with --issuer-jwks ISS=FILE".into(),
            ));
        }
        Verifier::builder(single_source(args)?)
    };
    builder = builder
        .leeway(Duration::from_secs(args.leeway))
        .accept_high_s(args.accept_high_s);
    for iss in &args.iss {
        builder = builder.issuer(iss.clone());
    }
    for aud in &args.aud {
        builder = builder.audience(aud.clone());
    }
    Ok(builder.build()?)
}

fn single_source(args: &VerifyArgs) -> Result<KeySource, ConfigError> {
    let keys: KeySource = if let Some(path) = &args.jwks {
        jwks_file(path)?.into()
    } else if let Some(url) = &args.jwks_url {
        remote_keys(url, args.allow_http_loopback)?.into()
    } else if let Some(path) = &args.key {
        VerifyingKey::from_pem(need_alg(args.alg)?, &io::read_file(path)?)?.into()
    } else if let Some(path) = &args.secret_file {
        VerifyingKey::from_secret(need_alg(args.alg)?, &Zeroizing::new(io::read_file(path)?))?.into()
    } else {
        return Err(ConfigError(
            "one of --jwks, --jwks-url, --key, --secret-file, --issuer-jwks, --issuer-jwks-url is required".into(),
        ));
    };
    Ok(keys)
}

/// The keys at `url`, fetched once (a command does not live long enough to refresh).
fn remote_keys(url: &str, allow_http_loopback: bool) -> Result<RemoteKeySet, ConfigError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ConfigError(format!("--jwks-url: {e}")))?;
    runtime
        .block_on(
            RemoteKeySet::from_jwks_url(url)
                .allow_http_loopback(allow_http_loopback)
                .start(),
        )
        .map_err(|e| ConfigError(format!("--jwks-url: {e} ({})", e.code())))
}

fn check(verifier: &Verifier, token: &str) -> Result<Map<String, Value>, TokenError> {
    verifier
        .verify::<Map<String, Value>>(token)
        .map(|verified| verified.custom)
}

/// One verification outcome, members in the order DESIGN.md gives them.
#[derive(serde::Serialize)]
struct Outcome<'a> {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    claims: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

fn invalid(err: &TokenError) -> Outcome<'static> {
    Outcome {
        valid: false,
        claims: None,
        error: Some(err.code()),
    }
}

fn verify(args: VerifyArgs) -> Result<ExitCode, ConfigError> {
    let verifier = verifier(&args)?;
    if args.batch {
        return batch(&verifier);
    }
    let token = match &args.token {
        Some(token) => token.clone(),
        None => String::from_utf8(io::read_stdin()?).map_err(|_| ConfigError("standard input is not UTF-8".into()))?,
    };
    match check(&verifier, token.trim()) {
        Ok(claims) => {
            println!("{}", Value::Object(claims));
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            println!("{}", serde_json::to_string(&invalid(&err))?);
            Ok(ExitCode::from(1))
        }
    }
}

/// Longest batch line read: the largest token a verifier could accept, plus framing.
const MAX_LINE_BYTES: usize = portcullis::token::MAX_TOKEN_BYTES_LIMIT + 64;

fn batch(verifier: &Verifier) -> Result<ExitCode, ConfigError> {
    io::batch(MAX_LINE_BYTES, |line| match line {
        Line::Text(text) => {
            let text = text.trim();
            // A line may be the bare token or a JSON string holding it.
            let quoted = text.starts_with('"').then(|| serde_json::from_str::<String>(text).ok());
            let token = quoted.flatten().unwrap_or_else(|| text.to_owned());
            match check(verifier, &token) {
                Ok(claims) => Outcome {
                    valid: true,
                    claims: Some(claims),
                    error: None,
                },
                Err(err) => invalid(&err),
            }
        }
        Line::Unreadable => Outcome {
            valid: false,
            claims: None,
            error: Some("malformed"),
        },
    })
}
