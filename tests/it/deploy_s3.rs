//! `sitegen deploy` to a real S3 endpoint over HTTP: moto's S3 server (`moto_server`, PyPI
//! `moto[server]`, installed by `.ci/run`), started and stopped by the test. It checks what a
//! `file://` target cannot: the headers stored with each object, the bytes as stored (gzip),
//! S3's MD5 ETags deciding after a deploy killed before its manifest, and a missing bucket.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, ObjectStore, ObjectStoreExt};

use crate::common::{build, example_site, sitegen, snapshot, stderr};

const BUCKET: &str = "site-bucket";

/// A moto S3 server on a free port of the loopback, stopped when dropped.
struct S3Server {
    child: Child,
    port: u16,
}

impl S3Server {
    fn start() -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]'; .ci/run installs it)");
        let server = S3Server { child, port };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // moto creates a bucket on an unsigned PUT.
        let url = format!("{}/{BUCKET}", server.endpoint());
        ureq::put(&url).send_empty().expect("create the bucket");
        server
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn store(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .unwrap()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn deploy(root: &Path, target: &str) -> (serde_json::Value, std::process::Output) {
    let out = sitegen()
        .args(["deploy", "--format", "json", "--target", target, "--root"])
        .arg(root)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (report, out)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn a_deploy_to_s3_stores_every_object_whole_with_its_headers_and_resumes_by_etag() {
    let server = S3Server::start();
    let (_tmp, root) = example_site();
    let mut config = fs::read_to_string(root.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[[deployment.targets]]\nname = \"s3\"\nURL = \"s3://{BUCKET}/www?endpoint={}&region=us-east-1\"\n\
         [[deployment.targets]]\nname = \"missing\"\nURL = \"s3://no-such-bucket/www?endpoint={}&region=us-east-1\"\n\
         [[deployment.matchers]]\npattern = '\\.css$'\ncacheControl = \"max-age=31536000\"\ngzip = true\n",
        server.endpoint(),
        server.endpoint()
    ));
    fs::write(root.join("config.toml"), config).unwrap();
    assert!(build(&root, &["--quiet"]).status.success());
    let public = snapshot(&root.join("public"));

    let (report, out) = deploy(&root, "s3");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["uploads"].as_array().unwrap().len(), public.len());
    let store = server.store();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        for (path, bytes) in &public {
            let got = store
                .get(&ObjectPath::from(format!("www/{path}")))
                .await
                .unwrap();
            let attributes = got.attributes.clone();
            let stored = got.bytes().await.unwrap().to_vec();
            let header = |a: Attribute| attributes.get(&a).map(|v| v.to_string());
            if path.ends_with(".css") {
                assert_eq!(&gunzip(&stored), bytes, "{path}");
                assert_eq!(header(Attribute::ContentEncoding).as_deref(), Some("gzip"));
                assert_eq!(
                    header(Attribute::CacheControl).as_deref(),
                    Some("max-age=31536000")
                );
                assert_eq!(
                    header(Attribute::ContentType).as_deref(),
                    Some("text/css; charset=utf-8")
                );
            } else {
                assert_eq!(&stored, bytes, "{path}");
                assert_eq!(header(Attribute::ContentEncoding), None, "{path}");
            }
            if path.ends_with(".html") {
                assert_eq!(
                    header(Attribute::ContentType).as_deref(),
                    Some("text/html; charset=utf-8")
                );
            }
        }
    });

    // Unchanged: a listing and the manifest.
    let (report, out) = deploy(&root, "s3");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        (
            report["uploads"].as_array().unwrap().len(),
            report["requests"].as_u64()
        ),
        (0, Some(2))
    );

    // A deploy killed before its manifest: run again, the ETags (MD5s) show every object is
    // there; only the manifest goes up.
    runtime.block_on(async {
        store
            .delete(&ObjectPath::from("www/.sitegen-deploy.json"))
            .await
            .unwrap();
    });
    let (report, out) = deploy(&root, "s3");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["uploads"].as_array().unwrap().len(), 0);
    assert_eq!(report["requests"].as_u64(), Some(2));

    // No credentials: a clear error naming what to set, the bucket unchanged.
    let before = runtime.block_on(async {
        use futures_util::TryStreamExt;
        store.list(None).try_collect::<Vec<_>>().await.unwrap().len()
    });
    let out = sitegen()
        .args(["deploy", "--target", "s3", "--root"])
        .arg(&root)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_METADATA_ENDPOINT", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("AWS_ACCESS_KEY_ID") && err.contains("bucket is unchanged"), "{err}");
    let after = runtime.block_on(async {
        use futures_util::TryStreamExt;
        store.list(None).try_collect::<Vec<_>>().await.unwrap().len()
    });
    assert_eq!(before, after);

    // A bucket that does not exist: a clear error, exit 1.
    let (_, out) = deploy(&root, "missing");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("deployment target `missing`") && err.contains("bucket is unchanged"),
        "{err}"
    );
}
