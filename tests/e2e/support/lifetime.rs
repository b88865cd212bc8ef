//! How the control plane's processes and directory end with the test binary.
//!
//! The [`ControlPlane`](super::ControlPlane) lives in a static and is never dropped, so an
//! exit handler (`atexit`, which `std::process::exit` and a return from `main` both run, also
//! after failed tests) kills etcd and kube-apiserver, waits for them and removes their
//! directory. When the binary dies without running it (SIGKILL, Ctrl-C), the processes die
//! by their parent-death signal, and a watchdog `sh`, which notices the end of the binary
//! when its stdin closes, removes the directory.

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, mpsc};

/// The watchdog: `done` on stdin means the binary cleaned up; end of input without it means
/// the binary is gone, so it waits (at most 10 s) for the processes named in its arguments
/// to end and removes the directory.
const WATCHDOG: &str = r#"trap '' INT HUP
read -r word
[ "$word" = done ] && exit 0
dir=$1
shift
for _ in $(seq 100); do
  alive=0
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
rm -rf -- "$dir" 2>/dev/null || { sleep 0.5; rm -rf -- "$dir"; }
"#;

/// The processes and the directory of one control plane; [`Owned::stop`] ends them.
pub struct Owned {
    inner: Mutex<Inner>,
}

struct Inner {
    children: Vec<Child>,
    watchdog: Option<(Child, ChildStdin)>,
    dir: Option<tempfile::TempDir>,
}

impl Owned {
    pub fn new(dir: tempfile::TempDir) -> Owned {
        Owned {
            inner: Mutex::new(Inner {
                children: Vec::new(),
                watchdog: None,
                dir: Some(dir),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts `command` with a parent-death signal that fires only when the binary exits.
    pub fn spawn(&self, command: Command) -> std::io::Result<()> {
        let child = spawn_for_life(command)?;
        self.lock().children.push(child);
        Ok(())
    }

    /// Starts the watchdog of `dir`, which waits for the processes started so far.
    pub fn watch(&self, dir: &Path) -> std::io::Result<()> {
        use std::os::unix::process::CommandExt;
        let mut inner = self.lock();
        let mut command = Command::new("sh");
        command
            .args(["-c", WATCHDOG, "apimcap-watchdog"])
            .arg(dir)
            .args(inner.children.iter().map(|c| c.id().to_string()))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C in the terminal does not reach it.
            .process_group(0);
        let mut child = command.spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        inner.watchdog = Some((child, stdin));
        Ok(())
    }

    /// How a process exited, if one did.
    pub fn exited_early(&self) -> Option<ExitStatus> {
        let mut inner = self.lock();
        inner
            .children
            .iter_mut()
            .find_map(|child| child.try_wait().ok().flatten())
    }

    /// Kills and reaps the processes, removes the directory and dismisses the watchdog.
    /// Idempotent.
    pub fn stop(&self) {
        let mut inner = self.lock();
        for child in inner.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
        inner.children.clear();
        if let Some(dir) = inner.dir.take() {
            let path = dir.path().to_path_buf();
            if dir.close().is_err() {
                // Something was still writing: once more.
                std::thread::sleep(std::time::Duration::from_millis(200));
                let _ = std::fs::remove_dir_all(path);
            }
        }
        if let Some((mut child, mut stdin)) = inner.watchdog.take() {
            let _ = stdin.write_all(b"done\n");
            drop(stdin);
            let _ = child.wait();
        }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `stop` when the binary exits (`atexit`).
pub fn at_exit(stop: extern "C" fn()) -> Result<(), String> {
    // SAFETY: registers a function pointer; `stop` catches every panic.
    match unsafe { libc::atexit(stop) } {
        0 => Ok(()),
        _ => Err("cannot register the exit handler that stops the control plane".into()),
    }
}

/// Starts commands from one thread that lives as long as the process, so that the
/// parent-death signal (which Linux ties to the spawning thread) fires only when the test
/// binary exits.
fn spawn_for_life(mut command: Command) -> std::io::Result<Child> {
    type Job = (Command, mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let sender = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::spawn(move || {
            for (mut command, reply) in rx {
                let _ = reply.send(command.spawn());
            }
        });
        Mutex::new(tx)
    });
    super::die_with_parent(&mut command);
    let (tx, rx) = mpsc::channel();
    sender
        .lock()
        .map_err(|_| std::io::Error::other("spawner poisoned"))?
        .send((command, tx))
        .map_err(|_| std::io::Error::other("spawner thread gone"))?;
    rx.recv()
        .map_err(|_| std::io::Error::other("spawner thread gone"))?
}
