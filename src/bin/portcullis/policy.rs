//! `portcullis policy check` and `portcullis policy lint`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use portcullis::rbac::{MAX_POLICY_BYTES, Policy, RbacError};

use crate::ConfigError;
use crate::io::{self, Line};

#[derive(clap::Subcommand)]
pub enum Command {
    /// May a subject do this? Prints {"allowed":bool}; exit 0 allowed, 1 denied.
    Check(CheckArgs),
    /// Compile a policy file; print its error, or a summary of what it holds.
    Lint(LintArgs),
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).multiple(false)))]
pub struct CheckArgs {
    /// The policy file: TOML, or JSON when it ends in `.json`.
    #[arg(long)]
    policy: PathBuf,
    /// The subject whose bindings are checked.
    #[arg(long, group = "input", requires = "permission")]
    subject: Option<String>,
    /// The permission, `resource:action`.
    #[arg(long)]
    permission: Option<String>,
    /// Also apply the subject's bindings in this tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// The issuer the subject belongs to (a token's `iss`): its bindings under
    /// `[issuers."ISS"]` apply. Without it, the top-level bindings (subjects of no issuer).
    #[arg(long)]
    issuer: Option<String>,
    /// Read {"subject","permission"[,"tenant"][,"issuer"]} JSON lines on stdin; write {"allowed":bool} per line.
    #[arg(long, group = "input")]
    batch: bool,
}

#[derive(clap::Args)]
pub struct LintArgs {
    /// The policy file: TOML, or JSON when it ends in `.json`.
    #[arg(long)]
    policy: PathBuf,
}

pub fn run(command: Command) -> Result<ExitCode, ConfigError> {
    match command {
        Command::Check(args) => check(&args),
        Command::Lint(args) => lint(&args),
    }
}

fn load(path: &Path) -> Result<Result<Policy, RbacError>, ConfigError> {
    let bytes = io::read_file_limited(path, MAX_POLICY_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| ConfigError(format!("{}: not UTF-8", path.display())))?;
    let json = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    Ok(if json {
        Policy::from_json(&text)
    } else {
        Policy::from_toml(&text)
    })
}

fn allowed(policy: &Policy, issuer: Option<&str>, subject: &str, permission: &str, tenant: Option<&str>) -> bool {
    let set = match issuer {
        Some(issuer) => policy.issuer_subject_permissions(issuer, subject, tenant),
        None => policy.subject_permissions(subject, tenant),
    };
    policy.check_str(&set, permission)
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Outcome {
    Decided { allowed: bool },
    Failed { error: &'static str },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchInput {
    subject: String,
    permission: String,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
}

fn check(args: &CheckArgs) -> Result<ExitCode, ConfigError> {
    let policy =
        load(&args.policy)?.map_err(|e| ConfigError(format!("{}: {e} ({})", args.policy.display(), e.code())))?;
    if args.batch {
        return io::batch(64 * 1024, |line| match line {
            Line::Text(text) => match serde_json::from_str::<BatchInput>(&text) {
                Ok(q) => Outcome::Decided {
                    allowed: allowed(
                        &policy,
                        q.issuer.as_deref(),
                        &q.subject,
                        &q.permission,
                        q.tenant.as_deref(),
                    ),
                },
                Err(_) => Outcome::Failed {
                    error: "malformed_input",
                },
            },
            Line::Unreadable => Outcome::Failed {
                error: "malformed_input",
            },
        });
    }
    let (Some(subject), Some(permission)) = (&args.subject, &args.permission) else {
        return Err(ConfigError(
            "--subject and --permission are required without --batch".into(),
        ));
    };
    let decision = allowed(
        &policy,
        args.issuer.as_deref(),
        subject,
        permission,
        args.tenant.as_deref(),
    );
    println!("{}", serde_json::to_string(&Outcome::Decided { allowed: decision })?);
    Ok(if decision { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[derive(serde::Serialize)]
struct Summary {
    valid: bool,
    roles: usize,
    permissions: usize,
    bindings: usize,
    tenants: usize,
}

#[derive(serde::Serialize)]
struct LintError {
    valid: bool,
    error: &'static str,
    message: String,
}

fn lint(args: &LintArgs) -> Result<ExitCode, ConfigError> {
    match load(&args.policy)? {
        Ok(policy) => {
            let summary = Summary {
                valid: true,
                roles: policy.role_count(),
                permissions: policy.permission_count(),
                bindings: policy.binding_count(),
                tenants: policy.tenant_count(),
            };
            println!("{}", serde_json::to_string(&summary)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            let report = LintError {
                valid: false,
                error: err.code(),
                message: err.to_string(),
            };
            println!("{}", serde_json::to_string(&report)?);
            Ok(ExitCode::from(1))
        }
    }
}
