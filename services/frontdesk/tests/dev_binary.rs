//! The README's first command, as a new user runs it: `make run` is `frontdesk dev
//! --log-format pretty` in the checkout, with the data in `./.frontdesk`. It prints a ready
//! dev token, the CLI (run from the same directory) finds it, SIGTERM stops it cleanly, and
//! the data is still there after a restart.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

#[path = "dev_binary/traces.rs"]
mod traces;

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");

/// `make run`'s arguments, exactly (see the Makefile).
const MAKE_RUN: &[&str] = &["dev", "--log-format", "pretty"];

/// A port that was free a moment ago; `start` tries again when it was taken meanwhile.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Settings a developer's shell might carry that `make run` would pick up: the test runs
/// without them, as on a fresh machine.
fn clean_env(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars() {
        if key.starts_with("FRONTDESK_") || key.starts_with("OTEL_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// `frontdesk dev` running in `cwd`. Dropping it kills the process, so a failing test never
/// leaves one behind.
struct Dev {
    child: Child,
    port: u16,
    /// The admin port: Prometheus metrics.
    metrics: u16,
    output: Arc<Mutex<String>>,
}

impl Drop for Dev {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Dev {
    fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }
}

/// Collects what the process prints (the pipes must be drained or it would block).
fn collect(from: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut from = from;
        let mut buf = [0_u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut o) = into.lock() {
                o.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    });
}

fn data_dir(cwd: &Path) -> PathBuf {
    cwd.join(".frontdesk")
}

/// Runs `make run`'s command in `cwd`. Only the addresses come from the environment (a
/// fixed 50051 and 9464 would collide with other tests and a developer's own `make run`);
/// the command line is the Makefile's.
fn start(cwd: &Path) -> Dev {
    start_with(cwd, MAKE_RUN, &[])
}

/// `start` with other arguments, and `env` added to a clean environment.
fn start_with(cwd: &Path, args: &[&str], env: &[(&str, String)]) -> Dev {
    let token_file = data_dir(cwd).join("dev-token");
    let _ = std::fs::remove_file(&token_file);
    for _ in 0..10 {
        let (port, metrics) = (free_port(), free_port());
        let mut cmd = Command::new(BIN);
        clean_env(&mut cmd)
            .args(args)
            .current_dir(cwd)
            .env("FRONTDESK_LISTEN", format!("127.0.0.1:{port}"))
            .env("FRONTDESK_METRICS_ADDR", format!("127.0.0.1:{metrics}"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("frontdesk dev starts");
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().expect("stdout"), output.clone());
        collect(child.stderr.take().expect("stderr"), output.clone());
        let mut dev = Dev {
            child,
            port,
            metrics,
            output,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if token_file.exists() {
                return dev;
            }
            if let Some(status) = dev.child.try_wait().expect("wait") {
                let out = dev.output();
                assert!(
                    out.contains("in use"),
                    "frontdesk dev exited with {status}:\n{out}"
                );
                break; // a port was taken between choosing and binding it: again
            }
            assert!(
                Instant::now() < deadline,
                "frontdesk dev did not come up:\n{}",
                dev.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("frontdesk dev found no free port in 10 tries");
}

/// The CLI as the README shows it, from the same directory: it finds the dev token in
/// `./.frontdesk` by itself.
fn cli(cwd: &Path, port: u16, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    clean_env(&mut cmd)
        .args(args)
        .arg("--json")
        .current_dir(cwd)
        .env("FRONTDESK_SERVER", format!("http://127.0.0.1:{port}"))
        .output()
        .expect("cli runs")
}

fn stop(mut dev: Dev) {
    let pid = dev.child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = dev.child.try_wait().expect("wait") {
            assert!(
                status.success(),
                "graceful shutdown exits 0, got {status}:\n{}",
                dev.output()
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "frontdesk dev did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What `make run` promises on start: pretty (not JSON) logs, and the dev token printed,
/// the same one the CLI will read from `.frontdesk/dev-token`.
fn assert_started_as_the_readme_says(dev: &Dev, cwd: &Path) {
    let token = std::fs::read_to_string(data_dir(cwd).join("dev-token")).expect("dev token");
    let token = token.trim();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = dev.output();
        if out.contains(token) && out.contains("frontdesk listening") {
            assert!(out.contains("dev token"), "{out}");
            assert!(
                !out.lines().any(|l| l.trim_start().starts_with('{')),
                "pretty logs, not JSON:\n{out}"
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the token in .frontdesk/dev-token was not printed, or no pretty log line:\n{out}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn dev_serves_the_cli_stops_on_sigterm_and_keeps_data_across_restarts() {
    let checkout = tempfile::tempdir().expect("temp dir");
    let cwd = checkout.path();
    let dev = start(cwd);
    assert_started_as_the_readme_says(&dev, cwd);
    let out = cli(
        cwd,
        dev.port,
        &[
            "inquiry",
            "create",
            "--channel",
            "hotline",
            "--name",
            "王芳",
            "--phone",
            "13800138000",
            "--text",
            "请问早餐几点开始？",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let id = created["inquiry_id"].as_str().expect("id").to_string();
    assert_eq!(created["category"], "dining");
    // The create waited for routing (--wait-ms, default 1 s): who handles it, by when.
    assert!(
        created["routing"]["lead_department"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{created}"
    );
    // The demo knowledge base answers it: by words, and as suggestions for the inquiry.
    for args in [
        vec!["kb", "search", "早餐几点"],
        vec!["kb", "suggest", id.as_str()],
    ] {
        let out = cli(cwd, dev.port, &args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let text = found.to_string();
        assert!(text.contains("早餐"), "{args:?}: {text}");
    }
    stop(dev);
    assert!(
        data_dir(cwd).join("intake.db").exists(),
        "the data lives in ./.frontdesk"
    );

    // Restarted (on whatever port is free now): the same data directory, the same data.
    let dev = start(cwd);
    let out = cli(cwd, dev.port, &["inquiry", "get", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(got["text"], "请问早餐几点开始？");
    stop(dev);
}

/// Runs the CLI and reads its JSON answer, failing with its stderr.
fn cli_json(cwd: &Path, port: u16, args: &[&str]) -> serde_json::Value {
    let out = cli(cwd, port, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// CI-4.2 and CI-4.3 from a terminal: an editor corrects a demo article through review to
/// publication, builds a quiz on it, and a member of staff takes it and is scored.
#[test]
fn the_knowledge_base_is_edited_and_examined_from_the_cli() {
    let checkout = tempfile::tempdir().expect("temp dir");
    let cwd = checkout.path();
    let dev = start(cwd);
    let found = cli_json(cwd, dev.port, &["kb", "search", "wifi password"]);
    let id = found["hits"][0]["article_id"]
        .as_str()
        .unwrap_or_else(|| panic!("a demo article about Wi-Fi: {found}"))
        .to_string();
    let head = cli_json(cwd, dev.port, &["kb", "get", &id]);
    let version = head["version"].as_i64().expect("version").to_string();

    let edited = cli_json(
        cwd,
        dev.port,
        &[
            "kb",
            "edit",
            &id,
            "--title",
            "Wi-Fi: network and password",
            "--expected-version",
            &version,
        ],
    );
    assert_eq!(edited["title"], "Wi-Fi: network and password");
    let new_version = edited["version"].as_i64().expect("version");
    assert!(new_version > head["version"].as_i64().unwrap_or_default());
    cli_json(cwd, dev.port, &["kb", "submit", &id]);
    let published = cli_json(cwd, dev.port, &["kb", "publish", &id]);
    assert_eq!(
        published["status"], "ARTICLE_STATUS_PUBLISHED",
        "{published}"
    );
    let stale = cli(
        cwd,
        dev.port,
        &[
            "kb",
            "edit",
            &id,
            "--body",
            "x",
            "--expected-version",
            &version,
        ],
    );
    assert!(
        !stale.status.success(),
        "an edit of an old version is refused"
    );

    let questions = cwd.join("questions.json");
    std::fs::write(
        &questions,
        serde_json::json!([{
            "text": "Where do guests find the Wi-Fi password?",
            "choices": ["On the key card sleeve", "Nowhere"],
            "correct_choice": 0,
            "article_id": id,
        }])
        .to_string(),
    )
    .expect("write questions");
    let quiz = cli_json(
        cwd,
        dev.port,
        &[
            "quiz",
            "create",
            "--title",
            "Wi-Fi",
            "--questions",
            questions.to_str().expect("utf-8 path"),
        ],
    );
    let quiz_id = quiz["quiz_id"].as_str().expect("quiz id").to_string();
    let attempt = cli_json(cwd, dev.port, &["quiz", "take", &quiz_id]);
    assert_eq!(
        attempt["questions"][0]["choices"][0],
        "On the key card sleeve"
    );
    let attempt_id = attempt["attempt_id"]
        .as_str()
        .expect("attempt id")
        .to_string();
    let score = cli_json(cwd, dev.port, &["quiz", "submit", &attempt_id, "0"]);
    assert_eq!(
        (score["correct"].as_i64(), score["total"].as_i64()),
        (Some(1), Some(1))
    );
    let results = cli_json(cwd, dev.port, &["quiz", "results", &quiz_id]);
    assert_eq!(results["scores"][0]["correct"], 1, "{results}");
    stop(dev);
}

/// CI-5.4 / MD-1: the month's KPI report from the CLI, as CSV for Excel and as an HTML page
/// that a browser renders with its charts (headless Chromium, offline).
#[test]
fn the_monthly_report_renders_in_a_browser_with_its_charts() {
    let checkout = tempfile::tempdir().expect("temp dir");
    let cwd = checkout.path();
    let dev = start(cwd);
    let mut ids = Vec::new();
    for (channel, text) in [
        ("hotline", "请问早餐几点开始？"),
        ("email", "Is there parking at the hotel?"),
        ("hotline", "房间空调不制冷，太差了"),
    ] {
        let created = cli_json(
            cwd,
            dev.port,
            &[
                "inquiry",
                "create",
                "--channel",
                channel,
                "--name",
                "Li",
                "--phone",
                "13800138000",
                "--text",
                text,
            ],
        );
        ids.push(created["inquiry_id"].as_str().expect("id").to_string());
    }
    cli_json(
        cwd,
        dev.port,
        &[
            "inquiry",
            "respond",
            &ids[0],
            "--text",
            "6:30 起 / from 6:30",
            "--on-the-spot",
        ],
    );
    cli_json(
        cwd,
        dev.port,
        &[
            "inquiry",
            "feedback",
            &ids[0],
            "--satisfaction",
            "very_satisfied",
        ],
    );

    // Analytics applies the events shortly after: wait for the facts, not for a time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let summary = loop {
        let s = cli_json(cwd, dev.port, &["report", "kpi"]);
        if s["inquiries"] == 3 {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "analytics never counted 3: {s}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let satisfaction = summary["kpis"]
        .as_array()
        .and_then(|k| k.iter().find(|r| r["kpi"] == "satisfaction"))
        .expect("satisfaction row");
    assert_eq!(satisfaction["value"], 1.0, "{summary}");

    let (html, csv) = (cwd.join("report.html"), cwd.join("report.csv"));
    let out = cli(
        cwd,
        dev.port,
        &[
            "report",
            "kpi",
            "--html",
            html.to_str().expect("utf-8"),
            "--csv",
            csv.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&csv).expect("csv written");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with a BOM, for Excel"
    );
    // Hot topics of the same month: the three categories once each, and the classifier's
    // words, not the guests'.
    let topics = cli_json(cwd, dev.port, &["report", "topics"]);
    let keys = |kind: &str| -> Vec<String> {
        topics[kind]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t["key"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        keys("categories"),
        ["complaint", "dining", "facilities"],
        "{topics}"
    );
    assert!(keys("terms").contains(&"早餐".to_string()), "{topics}");

    // Rebuilt from analytics' own event log (the dev token is a chain-wide manager): the
    // same report as live.
    let before = cli_json(cwd, dev.port, &["report", "kpi"]);
    let rebuilt = cli_json(cwd, dev.port, &["analytics", "rebuild"]);
    assert_eq!(rebuilt["inquiries"], 3, "{rebuilt}");
    assert!(
        rebuilt["events_replayed"].as_i64().is_some_and(|n| n >= 3),
        "{rebuilt}"
    );
    assert_eq!(cli_json(cwd, dev.port, &["report", "kpi"]), before);
    stop(dev);

    assert_renders_in_chromium(&html, cwd);
}

/// Opens the report page in headless Chromium (offline) and checks what it drew.
fn assert_renders_in_chromium(html: &Path, cwd: &Path) {
    let chromium = |args: &[&str]| {
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ])
            .args(args)
            .output()
            .expect("chromium on PATH (.ci/run installs it)")
    };
    let url = format!("file://{}", html.display());
    let dom = chromium(&["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    for chart in [
        "Inquiries per day",
        "Inquiries per channel",
        "Response timeliness by channel, against the target",
        "Satisfaction (surveyed customers)",
        "Top topics (categories)",
    ] {
        assert!(
            dom.contains(chart),
            "{chart} missing from the rendered page"
        );
    }
    assert!(dom.matches("<rect").count() >= 5, "bars drawn: {dom}");
    assert!(dom.contains("3 inquiries"), "{dom}");
    let shot = cwd.join("report.png");
    let out = chromium(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1000,1800",
        &url,
    ]);
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a rendered page: {} bytes; {}",
        png.len(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fenced block of the README and what its source says to do with it.
#[derive(Debug)]
enum Block {
    /// A `sh` block a user would run: the test runs it.
    Run { line: usize, script: String },
    /// A `sh` block that calls grpcurl: run when grpcurl is installed.
    NeedsGrpcurl { line: usize, script: String },
    /// `<!-- readme-test: skip: why -->`: cannot run in a test.
    Skip { line: usize, why: String },
    /// `<!-- readme-test: file NAME -->`: a file the commands after it read.
    File { name: String, text: String },
}

/// Every fenced block of the README in order, as its markers say to treat it. A `sh` block
/// without a marker runs; other blocks (toml, the layout diagram) only with a `file` marker.
fn readme_blocks(readme: &str) -> Vec<Block> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut marker: Option<&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if let Some(m) = line
            .strip_prefix("<!-- readme-test:")
            .and_then(|m| m.strip_suffix("-->"))
        {
            marker = Some(m.trim());
            i += 1;
            continue;
        }
        let Some(lang) = line.strip_prefix("```") else {
            if !line.is_empty() {
                marker = None; // a marker belongs to the block right below it
            }
            i += 1;
            continue;
        };
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j].trim() == "```")
            .unwrap_or_else(|| panic!("README line {}: unclosed block", i + 1));
        let text = lines[start..end].join("\n") + "\n";
        let line = i + 1;
        match (marker.take(), lang) {
            (Some(m), _) if m.starts_with("skip") => blocks.push(Block::Skip {
                line,
                why: m
                    .trim_start_matches("skip")
                    .trim_start_matches(':')
                    .trim()
                    .into(),
            }),
            (Some(m), _) if m.starts_with("file ") => blocks.push(Block::File {
                name: m["file ".len()..].trim().into(),
                text,
            }),
            (Some("needs grpcurl"), "sh") => {
                blocks.push(Block::NeedsGrpcurl { line, script: text })
            }
            (Some(m), _) => panic!("README line {line}: unknown readme-test marker {m:?}"),
            (None, "sh") => blocks.push(Block::Run { line, script: text }),
            (None, _) => {}
        }
        i = end + 1;
    }
    blocks
}

fn json_of(out: &Output, what: &str) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Every command block of the README a user would run, in order, run by bash exactly as
/// written against `make run`'s command in a fresh directory, sharing one shell (later blocks
/// use the ids earlier ones kept, as a user's terminal would). Files the README shows (the SLA
/// policy) are written first. Only the address changes: the blocks say 127.0.0.1:50051, the
/// test's server listens on a free port (FRONTDESK_SERVER for the CLI; grpcurl's address is
/// rewritten). Blocks marked `skip` in the README, and grpcurl blocks when grpcurl is not
/// installed, are listed on stderr with the reason.
#[test]
fn every_readme_command_block_runs_as_written() {
    let readme = include_str!("../../../README.md");
    let blocks = readme_blocks(readme);
    let checkout = tempfile::tempdir().expect("temp dir");
    let cwd = checkout.path();
    let dev = start(cwd);
    let grpcurl = on_path("grpcurl");
    let address = format!("127.0.0.1:{}", dev.port);
    // The README's `--wide` example prints wider than 80 columns on purpose: its lines are
    // tagged so the width check below passes them by (the command itself runs unchanged).
    let mut script = String::from(
        "frontdesk() { if [[ \" $* \" == *\" --wide \"* ]]; then command frontdesk \"$@\" \
         | sed 's/^/[wide] /'; else command frontdesk \"$@\"; fi; }\n",
    );
    let mut skipped = Vec::new();
    let mut ran = 0;
    for block in &blocks {
        match block {
            Block::File { name, text } => {
                std::fs::write(cwd.join(name), text).expect("write the README's file");
            }
            Block::Skip { line, why } => skipped.push(format!("README line {line}: {why}")),
            Block::NeedsGrpcurl { line, .. } if !grpcurl => {
                skipped.push(format!("README line {line}: grpcurl is not installed"));
            }
            Block::Run { line, script: s } | Block::NeedsGrpcurl { line, script: s } => {
                ran += 1;
                script.push_str(&format!(
                    "echo '>>> README line {line}' >&2\n{}",
                    s.replace("127.0.0.1:50051", &address)
                ));
            }
        }
    }
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    assert!(
        ran >= 7,
        "the README's command blocks were found: {ran} ran"
    );

    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut bash = Command::new("bash");
    let out = clean_env(&mut bash)
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(cwd)
        .env("PATH", path)
        .env("FRONTDESK_SERVER", format!("http://{address}"))
        .output()
        .expect("bash runs");
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let errors = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "a README block failed (the last '>>>' line names it):\n{printed}\n{errors}"
    );
    // Tables fit an 80-column terminal, by display width (a Chinese character is two).
    for line in printed
        .lines()
        .filter(|l| l.starts_with(['│', '┌', '├', '└', '╞']))
    {
        assert!(
            line.width() <= 80,
            "tables fit 80 columns, this line is {}:\n{line}",
            line.width()
        );
    }
    assert!(
        printed.contains("[wide] "),
        "the --wide example printed a table"
    );
    assert_what_the_readme_promises(cwd, dev.port);
    assert_watches_print_json_until_caught_up(cwd, dev.port);
    stop(dev);
}

/// The README's watch commands (skipped above: they run until Ctrl-C) with `--json`: one JSON
/// object per line, the backlog, then the caught-up marker; the test stops them there.
fn assert_watches_print_json_until_caught_up(cwd: &Path, port: u16) {
    use std::io::BufRead;
    for args in [
        ["inquiry", "watch", "--from-beginning"].as_slice(),
        [
            "routing",
            "watch",
            "--department",
            "front_office",
            "--from-beginning",
        ]
        .as_slice(),
    ] {
        let mut cmd = Command::new(BIN);
        let mut child = clean_env(&mut cmd)
            .args(args)
            .arg("--json")
            .current_dir(cwd)
            .env("FRONTDESK_SERVER", format!("127.0.0.1:{port}")) // no scheme: works too
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("watch runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut changes = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.expect("a line");
            let v: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("{args:?} printed {line:?}: {e}"));
            if v["caught_up"] == true {
                break;
            }
            changes.push(v);
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            !changes.is_empty(),
            "{args:?}: the backlog before the marker"
        );
        for c in &changes {
            let at = c["at"].as_str().unwrap_or_default();
            assert!(
                chrono::DateTime::parse_from_rfc3339(at).is_ok(),
                "{args:?}: RFC 3339 times: {c}"
            );
        }
    }
}

/// What the README's comments say the blocks did, read back through the CLI.
fn assert_what_the_readme_promises(cwd: &Path, port: u16) {
    let json = |args: &[&str]| json_of(&cli(cwd, port, args), &args.join(" "));
    // Messages and mail.
    let outside = json(&["guest", "locate", "fang wang"]);
    assert_eq!(outside["disclosure"], "message_or_transfer");
    assert!(
        !outside.to_string().contains("1201"),
        "an outside caller never learns the room: {outside}"
    );
    let staff = json(&["guest", "locate", "王芳", "--staff"]);
    assert_eq!(staff["matches"][0]["room"], "1201");
    let lamps = json(&["message", "lamps"]);
    assert_eq!(lamps["lamps"], serde_json::json!([]), "read: lamp off");
    for (status, count) in [("delivered", 1), ("forwarded", 1), ("awaiting_call", 0)] {
        let items = json(&["mail", "list", "--status", status]);
        assert_eq!(
            items["items"].as_array().map(Vec::len),
            Some(count),
            "{status}: {items}"
        );
    }
    let log = json(&["guest", "lookups"]);
    assert!(
        log["lookups"].as_array().is_some_and(|l| l.len() >= 3),
        "every lookup is logged: {log}"
    );
    // The message taken for Mr Chen's call shows on his inquiry once intake has applied
    // messaging's event.
    let calls = json(&["inquiry", "list", "--text", "Ask Wang Fang"]);
    let inquiry = calls["inquiries"][0]["inquiry_id"]
        .as_str()
        .expect("the call's inquiry")
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    let links = loop {
        let shown = json(&["inquiry", "get", &inquiry]);
        if shown["links"].as_array().is_some_and(|l| !l.is_empty()) || Instant::now() > deadline {
            break shown["links"].clone();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        links[0]["kind"], "message",
        "the message is linked: {links}"
    );
    // The inquiry that took longer was reclassified, audited, resolved and reopened.
    let reopened = json(&["inquiry", "list", "--status", "reopened"]);
    let c = &reopened["inquiries"][0];
    assert_eq!(c["category"], "complaint", "{reopened}");
    assert_eq!(c["complexity"], "complex", "{reopened}");
    // Routing: the transfer slip, the partner, the referral, the saved policy.
    let slips = json(&["routing", "transfers", "--department", "front_office"]);
    let slip = &slips["slips"][0];
    assert_eq!(slip["to_department"], "front_office", "{slips}");
    let t = slip["inquiry_id"]
        .as_str()
        .expect("slip's inquiry")
        .to_string();
    let assignment = json(&["routing", "assignment", &t]);
    assert_eq!(
        assignment["assignee"], "F1",
        "reassigned to F1: {assignment}"
    );
    let referrals = json(&["routing", "referrals", &t]);
    assert_eq!(
        referrals["referrals"][0]["partner"]["partner_id"], "spring-travel",
        "{referrals}"
    );
    let policy = json(&["sla", "get"]);
    assert!(
        policy["overrides_toml"]
            .as_str()
            .is_some_and(|t| t.contains("13:30-18:00")),
        "my-hotel-sla.toml saved: {policy}"
    );
    // Every reading command answers JSON with --json (`cli` adds it); the changing ones did
    // above and do here once more, as a script would call them.
    for args in [
        vec!["routing", "departments"],
        vec!["routing", "staff"],
        vec!["routing", "partners"],
        vec!["routing", "queue", "--department", "front_office"],
        vec!["routing", "transfers", "--inquiry", &t],
        vec!["routing", "rules"],
        vec!["routing", "duty", "F1"],
        vec![
            "routing",
            "department-set",
            "front_office",
            "--phone",
            "+86 10 6512 8001",
        ],
        vec![
            "routing",
            "partner-set",
            "spring-travel",
            "--email",
            "tours@example.com",
        ],
        vec!["routing", "release", &t, "--reason", "json"],
        vec!["routing", "reassign", &t, "--to", "F1", "--force"],
        vec!["sla", "preview", "--channel", "hotline"],
        vec!["inquiry", "get", &t],
        vec!["kb", "search", "wifi"],
        vec!["report", "kpi"],
        vec!["report", "topics"],
        vec!["events", "parked"],
        vec!["mail", "list"],
        vec!["message", "lamps"],
    ] {
        json(&args);
    }
    // Every JSON time is RFC 3339 with an offset.
    let created = assignment["first_response_due"]
        .as_str()
        .unwrap_or_default();
    assert!(
        created.len() == "2026-11-30T15:35:01+08:00".len() && created.contains('T'),
        "{assignment}"
    );
}

#[test]
fn readme_markers_are_understood() {
    let blocks = readme_blocks(include_str!("../../../README.md"));
    let skipped = blocks
        .iter()
        .filter(|b| matches!(b, Block::Skip { .. }))
        .count();
    let files = blocks
        .iter()
        .filter_map(|b| match b {
            Block::File { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert!(skipped >= 3, "make run, watches, production: {blocks:?}");
    assert_eq!(files, ["my-hotel-sla.toml"]);
}

/// What Prometheus scrapes from the admin port.
fn scrape(port: u16) -> String {
    use std::io::Write;
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).expect("metrics port");
    conn.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut body = String::new();
    conn.read_to_string(&mut body).expect("response");
    body
}

/// An SRE's dashboard and the breach alerts (k8s/components/monitoring) need the SLA series
/// before the first breach: every department's fired-deadline counters are there at 0 with
/// their HELP, beside the open-past-due gauge, the timer wheel's size, each relay's oldest
/// undelivered event's age and the process's own series.
#[test]
fn the_sla_series_the_alerts_use_exist_from_start() {
    let checkout = tempfile::tempdir().expect("temp dir");
    let dev = start(checkout.path());
    let series = |body: &str, name: &str, labels: &[&str]| {
        body.lines()
            .any(|l| l.starts_with(&format!("{name}{{")) && labels.iter().all(|x| l.contains(x)))
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let body = loop {
        let body = scrape(dev.metrics);
        if series(
            &body,
            "frontdesk_sla_open_past_due",
            &[r#"department="front_office""#],
        ) && series(
            &body,
            "frontdesk_outbox_oldest_undelivered_age_seconds",
            &[r#"source="intake""#, r#"subscriber="routing""#],
        ) {
            break body;
        }
        assert!(Instant::now() < deadline, "no SLA gauge in:\n{body}");
        std::thread::sleep(Duration::from_millis(200));
    };
    for kind in [
        "first_response_breach",
        "resolution_breach",
        "resolution_escalate_head",
    ] {
        assert!(
            series(
                &body,
                "frontdesk_sla_deadlines_fired_total",
                &[&format!(r#"kind="{kind}""#), r#"department="front_office""#]
            ),
            "no {kind} series for front_office:\n{body}"
        );
    }
    assert!(body.contains("# HELP frontdesk_sla_deadlines_fired_total"));
    assert!(body.contains("# HELP frontdesk_sla_open_past_due"));
    assert!(body.contains("\nfrontdesk_sla_timers_pending "), "{body}");
    assert!(
        body.contains("\nprocess_resident_memory_bytes "),
        "process metrics: {body}"
    );
    // No label is named `service`: Kubernetes' scrape adds its own `service` label.
    assert!(
        !body
            .lines()
            .any(|l| !l.starts_with('#') && l.contains("{service=") || l.contains(",service=")),
        "a metric labelled service: {body}"
    );
    // The alert rules count exactly this metric (a renamed metric would silence them).
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../k8s/components/monitoring/prometheusrule.yaml"
    ))
    .expect("alert rules");
    assert!(rules.contains(
        "frontdesk_sla_deadlines_fired_total{kind=~\"first_response_breach|resolution_breach\"}"
    ));
    stop(dev);
}
