//! Serving HTTP/1.1 for the test servers (the Lambda stand-in and the sync stand-in): accept
//! connections until told to stop, one task per connection, every request to a handler that
//! answers, or returns an error to drop the connection unanswered (a fault the tests inject:
//! a reset before or after the server did the work). When stopped, connections finish what
//! they are answering and close.
//!
//! Plain hyper rather than axum: an axum handler must answer (its error type is
//! `Infallible`), so it cannot drop a connection the way a failing proxy or a crashed server
//! does, and routing two or three paths needs no router.

use std::future::Future;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Accepts on `listener` until `stop` is cancelled, handing each request to `handle`.
pub async fn serve<H, F, B, E>(listener: TcpListener, stop: CancellationToken, handle: H)
where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<B>, E>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    E: Into<BoxError>,
{
    loop {
        let stream = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(_) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // the server goes on; the pause keeps a persistent error from spinning.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            },
        };
        // Answers are small and latency matters to the benchmarks.
        let _ = stream.set_nodelay(true);
        let handle = handle.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(handle);
            let connection = http1::Builder::new()
                .keep_alive(true)
                // No timer: idle keep-alive connections stay open as long as the client wants.
                .header_read_timeout(None)
                .serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            // A connection's error (a client gone, a drop on purpose) ends only that connection.
            tokio::select! {
                _ = connection.as_mut() => {}
                () = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
}

/// An error that closes the connection without an answer.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DropConnection {}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use hyper::body::Bytes;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn request(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes(),
            )
            .await
            .expect("write");
        let mut out = String::new();
        let _ = stream.read_to_string(&mut out).await;
        out
    }

    #[tokio::test]
    async fn a_handler_answers_or_drops_the_connection_and_stop_ends_the_server() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stop = CancellationToken::new();
        let server = tokio::spawn(serve(
            listener,
            stop.clone(),
            |request: Request<Incoming>| async move {
                if request.uri().path() == "/drop" {
                    return Err(DropConnection);
                }
                Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
            },
        ));
        let answered = request(addr, "/").await;
        assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
        assert!(answered.ends_with("hello"), "{answered}");
        assert_eq!(
            request(addr, "/drop").await,
            "",
            "dropped without an answer"
        );
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("stopped in time")
            .expect("joined");
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "no longer listening"
        );
    }
}
