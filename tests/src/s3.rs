//! A local S3-compatible server for the `s3://` tests: moto's
//! `moto_server` (`pip install "moto[server]"`; `.ci/run` installs it),
//! started on a free port of 127.0.0.1 with one bucket, and stopped when
//! the [`S3Server`] is dropped. The bucket is made with a plain HTTP
//! request; objects are put and deleted through `object_store`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The bucket every object goes into.
pub const BUCKET: &str = "gcol-test";

/// A running `moto_server`.
pub struct S3Server {
    port: u16,
    child: Child,
}

impl S3Server {
    /// Start `moto_server` with bucket [`BUCKET`]; `None` (with the test
    /// named by [`crate::skipped`], which fails under `GCOL_REQUIRE_DATA=1`)
    /// when it is not installed.
    pub fn start(test: &str) -> Option<S3Server> {
        // Port 0: the server takes a free port and names it on stderr
        // ("Running on http://127.0.0.1:PORT"), so no other test's server
        // can be on it.
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            crate::skipped(&format!(
                "{test}: moto_server not installed (pip install \"moto[server]\"; .ci/run installs it)"
            ));
            return None;
        };
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Read on to the end, so that the server never blocks on a
            // full pipe.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("Running on http://127.0.0.1:").nth(1) {
                    let _ = sender.send(rest.trim().parse::<u16>().ok());
                }
            }
        });
        let port = receiver
            .recv_timeout(Duration::from_secs(60))
            .ok()
            .flatten();
        let Some(port) = port else {
            let _ = child.kill();
            panic!("moto_server did not say which port it serves on");
        };
        let server = S3Server { port, child };
        let status = server
            .request("PUT", &format!("/{BUCKET}"), &[])
            .expect("moto_server answers");
        assert_eq!(status, 200, "moto_server: creating the bucket");
        Some(server)
    }

    /// Store `bytes` as object `key` (replacing it); its `s3://` URL.
    pub fn put(&self, key: &str, bytes: &[u8]) -> String {
        let payload = object_store::PutPayload::from(bytes.to_vec());
        self.block_on(
            |store, path| async move { store.put(&path, payload).await.map(|_| ()) },
            key,
        );
        format!("s3://{BUCKET}/{key}")
    }

    /// Remove object `key`.
    pub fn delete(&self, key: &str) {
        self.block_on(|store, path| async move { store.delete(&path).await }, key);
    }

    /// Run `op` on the store and object `key` (signed as any S3 client
    /// signs: moto refuses to replace or delete on an unsigned request).
    fn block_on<F, Fut>(&self, op: F, key: &str)
    where
        F: FnOnce(std::sync::Arc<dyn object_store::ObjectStore>, object_store::path::Path) -> Fut,
        Fut: std::future::Future<Output = object_store::Result<()>>,
    {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_endpoint(format!("http://127.0.0.1:{}", self.port))
            .with_allow_http(true)
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .with_region("us-east-1")
            .build()
            .expect("an S3 client for moto");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime
            .block_on(op(
                std::sync::Arc::new(store),
                object_store::path::Path::from(key),
            ))
            .unwrap_or_else(|e| panic!("moto_server: {key}: {e}"));
    }

    /// The environment that points `object_store` at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT", format!("http://127.0.0.1:{}", self.port)),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// One HTTP/1.1 request; the answer's status.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        )?;
        stream.write_all(body)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let line = String::from_utf8_lossy(&answer);
        line.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("no HTTP status in {line:.80}")))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
