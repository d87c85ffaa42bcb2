//! `feedloom run` as a child process, as systemd would run it: the test is
//! its notify socket, learns the bound address from the STATUS line, and
//! stops it with real signals.

use std::io::Read;
use std::net::SocketAddr;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Daemon {
    child: Child,
    pub addr: SocketAddr,
    _socket_dir: tempfile::TempDir,
    /// Every notify datagram, read as they come (as systemd does: a full
    /// socket would block the daemon's sends).
    messages: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts the daemon on `config` and waits (at most 30 s) until it
    /// reports READY=1 and its address.
    pub fn start(config: &Path) -> Self {
        Self::start_with_env(config, &[])
    }

    /// [`Daemon::start`] with extra environment variables.
    pub fn start_with_env(config: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_with(config, &[], env)
    }

    /// [`Daemon::start`] as `feedloom run --role ROLE`. A poller serves
    /// nothing: it is started once it reports READY=1, and its `addr` is
    /// a port nothing listens on.
    pub fn start_role(config: &Path, role: &str) -> Self {
        Self::start_with(config, &["--role", role], &[])
    }

    fn start_with(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let socket_dir = tempfile::tempdir().unwrap();
        let socket_path = socket_dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&socket_path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_feedloom"))
            .arg("--config")
            .arg(config)
            .arg("run")
            .args(args)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("FEEDLOOM_LOG", "feedloom=debug,warn")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let messages = Arc::new(Mutex::new(Vec::new()));
        let inbox = messages.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // Ends when the test drops the socket's folder and times out,
            // or the test process exits.
            let idle_limit = Instant::now() + Duration::from_secs(600);
            while Instant::now() < idle_limit {
                if let Ok(n) = socket.recv(&mut buffer) {
                    // sd-notify ends each assignment with a newline.
                    let message = String::from_utf8_lossy(&buffer[..n]).trim_end().to_owned();
                    inbox.lock().unwrap().push(message);
                }
                if Arc::strong_count(&inbox) == 1 {
                    break;
                }
            }
        });
        let mut daemon = Self {
            child,
            addr: "127.0.0.1:1".parse().unwrap(),
            _socket_dir: socket_dir,
            messages,
            stderr,
        };
        if args.contains(&"poller") {
            daemon.wait_for_message(Duration::from_secs(30), |m| m == "READY=1");
            return daemon;
        }
        let status = daemon.wait_for_message(Duration::from_secs(30), |m| {
            m.starts_with("STATUS=serving on ")
        });
        let address = status
            .trim_start_matches("STATUS=serving on ")
            .split(';')
            .next()
            .unwrap();
        daemon.addr = address.parse().unwrap();
        let messages = daemon.messages();
        assert!(messages.iter().any(|m| m == "READY=1"), "{messages:?}");
        daemon
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Waits (at most `timeout`) for a notify message that matches.
    pub fn wait_for_message(&mut self, timeout: Duration, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(found) = self.messages().into_iter().find(|m| wanted(m)) {
                return found;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the daemon exited with {status}:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "no matching notify message within {timeout:?}; got {:?}\nstderr:\n{}",
            self.messages(),
            self.stderr()
        );
    }

    /// Everything the daemon logged so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (at most `timeout`) until the log contains `needle`.
    pub fn wait_for_log(&self, timeout: Duration, needle: &str) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.stderr().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{needle:?} not logged within {timeout:?}:\n{}",
            self.stderr()
        );
    }

    /// Sends a signal by name (`TERM`, `HUP`).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then waits at most `timeout` for the exit.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        self.signal("TERM");
        self.wait_exit(timeout)
    }

    /// Waits at most `timeout` for the daemon to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the daemon did not stop within {timeout:?}:\n{}",
            self.stderr()
        );
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Notify messages received so far.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `daemon::run` inside the test process, on a runtime thread of its own:
/// started on a listener the harness bound to 127.0.0.1:0, stopped by
/// completing its shutdown future. For tests of what the daemon does, not
/// of how it meets signals and systemd (those run the binary, above).
pub struct InProcess {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl InProcess {
    /// Starts the daemon on `config` and waits (at most 30 s) until it
    /// answers `/healthz`.
    pub fn start(config: &Path) -> Self {
        let path = config.to_owned();
        let loaded = feedloom::config::load(config).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, address) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let result = runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let _ = bound.send(listener.local_addr()?);
                let shutdown = async {
                    let _ = stopped.await;
                };
                feedloom::daemon::run(path, loaded, Default::default(), Some(listener), shutdown)
                    .await
            });
            // As `feedloom run` does: blocking work still running must
            // not hold the stop.
            runtime.shutdown_timeout(Duration::from_secs(5));
            result
        });
        let addr = address
            .recv_timeout(Duration::from_secs(30))
            .expect("the in-process daemon never bound its listener");
        let daemon = Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while crate::daemon::try_get(&daemon.url("/healthz")) != Some(200) {
            assert!(
                Instant::now() < deadline,
                "the in-process daemon never answered /healthz"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        daemon
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Completes the shutdown future and waits (at most `timeout`) for
    /// `daemon::run` to return; returns what it returned.
    pub fn stop(mut self, timeout: Duration) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let thread = self.thread.take().expect("stopped once");
        let deadline = Instant::now() + timeout;
        while !thread.is_finished() {
            assert!(
                Instant::now() < deadline,
                "the in-process daemon did not stop within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        match thread.join() {
            Ok(result) => result,
            Err(_) => anyhow::bail!("the in-process daemon panicked"),
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A daemon under test, however it runs: where it serves, and what a
/// failed wait reports about it.
pub trait Running {
    fn url(&self, path: &str) -> String;
    fn diagnostics(&self) -> String;
}

impl Running for Daemon {
    fn url(&self, path: &str) -> String {
        Daemon::url(self, path)
    }

    fn diagnostics(&self) -> String {
        self.stderr()
    }
}

impl Running for InProcess {
    fn url(&self, path: &str) -> String {
        InProcess::url(self, path)
    }

    fn diagnostics(&self) -> String {
        format!("(the in-process daemon on {} logs nowhere)", self.addr)
    }
}
