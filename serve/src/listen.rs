//! The connections the service accepts, at most `--max-connections` at
//! once, and its log, written by a thread of its own so that a slow stderr
//! never stalls a request.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

/// A listener that holds one permit per open connection. A connection past
/// the limit is answered at once with 503 and a JSON error, then closed
/// (over TLS, closed: a plain answer would be noise to the client). With
/// TLS, each handshake runs in a task of its own, within [`HANDSHAKE`], so
/// a slow client holds up no other.
pub struct Limited {
    pub listener: TcpListener,
    pub permits: Arc<Semaphore>,
    pub max: usize,
    pub tls: Option<TlsAcceptor>,
    /// Handshaken TLS connections, ready to serve.
    pub ready: (mpsc::Sender<Ready>, mpsc::Receiver<Ready>),
}

/// A connection handshaken and its peer's address.
pub type Ready = (Counted, SocketAddr);

/// The longest a TLS handshake may take.
const HANDSHAKE: std::time::Duration = std::time::Duration::from_secs(10);

/// A connection, plain or TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// A connection and its permit, given back when it closes.
pub struct Counted {
    stream: Stream,
    _permit: OwnedSemaphorePermit,
}

impl Limited {
    /// A connection past the limit: answered 503 (plain) or closed (TLS).
    fn refuse(&self, stream: TcpStream, address: SocketAddr) {
        log(
            &serde_json::json!({"event": "refused", "why": "too-many-connections", "remote": address.to_string()}),
        );
        if self.tls.is_some() {
            return;
        }
        let body = format!(
            "{{\"error\": {{\"code\": \"too-many-connections\", \"message\": \"more than {} connections at once: try again shortly\"}}}}\n",
            self.max
        );
        let response = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        // Answered and closed off the accept loop: the request is read and
        // dropped so that closing sends the answer, not a reset.
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = stream;
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
            let mut sink = [0u8; 4096];
            let drain = async {
                while let Ok(n) = stream.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), drain).await;
        });
    }
}

impl axum::serve::Listener for Limited {
    type Io = Counted;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Counted, SocketAddr) {
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                Some(ready) = self.ready.1.recv() => return ready,
            };
            let (stream, address) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, say: wait, then accept again.
                    log(&serde_json::json!({"event": "accept-failed", "error": error.to_string()}));
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
                self.refuse(stream, address);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let Some(tls) = self.tls.clone() else {
                let plain = Counted {
                    stream: Stream::Plain(stream),
                    _permit: permit,
                };
                return (plain, address);
            };
            let ready = self.ready.0.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE, tls.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        let counted = Counted {
                            stream: Stream::Tls(Box::new(stream)),
                            _permit: permit,
                        };
                        let _ = ready.send((counted, address)).await;
                    }
                    Ok(Err(error)) => log(
                        &serde_json::json!({"event": "tls-failed", "remote": address.to_string(), "error": error.to_string()}),
                    ),
                    Err(_) => log(
                        &serde_json::json!({"event": "tls-failed", "remote": address.to_string(), "error": "no handshake within 10 s"}),
                    ),
                }
            });
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Stream::Tls(stream) => Pin::new(stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match &mut self.stream {
            Stream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Stream::Tls(stream) => Pin::new(stream).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Stream::Tls(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match &mut self.stream {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Stream::Tls(stream) => Pin::new(stream).poll_shutdown(cx),
        }
    }
}

/// Log lines waiting for the log's thread; past this many (stderr stalled)
/// lines are counted, not kept, and the count is logged when it drains.
const WAITING_LINES: usize = 4096;

use std::sync::atomic::{AtomicU64, Ordering};

/// Lines handed to the log's thread, lines it wrote, and lines dropped.
static SENT: AtomicU64 = AtomicU64::new(0);
static WRITTEN: AtomicU64 = AtomicU64::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// One structured line on stderr, written by the log's thread.
pub fn log(entry: &serde_json::Value) {
    use std::sync::mpsc::{sync_channel, SyncSender};
    use std::sync::OnceLock;
    static LINES: OnceLock<SyncSender<String>> = OnceLock::new();
    let lines = LINES.get_or_init(|| {
        let (sender, receiver) = sync_channel::<String>(WAITING_LINES);
        std::thread::spawn(move || {
            use std::io::Write;
            let mut batch = String::new();
            while let Ok(first) = receiver.recv() {
                let dropped = DROPPED.swap(0, Ordering::Relaxed);
                if dropped > 0 {
                    let note = serde_json::json!({"event": "log-lines-dropped", "count": dropped});
                    batch.push_str(&format!("{note}\n"));
                }
                let mut lines = 0;
                for line in std::iter::once(first).chain(receiver.try_iter()) {
                    batch.push_str(&line);
                    batch.push('\n');
                    lines += 1;
                }
                let _ = std::io::stderr().lock().write_all(batch.as_bytes());
                batch.clear();
                WRITTEN.fetch_add(lines, Ordering::Release);
                // Lines logged meanwhile wait for the next write: under
                // load, one wake and one write serve many requests, not
                // one each.
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        sender
    });
    match lines.try_send(entry.to_string()) {
        Ok(()) => {
            SENT.fetch_add(1, Ordering::Relaxed);
        }
        Err(_) => {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Waits until every line logged so far is written, for at most two
/// seconds: a stalled stderr must not hold the exit.
pub fn flush_log() {
    let sent = SENT.load(Ordering::Relaxed);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while WRITTEN.load(Ordering::Acquire) < sent && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
