//! `triage nats pub|sub` run as the real binary against a real nats-server (Debian package
//! `nats-server`) started per test with JetStream on a port it picks itself (`-p -1`, read
//! back from its log) and a temporary store directory, and killed when the test ends.
//!
//! A subscriber is known to be ready when it says so on standard error (it says so after a
//! round trip to the server); every wait polls a condition against a deadline.

use std::process::{Output, Stdio};
use std::time::Duration;

use crate::support::nats::NatsServer;
use crate::support::{DEADLINE, free_port, have_binaries};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

fn nats_installed(test: &str) -> bool {
    have_binaries(test, &["nats-server"])
}

/// `triage ARGS` with no NATS settings from the environment.
fn triage_command(args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.args(args).kill_on_drop(true);
    for name in ["TRIAGE_NATS_URL", "TRIAGE_NATS_USER", "TRIAGE_NATS_PASSWORD", "TRIAGE_NATS_TOKEN_FILE"] {
        cmd.env_remove(name);
    }
    cmd.env_remove("TRIAGE_NATS_CREDS");
    cmd
}

async fn triage(args: &[&str]) -> Output {
    let mut cmd = triage_command(args);
    cmd.stdin(Stdio::null());
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("triage {args:?} did not finish"))
        .expect("run triage")
}

/// `triage ARGS` with `input` on standard input.
async fn triage_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use tokio::io::AsyncWriteExt;
    let mut cmd = triage_command(args);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start triage");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).await.expect("write stdin");
    drop(stdin);
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("triage {args:?} did not finish"))
        .expect("run triage")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_ok(args: &[&str], out: &Output) {
    assert!(out.status.success(), "triage {args:?} failed: {}\n{}", text(&out.stderr), text(&out.stdout));
}

async fn run_ok(args: &[&str]) -> String {
    let out = triage(args).await;
    assert_ok(args, &out);
    text(&out.stdout)
}

/// Asserts a failure with `code` and a message holding every one of `parts`.
fn assert_fails(out: &Output, code: i32, parts: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "exit status; stderr: {stderr}");
    for part in parts {
        assert!(stderr.contains(part), "{part:?} missing from: {stderr}");
    }
    assert_eq!(stderr.lines().filter(|l| l.starts_with("triage: ") && !l.contains("subscribed to")).count(), 1);
}

/// A `triage nats sub` that has told it is subscribed.
struct Subscriber {
    child: tokio::process::Child,
    stderr_seen: String,
    /// The rest of standard error, read to its end in the background (an undrained pipe
    /// could block the child, a closed one make its next message fail).
    stderr_rest: tokio::task::JoinHandle<String>,
}

impl Subscriber {
    async fn start(args: &[&str]) -> Subscriber {
        let mut cmd = triage_command(args);
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start triage nats sub");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut seen = String::new();
        let ready = tokio::time::timeout(DEADLINE, async {
            while let Ok(Some(line)) = lines.next_line().await {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains("subscribed to") {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(matches!(ready, Ok(true)), "triage {args:?} never said it was subscribed; stderr:\n{seen}");
        let stderr_rest = tokio::spawn(async move {
            let mut rest = String::new();
            let _ = lines.into_inner().read_to_string(&mut rest).await;
            rest
        });
        Subscriber { child, stderr_seen: seen, stderr_rest }
    }

    /// Waits for the subscriber to end and returns its exit code, standard output and
    /// standard error.
    async fn finish(mut self) -> (Option<i32>, String, String) {
        let mut stdout = self.child.stdout.take().expect("stdout");
        let status = tokio::time::timeout(DEADLINE, async {
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).await.expect("read stdout");
            (self.child.wait().await.expect("wait"), out)
        })
        .await;
        let Ok((status, out)) = status else {
            panic!("the subscriber did not end; stderr so far:\n{}", self.stderr_seen);
        };
        let rest = self.stderr_rest.await.unwrap_or_default();
        (status.code(), text(&out), format!("{}{rest}", self.stderr_seen))
    }
}

fn json_lines(out: &str) -> Vec<Value> {
    out.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

#[tokio::test]
async fn sub_receives_what_pub_sends_with_headers_and_binary_payloads() {
    if !nats_installed("sub_receives_what_pub_sends_with_headers_and_binary_payloads") {
        return;
    }
    let nats = NatsServer::start(&[]).await;
    let server = nats.url.as_str();
    let sub = Subscriber::start(&["nats", "sub", "cms.>", "--server", server, "--count", "4", "-o", "json"]).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let binary = dir.path().join("payload.bin");
    std::fs::write(&binary, [0xff, 0x00, 0xfe, b'a']).expect("write payload");
    let published = run_ok(&[
        "nats",
        "pub",
        "cms.alerts",
        "disk full at T2_CH_CSCS",
        "--server",
        server,
        "--header",
        "Site=T2_CH_CSCS",
        "-H",
        "Severity=critical",
        "-H",
        "Site=T1_DE_KIT",
    ])
    .await;
    assert_eq!(published, "published 1 message of 23 bytes to \"cms.alerts\"\n");
    run_ok(&["nats", "pub", "cms.binary", "--file", binary.to_str().unwrap(), "--server", server]).await;
    let piped =
        triage_with_stdin(&["nats", "pub", "cms.stdin", "-", "--server", server], "Störung ⚠\n".as_bytes()).await;
    assert_ok(&["nats", "pub", "cms.stdin", "-"], &piped);
    run_ok(&["nats", "pub", "cms.empty", "--server", server]).await;

    let (code, out, err) = sub.finish().await;
    assert_eq!(code, Some(0), "{out}{err}");
    let messages = json_lines(&out);
    assert_eq!(messages.len(), 4, "{out}");
    assert_eq!(messages[0]["subject"], "cms.alerts");
    assert_eq!(messages[0]["payload"], "disk full at T2_CH_CSCS");
    assert_eq!(messages[0]["encoding"], "utf-8");
    assert_eq!(messages[0]["headers"]["Site"], serde_json::json!(["T2_CH_CSCS", "T1_DE_KIT"]));
    assert_eq!(messages[0]["headers"]["Severity"], serde_json::json!(["critical"]));
    assert_eq!(messages[1]["subject"], "cms.binary");
    assert_eq!(messages[1]["encoding"], "base64");
    assert_eq!(messages[1]["payload"], "/wD+YQ==");
    assert_eq!(messages[1]["size"], 4);
    assert_eq!(messages[1]["headers"], serde_json::json!({}));
    assert_eq!(messages[2]["payload"], "Störung ⚠\n");
    assert_eq!(messages[3]["subject"], "cms.empty");
    assert_eq!(messages[3]["payload"], "");
}

#[tokio::test]
async fn count_and_timeout_end_the_subscription() {
    if !nats_installed("count_and_timeout_end_the_subscription") {
        return;
    }
    let nats = NatsServer::start(&[]).await;
    let server = nats.url.as_str();

    // --count: the text form, five copies published, two printed.
    let sub = Subscriber::start(&["nats", "sub", "t.count", "--server", server, "--count", "2"]).await;
    let published = run_ok(&["nats", "pub", "t.count", "hello", "--count", "5", "--server", server, "-H", "K=v"]).await;
    assert_eq!(published, "published 5 messages of 5 bytes to \"t.count\"\n");
    let (code, out, err) = sub.finish().await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        out,
        "[#1] Received on \"t.count\" (5 bytes)\nK: v\n\nhello\n\n[#2] Received on \"t.count\" (5 bytes)\nK: v\n\nhello\n\n"
    );

    // --timeout without --count: whatever came before it, then success.
    let sub =
        Subscriber::start(&["nats", "sub", "t.timeout", "--server", server, "--timeout", "1s", "-o", "json"]).await;
    run_ok(&["nats", "pub", "t.timeout", "one", "--server", server]).await;
    let (code, out, err) = sub.finish().await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(json_lines(&out).len(), 1);

    // Nothing within --timeout: an error saying so.
    let out = triage(&["nats", "sub", "t.silent", "--server", server, "--timeout", "200ms"]).await;
    assert_fails(&out, 1, &["no message on \"t.silent\" within 200ms", "is anything publishing to \"t.silent\""]);
    assert!(out.stdout.is_empty());

    // Fewer than --count within --timeout: an error too, after printing what came.
    let sub = Subscriber::start(&[
        "nats",
        "sub",
        "t.short",
        "--server",
        server,
        "--count",
        "3",
        "--timeout",
        "1s",
        "-o",
        "json",
    ])
    .await;
    run_ok(&["nats", "pub", "t.short", "only one", "--server", server]).await;
    let (code, out, err) = sub.finish().await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(json_lines(&out).len(), 1);
    assert!(err.contains("1 of the 3 messages asked for arrived within 1s"), "{err}");
}

#[tokio::test]
async fn jetstream_publishes_are_acknowledged_with_stream_and_sequence() {
    if !nats_installed("jetstream_publishes_are_acknowledged_with_stream_and_sequence") {
        return;
    }
    let nats = NatsServer::start(&[]).await;
    let server = nats.url.as_str();
    let client = async_nats::connect(server).await.expect("connect to nats-server");
    let jetstream = async_nats::jetstream::new(client);
    let mut stream = jetstream
        .create_stream(async_nats::jetstream::stream::Config {
            name: "ALERTS".to_string(),
            subjects: vec!["alerts.>".to_string()],
            ..Default::default()
        })
        .await
        .expect("create the stream");

    let out =
        run_ok(&["nats", "pub", "alerts.cms", "x", "--jetstream", "--count", "2", "--server", server, "-o", "json"])
            .await;
    let acks = json_lines(&out);
    assert_eq!(acks.len(), 2, "{out}");
    for (ack, sequence) in acks.iter().zip([1, 2]) {
        assert_eq!(ack["stream"], "ALERTS");
        assert_eq!(ack["sequence"], sequence);
        assert_eq!(ack["duplicate"], false);
    }
    let out =
        run_ok(&["nats", "pub", "alerts.cms", "y", "--jetstream", "--server", server, "-H", "Nats-Msg-Id=a1"]).await;
    assert_eq!(out, "published to \"alerts.cms\": stream ALERTS sequence 3\n");
    let out =
        run_ok(&["nats", "pub", "alerts.cms", "y", "--jetstream", "--server", server, "-H", "Nats-Msg-Id=a1"]).await;
    assert_eq!(out, "published to \"alerts.cms\": stream ALERTS sequence 3 (duplicate)\n");
    let info = stream.info().await.expect("stream info");
    assert_eq!(info.state.messages, 3);
    let stored = stream.get_raw_message(3).await.expect("message 3");
    assert_eq!(&stored.payload[..], b"y");

    let out = triage(&["nats", "pub", "nowhere.cms", "x", "--jetstream", "--server", server]).await;
    assert_fails(&out, 1, &["no JetStream stream takes subject \"nowhere.cms\"", "create a stream"]);
}

#[tokio::test]
async fn connection_problems_say_what_to_do() {
    if !nats_installed("connection_problems_say_what_to_do") {
        return;
    }
    // Nothing listens on a port that was just free.
    let refused = format!("nats://127.0.0.1:{}", free_port());
    let out = triage(&["nats", "pub", "x", "y", "--server", &refused]).await;
    assert_fails(&out, 1, &[&format!("could not reach {refused}"), "is nats-server running at"]);
    // The server may come from TRIAGE_NATS_URL.
    let mut cmd = triage_command(&["nats", "sub", "x", "--timeout", "1s"]);
    cmd.env("TRIAGE_NATS_URL", &refused);
    let out = cmd.output().await.expect("run triage");
    assert_fails(&out, 1, &[&format!("could not reach {refused}")]);

    // A URL that is no NATS URL is a command-line mistake.
    let out = triage(&["nats", "pub", "x", "y", "--server", "http://127.0.0.1:4222"]).await;
    assert_fails(&out, 2, &["invalid NATS URL", "not nats or tls", "nats://127.0.0.1:4222"]);
    let out = triage(&["nats", "pub", "x", "y", "--server", "nats://"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = triage(&["nats", "pub", "x", "y", "--header", "novalue", "--server", &refused]).await;
    assert_fails(&out, 2, &["--header \"novalue\" is not NAME=VALUE"]);
}

#[tokio::test]
async fn bad_credentials_are_refused_with_a_hint() {
    if !nats_installed("bad_credentials_are_refused_with_a_hint") {
        return;
    }
    let token = "t0ken-9c1e";
    let nats = NatsServer::start(&["--auth", token]).await;
    let server = nats.url.as_str();
    let dir = tempfile::tempdir().expect("temp dir");
    let (wrong, right) = (dir.path().join("wrong"), dir.path().join("right"));
    std::fs::write(&wrong, "not-the-token\n").expect("write token");
    std::fs::write(&right, format!("{token}\n")).expect("write token");

    let out = triage(&["nats", "pub", "x", "y", "--server", server]).await;
    assert_fails(&out, 1, &[&format!("{server} refused the credentials"), "authorization violation", "--token-file"]);
    let out =
        triage(&["nats", "sub", "x", "--timeout", "1s", "--server", server, "--token-file", wrong.to_str().unwrap()])
            .await;
    assert_fails(&out, 1, &["refused the credentials", "check --user/--password, --token-file or --creds"]);
    assert!(!text(&out.stderr).contains("not-the-token"), "the token was shown");
    let out = triage(&["nats", "pub", "x", "y", "--server", server, "--user", "alice", "--password", "pw"]).await;
    assert_fails(&out, 1, &["refused the credentials"]);
    let out = triage(&["nats", "pub", "x", "y", "--server", server, "--token-file", "/nonexistent/token"]).await;
    assert_fails(&out, 1, &["reading --token-file /nonexistent/token"]);

    run_ok(&["nats", "pub", "x", "y", "--server", server, "--token-file", right.to_str().unwrap()]).await;
}

#[tokio::test]
async fn user_and_password_log_in() {
    if !nats_installed("user_and_password_log_in") {
        return;
    }
    let nats = NatsServer::start(&["--user", "alice", "--pass", "pw-4d2a"]).await;
    let server = nats.url.as_str();
    let out = triage(&["nats", "pub", "x", "y", "--server", server, "--user", "alice", "--password", "wrong"]).await;
    assert_fails(&out, 1, &["refused the credentials", "check --user/--password"]);
    run_ok(&["nats", "pub", "x", "y", "--server", server, "--user", "alice", "--password", "pw-4d2a"]).await;
    let mut cmd = triage_command(&["nats", "pub", "x", "y", "--server", server]);
    cmd.env("TRIAGE_NATS_USER", "alice").env("TRIAGE_NATS_PASSWORD", "pw-4d2a");
    let out = cmd.output().await.expect("run triage");
    assert_ok(&["nats", "pub", "(user and password from the environment)"], &out);
}

/// A test CA and a certificate for 127.0.0.1 it signed, as PEM files in `dir`:
/// (CA file, server certificate, server key).
fn test_pki(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.distinguished_name.push(DnType::CommonName, "triage NATS test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("test CA");
    let mut server_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("server params");
    server_params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    server_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate().expect("key");
    let server = server_params.signed_by(&server_key, &ca).expect("server certificate");
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write PKI file");
        path
    };
    (write("ca.pem", ca.pem()), write("server.pem", server.pem()), write("server.key", server_key.serialize_pem()))
}

#[tokio::test]
async fn tls_servers_are_trusted_through_the_ca_file() {
    if !nats_installed("tls_servers_are_trusted_through_the_ca_file") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, cert, key) = test_pki(dir.path());
    let (cert, key) = (cert.to_str().unwrap().to_string(), key.to_str().unwrap().to_string());
    let nats = NatsServer::start(&["--tls", "--tlscert", &cert, "--tlskey", &key]).await;
    let server = nats.url.as_str();
    let ca = ca.to_str().unwrap();

    let sub = Subscriber::start(&["nats", "sub", "secure", "--server", server, "--tls-ca", ca, "--count", "1"]).await;
    run_ok(&["nats", "pub", "secure", "over TLS", "--server", server, "--tls-ca", ca]).await;
    let (code, out, err) = sub.finish().await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("over TLS"), "{out}");

    // Without the CA the certificate is not trusted.
    let out = triage(&["nats", "pub", "secure", "x", "--server", server]).await;
    assert_fails(&out, 1, &["TLS failed", "check --tls-ca"]);
    let out = triage(&["nats", "pub", "secure", "x", "--server", server, "--tls-ca", "/nonexistent/ca.pem"]).await;
    assert_fails(&out, 1, &["--tls-ca /nonexistent/ca.pem: no such file"]);
}
