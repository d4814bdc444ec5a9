//! The Python interop scripts of tests/interop/, run against independent
//! implementations (PyJWT, argon2-cffi).

/// The outcome of running one of the Python interop scripts in tests/interop/.
pub enum PythonRun {
    /// The script ran: its exit code and output.
    Ran { code: i32, stdout: String, stderr: String },
    /// Python or the script's package is missing (the script exits 3 for that).
    Unavailable(String),
}

/// Runs `tests/interop/<script>` with `input` on stdin.
pub fn run_interop_script(script: &str, input: &str) -> PythonRun {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let path = format!("{}/tests/interop/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = match Command::new("python3")
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return PythonRun::Unavailable(format!("cannot run python3: {e}")),
    };
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(3) => PythonRun::Unavailable(format!("a Python package is not installed: {stderr}")),
        Some(code) => PythonRun::Ran { code, stdout, stderr },
        None => panic!("{script} was killed by a signal; stderr: {stderr}"),
    }
}

/// The script's stdout when it ran; `None` (after saying why) when Python or its
/// package is missing outside CI. Under CI a missing dependency fails the test:
/// `.ci/run` installs tests/interop/requirements.txt.
pub fn interop_output(test: &str, script: &str, input: &str) -> Option<String> {
    match run_interop_script(script, input) {
        PythonRun::Unavailable(why) => {
            if std::env::var_os("CI").is_some() {
                panic!("{test} cannot run in CI: {why} (CI must install tests/interop/requirements.txt)");
            }
            eprintln!("SKIPPED {test}: {why}\ninstall with: pip install -r tests/interop/requirements.txt");
            None
        }
        PythonRun::Ran { code, stdout, stderr } => {
            assert_eq!(code, 0, "{script} failed (exit {code}):\n{stdout}\n{stderr}");
            Some(stdout)
        }
    }
}
