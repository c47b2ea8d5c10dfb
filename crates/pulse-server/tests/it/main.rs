//! The real server on port 0 over a temporary data directory, driven over HTTP.

mod access;
mod ingest;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use pulse_server::{ServeOptions, hash_password, new_api_token, token_hash};
use pulse_store::{Role, Store};
use tempfile::TempDir;

/// A running server with one account and API token per role (`admin`, `manager`, `analyst`,
/// and reps `ann` and `bob`).
struct Server {
    dir: TempDir,
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    tokens: Vec<(String, String)>,
}

const PASSWORD: &str = "correct horse battery";

impl Server {
    fn start() -> Server {
        Server::start_with(|_| {})
    }

    fn start_with(prepare: impl FnOnce(&Path)) -> Server {
        let dir = TempDir::new().unwrap();
        prepare(dir.path());
        let mut tokens = Vec::new();
        {
            let store = Store::open(dir.path()).unwrap();
            let hash = hash_password(PASSWORD).unwrap();
            for (name, role) in [
                ("admin", Role::Admin),
                ("manager", Role::Manager),
                ("analyst", Role::Analyst),
                ("ann", Role::Rep),
                ("bob", Role::Rep),
            ] {
                store.add_account(name, role, None, &hash).unwrap();
                let token = new_api_token();
                store.add_token(name, &token_hash(&token)).unwrap();
                tokens.push((name.to_owned(), token));
            }
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, address) = mpsc::channel();
        let data = dir.path().to_owned();
        let thread = std::thread::spawn(move || {
            let mut options = ServeOptions::new(data, "127.0.0.1:0".parse().unwrap());
            options.max_body_bytes = 1 << 20;
            pulse_server::serve(options, move |address| ready.send(address).unwrap(), async {
                let _ = stopped.await;
            })
            .unwrap();
        });
        let address = address.recv_timeout(Duration::from_secs(60)).expect("the server starts");
        Server { dir, address, stop: Some(stop), thread: Some(thread), tokens }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    fn token(&self, name: &str) -> &str {
        &self.tokens.iter().find(|(account, _)| account == name).unwrap().1
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.address, method, path, headers, body)
    }

    /// A request with `name`'s API token.
    fn as_user(&self, name: &str, method: &str, path: &str, content_type: &str, body: &[u8]) -> Response {
        let bearer = format!("Bearer {}", self.token(name));
        self.request(method, path, &[("Authorization", &bearer), ("Content-Type", content_type)], body)
    }

    /// Stops the server (graceful) and waits for it.
    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// A minimal HTTP/1.1 client (one request per connection), so the tests need no HTTP crate.
fn request(address: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // A large body waits for the server's go-ahead: a server that refuses it (413) answers
    // without reading it, and a client still sending would be reset before it read the answer.
    let large = body.len() > 64 << 10;
    if large {
        head.push_str("Expect: 100-continue\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    if large {
        let mut byte = [0u8];
        while !raw.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            raw.push(byte[0]);
        }
        if raw.starts_with(b"HTTP/1.1 100") {
            raw.clear();
            stream.write_all(body).unwrap();
        }
    } else {
        stream.write_all(body).unwrap();
    }
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|window| window == b"\r\n\r\n").expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(name, value)| name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked")) {
        body = dechunk(&body);
    }
    Response { status, headers, body }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|window| window == b"\r\n").unwrap();
        let size = usize::from_str_radix(String::from_utf8_lossy(&raw[..line_end]).trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&raw[line_end + 2..line_end + 2 + size]);
        raw = &raw[line_end + 2 + size + 2..];
    }
}

/// Two reps' deals: ann owns a1 (won Feb 3, 100) and a2 (won Feb 10, 200); bob owns b1 (won Feb
/// 5, 400) and b2 (lost Feb 6).
const CUSTOMERS: &str = "customer_id,name,created_at\nc1,One,2024-01-01\n";
const DEALS: &str = "deal_id,customer_id,owner,created_at,amount,status,closed_at\n\
    a1,c1,ann,2024-01-05,100,won,2024-02-03\n\
    a2,c1,ann,2024-01-06,200,won,2024-02-10\n\
    b1,c1,bob,2024-01-07,400,won,2024-02-05\n\
    b2,c1,bob,2024-01-08,50,lost,2024-02-06\n";
