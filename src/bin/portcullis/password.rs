//! `portcullis password hash` and `portcullis password verify`.

use std::path::PathBuf;
use std::process::ExitCode;

use portcullis::password::{MAX_PASSWORD_BYTES, MAX_PHC_LEN, Params, PasswordError, PasswordHasher, Pepper};
use zeroize::Zeroizing;

use crate::ConfigError;
use crate::io::{self, Line};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Hash the password on standard input; prints the PHC string.
    Hash(HashArgs),
    /// Verify the password on standard input against --hash; prints {"ok","needs_rehash"}.
    Verify(VerifyArgs),
}

/// The hasher's configuration; `needs_rehash` is judged against it.
#[derive(clap::Args)]
pub struct HasherArgs {
    /// Memory in KiB (argon2 m).
    #[arg(long, default_value_t = Params::owasp().m_cost)]
    m_cost: u32,
    /// Passes (argon2 t).
    #[arg(long, default_value_t = Params::owasp().t_cost)]
    t_cost: u32,
    /// Lanes (argon2 p).
    #[arg(long, default_value_t = Params::owasp().p_cost)]
    p_cost: u32,
    /// File of raw pepper bytes (16 to 1024), used with --pepper-id.
    #[arg(long, requires = "pepper_id")]
    pepper_file: Option<PathBuf>,
    /// The pepper's key id (1 to 8 bytes), written into hashes as `keyid`.
    #[arg(long, requires = "pepper_file")]
    pepper_id: Option<String>,
}

#[derive(clap::Args)]
pub struct HashArgs {
    #[command(flatten)]
    hasher: HasherArgs,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).multiple(false)))]
pub struct VerifyArgs {
    /// The stored PHC string to verify against.
    #[arg(long, group = "input")]
    hash: Option<String>,
    /// Read {"phc","password"} JSON lines on stdin; write one result line per input.
    #[arg(long, group = "input")]
    batch: bool,
    #[command(flatten)]
    hasher: HasherArgs,
}

pub fn run(command: Command) -> Result<ExitCode, ConfigError> {
    match command {
        Command::Hash(args) => hash(&args),
        Command::Verify(args) => verify(&args),
    }
}

fn hasher(args: &HasherArgs) -> Result<PasswordHasher, ConfigError> {
    let params = Params {
        m_cost: args.m_cost,
        t_cost: args.t_cost,
        p_cost: args.p_cost,
        ..Params::owasp()
    };
    let mut builder = PasswordHasher::builder().params(params);
    if let (Some(file), Some(id)) = (&args.pepper_file, &args.pepper_id) {
        builder = builder.pepper(pepper(file, id)?);
    }
    Ok(builder.build()?)
}

/// The pepper `id` whose secret is the raw bytes of `file`.
pub fn pepper(file: &std::path::Path, id: &str) -> Result<Pepper, ConfigError> {
    let opened = std::fs::File::open(file).map_err(|e| ConfigError(format!("{}: {e}", file.display())))?;
    let secret = io::read_secret(opened, Pepper::MAX_SECRET_LEN, &file.display().to_string())?;
    Ok(Pepper::new(id, secret.to_vec())?)
}

/// The password on standard input: UTF-8, with one trailing `\n` removed.
///
/// Only `MAX_PASSWORD_BYTES + 2` bytes are read. A longer password is left to the
/// hasher to judge, as any over-long password (`hash` refuses it, `verify` calls it
/// a mismatch): what is returned for it is still over the limit, and its bytes past
/// the limit do not matter, so they need not be UTF-8.
fn read_password() -> Result<Zeroizing<String>, ConfigError> {
    use std::io::Read as _;

    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_PASSWORD_BYTES + 2));
    std::io::stdin()
        .lock()
        .take(MAX_PASSWORD_BYTES as u64 + 2)
        .read_to_end(&mut bytes)
        .map_err(|e| ConfigError(format!("the password: {e}")))?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    if bytes.len() > MAX_PASSWORD_BYTES {
        // Lossy decoding never shortens, so the text stays over the limit; at most
        // tripled, so reserving that leaves no stale copies behind.
        let mut text = Zeroizing::new(String::with_capacity(3 * bytes.len()));
        for chunk in bytes.utf8_chunks() {
            text.push_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
        return Ok(text);
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| ConfigError("the password is not UTF-8".into()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// An error about the input, not the configuration: stderr and exit 2, with its code.
fn input_error(err: &PasswordError) -> ConfigError {
    ConfigError(format!("{err} ({})", err.code()))
}

fn hash(args: &HashArgs) -> Result<ExitCode, ConfigError> {
    let hasher = hasher(&args.hasher)?;
    let password = read_password()?;
    println!("{}", hasher.hash(&password).map_err(|e| input_error(&e))?);
    Ok(ExitCode::SUCCESS)
}

/// One verification outcome, as DESIGN.md gives it.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Outcome {
    Checked { ok: bool, needs_rehash: bool },
    Failed { error: &'static str },
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, ConfigError> {
    let hasher = hasher(&args.hasher)?;
    let Some(phc) = &args.hash else {
        return batch(&hasher);
    };
    let password = read_password()?;
    let verified = hasher.verify(&password, phc).map_err(|e| input_error(&e))?;
    let outcome = Outcome::Checked {
        ok: verified.ok,
        needs_rehash: verified.needs_rehash,
    };
    println!("{}", serde_json::to_string(&outcome)?);
    Ok(if verified.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchInput {
    phc: String,
    password: Zeroizing<String>,
}

/// Longest batch line read: a maximal password with every byte JSON-escaped, a
/// maximal PHC string, and framing.
const MAX_LINE_BYTES: usize = 6 * MAX_PASSWORD_BYTES + MAX_PHC_LEN + 64;

fn batch(hasher: &PasswordHasher) -> Result<ExitCode, ConfigError> {
    io::batch(MAX_LINE_BYTES, |line| {
        let request = match line {
            Line::Text(text) => serde_json::from_str::<BatchInput>(&Zeroizing::new(text)).ok(),
            Line::Unreadable => None,
        };
        match request {
            None => Outcome::Failed {
                error: "malformed_input",
            },
            Some(request) => match hasher.verify(&request.password, &request.phc) {
                Ok(v) => Outcome::Checked {
                    ok: v.ok,
                    needs_rehash: v.needs_rehash,
                },
                Err(err) => Outcome::Failed { error: err.code() },
            },
        }
    })
}
