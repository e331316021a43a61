//! Request bodies are bounded (issue 11, finding 7): a body over 1 MiB, announced by
//! Content-Length or streamed in chunks, is answered 413 with a JSON error before any
//! server function runs, and the server goes on serving.

use crate::common;

use std::net::SocketAddr;

use app::backend::Db;
use server::web::MAX_BODY_BYTES;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn serve(db: &Db) -> SocketAddr {
    common::serve_router(db, server::security::Site::default()).await
}

/// Sends `head` and then `body` in pieces, reading the answer even if the server answers
/// (and stops reading) before the whole body is sent. Returns the status and the body.
async fn raw(addr: SocketAddr, head: String, body: Vec<u8>) -> (u16, String) {
    let conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = conn.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(head.as_bytes()).await;
        for piece in body.chunks(64 * 1024) {
            if wr.write_all(piece).await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    });
    let mut answer = Vec::new();
    let _ = rd.read_to_end(&mut answer).await;
    writer.abort();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn oversized_json() -> Vec<u8> {
    let filler = "x".repeat(MAX_BODY_BYTES + 1024);
    format!(r#"{{"query":{{"account":1,"search":"{filler}"}}}}"#).into_bytes()
}

backend_tests! {
    async fn announced_oversized_body_is_refused_with_413(db) {
        let addr = serve(&db).await;
        let body = oversized_json();
        let head = format!(
            "POST /api/members HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let (status, text) = raw(addr, head, body).await;
        assert_eq!(status, 413, "{text}");
        assert!(text.contains("The request is too large"), "{text}");

        // The server goes on serving.
        let reply = common::http::send(addr, "GET /healthz", None).await;
        assert_eq!(reply.status, 200);
    }

    async fn streamed_oversized_body_is_refused_with_413(db) {
        let addr = serve(&db).await;
        let json = oversized_json();
        let mut body = Vec::new();
        for piece in json.chunks(32 * 1024) {
            body.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            body.extend_from_slice(piece);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"0\r\n\r\n");
        let head = format!(
            "POST /api/members HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        let (status, text) = raw(addr, head, body).await;
        assert_eq!(status, 413, "{text}");
        assert!(text.contains("The request is too large"), "{text}");
        let reply = common::http::send(addr, "GET /healthz", None).await;
        assert_eq!(reply.status, 200);
    }

    async fn a_body_under_the_limit_reaches_the_server_function(db) {
        let addr = serve(&db).await;
        // Anonymous: the server function runs and asks for a sign-in (not 413).
        let reply = common::http::send(addr, "FORM /api/accounts", None).await;
        assert_eq!(reply.status, 401, "{}", reply.text());
    }
}
