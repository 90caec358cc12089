//! The binary: announces its endpoint, answers, reports statistics, exits 0 on SIGTERM.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// One request with `Connection: close`; the whole answer as text.
fn request(addr: &str, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

#[test]
fn serves_until_sigterm_and_exits_zero() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_substation-lambda-testserver"))
        .args(["--port", "0", "--function", "fn-under-test"])
        .args(["--latency-ms", "1", "--concurrency-limit", "8"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the first line");
    let addr = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");

    let answer = request(
        &addr,
        "POST",
        "/2015-03-31/functions/fn-under-test/invocations",
        r#"{"contract_version":1,"asset":{"id":"TR-9"},"samples":[]}"#,
    );
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let stats = request(&addr, "GET", "/stats", "");
    assert!(stats.starts_with("HTTP/1.1 200 "), "{stats}");
    assert!(stats.contains(r#""invocations":1"#), "{stats}");
    assert!(
        stats.contains(r#""invocations_per_asset":{"TR-9":1}"#),
        "{stats}"
    );

    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = child.wait().expect("wait for the server");
    assert!(status.success(), "{status:?}");
}
