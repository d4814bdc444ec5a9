//! A login flood against each demo, measured: while 32 keep-alive connections send
//! wrong passwords as fast as they can (one client, rotating usernames: credential
//! stuffing), an authenticated `GET /me` keeps being timed, and 40 legitimate logins
//! arrive from 40 other clients.
//!
//! Each demo runs as its own process (`examples/demo` and `examples/demo_actix`,
//! built beside this one) with `PORTCULLIS_TRUSTED_PROXIES=127.0.0.1/32`: this
//! program plays the proxy and names each request's client in `X-Forwarded-For`.
//! Printed per demo: `GET /me` p50 and p99 idle and under the flood, the legitimate
//! logins that succeeded, the flood's answers by status, and the server's peak
//! resident memory (`VmHWM`).
//!
//! Run: `cargo build --release --examples --features axum,actix,html &&
//! target/release/examples/login_flood` (`FLOOD_SECONDS`, default 20). With
//! `FLOOD_PIN=1`, the server runs on core 0 (through `taskset`): run this program
//! on the others (`taskset -c 1 …`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 32;
const LEGITIMATE: usize = 40;

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Connection {
    fn open(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Connection {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends a request and reads the response: its status and body.
    fn call(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: demo\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        self.writer.write_all(request.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

fn login_body(user: &str, password: &str) -> String {
    format!(r#"{{"username":"{user}","password":"{password}"}}"#)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn start(binary: &str, port: u16) -> Child {
    let path = std::env::current_exe()
        .expect("this program's path")
        .with_file_name(binary);
    // With FLOOD_PIN set, the server on core 0 (run this program on the others):
    // the flood's own CPU then does not count against the server's latency, but
    // the server's password work shares its one core with its requests.
    let pinned = std::env::var_os("FLOOD_PIN").is_some();
    let mut command = if pinned {
        let mut command = Command::new("taskset");
        command.arg("-c").arg("0").arg(&path);
        command
    } else {
        Command::new(&path)
    };
    let mut child = command
        .env("PORT", port.to_string())
        .env("PORTCULLIS_TRUSTED_PROXIES", "127.0.0.1/32")
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| {
            panic!(
                "{}: {err} (build it: cargo build --release --examples --features axum,actix,html)",
                path.display()
            )
        });
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    for _ in 0..200 {
        if TcpStream::connect(addr).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{binary} did not start");
}

/// `GET /me` timed back to back on one connection until `stop`.
fn time_me(addr: SocketAddr, token: &str, stop: &AtomicBool, at_least: usize) -> Vec<Duration> {
    let mut connection = Connection::open(addr).expect("connect");
    let authorization = format!("Bearer {token}");
    let headers = [
        ("Authorization", authorization.as_str()),
        ("X-Forwarded-For", "192.0.2.1"),
    ];
    let mut times = Vec::new();
    while !stop.load(Ordering::Relaxed) || times.len() < at_least {
        let started = Instant::now();
        let (status, _) = connection.call("GET", "/me", &headers, "").expect("GET /me");
        times.push(started.elapsed());
        assert_eq!(status, 200, "GET /me");
        // A caller at a steady pace, not a second flood (and within the demo's
        // per-caller limit of 50 a second).
        std::thread::sleep(Duration::from_millis(25));
    }
    times.sort();
    times
}

fn run(name: &str, binary: &str, port: u16, flood_for: Duration) {
    let mut server = start(binary, port);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut setup = Connection::open(addr).expect("connect");
    let (status, body) = setup
        .call(
            "POST",
            "/login",
            &[("Content-Type", "application/json"), ("X-Forwarded-For", "192.0.2.1")],
            &login_body("bob", "plum verdict gallop"),
        )
        .expect("login");
    assert_eq!(status, 200, "{body}");
    let token = body
        .split(r#""access_token":""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("token")
        .to_owned();

    // Idle.
    let stop = AtomicBool::new(true);
    let idle = time_me(addr, &token, &stop, 200);

    // The flood.
    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(Mutex::new(std::collections::BTreeMap::<u16, u64>::new()));
    let sent = Arc::new(AtomicU64::new(0));
    let flooders: Vec<_> = (0..CONNECTIONS)
        .map(|lane| {
            let (stop, statuses, sent) = (stop.clone(), statuses.clone(), sent.clone());
            std::thread::spawn(move || {
                let mut connection = Connection::open(addr).expect("connect");
                let mut n = lane;
                let mut seen = std::collections::BTreeMap::<u16, u64>::new();
                while !stop.load(Ordering::Relaxed) {
                    n += CONNECTIONS;
                    let body = login_body(&format!("user{}", n % 5000), "wrong password");
                    let headers = [
                        ("Content-Type", "application/json"),
                        ("X-Forwarded-For", "203.0.113.66"),
                    ];
                    match connection.call("POST", "/login", &headers, &body) {
                        Ok((status, _)) => *seen.entry(status).or_default() += 1,
                        Err(_) => match Connection::open(addr) {
                            Ok(fresh) => connection = fresh,
                            Err(_) => break,
                        },
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                let mut all = statuses.lock().expect("statuses");
                for (status, count) in seen {
                    *all.entry(status).or_default() += count;
                }
            })
        })
        .collect();
    let legitimate = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut succeeded = 0;
            let pace = flood_for / (LEGITIMATE as u32 + 1);
            for n in 0..LEGITIMATE {
                std::thread::sleep(pace);
                let mut connection = Connection::open(addr).expect("connect");
                let client = format!("198.51.100.{}", n + 1);
                let (user, password) = if n % 2 == 0 {
                    ("alice", "correct horse battery staple")
                } else {
                    ("bob", "plum verdict gallop")
                };
                let headers = [
                    ("Content-Type", "application/json"),
                    ("X-Forwarded-For", client.as_str()),
                ];
                if let Ok((200, _)) = connection.call("POST", "/login", &headers, &login_body(user, password)) {
                    succeeded += 1;
                }
            }
            stop.store(true, Ordering::Relaxed);
            succeeded
        })
    };
    let flooded = time_me(addr, &token, &stop, 0);
    let succeeded = legitimate.join().expect("legitimate logins");
    for flooder in flooders {
        flooder.join().expect("flooder");
    }
    let peak = peak_rss_kib(server.id());
    let _ = server.kill();
    let _ = server.wait();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{name}:");
    println!(
        "  GET /me idle:  p50 {:.2} ms, p99 {:.2} ms ({} requests)",
        ms(percentile(&idle, 0.5)),
        ms(percentile(&idle, 0.99)),
        idle.len()
    );
    println!(
        "  GET /me flood: p50 {:.2} ms, p99 {:.2} ms ({} requests); p99 ratio {:.2}",
        ms(percentile(&flooded, 0.5)),
        ms(percentile(&flooded, 0.99)),
        flooded.len(),
        ms(percentile(&flooded, 0.99)) / ms(percentile(&idle, 0.99)).max(0.001)
    );
    println!("  legitimate logins from other clients: {succeeded} of {LEGITIMATE}");
    println!(
        "  flood: {} wrong-password logins in {:.0} s, answered {:?}",
        sent.load(Ordering::Relaxed),
        flood_for.as_secs_f64(),
        statuses.lock().expect("statuses")
    );
    println!("  server peak RSS: {} MiB", peak / 1024);
}

fn main() {
    let seconds = std::env::var("FLOOD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let flood_for = Duration::from_secs(seconds);
    run("axum", "demo", 3971, flood_for);
    run("actix-web", "demo_actix", 3972, flood_for);
}
