//! A TCP proxy between one process and the apiserver that can be cut: from then on it
//! forwards nothing in either direction but keeps every connection open and accepts new
//! ones, like a network that silently drops packets (a half-open connection, not a refused
//! one).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A proxy on a loopback port, forwarding to `upstream` until [`BlackHole::cut`].
pub struct BlackHole {
    pub port: u16,
    cut: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl BlackHole {
    pub fn start(upstream: SocketAddr) -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let port = listener.local_addr().expect("proxy address").port();
        let cut = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (cut_flag, stop_flag) = (cut.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop_flag.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let cut = cut_flag.clone();
                if cut.load(Ordering::SeqCst) {
                    std::thread::spawn(move || swallow(client));
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                let cut2 = cut.clone();
                std::thread::spawn(move || pump(client, server, cut));
                std::thread::spawn(move || pump(server2, client2, cut2));
            }
        });
        BlackHole { port, cut, stop }
    }

    /// `https://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// From now on nothing is forwarded; connections stay open.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies `from` to `to` until either ends; once cut, reads and drops everything.
fn pump(mut from: TcpStream, mut to: TcpStream, cut: Arc<AtomicBool>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if !cut.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    if cut.load(Ordering::SeqCst) {
        // The far side ended while cut off: the near side never learns of it.
        swallow(to);
    } else {
        let _ = to.shutdown(Shutdown::Write);
    }
}

/// Holds a connection open and drops whatever arrives.
fn swallow(mut stream: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}
