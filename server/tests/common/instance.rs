//! The real `server` binary as a child process, for what only a process shows: signals,
//! crashes, restarts, backups, several instances on one database.

use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc::UnboundedReceiver;

/// How long an instance may take to say where it runs (migrations and demo data included).
pub const START_WITHIN: Duration = Duration::from_secs(120);

pub struct Instance {
    child: Child,
    pub addr: SocketAddr,
    said: UnboundedReceiver<String>,
}

impl Instance {
    /// `server serve` on a free loopback port, on `database_url`, with `args` after
    /// `serve` (the demo data of an empty database is small unless `args` say otherwise)
    /// and `env` set; no SMTP relay unless `env` names one.
    pub async fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Instance {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command.args(["serve", "--bind", "127.0.0.1:0"]).args(args);
        if !args.contains(&"--demo-members") {
            command.args(["--demo-members", "50"]);
        }
        command.env("DATABASE_URL", database_url).env_remove("SMTP_URL").env("RUST_LOG", "warn");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.stdout(Stdio::piped()).kill_on_drop(true).spawn().expect("the server binary starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let addr = tokio::time::timeout(START_WITHIN, async {
            while let Some(line) = lines.next_line().await.expect("the server's output") {
                if let Some(url) = line.strip_prefix("Roster is running at http://") {
                    return url.parse().expect("an address");
                }
            }
            panic!("the server ended without saying where it runs");
        })
        .await
        .unwrap_or_else(|_| panic!("the server did not say where it runs within {START_WITHIN:?}"));
        let (tell, said) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tell.send(line);
            }
        });
        Instance { child, addr, said }
    }

    /// Sends the process `signal` ("TERM", "KILL").
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("the server is running").to_string();
        let status = std::process::Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap();
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// Waits (30 s at most) for the process to end.
    pub async fn wait(&mut self) -> ExitStatus {
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the server ends within 30 s")
            .expect("its exit status")
    }

    /// `kill -9` and wait: a crash, with no chance to finish anything.
    pub async fn crash(mut self) {
        self.signal("KILL");
        self.wait().await;
    }

    /// What the process printed after its address, up to the end of its output.
    pub async fn rest_of_output(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(10), self.said.recv()).await {
            lines.push(line);
        }
        lines
    }

    /// The resident memory of the process in KiB (Linux), for checks that it stays flat.
    pub fn resident_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()?)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

/// Runs `server ARGS…` on `database_url` to the end; (success, stdout, stderr).
pub async fn run(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new(env!("CARGO_BIN_EXE_server")).args(args).env("DATABASE_URL", database_url).output(),
    )
    .await
    .expect("the command ends within two minutes")
    .expect("the server binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh SQLite file's URL and path (removed, with its WAL files, by `remove_sqlite`).
pub fn sqlite_file(prefix: &str) -> (String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("{}.db", super::unique(prefix)));
    (format!("sqlite://{}", path.display()), path)
}

pub fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
