//! Files read over HTTP(S) by range requests (`gcol fetch https://...`,
//! Python `gcol.open("https://...")`).
//!
//! An open costs one suffix request (the tail, and with it the footer and
//! usually the page directory: the last [`TAIL_READ`] bytes) and one for
//! the header, plus one for the footer when it is longer than the suffix
//! read; a small file is read whole by the first. Directory blocks are
//! fetched once each, when a page of theirs is first read; pages are
//! fetched when the page cache misses them (the cache's own flights make
//! concurrent readers of a page wait for one request). Every request after
//! the first carries `If-Match` with the first answer's `ETag`, so a file
//! replaced on the server while it is read is an error, never a mix of two
//! versions.
//!
//! reqwest (blocking client, rustls) does the HTTP; this module only asks
//! for ranges and checks the answers (status, `Content-Range`, length).
//!
//! `s3://bucket/key` and `gs://bucket/object` are read the same way
//! through the `object_store` crate (ranged GETs with `If-Match`, signed
//! with the credentials of the environment: `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT` (an S3-compatible
//! server; with `AWS_ALLOW_HTTP=true` over plain HTTP), or
//! `GOOGLE_SERVICE_ACCOUNT` / `GOOGLE_APPLICATION_CREDENTIALS`; the
//! instance's role or metadata service when none is set).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_RANGE, ETAG, IF_MATCH, RANGE};
use reqwest::StatusCode;

use crate::error::{Error, Result};

/// Bytes asked for by an open's first request, from the end of the file:
/// the tail, the footer and the page directory of a file of up to ~1,300
/// pages (48 bytes each) fit in it.
pub const TAIL_READ: u64 = 64 << 10;

/// A server that ignores `Range` sends the whole file: accepted up to this
/// size (the file is then held in memory), refused beyond it.
const MAX_WHOLE: u64 = 64 << 20;

/// `verify` and `copy` read a remote file whole, in memory: up to this.
const MAX_READ_WHOLE: u64 = 2 << 30;

/// Attempts per request when the connection fails or the server answers
/// 502, 503 or 504.
const ATTEMPTS: u32 = 3;

/// Does `location` name a remote file (`http://`, `https://`, `s3://`,
/// `gs://`)?
pub fn is_url(location: &str) -> bool {
    let lower = location.get(..8).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || is_object_store(&lower)
}

/// Does `location` name an object in a cloud store (`s3://`, `gs://`)?
fn is_object_store(location: &str) -> bool {
    let lower = location.get(..5).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("s3://") || lower.starts_with("gs://")
}

/// A cloud store's object, read through `object_store` on the process's
/// store runtime (the blocking reader's threads wait on it).
struct StoreObject {
    store: Box<dyn object_store::ObjectStore>,
    path: object_store::path::Path,
    runtime: Arc<tokio::runtime::Runtime>,
}

/// One runtime for every cloud object the process reads (two threads,
/// started with the first), not one per open file; a forked child (whose
/// copy has no threads) starts its own.
fn store_runtime() -> std::result::Result<Arc<tokio::runtime::Runtime>, String> {
    static RUNTIME: Mutex<Option<(u32, Arc<tokio::runtime::Runtime>)>> = Mutex::new(None);
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    if let Some((owner, runtime)) = slot.as_ref() {
        if *owner == pid {
            return Ok(runtime.clone());
        }
    }
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("gcol-store")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?,
    );
    if let Some((_, inherited)) = slot.replace((pid, runtime.clone())) {
        // The parent's runtime has no threads here: dropping it would wait
        // on them.
        std::mem::forget(inherited);
    }
    Ok(runtime)
}

impl StoreObject {
    /// The store and object `url` names, configured from the environment:
    /// every `AWS_*` variable for `s3://`, every `GOOGLE_*` one for `gs://`
    /// (lower-cased, as `object_store`'s configuration keys).
    fn open(url: &str) -> std::result::Result<StoreObject, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        let prefix = if parsed.scheme() == "s3" {
            "AWS_"
        } else {
            "GOOGLE_"
        };
        // (vars_os: a variable that is not Unicode is skipped, not a panic)
        let options: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let (store, path) = object_store::parse_url_opts(&parsed, options)
            .map_err(|e| format!("cannot reach the store: {e}"))?;
        let runtime = store_runtime()?;
        Ok(StoreObject {
            store,
            path,
            runtime,
        })
    }

    /// One ranged GET (`bytes=-N` or `bytes=A-B`, as the HTTP path sends
    /// them), answered as the HTTP path's [`Answer`].
    fn get(&self, range: &str, if_match: Option<&HeaderValue>) -> Outcome<Answer> {
        use object_store::{GetOptions, GetRange};
        let spec = range.strip_prefix("bytes=").unwrap_or(range);
        let range = match spec.split_once('-') {
            Some(("", n)) => n.parse().ok().map(GetRange::Suffix),
            Some((a, b)) => a
                .parse::<u64>()
                .ok()
                .zip(b.parse::<u64>().ok())
                .map(|(a, b)| GetRange::Bounded(a..b + 1)),
            None => None,
        }
        .ok_or_else(|| Failure::from(format!("unusable range {range:?}")))?;
        let options = GetOptions {
            range: Some(range),
            if_match: if_match.and_then(|t| t.to_str().ok()).map(str::to_string),
            ..GetOptions::default()
        };
        let result = self.runtime.block_on(async {
            let got = self.store.get_opts(&self.path, options).await?;
            let (meta, range) = (got.meta.clone(), got.range.clone());
            let body = got.bytes().await?;
            Ok::<_, object_store::Error>((meta, range, body))
        });
        match result {
            Ok((meta, range, body)) => Ok(Answer {
                start: range.start,
                total: meta.size,
                body,
                etag: meta.e_tag.and_then(|t| HeaderValue::from_str(&t).ok()),
            }),
            Err(object_store::Error::NotFound { .. }) => Err(Failure {
                detail: "no such object in the store (HTTP 404)".into(),
                status: Some(404),
            }),
            Err(object_store::Error::Precondition { .. }) => Err(Failure::from(String::from(
                "the file changed in the store while it was read (its ETag no longer matches)",
            ))),
            Err(e) => {
                // An empty object has no suffix to give: its size tells.
                if spec.starts_with('-') {
                    if let Ok(meta) = self.runtime.block_on(self.store.head(&self.path)) {
                        if meta.size == 0 {
                            return Ok(Answer {
                                start: 0,
                                total: 0,
                                body: Bytes::new(),
                                etag: None,
                            });
                        }
                    }
                }
                Err(Failure::from(e.to_string()))
            }
        }
    }
}

/// Requests made and bytes received for one remote file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoteStats {
    /// HTTP requests sent (retries included).
    pub requests: u64,
    /// Body bytes received.
    pub bytes: u64,
}

/// What a request gives: the answer, or what went wrong.
type Outcome<T> = std::result::Result<T, Failure>;

/// What went wrong with a request (without the URL, which
/// [`RemoteFile::failed`] adds), and the HTTP status when one came.
#[derive(Debug, Clone)]
struct Failure {
    detail: String,
    status: Option<u16>,
}

impl From<String> for Failure {
    fn from(detail: String) -> Failure {
        Failure {
            detail,
            status: None,
        }
    }
}

type Flight = Arc<OnceLock<Outcome<Bytes>>>;

/// One remote `.gcol` file.
pub(crate) struct RemoteFile {
    url: String,
    client: reqwest::blocking::Client,
    /// For `s3://` and `gs://`: the object, read through its store.
    object: Option<StoreObject>,
    len: u64,
    etag: Option<HeaderValue>,
    /// Bytes `0 .. head.len()`.
    head: Bytes,
    /// Bytes `tail_start .. len`.
    tail_start: u64,
    tail: Bytes,
    /// The whole file, once something asked for it ([`RemoteFile::whole`]).
    whole: OnceLock<Bytes>,
    /// Ranges being fetched, so threads asking for the same one share a request.
    flights: Mutex<HashMap<(u64, u64), Flight>>,
    requests: AtomicU64,
    received: AtomicU64,
}

impl std::fmt::Debug for RemoteFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteFile")
            .field("url", &self.url)
            .field("len", &self.len)
            .finish()
    }
}

/// A range answer: the first byte's offset, the file's length, the body.
struct Answer {
    start: u64,
    total: u64,
    body: Bytes,
    etag: Option<HeaderValue>,
}

impl RemoteFile {
    /// Open `url`: the suffix read, then the header (and the footer when the
    /// suffix did not hold it) in parallel.
    pub(crate) fn open(url: &str) -> Result<RemoteFile> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("gcol/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .build()
            .map_err(|e| remote_error(url, format!("cannot start an HTTP client: {e}"), None))?;
        let object = if is_object_store(url) {
            Some(StoreObject::open(url).map_err(|e| remote_error(url, e, None))?)
        } else {
            None
        };
        let mut file = RemoteFile {
            url: url.to_string(),
            client,
            object,
            len: 0,
            etag: None,
            head: Bytes::new(),
            tail_start: 0,
            tail: Bytes::new(),
            whole: OnceLock::new(),
            flights: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
            received: AtomicU64::new(0),
        };
        let first = file
            .request(&format!("bytes=-{TAIL_READ}"), None)
            .map_err(|failure| file.failed(failure))?;
        if first.start + first.body.len() as u64 != first.total {
            return Err(file.error(format!(
                "the answer to the suffix request ({} bytes at {}) does not end at the end of the \
                 file ({} bytes)",
                first.body.len(),
                first.start,
                first.total
            )));
        }
        file.len = first.total;
        // A weak ETag never matches `If-Match` (RFC 9110 13.1.1): not used.
        file.etag = first
            .etag
            .clone()
            .filter(|tag| !tag.as_bytes().starts_with(b"W/"));
        if first.start == 0 {
            // The whole file (small, or a server without ranges).
            let _ = file.whole.set(first.body.clone());
            file.head = first.body.clone();
            file.tail = first.body;
            return Ok(file);
        }
        file.tail_start = first.start;
        file.tail = first.body;
        // A valid tail says where the footer starts (an invalid one fetches
        // nothing more than the header, which the open then names); the
        // header is read beside the footer.
        let footer_offset = file
            .tail
            .len()
            .checked_sub(gcol_format::tail::TAIL_LEN)
            .and_then(|at| gcol_format::Tail::decode(&file.tail[at..], file.len).ok())
            .map_or(file.tail_start, |tail| tail.footer_offset);
        let header_len = (gcol_format::header::HEADER_LEN as u64).min(file.len);
        let footer_wanted = footer_offset >= header_len && footer_offset < file.tail_start;
        let (head, footer) = std::thread::scope(|s| {
            let footer = footer_wanted
                .then(|| s.spawn(|| file.fetch(footer_offset, file.tail_start - footer_offset)));
            let head = file.fetch(0, header_len);
            (
                head,
                footer.map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(file.error("a request panicked")))
                }),
            )
        });
        file.head = head?;
        if let Some(footer) = footer {
            // The footer joins the suffix read: one contiguous piece.
            let mut joined =
                Vec::with_capacity(footer.as_ref().map_or(0, Bytes::len) + file.tail.len());
            joined.extend_from_slice(&footer?);
            joined.extend_from_slice(&file.tail);
            file.tail_start = footer_offset;
            file.tail = Bytes::from(joined);
        }
        Ok(file)
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn etag(&self) -> Option<&[u8]> {
        self.etag.as_ref().map(HeaderValue::as_bytes)
    }

    pub(crate) fn stats(&self) -> RemoteStats {
        RemoteStats {
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.received.load(Ordering::Relaxed),
        }
    }

    fn error(&self, detail: impl Into<String>) -> Error {
        remote_error(&self.url, detail.into(), None)
    }

    fn failed(&self, failure: Failure) -> Error {
        remote_error(&self.url, failure.detail, failure.status)
    }

    /// Bytes `offset .. offset + len`, from what the open read, or the
    /// whole file once read, or one range request.
    pub(crate) fn range(&self, offset: u64, len: u64) -> Result<Bytes> {
        let end = offset
            .checked_add(len)
            .filter(|&end| end <= self.len)
            .ok_or_else(|| {
                self.error(format!(
                    "bytes {offset}..{} asked for, past the end of the file ({} bytes)",
                    offset.saturating_add(len),
                    self.len
                ))
            })?;
        if let Some(whole) = self.whole.get() {
            return Ok(whole.slice(offset as usize..end as usize));
        }
        if end <= self.head.len() as u64 {
            return Ok(self.head.slice(offset as usize..end as usize));
        }
        if offset >= self.tail_start {
            let at = (offset - self.tail_start) as usize;
            return Ok(self.tail.slice(at..at + len as usize));
        }
        self.fetch(offset, len)
    }

    /// The whole file, read by one request the first time.
    pub(crate) fn whole(&self) -> Result<Bytes> {
        if let Some(whole) = self.whole.get() {
            return Ok(whole.clone());
        }
        if self.len > MAX_READ_WHOLE {
            return Err(self.error(format!(
                "reading every byte of a remote file holds it in memory, and this one has {} \
                 bytes (at most {MAX_READ_WHOLE}): download it (curl -O) and verify the copy",
                self.len
            )));
        }
        let body = self.fetch(0, self.len)?;
        Ok(self.whole.get_or_init(|| body).clone())
    }

    /// One range request, shared by every thread asking for the same range
    /// at the same time.
    fn fetch(&self, offset: u64, len: u64) -> Result<Bytes> {
        if len == 0 {
            return Ok(Bytes::new());
        }
        let key = (offset, len);
        let flight = self
            .flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        let result = flight
            .get_or_init(|| {
                let range = format!("bytes={offset}-{}", offset + len - 1);
                let answer = self.request(&range, self.etag.as_ref())?;
                if answer.start != offset || answer.body.len() as u64 != len {
                    return Err(Failure::from(format!(
                        "asked for {len} bytes at offset {offset}, the server sent {} at {}",
                        answer.body.len(),
                        answer.start
                    )));
                }
                if answer.total != self.len {
                    return Err(Failure::from(format!(
                        "the file changed while it was read: it was {} bytes, now {}",
                        self.len, answer.total
                    )));
                }
                Ok(answer.body)
            })
            .clone();
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.get(&key).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
            flights.remove(&key);
        }
        drop(flights);
        result.map_err(|failure| self.failed(failure))
    }

    /// Send `GET` with `Range: range`, retrying a failed connection or a
    /// 502/503/504 answer, and check the answer.
    fn request(&self, range: &str, if_match: Option<&HeaderValue>) -> Outcome<Answer> {
        if let Some(object) = &self.object {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let answer = object.get(range, if_match)?;
            self.received
                .fetch_add(answer.body.len() as u64, Ordering::Relaxed);
            return Ok(answer);
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            RANGE,
            HeaderValue::from_str(range).expect("a range is ASCII"),
        );
        if let Some(tag) = if_match {
            headers.insert(IF_MATCH, tag.clone());
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self.client.get(&self.url).headers(headers.clone()).send();
            let retry = match &sent {
                Err(e) => e.is_connect() || e.is_timeout(),
                Ok(r) => matches!(
                    r.status(),
                    StatusCode::BAD_GATEWAY
                        | StatusCode::SERVICE_UNAVAILABLE
                        | StatusCode::GATEWAY_TIMEOUT
                ),
            };
            if retry && attempt < ATTEMPTS {
                std::thread::sleep(Duration::from_millis(200 << attempt));
                continue;
            }
            let response = sent.map_err(|e| Failure::from(describe(e)))?;
            return self.answer(response, range);
        }
    }

    fn answer(&self, response: reqwest::blocking::Response, range: &str) -> Outcome<Answer> {
        let status = response.status();
        let etag = response.headers().get(ETAG).cloned();
        match status {
            StatusCode::PARTIAL_CONTENT => {
                let content_range = response
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let Some((start, end, total)) =
                    content_range.as_deref().and_then(parse_content_range)
                else {
                    return Err(Failure::from(format!(
                        "the server answered {range} without a usable Content-Range ({content_range:?})"
                    )));
                };
                let expected = end - start + 1;
                if response.content_length().is_some_and(|n| n != expected) {
                    return Err(Failure::from(format!(
                        "the server's Content-Length does not match its Content-Range ({content_range:?})"
                    )));
                }
                let body = self.body(response, expected)?;
                if body.len() as u64 != expected {
                    return Err(Failure::from(format!(
                        "the server sent {} bytes for {content_range:?}",
                        body.len()
                    )));
                }
                Ok(Answer {
                    start,
                    total,
                    body,
                    etag,
                })
            }
            StatusCode::OK => {
                // The server ignored the range: the body is the whole file.
                if let Some(len) = response.content_length() {
                    if len > MAX_WHOLE {
                        return Err(Failure::from(format!(
                            "the server does not answer range requests (it sent the whole file, \
                             {len} bytes); download it and open the copy"
                        )));
                    }
                }
                let body = self.body(response, MAX_WHOLE)?;
                Ok(Answer {
                    start: 0,
                    total: body.len() as u64,
                    body,
                    etag,
                })
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                // An empty file answers a suffix range so: `bytes */0`.
                let total = response
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes */"))
                    .and_then(|n| n.trim().parse::<u64>().ok());
                match total {
                    Some(0) => Ok(Answer {
                        start: 0,
                        total: 0,
                        body: Bytes::new(),
                        etag,
                    }),
                    _ => Err(Failure::from(format!(
                        "the server refused the range {range} (416)"
                    ))),
                }
            }
            StatusCode::PRECONDITION_FAILED => Err(Failure::from(String::from(
                "the file changed on the server while it was read (its ETag no longer matches)",
            ))),
            StatusCode::NOT_FOUND => Err(Failure {
                detail: "no such file on the server (HTTP 404)".into(),
                status: Some(404),
            }),
            other => Err(Failure {
                detail: format!("the server answered HTTP {other}"),
                status: Some(other.as_u16()),
            }),
        }
    }

    /// The answer's body, refused when longer than `limit` (read no
    /// further than one byte past it).
    fn body(&self, response: reqwest::blocking::Response, limit: u64) -> Outcome<Bytes> {
        use std::io::Read;
        let mut body = Vec::with_capacity(limit.min(16 << 20) as usize);
        let read = response
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| Failure::from(format!("reading the answer: {e}")))?;
        self.received.fetch_add(read as u64, Ordering::Relaxed);
        if read as u64 > limit {
            return Err(Failure::from(format!(
                "the server sent more than the {limit} bytes expected"
            )));
        }
        Ok(Bytes::from(body))
    }
}

fn remote_error(url: &str, detail: String, status: Option<u16>) -> Error {
    Error::Remote {
        url: url.to_string(),
        detail,
        status,
    }
}

/// reqwest's error with its causes (the cause says "connection refused"),
/// without the URL (the message names it once, in front).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `bytes START-END/TOTAL` -> (START, END, TOTAL).
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let (start, end, total) = (
        start.trim().parse::<u64>().ok()?,
        end.trim().parse::<u64>().ok()?,
        total.trim().parse::<u64>().ok()?,
    );
    (start <= end && end < total).then_some((start, end, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range() {
        assert_eq!(parse_content_range("bytes 0-99/1000"), Some((0, 99, 1000)));
        assert_eq!(
            parse_content_range("bytes 936-999/1000"),
            Some((936, 999, 1000))
        );
        assert_eq!(parse_content_range("bytes 0-99/*"), None);
        assert_eq!(parse_content_range("bytes 5-4/1000"), None);
        assert_eq!(parse_content_range("bytes 0-1000/1000"), None);
        assert_eq!(parse_content_range("items 0-9/10"), None);
    }

    #[test]
    fn urls() {
        assert!(is_url("https://example.org/x.gcol"));
        assert!(is_url("HTTP://example.org/x.gcol"));
        assert!(!is_url("x.gcol"));
        assert!(!is_url("/data/http/x.gcol"));
        assert!(is_url("s3://bucket/x.gcol"));
        assert!(is_url("GS://bucket/x.gcol"));
        assert!(!is_url("s3:/bucket/x.gcol"));
        assert!(!is_url("ftp://example.org/x.gcol"));
    }
}
