//! `sitegen deploy` to Garage, the distributed S3-compatible store: a 3-node cluster on the
//! loopback with replication factor 3, every node and its data in a temporary directory,
//! started and stopped by the test (`garage` from crates.io; `.ci/run` installs it when
//! missing). One node is stopped (SIGSTOP) during a deploy: the deploy completes, or fails
//! with a clear error and completes on the rerun; nothing is lost or torn.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, ObjectStoreExt};

use crate::common::{build, example_site, sitegen, snapshot, stderr, write_under};

const REGION: &str = "garage";
const BUCKET: &str = "site";

struct Node {
    config: PathBuf,
    child: Child,
    s3_port: u16,
}

/// Three Garage nodes, stopped (and their data removed) when dropped.
struct Cluster {
    _dir: tempfile::TempDir,
    nodes: Vec<Node>,
    key: (String, String),
}

fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    held.iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

fn garage(config: &Path, args: &[&str]) -> Output {
    Command::new("garage")
        .arg("-c")
        .arg(config)
        .args(args)
        .output()
        .expect("garage (cargo install garage; .ci/run installs it)")
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One cluster at a time: two of them (six nodes) beside the rest of the suite starve each
/// other of the machine's two cores.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Cluster {
    fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let secret: String = (0..32)
            .map(|i| format!("{:02x}", (i * 37 + 11) % 256))
            .collect();
        let mut nodes = Vec::new();
        for n in 0..3 {
            let ports = free_ports(4);
            let home = dir.path().join(format!("node{n}"));
            fs::create_dir_all(&home).unwrap();
            let config = home.join("garage.toml");
            fs::write(
                &config,
                format!(
                    "metadata_dir = \"{home}/meta\"\ndata_dir = \"{home}/data\"\ndb_engine = \"sqlite\"\n\
                     replication_factor = 3\n\
                     rpc_bind_addr = \"127.0.0.1:{rpc}\"\nrpc_public_addr = \"127.0.0.1:{rpc}\"\nrpc_secret = \"{secret}\"\n\
                     [s3_api]\ns3_region = \"{REGION}\"\napi_bind_addr = \"127.0.0.1:{s3}\"\nroot_domain = \".s3.garage\"\n\
                     [s3_web]\nbind_addr = \"127.0.0.1:{web}\"\nroot_domain = \".web.garage\"\nindex = \"index.html\"\n\
                     [admin]\napi_bind_addr = \"127.0.0.1:{admin}\"\n",
                    home = home.display(),
                    rpc = ports[0],
                    s3 = ports[1],
                    web = ports[2],
                    admin = ports[3],
                ),
            )
            .unwrap();
            let log = fs::File::create(home.join("log")).unwrap();
            let child = Command::new("garage")
                .arg("-c")
                .arg(&config)
                .arg("server")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("garage (cargo install garage; .ci/run installs it)");
            nodes.push(Node {
                config,
                child,
                s3_port: ports[1],
            });
        }
        let first = nodes[0].config.clone();
        let started = Instant::now();
        while !garage(&first, &["status"]).status.success() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "garage did not start"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let ids: Vec<String> = nodes
            .iter()
            .map(|n| ok(garage(&n.config, &["node", "id", "-q"]), "node id"))
            .collect();
        for id in &ids[1..] {
            ok(garage(&first, &["node", "connect", id]), "node connect");
        }
        for id in &ids {
            ok(
                garage(
                    &first,
                    &["layout", "assign", &id[..64], "-z", "dc1", "-c", "1G"],
                ),
                "layout assign",
            );
        }
        ok(
            garage(&first, &["layout", "apply", "--version", "1"]),
            "layout apply",
        );
        let key: serde_json::Value = serde_json::from_str(&ok(
            garage(&first, &["json-api", "CreateKey", r#"{"name":"deploy"}"#]),
            "create key",
        ))
        .unwrap();
        let key = (
            key["accessKeyId"].as_str().unwrap().to_string(),
            key["secretAccessKey"].as_str().unwrap().to_string(),
        );
        // The layout reaches every node before buckets can be made.
        let started = Instant::now();
        while !garage(&first, &["bucket", "create", BUCKET])
            .status
            .success()
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "bucket create failed"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        ok(
            garage(
                &first,
                &[
                    "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "deploy",
                ],
            ),
            "bucket allow",
        );
        Cluster {
            _dir: dir,
            nodes,
            key,
        }
    }

    fn endpoint(&self, node: usize) -> String {
        format!("http://127.0.0.1:{}", self.nodes[node].s3_port)
    }

    fn store(&self, node: usize) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_region(REGION)
            .with_endpoint(self.endpoint(node))
            .with_allow_http(true)
            .with_access_key_id(&self.key.0)
            .with_secret_access_key(&self.key.1)
            .build()
            .unwrap()
    }

    fn signal(&self, node: usize, signal: i32) {
        // SAFETY: a plain kill(2) on our own child.
        unsafe { libc::kill(self.nodes[node].child.id() as i32, signal) };
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            // SAFETY: as above.
            unsafe { libc::kill(node.child.id() as i32, libc::SIGCONT) };
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
    }
}

fn deploy(root: &Path, cluster: &Cluster) -> (serde_json::Value, Output) {
    let out = sitegen()
        .args(["deploy", "--format", "json", "--root"])
        .arg(root)
        .env("AWS_ACCESS_KEY_ID", &cluster.key.0)
        .env("AWS_SECRET_ACCESS_KEY", &cluster.key.1)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (report, out)
}

/// The bucket's objects under `www/` read through `node`, by path.
fn read_back(
    cluster: &Cluster,
    node: usize,
    paths: impl Iterator<Item = String>,
) -> Vec<(String, Vec<u8>, Option<String>)> {
    let store = cluster.store(node);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut all = Vec::new();
        for path in paths {
            let got = store
                .get(&ObjectPath::from(format!("www/{path}")))
                .await
                .unwrap();
            let kind = got
                .attributes
                .get(&Attribute::ContentType)
                .map(|v| v.to_string());
            all.push((path, got.bytes().await.unwrap().to_vec(), kind));
        }
        all
    })
}

#[test]
#[cfg_attr(
    sitegen_no_garage,
    ignore = "needs garage (cargo install garage; .ci/run installs it)"
)]
fn a_deploy_to_a_three_node_garage_cluster_survives_a_stopped_node() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let cluster = Cluster::start();
    let (_tmp, root) = example_site();
    let mut config = fs::read_to_string(root.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[[deployment.targets]]\nname = \"garage\"\nURL = \"s3://{BUCKET}/www?endpoint={}&region={REGION}\"\n",
        cluster.endpoint(0)
    ));
    fs::write(root.join("config.toml"), config).unwrap();
    assert!(build(&root, &["--quiet"]).status.success());
    let public = snapshot(&root.join("public"));

    let (report, out) = deploy(&root, &cluster);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["uploads"].as_array().unwrap().len(), public.len());
    // Every object whole, read through another node, with its type.
    for (path, bytes, kind) in read_back(&cluster, 1, public.keys().cloned()) {
        assert_eq!(&bytes, &public[&path], "{path}");
        if path.ends_with(".html") {
            assert_eq!(kind.as_deref(), Some("text/html; charset=utf-8"), "{path}");
        }
    }

    // A node stopped during a deploy of many changes.
    for k in 0..40 {
        write_under(
            &root,
            &format!("static/bulk/{k}.txt"),
            &format!("file {k} ").repeat(2000),
        );
    }
    assert!(build(&root, &["--quiet"]).status.success());
    let public = snapshot(&root.join("public"));
    let child = sitegen()
        .args(["deploy", "--quiet", "--jobs", "2", "--root"])
        .arg(&root)
        .env("AWS_ACCESS_KEY_ID", &cluster.key.0)
        .env("AWS_SECRET_ACCESS_KEY", &cluster.key.1)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    cluster.signal(2, libc::SIGSTOP);
    let stopped = Instant::now();
    let first = child.wait_with_output().unwrap();
    println!(
        "deploy with node 3 stopped: {} after {:?} more",
        if first.status.success() {
            "completed"
        } else {
            "failed"
        },
        stopped.elapsed()
    );
    cluster.signal(2, libc::SIGCONT);
    if !first.status.success() {
        let err = stderr(&first);
        assert!(
            err.contains("deployment target `garage`") && err.contains("run the deploy again")
                || err.contains("unchanged"),
            "{err}"
        );
        let (_, out) = deploy(&root, &cluster);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let (report, out) = deploy(&root, &cluster);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(report["uploads"].as_array().unwrap().len(), 0, "{report}");
    for node in 0..3 {
        for (path, bytes, _) in read_back(&cluster, node, public.keys().cloned()) {
            assert_eq!(&bytes, &public[&path], "node {node}: {path}");
        }
    }
    let out = sitegen()
        .args(["verify", "--target", "garage", "--root"])
        .arg(&root)
        .env("AWS_ACCESS_KEY_ID", &cluster.key.0)
        .env("AWS_SECRET_ACCESS_KEY", &cluster.key.1)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

/// The kill torture of `deploy_s3` (a deploy of B over A SIGKILLed at random points, a reader
/// checking every page's assets meanwhile) against the Garage cluster.
#[test]
#[cfg_attr(
    sitegen_no_garage,
    ignore = "needs garage (cargo install garage; .ci/run installs it)"
)]
fn a_deploy_to_garage_killed_at_random_points_never_leaves_a_page_without_its_assets() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let cluster = std::sync::Arc::new(Cluster::start());
    let client = std::sync::Arc::clone(&cluster);
    crate::deploy_s3::kill_torture(&crate::deploy_s3::Endpoint {
        endpoint: cluster.endpoint(0),
        region: REGION.into(),
        bucket: BUCKET.into(),
        key: cluster.key.clone(),
        store: Box::new(move || client.store(1)),
    });
}
