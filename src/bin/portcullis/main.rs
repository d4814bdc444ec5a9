//! `portcullis`: keys, tokens, password hashes, policies, sanitizers and sealed secrets from the command line.
//!
//! Exit codes: 0 success/valid, 1 invalid, 2 usage or configuration error (message on
//! stderr). See DESIGN.md's command-line contract.

mod apikey;
mod io;
mod keygen;
mod password;
mod policy;
mod sanitize;
mod secrets;
mod token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Security tooling for portcullis services: keys, JWTs, password hashes, policies, HTML cleaning and output encoding.
#[derive(Parser)]
#[command(name = "portcullis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a signing key as a private JWKS, and its public JWKS.
    Keygen(keygen::Args),
    /// Issue and verify JWTs.
    #[command(subcommand)]
    Token(token::Command),
    /// Hash and verify passwords (argon2id).
    #[command(subcommand)]
    Password(password::Command),
    /// Check and lint RBAC policies.
    #[command(subcommand)]
    Policy(policy::Command),
    /// Clean untrusted HTML.
    #[command(subcommand)]
    Sanitize(sanitize::Command),
    /// Encode the text on standard input for one output context.
    Encode(sanitize::EncodeArgs),
    /// Keyrings and data sealed at rest.
    #[command(subcommand)]
    Secrets(secrets::Command),
    /// API keys: make, check, verify, rotate, revoke and list them.
    #[command(subcommand)]
    Apikey(apikey::Command),
}

/// A configuration or usage error: reported on stderr, exit code 2.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl<E: std::fmt::Display> From<E> for ConfigError {
    fn from(err: E) -> Self {
        ConfigError(err.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => keygen::run(args),
        Command::Token(command) => token::run(command),
        Command::Password(command) => password::run(command),
        Command::Policy(command) => policy::run(command),
        Command::Sanitize(command) => sanitize::run_sanitize(command),
        Command::Encode(args) => sanitize::run_encode(args),
        Command::Secrets(command) => secrets::run(command),
        Command::Apikey(command) => apikey::run(command),
    };
    match result {
        Ok(code) => code,
        Err(ConfigError(message)) => {
            eprintln!("portcullis: error: {message}");
            ExitCode::from(2)
        }
    }
}
