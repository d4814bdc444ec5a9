//! `portcullis apikey`: API keys in a store file (JSON, mode 0600) that holds no key,
//! only keyed hashes under a pepper kept in its own file.
//!
//! Keys are read from standard input, never from an argument (arguments show in
//! process listings and shell history). Refusals print `{"valid":false,"error":…}`
//! or `{"error":…}` and exit 1; a store or pepper that cannot be used is a
//! configuration error (exit 2).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use portcullis::secrets::apikey::{
    ApiKeyError, ApiKeyRecord, ApiKeyStatus, ApiKeyStore, ApiKeys, CreatedKey, MAX_KEY_LEN, MemoryApiKeyStore,
    NewApiKey, RecordUpdate, check,
};
use serde_json::json;

use crate::ConfigError;
use crate::io::{self, Line};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Make a key; prints it (this once) with its record.
    New(NewArgs),
    /// Check the shape and checksum of the key on stdin, without any store: exit 0 well formed, 1 not.
    Check(CheckArgs),
    /// Verify the key on stdin against the store.
    Verify(VerifyArgs),
    /// Make a new key with the same owner, scopes, roles, tenant and expiry; the old one lasts the grace period.
    Rotate(RotateArgs),
    /// Revoke a key by its record id.
    Revoke(RevokeArgs),
    /// Print the records (never a key).
    List(StoreArgs),
}

#[derive(clap::Args)]
pub struct StoreArgs {
    /// The store file (JSON, mode 0600).
    #[arg(long)]
    store: PathBuf,
}

#[derive(clap::Args)]
pub struct PepperArgs {
    /// File of raw pepper bytes (16 to 1024).
    #[arg(long)]
    pepper_file: PathBuf,
    /// The pepper's id (1 to 8 bytes), kept in each record.
    #[arg(long)]
    pepper_id: String,
}

#[derive(clap::Args)]
pub struct NewArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    pepper: PepperArgs,
    /// What the key is for: [a-z][a-z0-9]{1,15}.
    #[arg(long)]
    prefix: String,
    /// Whom the key acts for (the principal's subject).
    #[arg(long)]
    owner: String,
    /// A scope the key carries (repeatable).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// A role the key carries (repeatable).
    #[arg(long = "role")]
    roles: Vec<String>,
    /// The key's tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Lifetime in seconds; without it, until revoked.
    #[arg(long)]
    ttl: Option<u64>,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// One key per line on stdin, one {"well_formed":bool} line each.
    #[arg(long)]
    batch: bool,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    pepper: PepperArgs,
    /// One key per line on stdin, one answer line each.
    #[arg(long)]
    batch: bool,
}

#[derive(clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    pepper: PepperArgs,
    /// The record id of the key to roll over.
    #[arg(long)]
    id: String,
    /// Seconds the old key keeps working (0: revoked at once).
    #[arg(long, default_value_t = 0)]
    grace: u64,
}

#[derive(clap::Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The record id of the key.
    #[arg(long)]
    id: String,
}

pub fn run(command: Command) -> Result<ExitCode, ConfigError> {
    match command {
        Command::New(args) => new(&args),
        Command::Check(args) => check_keys(&args),
        Command::Verify(args) => verify(&args),
        Command::Rotate(args) => {
            let keys = keys(load(&args.store.store)?, &args.pepper, None)?;
            let rotated = block_on(keys.rotate(&args.id, Duration::from_secs(args.grace)))?;
            finish(
                keys.store(),
                &args.store.store,
                rotated.map(|created| created_view(&created)),
            )
        }
        Command::Revoke(args) => {
            // Revoking computes no hash: the store alone, no pepper.
            let store = load(&args.store.store)?;
            let revoke = RecordUpdate::Revoked { at: now() };
            let revoked = block_on(store.update(&args.id, revoke))?
                .and_then(|record| record.ok_or(ApiKeyError::UnknownId))
                .map(|record| record_view(&record));
            finish(&store, &args.store.store, revoked)
        }
        Command::List(args) => {
            let records = block_on(load(&args.store)?.list())?.map_err(|err| config_error(&err))?;
            print_json(&records.iter().map(|record| record_view(record)).collect::<Vec<_>>())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ConfigError> {
    Ok(tokio::runtime::Builder::new_current_thread().build()?)
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T, ConfigError> {
    Ok(runtime()?.block_on(future))
}

fn config_error(err: &ApiKeyError) -> ConfigError {
    ConfigError(format!("{err} ({})", err.code()))
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

fn load(path: &Path) -> Result<MemoryApiKeyStore, ConfigError> {
    MemoryApiKeyStore::load(path).map_err(|err| ConfigError(format!("{}: {err} ({})", path.display(), err.code())))
}

fn keys(
    store: MemoryApiKeyStore,
    pepper: &PepperArgs,
    prefix: Option<&str>,
) -> Result<ApiKeys<MemoryApiKeyStore>, ConfigError> {
    let pepper = crate::password::pepper(&pepper.pepper_file, &pepper.pepper_id)?;
    // Verification and rotation accept the prefix of the key at hand (or of the
    // record); `new` makes keys with the one given.
    ApiKeys::new(store, &pepper, prefix.unwrap_or("key")).map_err(|err| config_error(&err))
}

/// Saves the store when the operation succeeded and prints its answer; a refusal
/// prints `{"error":…}` and exits 1.
fn finish(
    store: &MemoryApiKeyStore,
    path: &Path,
    result: Result<serde_json::Value, ApiKeyError>,
) -> Result<ExitCode, ConfigError> {
    match result {
        Ok(answer) => {
            store.save(path).map_err(|err| config_error(&err))?;
            print_json(&answer)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) if matches!(err, ApiKeyError::Io(_) | ApiKeyError::Store(_) | ApiKeyError::Random) => {
            Err(config_error(&err))
        }
        Err(err) => {
            print_json(&json!({ "error": err.code() }))?;
            Ok(ExitCode::from(1))
        }
    }
}

fn new(args: &NewArgs) -> Result<ExitCode, ConfigError> {
    let path = &args.store.store;
    let store = match path.exists() {
        true => load(path)?,
        false => MemoryApiKeyStore::new(),
    };
    let keys = keys(store, &args.pepper, Some(&args.prefix))?;
    let mut request = NewApiKey::new(args.owner.as_str())
        .scopes(&args.scopes)
        .roles(&args.roles);
    if let Some(tenant) = &args.tenant {
        request = request.tenant(tenant.as_str());
    }
    if let Some(seconds) = args.ttl {
        request = request.ttl(Duration::from_secs(seconds));
    }
    let created = block_on(keys.create(request))?;
    finish(keys.store(), path, created.map(|created| created_view(&created)))
}

fn created_view(created: &CreatedKey) -> serde_json::Value {
    let mut view = record_view(created.record());
    view["key"] = json!(created.key());
    view
}

/// A record as printed: everything but its hash.
fn record_view(record: &ApiKeyRecord) -> serde_json::Value {
    let (status, grace_until, revoked_at) = match record.status {
        ApiKeyStatus::Active => ("active", None, None),
        ApiKeyStatus::Rotating { grace_until } => ("rotating", Some(grace_until), None),
        ApiKeyStatus::Revoked { revoked_at } => ("revoked", None, Some(revoked_at)),
    };
    json!({
        "id": record.id,
        "prefix": record.prefix,
        "owner": record.owner,
        "scopes": record.scopes,
        "roles": record.roles,
        "tenant": record.tenant,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "status": status,
        "grace_until": grace_until,
        "revoked_at": revoked_at,
        "last_used": record.last_used,
        "pepper_id": record.pepper_id,
        "replaced_by": record.replaced_by,
    })
}

fn print_json(value: &impl serde::Serialize) -> Result<(), ConfigError> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// The key on standard input, without surrounding white space (at most
/// [`MAX_KEY_LEN`] bytes are kept; a longer input is not a key).
fn read_key() -> Result<zeroize::Zeroizing<String>, ConfigError> {
    let bytes = io::read_secret(std::io::stdin().lock(), 4096, "standard input")?;
    let text = std::str::from_utf8(&bytes).map(str::trim).unwrap_or_default();
    Ok(zeroize::Zeroizing::new(text.to_owned()))
}

/// Longest batch line read: a key and generous white space.
const MAX_LINE: usize = 4 * MAX_KEY_LEN;

fn check_keys(args: &CheckArgs) -> Result<ExitCode, ConfigError> {
    if args.batch {
        return io::batch(MAX_LINE, |line| {
            let well_formed = matches!(&line, Line::Text(text) if check(text.trim()).is_ok());
            zeroize_line(line);
            json!({ "well_formed": well_formed })
        });
    }
    let key = read_key()?;
    Ok(match check(&key) {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    })
}

fn zeroize_line(line: Line) {
    if let Line::Text(text) = line {
        zeroize::Zeroize::zeroize(&mut text.into_bytes());
    }
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, ConfigError> {
    let path = &args.store.store;
    let store = load(path)?;
    let before = store.to_json().map_err(|err| config_error(&err))?;
    let pepper = crate::password::pepper(&args.pepper.pepper_file, &args.pepper.pepper_id)?;
    let runtime = runtime()?;
    let verify_one = |key: &str| -> Result<serde_json::Value, ConfigError> {
        // The key's own prefix is the one accepted: the store says whether it exists.
        let prefix = check(key).map(|parts| parts.prefix()).unwrap_or("key");
        let keys = ApiKeys::new(store.clone(), &pepper, prefix).map_err(|err| config_error(&err))?;
        match runtime.block_on(keys.verify(key)) {
            Ok(record) => Ok(json!({
                "valid": true,
                "id": record.id,
                "owner": record.owner,
                "scopes": record.scopes,
                "roles": record.roles,
            })),
            Err(err) if err.is_refusal() => Ok(json!({ "valid": false, "error": err.code() })),
            Err(err) => Err(config_error(&err)),
        }
    };
    let code = if args.batch {
        let mut failure = None;
        let code = io::batch(MAX_LINE, |line| {
            let answer = match &line {
                Line::Text(text) => verify_one(text.trim()),
                Line::Unreadable => Ok(json!({ "valid": false, "error": "invalid_api_key" })),
            };
            zeroize_line(line);
            answer.unwrap_or_else(|err| {
                failure.get_or_insert(err);
                json!({ "valid": false, "error": "store_unavailable" })
            })
        })?;
        if let Some(err) = failure {
            return Err(err);
        }
        code
    } else {
        let key = read_key()?;
        let answer = verify_one(&key)?;
        print_json(&answer)?;
        match answer["valid"].as_bool() {
            Some(true) => ExitCode::SUCCESS,
            _ => ExitCode::from(1),
        }
    };
    // Uses are recorded (to the minute) and records under an old pepper upgraded.
    if store.to_json().map_err(|err| config_error(&err))? != before {
        store.save(path).map_err(|err| config_error(&err))?;
    }
    Ok(code)
}
