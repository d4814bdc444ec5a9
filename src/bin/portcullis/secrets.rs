//! `portcullis secrets`: a keyring file sealed under a master key, and data sealed
//! with it.
//!
//! The master key comes from `--master-key-file` (mode 0600) or from
//! `PORTCULLIS_MASTER_KEY`, never from an argument. Refusals of the data or of a key
//! operation print `{"error":"<code>"}` and exit 1; a keyring or master key that
//! cannot be used is a configuration error (exit 2).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use portcullis::secrets::{
    Context, KeyInfo, Keyring, KeyringFile, LocalKeyWrapper, MAX_PLAINTEXT_BYTES, SecretsError, Suite, from_text,
    inspect_text, to_text,
};

use crate::ConfigError;
use crate::io::{self, Line};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create a keyring file with one primary key (and the master key file, if it does not exist).
    Keygen(KeygenArgs),
    /// Make a new primary key; the old one stays active. Prints the new key.
    Rotate(KeyringArgs),
    /// Print the keys (never their material).
    List(KeyringArgs),
    /// Disable a key: kept, but it opens nothing until enabled.
    Disable(KeyIdArgs),
    /// Enable a disabled key again.
    Enable(KeyIdArgs),
    /// Remove a key for good (not the primary).
    Destroy(KeyIdArgs),
    /// Seal standard input; prints the text form.
    Seal(DataArgs),
    /// Open the sealed text on standard input; writes the plaintext bytes.
    Open(DataArgs),
    /// Print the header of sealed text: {"version","suite","key_id"} (no key needed).
    Inspect(InspectArgs),
    /// Seal again under the primary key; prints the new text form.
    Rewrap(DataArgs),
}

#[derive(clap::Args)]
pub struct KeyringArgs {
    /// The keyring file (JSON, mode 0600).
    #[arg(long)]
    keyring: PathBuf,
    /// A file holding the master key as base64url text (mode 0600); without it,
    /// PORTCULLIS_MASTER_KEY.
    #[arg(long)]
    master_key_file: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct KeygenArgs {
    #[command(flatten)]
    keyring: KeyringArgs,
    /// The first key's suite.
    #[arg(long, default_value = "aes-256-gcm")]
    suite: Suite,
}

#[derive(clap::Args)]
pub struct KeyIdArgs {
    #[command(flatten)]
    keyring: KeyringArgs,
    /// The key's id (as `list` prints it).
    #[arg(long)]
    key_id: u32,
}

#[derive(clap::Args)]
pub struct DataArgs {
    #[command(flatten)]
    keyring: KeyringArgs,
    /// An encryption context entry NAME=VALUE (repeatable; names unique).
    #[arg(long = "context", value_name = "NAME=VALUE", conflicts_with = "batch")]
    context: Vec<String>,
    /// JSON lines on stdin, one answer line each (the context in each line).
    #[arg(long)]
    batch: bool,
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// One sealed text per line on stdin, one answer line each.
    #[arg(long)]
    batch: bool,
}

pub fn run(command: Command) -> Result<ExitCode, ConfigError> {
    match command {
        Command::Keygen(args) => keygen(&args),
        Command::Rotate(args) => change(&args, |keyring| keyring.rotate().map(|key| describe(&key))),
        Command::List(args) => {
            let (keyring, _) = load(&args)?;
            print_json(&listing(&keyring))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Disable(args) => change(&args.keyring, |keyring| {
            keyring.disable(args.key_id).map(|()| key_of(keyring, args.key_id))
        }),
        Command::Enable(args) => change(&args.keyring, |keyring| {
            keyring.enable(args.key_id).map(|()| key_of(keyring, args.key_id))
        }),
        Command::Destroy(args) => change(&args.keyring, |keyring| {
            keyring
                .destroy(args.key_id)
                .map(|()| serde_json::json!({ "destroyed": args.key_id }))
        }),
        Command::Seal(args) => data(&args, Operation::Seal),
        Command::Open(args) => data(&args, Operation::Open),
        Command::Rewrap(args) => data(&args, Operation::Rewrap),
        Command::Inspect(args) => inspect(&args),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ConfigError> {
    Ok(tokio::runtime::Builder::new_current_thread().build()?)
}

/// A secrets error about the keyring or the master key: exit 2, with its code.
fn config_error(err: &SecretsError) -> ConfigError {
    ConfigError(format!("{err} ({})", err.code()))
}

fn wrapper(args: &KeyringArgs) -> Result<LocalKeyWrapper, ConfigError> {
    match &args.master_key_file {
        Some(path) => LocalKeyWrapper::from_file(path),
        None => LocalKeyWrapper::from_env(),
    }
    .map_err(|err| config_error(&err))
}

fn load(args: &KeyringArgs) -> Result<(Keyring, LocalKeyWrapper), ConfigError> {
    let wrapper = wrapper(args)?;
    let keyring = runtime()?
        .block_on(KeyringFile::load(&args.keyring, &wrapper))
        .map_err(|err| config_error(&err))?;
    Ok((keyring, wrapper))
}

fn save(keyring: &Keyring, path: &Path, wrapper: &LocalKeyWrapper) -> Result<(), ConfigError> {
    runtime()?
        .block_on(KeyringFile::save(keyring, path, wrapper))
        .map_err(|err| config_error(&err))
}

fn keygen(args: &KeygenArgs) -> Result<ExitCode, ConfigError> {
    let target = &args.keyring.keyring;
    if target.exists() {
        return Err(ConfigError(format!(
            "{}: exists; a new keyring would lose its keys (rotate instead)",
            target.display()
        )));
    }
    let wrapper = match &args.keyring.master_key_file {
        Some(path) if !path.exists() => {
            let (wrapper, text) = LocalKeyWrapper::generate().map_err(|err| config_error(&err))?;
            let mut line = zeroize::Zeroizing::new(text.as_bytes().to_vec());
            line.push(b'\n');
            portcullis::secrets::write_secret_file(path, &line).map_err(|err| config_error(&err))?;
            wrapper
        }
        _ => wrapper(&args.keyring)?,
    };
    let keyring = Keyring::generate(args.suite).map_err(|err| config_error(&err))?;
    save(&keyring, target, &wrapper)?;
    print_json(&listing(&keyring))?;
    Ok(ExitCode::SUCCESS)
}

/// Loads the keyring, applies `operation`, and saves it when it succeeded.
fn change<T: serde::Serialize>(
    args: &KeyringArgs,
    operation: impl FnOnce(&Keyring) -> Result<T, SecretsError>,
) -> Result<ExitCode, ConfigError> {
    let (keyring, wrapper) = load(args)?;
    match operation(&keyring) {
        Ok(answer) => {
            save(&keyring, &args.keyring, &wrapper)?;
            print_json(&answer)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => refused(&err),
    }
}

fn describe(key: &KeyInfo) -> serde_json::Value {
    serde_json::json!({
        "id": key.id(),
        "suite": key.suite(),
        "status": key.status(),
        "created": key.created(),
    })
}

fn key_of(keyring: &Keyring, id: u32) -> serde_json::Value {
    keyring.key(id).map_or(serde_json::Value::Null, |key| describe(&key))
}

fn listing(keyring: &Keyring) -> serde_json::Value {
    serde_json::json!({
        "primary": keyring.primary().id(),
        "keys": keyring.keys().iter().map(describe).collect::<Vec<_>>(),
    })
}

fn print_json(value: &impl serde::Serialize) -> Result<(), ConfigError> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// A refusal of the data or the operation: `{"error":"<code>"}`, exit 1.
fn refused(err: &SecretsError) -> Result<ExitCode, ConfigError> {
    print_json(&serde_json::json!({ "error": err.code() }))?;
    Ok(ExitCode::from(1))
}

#[derive(Clone, Copy)]
enum Operation {
    Seal,
    Open,
    Rewrap,
}

fn context_of(entries: &[String]) -> Result<Context, ConfigError> {
    entries.iter().try_fold(Context::new(), |context, entry| {
        let (name, value) = entry
            .split_once('=')
            .ok_or_else(|| ConfigError(format!("--context {entry:?}: expected NAME=VALUE")))?;
        context.with(name, value).map_err(|err| config_error(&err))
    })
}

/// The largest single input read: a plaintext at the limit, or its sealed text.
const MAX_SINGLE_INPUT: usize = MAX_PLAINTEXT_BYTES.div_ceil(3) * 4 + 128;

fn data(args: &DataArgs, operation: Operation) -> Result<ExitCode, ConfigError> {
    let (keyring, _) = load(&args.keyring)?;
    if args.batch {
        return batch(&keyring, operation);
    }
    let context = context_of(&args.context)?;
    let input = io::read_secret(std::io::stdin().lock(), MAX_SINGLE_INPUT, "standard input")?;
    let result = match operation {
        Operation::Seal => keyring.seal_text(&input, &context).map(|text| text.into_bytes()),
        Operation::Open => sealed_text(&input).and_then(|text| keyring.open_text(text, &context).map(|p| p.to_vec())),
        Operation::Rewrap => sealed_text(&input)
            .and_then(|text| keyring.rewrap(&from_text(text)?, &context))
            .map(|sealed| to_text(&sealed).into_bytes()),
    };
    match result {
        Ok(bytes) => {
            let bytes = zeroize::Zeroizing::new(bytes);
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            if !matches!(operation, Operation::Open) {
                out.write_all(b"\n")?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => refused(&err),
    }
}

/// Sealed text from standard input, without its surrounding white space.
fn sealed_text(input: &[u8]) -> Result<&str, SecretsError> {
    std::str::from_utf8(input)
        .map(str::trim)
        .map_err(|_| SecretsError::Malformed)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchInput {
    #[serde(default)]
    plaintext: Option<zeroize::Zeroizing<String>>,
    #[serde(default)]
    sealed: Option<String>,
    #[serde(default)]
    context: Context,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum BatchOutput {
    Sealed { sealed: String },
    Plaintext { plaintext: zeroize::Zeroizing<String> },
    Failed { error: &'static str },
}

/// Longest batch line: a 1 MiB value JSON-escaped, and framing.
const MAX_BATCH_LINE: usize = 6 * (1 << 20) + 64 * 1024;

fn batch(keyring: &Keyring, operation: Operation) -> Result<ExitCode, ConfigError> {
    io::batch(MAX_BATCH_LINE, |line| {
        let Line::Text(text) = line else {
            return BatchOutput::Failed {
                error: "malformed_input",
            };
        };
        let text = zeroize::Zeroizing::new(text);
        let Ok(request) = serde_json::from_str::<BatchInput>(&text) else {
            return BatchOutput::Failed {
                error: "malformed_input",
            };
        };
        let answer = match (operation, &request.plaintext, &request.sealed) {
            (Operation::Seal, Some(plaintext), None) => keyring
                .seal_text(plaintext.as_bytes(), &request.context)
                .map(|sealed| BatchOutput::Sealed { sealed }),
            (Operation::Open, None, Some(sealed)) => {
                keyring
                    .open_text(sealed, &request.context)
                    .map(|plain| match String::from_utf8(plain.to_vec()) {
                        Ok(text) => BatchOutput::Plaintext {
                            plaintext: zeroize::Zeroizing::new(text),
                        },
                        Err(err) => {
                            zeroize::Zeroize::zeroize(&mut err.into_bytes());
                            BatchOutput::Failed {
                                error: "plaintext_not_utf8",
                            }
                        }
                    })
            }
            (Operation::Rewrap, None, Some(sealed)) => from_text(sealed)
                .and_then(|sealed| keyring.rewrap(&sealed, &request.context))
                .map(|sealed| BatchOutput::Sealed {
                    sealed: to_text(&sealed),
                }),
            _ => {
                return BatchOutput::Failed {
                    error: "malformed_input",
                };
            }
        };
        answer.unwrap_or_else(|err| BatchOutput::Failed { error: err.code() })
    })
}

fn inspect(args: &InspectArgs) -> Result<ExitCode, ConfigError> {
    let answer = |text: &str| match inspect_text(text.trim()) {
        Ok(header) => serde_json::to_value(header).map_err(|_| SecretsError::Malformed),
        Err(err) => Err(err),
    };
    if args.batch {
        return io::batch(MAX_BATCH_LINE, |line| match line {
            Line::Text(text) => answer(&text).unwrap_or_else(|err| serde_json::json!({ "error": err.code() })),
            Line::Unreadable => serde_json::json!({ "error": "malformed_input" }),
        });
    }
    let input = io::read_secret(std::io::stdin().lock(), MAX_SINGLE_INPUT, "standard input")?;
    match sealed_text(&input).and_then(answer) {
        Ok(header) => {
            print_json(&header)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => refused(&err),
    }
}
