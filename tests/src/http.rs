//! A small HTTP/1.1 file server on 127.0.0.1 for the remote-file tests:
//! it answers `GET` with `Range: bytes=A-B`, `bytes=A-` and `bytes=-N`
//! (206 with `Content-Range`), counts requests and body bytes, and can be
//! told to ignore ranges, to send an `ETag` (and honour `If-Match`), or
//! to have a file replaced while it is read. Written for the tests (a
//! crate server would hide exactly what they count); one thread per
//! connection, keep-alive honoured.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The path asked for.
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// Body bytes sent.
    pub bytes: u64,
}

#[derive(Default)]
struct State {
    files: Mutex<HashMap<String, (Vec<u8>, u64)>>,
    seen: Mutex<Vec<Seen>>,
    requests: AtomicU64,
    bytes: AtomicU64,
    ignore_ranges: AtomicBool,
    etags: AtomicBool,
    short: AtomicBool,
}

/// The server; it stops with the test process.
pub struct Server {
    port: u16,
    state: Arc<State>,
}

impl Server {
    /// Start serving on a free port of 127.0.0.1.
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Server { port, state }
    }

    /// Serve `bytes` at `/name`; a file served again under the same name
    /// is a new version (a new `ETag`).
    pub fn put(&self, name: &str, bytes: Vec<u8>) -> String {
        let mut files = self.state.files.lock().unwrap();
        let version = files.get(&format!("/{name}")).map_or(1, |(_, v)| v + 1);
        files.insert(format!("/{name}"), (bytes, version));
        self.url(name)
    }

    /// The URL of `/name`.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    /// Answer every request with the whole file (200), as a server
    /// without range support does.
    pub fn ignore_ranges(&self, on: bool) {
        self.state.ignore_ranges.store(on, Ordering::SeqCst);
    }

    /// Send range answers 10 bytes shorter than their `Content-Range`
    /// says (a misbehaving server or proxy).
    pub fn short_bodies(&self, on: bool) {
        self.state.short.store(on, Ordering::SeqCst);
    }

    /// Send `ETag`s and answer a failed `If-Match` with 412.
    pub fn etags(&self, on: bool) {
        self.state.etags.store(on, Ordering::SeqCst);
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Body bytes sent so far.
    pub fn bytes(&self) -> u64 {
        self.state.bytes.load(Ordering::SeqCst)
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, state: &State) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut out = stream;
    let _ = out.set_nodelay(true);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let close = headers
            .get("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let range = headers.get("range").cloned();
        let (status, extra, body) = answer(state, method, path, range.as_deref(), &headers);
        state.requests.fetch_add(1, Ordering::SeqCst);
        state.bytes.fetch_add(body.len() as u64, Ordering::SeqCst);
        state.seen.lock().unwrap().push(Seen {
            path: path.to_string(),
            range,
            bytes: body.len() as u64,
        });
        let mut head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nAccept-Ranges: bytes\r\n{extra}",
            body.len()
        );
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut message = head.into_bytes();
        message.extend_from_slice(&body);
        if out.write_all(&message).is_err() {
            return;
        }
        if close {
            return;
        }
    }
}

fn answer(
    state: &State,
    method: &str,
    path: &str,
    range: Option<&str>,
    headers: &HashMap<String, String>,
) -> (&'static str, String, Vec<u8>) {
    if method != "GET" {
        return ("405 Method Not Allowed", String::new(), Vec::new());
    }
    let files = state.files.lock().unwrap();
    let Some((file, version)) = files.get(path) else {
        return ("404 Not Found", String::new(), b"no such file".to_vec());
    };
    let mut extra = String::new();
    if state.etags.load(Ordering::SeqCst) {
        let tag = format!("\"v{version}\"");
        if headers.get("if-match").is_some_and(|m| *m != tag) {
            return ("412 Precondition Failed", String::new(), Vec::new());
        }
        extra.push_str(&format!("ETag: {tag}\r\n"));
    }
    let len = file.len() as u64;
    let wanted = range
        .filter(|_| !state.ignore_ranges.load(Ordering::SeqCst))
        .and_then(|r| r.strip_prefix("bytes="));
    let Some(spec) = wanted else {
        return ("200 OK", extra, file.clone());
    };
    let (a, b) = spec.split_once('-').unwrap_or((spec, ""));
    let (start, end) = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (None, Some(n)) => (len.saturating_sub(n), len.saturating_sub(1)),
        (Some(s), None) => (s, len.saturating_sub(1)),
        (Some(s), Some(e)) => (s, e.min(len.saturating_sub(1))),
        (None, None) => (1, 0),
    };
    if len == 0 || start > end || start >= len {
        extra.push_str(&format!("Content-Range: bytes */{len}\r\n"));
        return ("416 Range Not Satisfiable", extra, Vec::new());
    }
    extra.push_str(&format!("Content-Range: bytes {start}-{end}/{len}\r\n"));
    let mut body = file[start as usize..=end as usize].to_vec();
    if state.short.load(Ordering::SeqCst) {
        body.truncate(body.len().saturating_sub(10));
    }
    ("206 Partial Content", extra, body)
}
