//! `sitegen deploy` to a real S3 endpoint over HTTP: moto's S3 server (`moto_server`, PyPI
//! `moto[server]`, installed by `.ci/run`), started and stopped by the test. It checks what a
//! `file://` target cannot: the headers stored with each object, the bytes as stored (gzip),
//! S3's MD5 ETags deciding after a deploy killed before its manifest, and a missing bucket.

use std::collections::BTreeMap;
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
#[cfg_attr(
    sitegen_no_moto,
    ignore = "needs moto_server (pip install 'moto[server]'; .ci/run installs it)"
)]
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

    // An object changed behind the deploy's back (same size): its ETag gives it away, and
    // the next deploy puts it right.
    runtime.block_on(async {
        let at = ObjectPath::from("www/index.html");
        let mut bytes = store
            .get(&at)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        bytes[0] ^= 1;
        store.put(&at, bytes.into()).await.unwrap();
    });
    let (report, out) = deploy(&root, "s3");
    assert!(out.status.success(), "{}", stderr(&out));
    let uploaded: Vec<&str> = report["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["path"].as_str().unwrap())
        .collect();
    assert_eq!(uploaded, ["index.html"]);

    // A large file goes up as one multipart upload (here over 1 KiB, in 5 MiB parts): whole,
    // and not uploaded again (its ETag is no MD5; the manifest decides).
    let big: Vec<u8> = (0..(12u32 << 20) + 3).map(|i| (i % 253) as u8).collect();
    fs::create_dir_all(root.join("static")).unwrap();
    fs::write(root.join("static/big.bin"), &big).unwrap();
    assert!(build(&root, &["--quiet"]).status.success());
    for expected in [1, 0] {
        let out = sitegen()
            .args(["deploy", "--format", "json", "--target", "s3", "--root"])
            .arg(&root)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("SITEGEN_DEPLOY_MULTIPART_OVER", "1024")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["uploads"].as_array().unwrap().len(),
            expected,
            "{report}"
        );
    }
    runtime.block_on(async {
        let got = store.get(&ObjectPath::from("www/big.bin")).await.unwrap();
        let e_tag = got.meta.e_tag.clone().unwrap_or_default();
        assert!(e_tag.contains('-'), "not a multipart upload: {e_tag}");
        assert!(got.bytes().await.unwrap().to_vec() == big);
    });

    // No credentials: a clear error naming what to set, the bucket unchanged.
    let before = runtime.block_on(async {
        use futures_util::TryStreamExt;
        store
            .list(None)
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len()
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
    assert!(
        err.contains("AWS_ACCESS_KEY_ID") && err.contains("bucket is unchanged"),
        "{err}"
    );
    let after = runtime.block_on(async {
        use futures_util::TryStreamExt;
        store
            .list(None)
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len()
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

/// A static tree of `version`: pages `first..first+count`, each linking its own image, the
/// version's stylesheet and the shared script (whose bytes differ by version).
fn tree(dir: &Path, version: &str, first: usize, count: usize) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert(
        format!("style-{version}.css"),
        format!("/* {version} */ body {{}}\n").repeat(40),
    );
    files.insert(
        "js/app.js".to_string(),
        format!("console.log('{version}');\n").repeat(30),
    );
    for i in first..first + count {
        files.insert(
            format!("img/{version}-{i}.png"),
            format!("png {version} {i} ").repeat(200),
        );
        files.insert(
            format!("p{i}/index.html"),
            format!(
                "<html><head><link rel=\"stylesheet\" href=\"/style-{version}.css\"><script src=\"/js/app.js\"></script></head>\
                 <body><img src=\"/img/{version}-{i}.png\"><a href=\"/p{i}/\">{version}</a></body></html>"
            ),
        );
    }
    for (path, bytes) in &files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    files
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect()
}

/// The assets a page refers to (`/path` references; `/p1/` pages are not assets).
fn references(html: &str) -> Vec<String> {
    let re = regex::Regex::new(r#"(?:href|src)="/([^"]+)""#).unwrap();
    re.captures_iter(html)
        .map(|c| c[1].to_string())
        .filter(|p| !p.ends_with('/'))
        .collect()
}

/// Every object under `www/`, by path, with its bytes.
async fn bucket(store: &AmazonS3) -> BTreeMap<String, Vec<u8>> {
    let listed = list(store).await;
    let mut all = BTreeMap::new();
    for meta in listed {
        let key = meta.location.to_string();
        let Some(rel) = key.strip_prefix("www/") else {
            continue;
        };
        if rel == ".sitegen-deploy.json" {
            continue;
        }
        // Deleted since the listing: not there.
        if let Some(bytes) = fetch(store, &meta.location).await {
            all.insert(rel.to_string(), bytes);
        }
    }
    all
}

/// The object at `at`, `None` when the store says there is none. Another error (a busy
/// node missing its quorum while the whole test suite runs on two cores) is tried again:
/// only "not found" may count as missing.
async fn fetch(store: &AmazonS3, at: &ObjectPath) -> Option<Vec<u8>> {
    let mut last = None;
    for attempt in 0..10u64 {
        let got = match store.get(at).await {
            Ok(got) => got.bytes().await,
            Err(e) => Err(e),
        };
        match got {
            Ok(bytes) => return Some(bytes.to_vec()),
            Err(object_store::Error::NotFound { .. }) => return None,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
    panic!("{at}: {}", last.map(|e| e.to_string()).unwrap_or_default());
}

/// Every object of the bucket, the listing tried again on an error as [`fetch`] does.
async fn list(store: &AmazonS3) -> Vec<object_store::ObjectMeta> {
    use futures_util::TryStreamExt;
    let mut last = None;
    for attempt in 0..10u64 {
        match store.list(None).try_collect().await {
            Ok(listed) => return listed,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
    panic!(
        "listing: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    );
}

/// Whether the object at `at` exists, as [`fetch`] decides it.
async fn exists(store: &AmazonS3, at: &ObjectPath) -> bool {
    let mut last = None;
    for attempt in 0..10u64 {
        match store.head(at).await {
            Ok(_) => return true,
            Err(object_store::Error::NotFound { .. }) => return false,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
    panic!("{at}: {}", last.map(|e| e.to_string()).unwrap_or_default());
}

/// An S3 endpoint the torture runs against: its URL parameters, credentials and a client.
pub struct Endpoint {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub key: (String, String),
    pub store: Box<dyn Fn() -> AmazonS3>,
}

/// Kill torture: a deploy of B over A, SIGKILLed at random points, while a reader fetches
/// pages and their assets through the endpoint. After each kill every object is whole (A's
/// bytes or B's) and no page refers to an asset the bucket lacks; then A is deployed back.
/// At the end B's deploy runs to completion and the bucket is exactly B.
pub fn kill_torture(target: &Endpoint) {
    use crate::common::length::{by_length, seed, Rng};
    let tmp = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (tmp.path().join("a"), tmp.path().join("b"));
    // B drops pages 0..10 of A, keeps 10..30 with new bytes, adds 30..40.
    let a = tree(&a_dir, "a", 0, 30);
    let b = tree(&b_dir, "b", 10, 30);
    let config = tmp.path().join("config.toml");
    fs::write(
        &config,
        format!(
            "base_url = \"https://x\"\n[[deployment.targets]]\nname = \"s3\"\nURL = \"s3://{}/www?endpoint={}&region={}\"\n",
            target.bucket, target.endpoint, target.region
        ),
    )
    .unwrap();
    let command = |source: &Path| {
        let mut c = sitegen();
        c.args(["deploy", "--quiet", "--jobs", "4", "--config"])
            .arg(&config)
            .arg("--source")
            .arg(source)
            .env("AWS_ACCESS_KEY_ID", &target.key.0)
            .env("AWS_SECRET_ACCESS_KEY", &target.key.1);
        c
    };
    let run = |source: &Path| {
        let out = command(source).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    let store = (target.store)();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    run(&a_dir);
    assert_eq!(runtime.block_on(bucket(&store)), a);
    let started = Instant::now();
    run(&b_dir);
    let full = started.elapsed();
    assert_eq!(runtime.block_on(bucket(&store)), b);
    run(&a_dir);

    // The reader: pages and then what they refer to, while deploys run and are killed.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (stop, store) = (stop.clone(), (target.store)());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let mut fetched = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                fetched += runtime.block_on(read_pages(&store));
            }
            fetched
        })
    };
    let mut rng = Rng(seed("deploy kill torture", None));
    let kills = by_length(20, 40);
    for round in 0..kills {
        let mut child = command(&b_dir).spawn().unwrap();
        std::thread::sleep(full.mul_f64(rng.below(1000) as f64 / 1000.0));
        let _ = child.kill();
        let _ = child.wait();
        // A request the killed deploy had sent may still be carried out by the store after
        // the kill; a rerun in CI comes later than that. Under the whole suite on two cores
        // a page of such a late request once outlived its stylesheet here (see the stop
        // note): the check waits for the store to settle, as a rerun would.
        std::thread::sleep(Duration::from_secs(1));
        let now = runtime.block_on(bucket(&store));
        for (path, bytes) in &now {
            assert!(
                a.get(path) == Some(bytes) || b.get(path) == Some(bytes),
                "round {round}: {path} is neither A's nor B's"
            );
            if path.ends_with(".html") {
                for asset in references(&String::from_utf8_lossy(bytes)) {
                    assert!(
                        now.contains_key(&asset),
                        "round {round}: {path} refers to missing {asset}"
                    );
                }
            }
        }
        run(&a_dir);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let fetched = reader
        .join()
        .expect("the reader found a page without its assets");
    assert!(fetched > 0);
    // Killed once more, then run to the end: exactly B.
    let mut child = command(&b_dir).spawn().unwrap();
    std::thread::sleep(full / 2);
    let _ = child.kill();
    let _ = child.wait();
    run(&b_dir);
    assert_eq!(runtime.block_on(bucket(&store)), b);
}

/// Fetches every page of the bucket and the assets it refers to; panics on an asset missing
/// while its page is still there. Returns the pages read.
async fn read_pages(store: &AmazonS3) -> usize {
    let listed = list(store).await;
    let mut read = 0;
    for meta in listed
        .iter()
        .filter(|m| m.location.as_ref().ends_with(".html"))
    {
        let Some(html) = fetch(store, &meta.location).await else {
            continue;
        };
        read += 1;
        for asset in references(&String::from_utf8_lossy(&html)) {
            let at = ObjectPath::from(format!("www/{asset}"));
            if !exists(store, &at).await {
                // Only a page deleted by now may lack its assets (pages go before assets).
                assert!(
                    !exists(store, &meta.location).await,
                    "{} is there without {asset}",
                    meta.location
                );
            }
        }
    }
    read
}
