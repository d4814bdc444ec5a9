//! `portcullis sanitize html` and `portcullis encode`.

use std::io::Write;
use std::process::ExitCode;

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::encode::Context;
use portcullis::sanitize::html::HtmlCleaner;

use crate::ConfigError;
use crate::io::{self, Line};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Clean the HTML on standard input under the strict default allowlist.
    Html(HtmlArgs),
}

#[derive(clap::Args)]
pub struct HtmlArgs {
    /// Strip all markup and keep the text (HTML-escaped).
    #[arg(long)]
    text_only: bool,
    /// Read {"html"} JSON lines on stdin; write {"html"} (or {"error"}) per line.
    #[arg(long)]
    batch: bool,
}

#[derive(clap::Args)]
pub struct EncodeArgs {
    /// Where the text will be written: html (text), attr (quoted attribute), js
    /// (string literal), url (one component) or css (string).
    #[arg(long, value_parser = parse_context)]
    context: Context,
    /// Read {"text"} JSON lines on stdin; write {"text"} per line.
    #[arg(long)]
    batch: bool,
}

fn parse_context(name: &str) -> Result<Context, String> {
    name.parse()
        .map_err(|_: SanitizeError| "expected html, attr, js, url or css".to_owned())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HtmlInput {
    html: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TextInput {
    text: String,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Output {
    Html { html: String },
    Text { text: String },
    Failed { error: &'static str },
}

const MALFORMED: Output = Output::Failed {
    error: "malformed_input",
};

pub fn run_sanitize(command: Command) -> Result<ExitCode, ConfigError> {
    let Command::Html(args) = command;
    let cleaner = if args.text_only {
        HtmlCleaner::text_only()
    } else {
        HtmlCleaner::new()
    };
    if args.batch {
        return io::batch(io::MAX_INPUT_BYTES as usize, |line| match parse::<HtmlInput>(line) {
            Some(input) => match cleaner.clean(&input.html) {
                Ok(html) => Output::Html { html },
                Err(err) => Output::Failed { error: err.code() },
            },
            None => MALFORMED,
        });
    }
    let input = stdin_text()?;
    write_line(&cleaner.clean(&input)?)
}

pub fn run_encode(args: EncodeArgs) -> Result<ExitCode, ConfigError> {
    if args.batch {
        return io::batch(io::MAX_INPUT_BYTES as usize, |line| match parse::<TextInput>(line) {
            Some(input) => Output::Text {
                text: args.context.encode(&input.text).into_owned(),
            },
            None => MALFORMED,
        });
    }
    let input = stdin_text()?;
    write_line(&args.context.encode(&input))
}

fn parse<T: serde::de::DeserializeOwned>(line: Line) -> Option<T> {
    match line {
        Line::Text(text) => serde_json::from_str(&text).ok(),
        Line::Unreadable => None,
    }
}

/// Standard input as UTF-8 text, one trailing newline removed (the one `echo` adds).
fn stdin_text() -> Result<String, ConfigError> {
    let mut text =
        String::from_utf8(io::read_stdin()?).map_err(|_| ConfigError("standard input is not UTF-8".into()))?;
    if text.ends_with('\n') {
        text.pop();
    }
    Ok(text)
}

fn write_line(output: &str) -> Result<ExitCode, ConfigError> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(output.as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
