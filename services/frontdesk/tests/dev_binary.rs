//! The README's first command, as a new user runs it: `frontdesk dev` starts with nothing
//! but a data directory, the CLI finds its dev token, SIGTERM stops it cleanly, and the data
//! is still there after a restart.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start(dir: &Path, port: u16) -> Child {
    let _ = std::fs::remove_file(dir.join("dev-token"));
    let child = Command::new(BIN)
        .args([
            "dev",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--metrics-addr",
            "",
            "--log",
            "warn",
        ])
        .arg("--data-dir")
        .arg(dir)
        .spawn()
        .expect("frontdesk dev starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.join("dev-token").exists() {
        assert!(Instant::now() < deadline, "frontdesk dev did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

fn cli(dir: &Path, port: u16, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("FRONTDESK_SERVER", format!("http://127.0.0.1:{port}"))
        .env("FRONTDESK_DATA_DIR", dir)
        .output()
        .expect("cli runs")
}

fn stop(mut child: Child) {
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "graceful shutdown exits 0, got {status}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "frontdesk dev did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dev_serves_the_cli_stops_on_sigterm_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let dev = start(dir.path(), port);
    let out = cli(
        dir.path(),
        port,
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
    stop(dev);

    let dev = start(dir.path(), port);
    let out = cli(dir.path(), port, &["inquiry", "get", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(got["text"], "请问早餐几点开始？");
    stop(dev);
}
