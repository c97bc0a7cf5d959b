//! Taking connections: no more held at once than [`Limits::connections`] (see
//! [`crate::connections`]), each probed when idle, given a time limit for its request
//! head, and served by hyper (HTTP/1.1) until the server is asked to stop, when the
//! requests in flight are finished first.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::connections::{Busy, Connections, cap_for_this_process};

/// How long a client has to send a request's head (its line and headers), from its
/// first byte or from the end of the last answer on a kept-alive connection. A client
/// that sends a head a byte at a time, or opens connections and sends nothing, would
/// otherwise hold each one for as long as the server runs; a phone's head is a few
/// hundred bytes, sent at once.
pub const HEAD_LIMIT: Duration = Duration::from_secs(30);

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time for a request's head ([`HEAD_LIMIT`]).
    pub head: Duration,
    /// Connections held at once.
    pub connections: usize,
}

impl Limits {
    /// [`HEAD_LIMIT`], and as many connections as this process's file limit leaves room
    /// for (raised first as far as the system allows).
    pub fn for_this_process() -> Limits {
        Limits { head: HEAD_LIMIT, connections: cap_for_this_process() }
    }
}

/// Serves `router` on `listener` until `stop` resolves, within `limits`; then stops
/// taking connections and returns once those open have finished the requests in
/// flight, waiting for them no longer than `grace`: a request still open then is cut
/// off (an upload is not stored, and its phone sends it again).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    grace: Duration,
    stop: impl Future<Output = ()>,
) {
    let shutdown = GracefulShutdown::new();
    let held = Connections::new(limits.connections);
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    wait_after_accept_error(&e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // At the cap, the connection idle longest makes way; while every one is in a
        // request, this one waits, and no more are accepted.
        let place = tokio::select! {
            place = held.place() => Arc::new(place),
            () = &mut stop => break,
        };
        keep_alive(&stream);
        let in_task = Arc::clone(&place);
        let router = router.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
            let busy = in_task.busy();
            let answer = router.clone().oneshot(req.map(Body::new));
            async move {
                let res = answer.await?;
                Ok::<_, std::convert::Infallible>(
                    res.map(|body| Body::new(WhileSending { body, _busy: busy })),
                )
            }
        });
        let watcher = shutdown.watcher();
        let head_limit = limits.head;
        let task = tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(head_limit);
            let connection = http.serve_connection(TokioIo::new(stream), service);
            // A connection closed early or cut off is the client's business: nothing
            // it sent is stored until its request is whole.
            let _ = watcher.watch(connection).await;
        });
        place.serve_by(task.abort_handle());
    }
    drop(listener);
    let _ = tokio::time::timeout(grace, shutdown.shutdown()).await;
}

/// An answer's body, keeping its connection marked busy until it is sent whole (an
/// export streaming for minutes is not an idle connection).
struct WhileSending {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for WhileSending {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// After a failed `accept`: nothing for a connection the client dropped already; a
/// second's pause otherwise (out of file descriptors, say), so as not to spin.
async fn wait_after_accept_error(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    eprintln!(
        "tianye serve: 无法接受连接，1 秒后重试 / cannot accept a connection, trying again in 1 s: {e}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Turns on TCP keepalive for a connection: a phone gone without a goodbye (out of
/// signal between two requests) is found dead in about two minutes, and its connection
/// closed, rather than held open for as long as the server runs (each one a file
/// descriptor, of which a process has a limited number).
fn keep_alive(connection: &TcpStream) {
    let probes = socket2::TcpKeepalive::new()
        .with_time(Duration::from_mins(1))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    let _ = socket2::SockRef::from(connection).set_tcp_keepalive(&probes);
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// A server on 127.0.0.1 with `router` and a head limit of `head_limit`, stopped
    /// when the returned sender is dropped.
    async fn start(
        head_limit: Duration,
    ) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = axum::Router::new().route("/", axum::routing::get(|| async { "好 / ok" }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = super::Limits { head: head_limit, connections: 64 };
        tokio::spawn(super::serve(listener, router, limits, crate::SHUTDOWN_GRACE, async move {
            let _ = stopped.await;
        }));
        (addr, stop)
    }

    /// Reads what the server sends until it closes the connection, for at most `limit`.
    async fn read_to_close(phone: &mut TcpStream, limit: Duration) -> Option<String> {
        let mut got = Vec::new();
        tokio::time::timeout(limit, phone.read_to_end(&mut got)).await.ok()?.ok()?;
        Some(String::from_utf8_lossy(&got).into_owned())
    }

    /// Connections the server accepts are probed when idle, so a phone gone without a
    /// goodbye does not hold one open for good.
    #[tokio::test]
    async fn accepted_connections_are_probed_when_idle() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _phone = TcpStream::connect(addr).await.unwrap();
        let (connection, _) = listener.accept().await.unwrap();
        super::keep_alive(&connection);
        let socket = socket2::SockRef::from(&connection);
        assert!(socket.keepalive().unwrap());
        assert_eq!(socket.tcp_keepalive_time().unwrap(), Duration::from_mins(1));
        assert_eq!(socket.tcp_keepalive_interval().unwrap(), Duration::from_secs(10));
        assert_eq!(socket.tcp_keepalive_retries().unwrap(), 5);
    }

    /// A client that sends part of a request head and then nothing (or nothing at all)
    /// has its connection closed once the head limit is past; one whose head comes in
    /// parts within the limit is answered.
    #[tokio::test]
    async fn a_request_head_that_stops_coming_is_given_up() {
        let limit = Duration::from_millis(700);
        let (addr, _stop) = start(limit).await;

        let mut partial = TcpStream::connect(addr).await.unwrap();
        partial.write_all(b"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        let mut silent = TcpStream::connect(addr).await.unwrap();
        let start = Instant::now();
        let closed = read_to_close(&mut partial, limit * 10).await;
        let waited = start.elapsed();
        assert!(closed.is_some(), "a stalled head held its connection past {:?}", limit * 10);
        assert!(waited >= limit.mul_f32(0.9), "closed after {waited:?}, before the limit");
        assert!(
            read_to_close(&mut silent, limit * 10).await.is_some(),
            "a silent connection was held"
        );

        let mut steady = TcpStream::connect(addr).await.unwrap();
        for part in ["GET / HTTP/1.1\r\n", "Host: x\r\n", "Connection: close\r\n\r\n"] {
            steady.write_all(part.as_bytes()).await.unwrap();
            tokio::time::sleep(limit / 5).await;
        }
        let answer = read_to_close(&mut steady, limit * 10).await.expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("好 / ok"), "{answer}");
    }

    /// Asked to stop, the server takes no new connection, and finishes once the open
    /// ones have answered.
    #[tokio::test]
    async fn a_stopped_server_takes_no_more_connections() {
        let (addr, stop) = start(super::HEAD_LIMIT).await;
        let mut phone = TcpStream::connect(addr).await.unwrap();
        phone.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let answer = read_to_close(&mut phone, Duration::from_secs(10)).await.expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        drop(stop);
        let refused = async {
            loop {
                if TcpStream::connect(addr).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), refused)
            .await
            .expect("the stopped server still takes connections");
    }
}
