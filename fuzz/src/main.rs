//! The long fuzz run of graph-codegen (not run by CI). From the workspace root:
//!
//!     cargo run --release -p graph-codegen-fuzz -- run --seconds 1800
//!
//! `run` supervises worker processes that try seeded inputs one after another; a panic or a
//! property violation is saved under `fuzz/crashes/` (seed and input), and so is an input that
//! kills its worker outright (a stack overflow aborts, which no `catch_unwind` sees) or hangs it.
//! `replay FILE` runs one saved input and prints what the generator said.
//! Other options: `--seed N` (first seed, default from the clock), `--out DIR`.

use graph_codegen_fuzz::{check, input_for_seed, panic_message};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Workers run cases on a thread of this size, as `cargo test` threads do, so a recursion that
/// would overflow a test's stack is caught here too.
const STACK: usize = 2 << 20;
/// A case that takes longer than this is reported as a hang.
const HANG: Duration = Duration::from_secs(30);
const CHUNK: u64 = 50_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    match args.first().map(String::as_str) {
        Some("worker") => {
            let start = opt("--seed").and_then(|s| s.parse().ok()).unwrap_or(0);
            let count = opt("--count").and_then(|s| s.parse().ok()).unwrap_or(CHUNK);
            worker(start, count)
        }
        Some("run") => {
            let seconds = opt("--seconds").and_then(|s| s.parse().ok()).unwrap_or(60);
            let seed = opt("--seed").and_then(|s| s.parse().ok()).unwrap_or_else(clock_seed);
            let out = opt("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("fuzz/crashes"));
            supervise(Duration::from_secs(seconds), seed, &out)
        }
        Some("replay") => match args.get(1).map(std::fs::read) {
            Some(Ok(bytes)) => {
                let text = String::from_utf8_lossy(&bytes);
                println!("{:?}", check(&text));
                if let Err(diags) = graph_codegen::generate(&text, &graph_codegen_fuzz::settings()) {
                    for d in diags {
                        println!("{d}");
                    }
                }
                ExitCode::SUCCESS
            }
            _ => {
                eprintln!("usage: replay FILE");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("usage: graph-codegen-fuzz run [--seconds N] [--seed N] [--out DIR] | replay FILE");
            ExitCode::from(2)
        }
    }
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() << 20).unwrap_or(0)
}

/// Tries seeds `start..start+count`, printing each seed before its case so the supervisor knows
/// which input killed it, and `FAIL seed message` for a caught panic or violation.
fn worker(start: u64, count: u64) -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    let handle = std::thread::Builder::new().stack_size(STACK).spawn(move || {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for seed in start..start.saturating_add(count) {
            let _ = writeln!(out, "{seed}");
            let _ = out.flush();
            let text = input_for_seed(seed);
            let result = std::panic::catch_unwind(|| check(&text));
            let failure = match result {
                Ok(Ok(_)) => None,
                Ok(Err(violation)) => Some(violation),
                Err(payload) => Some(format!("panic: {}", panic_message(payload.as_ref()))),
            };
            if let Some(message) = failure {
                let _ = writeln!(out, "FAIL {seed} {}", message.replace('\n', " "));
                let _ = out.flush();
            }
        }
    });
    match handle.map(|h| h.join()) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

fn save(out: &Path, seed: u64, what: &str) {
    let _ = std::fs::create_dir_all(out);
    let _ = std::fs::write(out.join(format!("seed-{seed}.yaml")), input_for_seed(seed));
    let _ = std::fs::write(out.join(format!("seed-{seed}.txt")), format!("{what}\n"));
}

fn supervise(budget: Duration, first_seed: u64, out: &Path) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot find own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let mut next = first_seed;
    let mut tried: u64 = 0;
    let mut failures: Vec<(u64, String)> = Vec::new();
    println!("fuzz: first seed {first_seed}, budget {budget:?}, crashes to {}", out.display());
    while started.elapsed() < budget {
        let mut child = match Command::new(&exe)
            .args(["worker", "--seed", &next.to_string(), "--count", &CHUNK.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cannot start a worker: {e}");
                return ExitCode::FAILURE;
            }
        };
        let Some(stdout) = child.stdout.take() else { return ExitCode::FAILURE };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut current: Option<u64> = None;
        let mut hung = false;
        let mut out_of_time = false;
        loop {
            match rx.recv_timeout(HANG) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("FAIL ") {
                        let (seed, message) = rest.split_once(' ').unwrap_or((rest, ""));
                        if let Ok(seed) = seed.parse() {
                            println!("FAIL seed {seed}: {message}");
                            save(out, seed, message);
                            failures.push((seed, message.to_string()));
                        }
                    } else if let Ok(seed) = line.parse::<u64>() {
                        if current.is_some() {
                            tried += 1;
                        }
                        current = Some(seed);
                        if started.elapsed() >= budget {
                            out_of_time = true;
                            break;
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        if hung || out_of_time {
            let _ = child.kill();
        }
        let status = child.wait();
        let clean = matches!(&status, Ok(s) if s.success());
        match current {
            Some(seed) if hung => {
                let what = format!("hang: no progress for {HANG:?}");
                println!("FAIL seed {seed}: {what}");
                save(out, seed, &what);
                failures.push((seed, what));
                tried += 1;
                next = seed + 1;
            }
            Some(seed) if !clean && !out_of_time => {
                let what = format!("worker died: {status:?} (stack overflow or abort)");
                println!("FAIL seed {seed}: {what}");
                save(out, seed, &what);
                failures.push((seed, what));
                tried += 1;
                next = seed + 1;
            }
            Some(seed) if clean => {
                tried += 1;
                next = seed + 1;
            }
            Some(seed) => next = seed,
            None => next += CHUNK,
        }
        println!("fuzz: {tried} inputs, {} failures, {:.0?} elapsed", failures.len(), started.elapsed());
    }
    println!("fuzz done: {tried} inputs tried in {:.0?} (seeds {first_seed}..{next}), {} failures", started.elapsed(), failures.len());
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
