//! A real PostgreSQL server for one test: Debian's `postgresql` binaries, a fresh cluster in a
//! temporary directory (trust authentication, listening on 127.0.0.1 only, its socket in that
//! directory), stopped when the guard drops. PostgreSQL refuses to run as root, so under root
//! `initdb` and `postgres` run as the `postgres` OS user (through `setpriv`, which execs, so
//! the process the test holds is the server itself).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::proc::{Proc, free_port};

/// Where Debian installs PostgreSQL 15's server programs.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// The user the server runs as when the test runs as root.
const OS_USER: &str = "postgres";

/// A running PostgreSQL server; dropping it stops the server and removes its files.
pub struct PgServer {
    /// The port on 127.0.0.1.
    pub port: u16,
    proc: Option<Proc>,
    // Dropped after the server is stopped.
    dir: TempDir,
}

/// Checks that PostgreSQL's server programs are installed. When they are missing the test
/// fails naming the Debian package, unless `TRIAGE_SKIP_INTEROP=1`: then this prints
/// `SKIPPED` and returns `false`.
#[must_use]
pub fn have_postgres(test: &str) -> bool {
    let missing: Vec<String> = ["initdb", "postgres", "pg_isready", "createdb", "psql"]
        .iter()
        .map(|b| Path::new(PG_BIN).join(b))
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("TRIAGE_SKIP_INTEROP").as_deref() == Ok("1") {
        eprintln!("SKIPPED {test}: missing {missing:?} (TRIAGE_SKIP_INTEROP=1)");
        return false;
    }
    panic!(
        "{test}: PostgreSQL 15 programs {missing:?} are missing; install the Debian package \
         postgresql (`apt-get install postgresql`), or set TRIAGE_SKIP_INTEROP=1 to skip interop tests"
    );
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// `program` from [`PG_BIN`], run as the `postgres` user when we are root.
fn pg_command(program: &str) -> Command {
    let path = PathBuf::from(PG_BIN).join(program);
    if running_as_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid", OS_USER, "--regid", OS_USER, "--init-groups", "--"]).arg(path);
        cmd
    } else {
        Command::new(path)
    }
}

fn run(what: &str, mut cmd: Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {what} ({cmd:?}): {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PgServer {
    /// Creates a cluster that trusts every connection and starts the server on a free port,
    /// waiting until it accepts connections.
    pub fn start() -> PgServer {
        PgServer::start_with("trust", false)
    }

    /// Like [`PgServer::start`], but connections over TCP must give a password
    /// (scram-sha-256); those over the Unix socket are still trusted.
    pub fn start_with_passwords() -> PgServer {
        PgServer::start_with("scram-sha-256", false)
    }

    /// Like [`PgServer::start`], but the server also speaks TLS, with a certificate for
    /// 127.0.0.1 from a test CA whose PEM file is [`PgServer::ca_file`].
    pub fn start_with_tls() -> PgServer {
        PgServer::start_with("trust", true)
    }

    /// The test CA's certificate (PEM) of a server from [`PgServer::start_with_tls`].
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn start_with(host_auth: &str, tls: bool) -> PgServer {
        let root = running_as_root();
        // Under root the server's user must reach its directory: /tmp, whatever TMPDIR says.
        let parent = if root { PathBuf::from("/tmp") } else { std::env::temp_dir() };
        let dir = tempfile::Builder::new().prefix("triage-test-pg-").tempdir_in(parent).expect("temp dir");
        if root {
            run("chown", {
                let mut c = Command::new("chown");
                c.arg(format!("{OS_USER}:{OS_USER}")).arg(dir.path());
                c
            });
        }
        let data = dir.path().join("data");
        run("initdb", {
            let mut c = pg_command("initdb");
            c.arg("-D")
                .arg(&data)
                .args([
                    "--auth-local=trust",
                    &format!("--auth-host={host_auth}"),
                    "--username=postgres",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ])
                .args(["--no-sync", "--no-instructions"]);
            c
        });
        let mut tls_args = Vec::new();
        if tls {
            let (cert, key) = test_pki(dir.path());
            if root {
                run("chown", {
                    let mut c = Command::new("chown");
                    c.arg(format!("{OS_USER}:{OS_USER}")).arg(&cert).arg(&key);
                    c
                });
            }
            for arg in ["ssl=on".to_string(), format!("ssl_cert_file={}", cert.display())] {
                tls_args.extend(["-c".to_string(), arg]);
            }
            tls_args.extend(["-c".to_string(), format!("ssl_key_file={}", key.display())]);
        }
        for attempt in 1..=3 {
            let port = free_port();
            let mut cmd = pg_command("postgres");
            cmd.args(&tls_args);
            cmd.arg("-D")
                .arg(&data)
                .arg("-k")
                .arg(dir.path())
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
                .args(["-c", "max_connections=50"]);
            let mut proc = Proc::spawn("postgres", cmd);
            let deadline = Instant::now() + super::DEADLINE;
            loop {
                if let Some(status) = proc.exited() {
                    if attempt < 3 {
                        eprintln!("postgres exited with {status} on port {port}; retrying on another");
                        break;
                    }
                    panic!("postgres exited with {status}\n{}", proc.report());
                }
                let ready = Command::new(Path::new(PG_BIN).join("pg_isready"))
                    .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                    .status()
                    .map(|s| s.success())
                    .unwrap_or(false);
                if ready {
                    return PgServer { port, proc: Some(proc), dir };
                }
                assert!(Instant::now() < deadline, "postgres not ready on port {port}\n{}", proc.report());
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        unreachable!("the last attempt panics or returns")
    }

    /// Creates the database `name` and returns its URL (user `postgres`, no password).
    pub fn create_database(&self, name: &str) -> String {
        run("createdb", {
            let mut c = Command::new(Path::new(PG_BIN).join("createdb"));
            c.arg("-h").arg(self.dir.path()).args(["-p", &self.port.to_string(), "-U", "postgres", name]);
            c
        });
        self.url(name)
    }

    /// Runs `sql` as the superuser, over the Unix socket.
    pub fn psql(&self, sql: &str) {
        run("psql", {
            let mut c = Command::new(Path::new(PG_BIN).join("psql"));
            c.arg("-h").arg(self.dir.path()).args(["-p", &self.port.to_string(), "-U", "postgres"]);
            c.args(["-v", "ON_ERROR_STOP=1", "-q", "-d", "postgres", "-c", sql]);
            c
        });
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The server's own output so far, for failure messages.
    pub fn log_tail(&self) -> String {
        self.proc.as_ref().map(|p| p.log_tail(4000)).unwrap_or_default()
    }
}

/// A test CA and a certificate for 127.0.0.1 it signed, as PEM files in `dir`: the CA as
/// `ca.pem`; returns the server's certificate and key (mode 0600, as PostgreSQL requires).
fn test_pki(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;

    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.distinguished_name.push(DnType::CommonName, "triage PostgreSQL test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("test CA");
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("server params");
    params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &ca).expect("server certificate");
    std::fs::write(dir.join("ca.pem"), ca.pem()).expect("write CA");
    let (cert_path, key_path) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&cert_path, cert.pem()).expect("write certificate");
    std::fs::write(&key_path, key.serialize_pem()).expect("write key");
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).expect("chmod key");
    (cert_path, key_path)
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let Some(proc) = self.proc.take() else { return };
        // Fast shutdown (SIGINT): ends the sessions and exits; the guard kills it if it lingers.
        let _ = Command::new("kill").arg("-INT").arg(proc.pid().to_string()).status();
        let mut proc = proc;
        let deadline = Instant::now() + Duration::from_secs(10);
        while proc.exited().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(proc);
        let _ = &self.dir;
    }
}
