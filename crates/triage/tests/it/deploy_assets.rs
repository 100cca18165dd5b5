//! The deployment assets (`Dockerfile`, `deploy/k8s`, `deploy/rules`, `deploy/grafana`) checked
//! against the real binary and tools:
//!
//! - the rule pack passes `promtool check rules` and its unit tests (`promtool test rules`),
//!   and every alert carries `severity`, `summary`, `description` and `runbook_url`;
//! - every dashboard query is valid PromQL (checked by promtool as recording rules);
//! - every metric the rules and the dashboard use is on triage's `/metrics`: the real binary
//!   is started with webhooks, an outage source, an anomaly source and node pushes served by a
//!   local fake, so that every family has a sample;
//! - `kubectl kustomize` renders the base and the node-agent overlay, and the objects have
//!   what a deployment needs (kinds, probes, non-root, read-only root, resources, PDB,
//!   NetworkPolicy, selectors that match), with only flags the binary has and a ConfigMap
//!   that `triage check-config` accepts; the external-pollers overlay runs the server with
//!   `--external-pollers` and one `triage poll` Deployment per configured source, feeding the
//!   server's Service, with the server's ConfigMap and Secret and no volume of its own; the
//!   scale-out overlay runs `--role engine` (2, with `--external-pollers`) and `--role api`
//!   Deployments on PostgreSQL and NATS (password from a file of the Secret, the pod IP
//!   advertised, no claim), with a PodDisruptionBudget per role, anti-affinity, the client
//!   Service on the api pods and NetworkPolicies opening PostgreSQL, NATS and forwarding.
//!   Without `kubectl` (Debian has no package) this part is skipped with a message;
//! - the Dockerfile is multi-stage and runs as a non-root user.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{DEADLINE, client, have_binaries, poll};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// Runs a program to completion; panics with its output unless it succeeds.
fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed ({}):\n{text}", out.status);
    text
}

fn yaml(text: &str) -> Value {
    yaml_serde::from_str(text).unwrap_or_else(|e| panic!("invalid YAML: {e}"))
}

/// Every `expr` of the rule pack, by alert name.
fn rule_exprs() -> Vec<(String, String)> {
    let pack = yaml(&read("deploy/rules/triage.rules.yml"));
    let mut out = Vec::new();
    for group in pack["groups"].as_array().expect("groups") {
        for rule in group["rules"].as_array().expect("rules") {
            let name = rule["alert"].as_str().or(rule["record"].as_str()).expect("alert or record").to_string();
            out.push((name, rule["expr"].as_str().expect("expr").to_string()));
        }
    }
    out
}

/// Every query of the dashboard: panel targets and template variables.
fn dashboard_exprs() -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("expr", Value::String(s)) | ("definition", Value::String(s)) => out.push(s.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let dash: Value = serde_json::from_str(&read("deploy/grafana/triage.json")).expect("dashboard JSON");
    let mut out = Vec::new();
    walk(&dash, &mut out);
    out
}

/// The metric names a query selects: `triage_*` names, and any `name{` selector.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let triage = regex::Regex::new(r"\btriage_[a-z0-9_]+\b").unwrap();
    let selector = regex::Regex::new(r"(?:^|[^a-zA-Z0-9_:])([a-zA-Z_:][a-zA-Z0-9_:]*)\{").unwrap();
    let mut names: BTreeSet<String> = triage.find_iter(expr).map(|m| m.as_str().to_string()).collect();
    names.extend(selector.captures_iter(expr).map(|c| c[1].to_string()));
    names
}

#[test]
fn the_rule_pack_passes_promtool_and_its_unit_tests() {
    if !have_binaries("the_rule_pack_passes_promtool_and_its_unit_tests", &["promtool"]) {
        return;
    }
    let dir = root().join("deploy/rules");
    run_ok(Command::new("promtool").current_dir(&dir).args(["check", "rules", "triage.rules.yml"]));
    let tested = run_ok(Command::new("promtool").current_dir(&dir).args(["test", "rules", "triage.rules.test.yml"]));
    assert!(tested.contains("SUCCESS"), "{tested}");

    // Every alert is labelled and annotated, and fires in at least one unit test.
    let pack = yaml(&read("deploy/rules/triage.rules.yml"));
    let tests = yaml(&read("deploy/rules/triage.rules.test.yml"));
    let fired: BTreeSet<String> = tests["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["alert_rule_test"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["exp_alerts"].as_array().is_some_and(|a| !a.is_empty()))
        .filter_map(|c| c["alertname"].as_str().map(str::to_string))
        .collect();
    for group in pack["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let name = rule["alert"].as_str().expect("only alerting rules");
            let severity = rule["labels"]["severity"].as_str().unwrap_or("");
            assert!(["critical", "warning", "info"].contains(&severity), "{name}: severity {severity:?}");
            for key in ["summary", "description", "runbook_url"] {
                assert!(rule["annotations"][key].as_str().is_some_and(|s| !s.is_empty()), "{name}: no {key}");
            }
            assert!(fired.contains(name), "{name} fires in no unit test of triage.rules.test.yml");
        }
    }
}

#[test]
fn every_dashboard_query_is_valid_promql() {
    if !have_binaries("every_dashboard_query_is_valid_promql", &["promtool"]) {
        return;
    }
    let dash: Value = serde_json::from_str(&read("deploy/grafana/triage.json")).expect("dashboard JSON");
    let mut ids = BTreeSet::new();
    for panel in dash["panels"].as_array().expect("panels") {
        assert!(ids.insert(panel["id"].as_i64().expect("panel id")), "duplicate panel id in {panel}");
        assert!(panel["gridPos"]["w"].as_i64().is_some(), "panel without gridPos: {panel}");
        if panel["type"] != "row" {
            assert_eq!(panel["datasource"]["uid"], "${datasource}", "{}", panel["title"]);
        }
    }
    // Grafana's variables replaced by values, each query checked as a recording rule.
    let rules: Vec<Value> = dashboard_exprs()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let e = e.replace("$__rate_interval", "5m").replace("$job", ".*").replace("$instance", ".*");
            let e = regex::Regex::new(r"^label_values\((.*), *\w+\)$").unwrap().replace(&e, "$1").into_owned();
            json!({"record": format!("dashboard:query_{i}"), "expr": e})
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dashboard.rules.yml");
    let doc = json!({"groups": [{"name": "dashboard", "rules": rules}]});
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    run_ok(Command::new("promtool").arg("check").arg("rules").arg(&file));
}

/// Answers of the fake outside world the triage under test talks to.
#[derive(Deserialize)]
struct RangeQuery {
    query: String,
    start: f64,
    end: f64,
}

async fn query_range(Query(q): Query<RangeQuery>) -> (StatusCode, String) {
    if q.query.contains("broken") {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no such series".into());
    }
    let mut values = Vec::new();
    let mut t = q.start.max(q.end - 60.0).ceil();
    while t <= q.end {
        values.push(json!([t, format!("{}", 100.0 + (t % 7.0))]));
        t += 1.0;
    }
    let series = json!({"metric": {"__name__": "transfer_rate", "site": "T2_XX_Test"}, "values": values});
    (StatusCode::OK, json!({"status": "success", "data": {"resultType": "matrix", "result": [series]}}).to_string())
}

async fn start_world() -> (String, tokio::task::JoinHandle<()>) {
    let ggus = read("testdata/ggus/ggus_tickets_export_2020-02-21.xml");
    let app = Router::new()
        .route("/ggus", get(|State(doc): State<String>| async move { doc }))
        .route("/broken", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }))
        .route("/api/v1/query_range", get(query_range))
        .route("/hook/ok", post(|| async { "ok" }))
        .route("/hook/bad", post(|| async { (StatusCode::BAD_REQUEST, "bad payload") }))
        .route("/hook/retry", post(|| async { (StatusCode::SERVICE_UNAVAILABLE, "try later") }))
        .with_state(ggus);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

/// The sample names of an exposition, and the families it declares (`# TYPE`).
fn exposed(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut samples = BTreeSet::new();
    let mut families = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            families.extend(rest.split(' ').next().map(str::to_string));
        } else if !line.starts_with('#') {
            samples.extend(line.split(['{', ' ']).next().filter(|n| !n.is_empty()).map(str::to_string));
        }
    }
    (samples, families)
}

/// Names used by the rules or the dashboard and missing from the exposition.
fn missing_from(text: &str, used: &BTreeSet<String>) -> Vec<String> {
    let (samples, _) = exposed(text);
    used.iter().filter(|n| n.as_str() != "up" && !samples.contains(n.as_str())).cloned().collect()
}

#[tokio::test]
async fn every_metric_the_rules_and_the_dashboard_use_is_exported() {
    let mut used = BTreeSet::new();
    for (_, expr) in rule_exprs() {
        used.extend(metric_names(&expr));
    }
    for expr in dashboard_exprs() {
        used.extend(metric_names(&expr));
    }
    // `up` is the scraper's; anything else must be triage's own.
    for name in &used {
        assert!(name == "up" || name.starts_with("triage_"), "{name} is not a metric triage exports");
    }
    assert!(used.len() > 20, "{used:?}");

    let (world, task) = start_world().await;
    let dir = tempfile::tempdir().unwrap();
    // A followed node log: lines with more stats than max_stats_per_host.
    let nodes = dir.path().join("nodes");
    std::fs::create_dir(&nodes).unwrap();
    let node_log = nodes.join("node-1.jsonl");
    std::fs::write(&node_log, "").unwrap();
    let yaml = format!(
        r#"
route: {{receiver: ops, group_wait: 0s, group_interval: 1s, repeat_interval: 1h}}
receivers:
  - name: ops
    webhook_configs:
      - url: '{world}/hook/ok'
      - url: '{world}/hook/bad'
      - url: '{world}/hook/retry'
outages:
  sources:
    - {{name: ggus-cms, type: ggus, url: '{world}/ggus', interval: 500ms, timeout: 2s, retries: 0}}
    - {{name: gocdb, type: gocdb, url: '{world}/broken', interval: 500ms, timeout: 2s, retries: 0}}
anomaly:
  datasource_url: {world}
  interval: 1s
  step: 1s
  learn_range: 5m
  queries:
    - {{name: TransferRate, expr: transfer_rate}}
    - {{name: Broken, expr: broken_series}}
logwatch:
  files:
    - {{paths: ['{nodes}/*.jsonl'], poll_interval: 100ms}}
  push: {{bearer_token: agent-token}}
  max_hosts: 1
  max_stats_per_host: 1
  evaluation_interval: 300ms
  rules:
    - {{name: NodeCpuHigh, stat: cpu.percent, op: '>', threshold: 50, cycle: 2s}}
"#,
        nodes = nodes.display()
    );
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &yaml).await;
    let http = client();

    crate::support::post_alerts(
        &base,
        &[crate::support::AlertSpec::new(&[("alertname", "DeployCheck"), ("site", "T2_XX_Test")])],
    )
    .await;
    let r = http.post(format!("{base}/-/reload")).send().await.unwrap();
    assert!(r.status().is_success(), "reload: {}", r.status());
    let push = format!("{base}/api/v2/nodes/samples");
    let push_samples = || async {
        let now = jiff::Timestamp::now();
        let line = format!(
            "{{\"@timestamp\":\"{now}\",\"host\":\"node-1\",\"cpu.percent\":95,\"load.1\":3}}\n\
             {{\"@timestamp\":\"{now}\",\"host\":\"node-3\",\"cpu.percent\":5}}\n"
        );
        let mut file = std::fs::OpenOptions::new().append(true).open(&node_log).unwrap();
        std::io::Write::write_all(&mut file, line.as_bytes()).unwrap();
        let body = format!(
            "{{\"@timestamp\":\"{now}\",\"host\":\"node-1\",\"cpu.percent\":95}}\n\
             {{\"@timestamp\":\"{now}\",\"host\":\"node-2\",\"cpu.percent\":5}}\nnot json\n"
        );
        http.post(&push).bearer_auth("agent-token").body(body).send().await.unwrap().status()
    };

    // Hosts beyond max_hosts (node-2 pushed, node-3 in the file) and stats beyond
    // max_stats_per_host (load.1) are counted by kind.
    let refused = ["triage_logwatch_refused_total{kind=\"host\"}", "triage_logwatch_refused_total{kind=\"stat\"}"];
    let metrics_url = format!("{base}/metrics");
    let all_there = poll(DEADLINE, || async {
        assert!(push_samples().await.is_success());
        let text = http.get(&metrics_url).send().await.ok()?.text().await.ok()?;
        (missing_from(&text, &used).is_empty() && refused.iter().all(|r| text.contains(r))).then_some(text)
    })
    .await;
    let text = http.get(&metrics_url).send().await.unwrap().text().await.unwrap();
    assert!(
        all_there.is_some(),
        "metrics used by deploy/rules or deploy/grafana are not on /metrics: {:?}, or no {refused:?}\n{text}",
        missing_from(&text, &used)
    );
    // The families are declared as the rules expect: counters end in _total (the Prometheus
    // text format declares a counter under its sample name).
    let (_, families) = exposed(&text);
    for name in used.iter().filter(|n| n.ends_with("_total")) {
        assert!(text.contains(&format!("# TYPE {name} counter")), "{name} is not a counter");
    }
    for name in used.iter().filter(|n| n.ends_with("_bucket")) {
        let family = name.trim_end_matches("_bucket");
        assert!(families.contains(family) && text.contains(&format!("# TYPE {family} histogram")), "{name}");
    }
    task.abort();
}

/// `kubectl kustomize DIR`, as a list of objects; `None` (after saying why) without a kubectl
/// whose built-in kustomize renders these manifests (v5: `labels`, components).
fn kustomize(test: &str, dir: &str) -> Option<Vec<Value>> {
    let skip = |why: String| {
        eprintln!("SKIPPED {test} ({dir}): {why}; deploy/k8s is not rendered");
        None
    };
    if crate::support::find_binary("kubectl").is_none() {
        return skip(
            "kubectl is not installed (Debian has no current kubectl package: install it from the \
             Kubernetes apt repository or as a static binary)"
                .into(),
        );
    }
    let version = Command::new("kubectl").args(["version", "--client", "-o", "json"]).output();
    let kustomize_version = version
        .ok()
        .and_then(|o| serde_json::from_slice::<Value>(&o.stdout).ok())
        .and_then(|v| v["kustomizeVersion"].as_str().map(str::to_string))
        .unwrap_or_default();
    let major: u32 =
        kustomize_version.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < 5 {
        return skip(format!(
            "kubectl's built-in kustomize is {kustomize_version:?}, v5 or later is needed (kubectl 1.27 or later; \
             Debian 12's kubernetes-client is kubectl 1.20)"
        ));
    }
    let text = run_ok(Command::new("kubectl").arg("kustomize").arg(root().join(dir)));
    let docs: Vec<Value> = yaml_serde::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("rendered YAML: {e}")))
        .filter(|v| !v.is_null())
        .collect();
    assert!(!docs.is_empty(), "{dir} renders nothing");
    Some(docs)
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

/// The long flags `triage SUBCOMMAND --help` lists.
fn flags_of(subcommand: &str) -> BTreeSet<String> {
    let help = run_ok(Command::new(env!("CARGO_BIN_EXE_triage")).args([subcommand, "--help"]));
    let re = regex::Regex::new(r"--[a-z][a-z0-9-]*").unwrap();
    re.find_iter(&help).map(|m| m.as_str().to_string()).collect()
}

/// Checks that every `--flag` of `args` is one of the subcommand's own.
fn assert_known_flags(args: &[String], what: &str) {
    let known = flags_of(&args[0]);
    for arg in &args[1..] {
        let flag = arg.split('=').next().unwrap();
        assert!(!flag.starts_with("--") || known.contains(flag), "{what}: `triage {}` has no {flag}", args[0]);
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Whether `selector` (matchLabels) selects pods labelled `labels`.
fn selects(selector: &Value, labels: &Value) -> bool {
    let Some(wanted) = selector["matchLabels"].as_object() else { return false };
    !wanted.is_empty() && wanted.iter().all(|(k, v)| &labels[k] == v)
}

/// The pod-level checks every workload of the manifests passes.
fn check_workload(workload: &Value) {
    let name = workload["metadata"]["name"].as_str().unwrap_or("?");
    let pod = &workload["spec"]["template"]["spec"];
    assert!(selects(&workload["spec"]["selector"], &workload["spec"]["template"]["metadata"]["labels"]), "{name}");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}: runAsNonRoot");
    assert!(pod["securityContext"]["runAsUser"].as_i64().is_some_and(|u| u > 0), "{name}: runAsUser");
    assert_eq!(pod["automountServiceAccountToken"], false, "{name}: no API token");
    assert_eq!(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault", "{name}: seccomp");
    for c in pod["containers"].as_array().expect("containers") {
        let sc = &c["securityContext"];
        assert_eq!(sc["allowPrivilegeEscalation"], false, "{name}");
        assert_eq!(sc["readOnlyRootFilesystem"], true, "{name}");
        assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]), "{name}");
        for kind in ["requests", "limits"] {
            for res in ["cpu", "memory"] {
                assert!(c["resources"][kind][res].is_string(), "{name}: no resources.{kind}.{res}");
            }
        }
        assert!(c["image"].as_str().is_some_and(|i| i.starts_with("triage")), "{name}: image");
        assert_known_flags(&strings(&c["args"]), name);
    }
}

#[test]
fn the_kubernetes_manifests_render_and_are_complete() {
    let test = "the_kubernetes_manifests_render_and_are_complete";
    let Some(objects) = kustomize(test, "deploy/k8s") else { return };
    for kind in [
        "Namespace",
        "ServiceAccount",
        "ConfigMap",
        "Secret",
        "Service",
        "StatefulSet",
        "PodDisruptionBudget",
        "NetworkPolicy",
    ] {
        assert!(!of_kind(&objects, kind).is_empty(), "no {kind} in deploy/k8s");
    }
    let namespace = of_kind(&objects, "Namespace")[0];
    assert_eq!(namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted");
    for o in objects.iter().filter(|o| o["kind"] != "Namespace") {
        assert_eq!(o["metadata"]["namespace"], "triage", "{} {}", o["kind"], o["metadata"]["name"]);
    }
    let sts = of_kind(&objects, "StatefulSet")[0];
    check_workload(sts);
    assert_eq!(sts["spec"]["replicas"], 1, "one writer of the SQLite store");
    let pod_labels = &sts["spec"]["template"]["metadata"]["labels"];
    let pod = &sts["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let args = strings(&c["args"]);
    assert_eq!(args[0], "serve");
    assert!(!args.iter().any(|a| a == "--external-pollers"), "the base server polls its sources itself");
    let flag = |name: &str| args.iter().find_map(|a| a.strip_prefix(&format!("--{name}=")).map(str::to_string));
    assert_eq!(flag("listen").as_deref(), Some("0.0.0.0:9193"));
    assert_eq!(c["ports"][0]["containerPort"], 9193);
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/-/healthy");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/-/ready");
    assert!(c["startupProbe"]["httpGet"]["path"].is_string());

    // The data directory is the claim, the configuration file the generated ConfigMap.
    let mount = |volume: &str| {
        c["volumeMounts"].as_array().unwrap().iter().find(|m| m["name"] == volume).map(|m| m["mountPath"].clone())
    };
    let claim = sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"].as_str().expect("a volume claim template");
    assert_eq!(mount(claim), Some(json!(flag("data-dir").expect("--data-dir"))));
    let config = flag("config").expect("--config");
    let config_volume = pod["volumes"].as_array().unwrap().iter().find(|v| v["configMap"].is_object()).unwrap();
    let config_dir = mount(config_volume["name"].as_str().unwrap()).unwrap();
    let file = config.strip_prefix(&format!("{}/", config_dir.as_str().unwrap())).expect("config in its mount");
    let cm = of_kind(&objects, "ConfigMap")
        .into_iter()
        .find(|m| m["metadata"]["name"] == config_volume["configMap"]["name"])
        .expect("the mounted ConfigMap is rendered");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), cm["data"][file].as_str().expect("the config file")).unwrap();
    run_ok(Command::new(env!("CARGO_BIN_EXE_triage")).arg("check-config").arg(dir.path().join(file)));
    let secret_volume = pod["volumes"].as_array().unwrap().iter().find(|v| v["secret"].is_object()).unwrap();
    assert!(of_kind(&objects, "Secret").iter().any(|s| s["metadata"]["name"] == secret_volume["secret"]["secretName"]));

    for svc in of_kind(&objects, "Service") {
        assert!(selects(&json!({"matchLabels": svc["spec"]["selector"]}), pod_labels), "{}", svc["metadata"]["name"]);
        assert_eq!(svc["spec"]["ports"][0]["port"], 9193);
    }
    let pdb = of_kind(&objects, "PodDisruptionBudget")[0];
    assert!(selects(&pdb["spec"]["selector"], pod_labels), "PDB selects the server");
    assert!(pdb["spec"]["maxUnavailable"].is_i64() || pdb["spec"]["minAvailable"].is_i64());
    let np = of_kind(&objects, "NetworkPolicy")[0];
    assert!(selects(&np["spec"]["podSelector"], pod_labels), "NetworkPolicy selects the server");
    assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    let ingress_ports: Vec<&Value> =
        np["spec"]["ingress"].as_array().unwrap().iter().flat_map(|r| r["ports"].as_array().unwrap()).collect();
    assert!(ingress_ports.iter().all(|p| p["port"] == 9193), "only the API port is open: {ingress_ports:?}");
    let sa = of_kind(&objects, "ServiceAccount")[0];
    assert_eq!(sa["automountServiceAccountToken"], false);
    assert_eq!(pod["serviceAccountName"], sa["metadata"]["name"]);

    // The node-agent overlay adds `triage agent` on every node, pushing to the Service.
    let Some(with_agent) = kustomize(test, "deploy/k8s/overlays/node-agent") else { return };
    let ds = of_kind(&with_agent, "DaemonSet");
    assert_eq!(ds.len(), 1, "one DaemonSet");
    check_workload(ds[0]);
    let agent_args = strings(&ds[0]["spec"]["template"]["spec"]["containers"][0]["args"]);
    assert_eq!(agent_args[0], "agent");
    assert!(agent_args.iter().any(|a| a == "--push=http://triage:9193"), "{agent_args:?}");
}

/// The value of `--name=value` in `args`.
fn flag_value(args: &[String], name: &str) -> Option<String> {
    args.iter().find_map(|a| a.strip_prefix(&format!("--{name}=")).map(str::to_string))
}

#[test]
fn the_external_pollers_overlay_runs_one_poller_per_source() {
    let test = "the_external_pollers_overlay_runs_one_poller_per_source";
    let Some(objects) = kustomize(test, "deploy/k8s/overlays/external-pollers") else { return };
    for o in objects.iter().filter(|o| o["kind"] != "Namespace") {
        assert_eq!(o["metadata"]["namespace"], "triage", "{} {}", o["kind"], o["metadata"]["name"]);
    }
    let sts = of_kind(&objects, "StatefulSet")[0];
    check_workload(sts);
    let server_pod = &sts["spec"]["template"]["spec"];
    let server_args = strings(&server_pod["containers"][0]["args"]);
    assert!(server_args.iter().any(|a| a == "--external-pollers"), "{server_args:?}");
    let server_labels = &sts["spec"]["template"]["metadata"]["labels"];
    let volume_of = |pod: &Value, kind: &str| {
        pod["volumes"].as_array().unwrap().iter().find(|v| v[kind].is_object()).cloned().unwrap_or(Value::Null)
    };

    // The configuration both read, and the sources it names.
    let config_volume = volume_of(server_pod, "configMap");
    let cm = of_kind(&objects, "ConfigMap")
        .into_iter()
        .find(|m| m["metadata"]["name"] == config_volume["configMap"]["name"])
        .expect("the server's ConfigMap is rendered");
    let text = cm["data"]["alertmanager.yml"].as_str().expect("alertmanager.yml");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alertmanager.yml"), text).unwrap();
    run_ok(Command::new(env!("CARGO_BIN_EXE_triage")).arg("check-config").arg(dir.path().join("alertmanager.yml")));
    let sources: BTreeSet<String> = yaml(text)["outages"]["sources"]
        .as_array()
        .expect("outage sources")
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let service = of_kind(&objects, "Service")
        .into_iter()
        .find(|s| {
            s["spec"]["clusterIP"] != "None" && selects(&json!({"matchLabels": s["spec"]["selector"]}), server_labels)
        })
        .expect("the server's Service");
    let server_url =
        format!("http://{}:{}", service["metadata"]["name"].as_str().unwrap(), service["spec"]["ports"][0]["port"]);

    let mut polled = BTreeSet::new();
    let pollers = of_kind(&objects, "Deployment");
    assert!(!pollers.is_empty(), "no poller Deployment");
    for d in pollers {
        let name = d["metadata"]["name"].as_str().unwrap();
        check_workload(d);
        assert_eq!(d["spec"]["replicas"], 1, "{name}: one poller per source");
        let pod = &d["spec"]["template"]["spec"];
        assert!(!selects(&sts["spec"]["selector"], &d["spec"]["template"]["metadata"]["labels"]), "{name}");
        let c = &pod["containers"][0];
        let args = strings(&c["args"]);
        assert_eq!(args[0], "poll", "{name}");
        let source = flag_value(&args, "source").expect("--source");
        assert!(sources.contains(&source), "{name}: --source={source} is not configured ({sources:?})");
        assert!(polled.insert(source), "{name}: a second poller of one source");
        assert_eq!(flag_value(&args, "triage"), Some(server_url.clone()), "{name}");
        assert!(pod["volumes"].as_array().unwrap().iter().all(|v| v["persistentVolumeClaim"].is_null()), "{name}");
        assert!(d["spec"]["volumeClaimTemplates"].is_null());
        assert_eq!(
            volume_of(pod, "configMap")["configMap"],
            config_volume["configMap"],
            "{name}: the server's ConfigMap"
        );
        assert_eq!(volume_of(pod, "secret")["secret"], volume_of(server_pod, "secret")["secret"], "{name}: its Secret");
        let mount = |volume: &Value| {
            c["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["name"] == volume["name"])
                .map(|m| m["mountPath"].clone())
        };
        let config_dir = mount(&volume_of(pod, "configMap")).expect("the configuration is mounted");
        assert_eq!(flag_value(&args, "config"), Some(format!("{}/alertmanager.yml", config_dir.as_str().unwrap())));
        // Liveness on the port --listen serves.
        let listen = flag_value(&args, "listen").expect("--listen");
        let port: i64 = listen.rsplit(':').next().unwrap().parse().unwrap();
        let named =
            c["ports"].as_array().unwrap().iter().find(|p| p["containerPort"] == port).expect("the --listen port");
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/-/healthy", "{name}");
        assert_eq!(c["livenessProbe"]["httpGet"]["port"], named["name"], "{name}");
        let policy = of_kind(&objects, "NetworkPolicy")
            .into_iter()
            .find(|p| selects(&p["spec"]["podSelector"], &d["spec"]["template"]["metadata"]["labels"]))
            .unwrap_or_else(|| panic!("{name}: no NetworkPolicy selects the poller"));
        let ports = |dir: &str| -> Vec<Value> {
            policy["spec"][dir]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|r| r["ports"].as_array().unwrap().clone())
                .map(|p| p["port"].clone())
                .collect()
        };
        assert_eq!(ports("ingress"), vec![json!(port)], "{name}: only the metrics port is open");
        assert!(ports("egress").contains(&service["spec"]["ports"][0]["port"]), "{name}: may reach the server");
    }
    assert_eq!(polled, sources, "every configured source has its poller");
}

/// The ports of a NetworkPolicy's rules in `dir` (`ingress` or `egress`), with the rule.
fn policy_rules<'a>(policy: &'a Value, dir: &str) -> Vec<(&'a Value, i64)> {
    policy["spec"][dir]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .flat_map(|r| {
                    r["ports"].as_array().into_iter().flatten().map(move |p| (r, p["port"].as_i64().unwrap()))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_scale_out_overlay_runs_engine_and_api_processes_on_postgres_and_nats() {
    let test = "the_scale_out_overlay_runs_engine_and_api_processes_on_postgres_and_nats";
    let Some(objects) = kustomize(test, "deploy/k8s/overlays/scale-out") else { return };
    let namespace = of_kind(&objects, "Namespace")[0];
    assert_eq!(namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted");
    for o in objects.iter().filter(|o| o["kind"] != "Namespace") {
        assert_eq!(o["metadata"]["namespace"], "triage", "{} {}", o["kind"], o["metadata"]["name"]);
    }
    // No pod keeps state of its own: no StatefulSet, no claim anywhere.
    assert!(of_kind(&objects, "StatefulSet").is_empty(), "the base's StatefulSet is replaced");
    assert!(of_kind(&objects, "PersistentVolumeClaim").is_empty());
    let help = run_ok(Command::new(env!("CARGO_BIN_EXE_triage")).args(["serve", "--help"]));
    for role in ["engine", "api"] {
        assert!(help.contains(&format!("- {role}:")), "`triage serve --role` has no value {role}");
    }

    // The server Deployments, by --role.
    let deployments = of_kind(&objects, "Deployment");
    let serve_args = |d: &Value| strings(&d["spec"]["template"]["spec"]["containers"][0]["args"]);
    let by_role = |role: &str| -> Vec<&Value> {
        deployments
            .iter()
            .copied()
            .filter(|d| serve_args(d).first().is_some_and(|a| a == "serve"))
            .filter(|d| flag_value(&serve_args(d), "role").as_deref() == Some(role))
            .collect()
    };
    let (engines, apis) = (by_role("engine"), by_role("api"));
    assert_eq!((engines.len(), apis.len()), (1, 1), "one engine and one api Deployment");
    let servers = deployments.iter().filter(|d| serve_args(d).first().is_some_and(|a| a == "serve")).count();
    assert_eq!(servers, 2, "every `triage serve` has --role=engine or --role=api");
    let (engine, api) = (engines[0], apis[0]);
    assert_eq!(engine["spec"]["replicas"], 2, "one engine runs, one stands by");
    assert!(api["spec"]["replicas"].as_i64().is_some_and(|r| r >= 2), "api replicas");
    let labels = |d: &Value| d["spec"]["template"]["metadata"]["labels"].clone();
    let (engine_labels, api_labels) = (labels(engine), labels(api));
    assert!(!selects(&engine["spec"]["selector"], &api_labels) && !selects(&api["spec"]["selector"], &engine_labels));

    // The configuration every process reads, accepted by `triage check-config`.
    let config_volume = |d: &Value| {
        d["spec"]["template"]["spec"]["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["configMap"].is_object())
            .cloned()
    };
    let engine_config = config_volume(engine).expect("the engine mounts the configuration");
    assert_eq!(config_volume(api).map(|v| v["configMap"].clone()), Some(engine_config["configMap"].clone()));
    let cm = of_kind(&objects, "ConfigMap")
        .into_iter()
        .find(|m| m["metadata"]["name"] == engine_config["configMap"]["name"])
        .expect("the mounted ConfigMap is rendered");
    let config_text = cm["data"]["alertmanager.yml"].as_str().expect("alertmanager.yml");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alertmanager.yml"), config_text).unwrap();
    run_ok(Command::new(env!("CARGO_BIN_EXE_triage")).arg("check-config").arg(dir.path().join("alertmanager.yml")));

    let secret_names: Vec<&Value> = of_kind(&objects, "Secret").iter().map(|s| &s["metadata"]["name"]).collect();
    for (d, role) in [(engine, "engine"), (api, "api")] {
        let name = d["metadata"]["name"].as_str().unwrap();
        check_workload(d);
        assert!(d["spec"]["volumeClaimTemplates"].is_null(), "{name}");
        let pod = &d["spec"]["template"]["spec"];
        let volumes = pod["volumes"].as_array().unwrap();
        assert!(volumes.iter().all(|v| v["persistentVolumeClaim"].is_null()), "{name}: no claim");
        let c = &pod["containers"][0];
        let args = strings(&c["args"]);
        let flag = |f: &str| flag_value(&args, f).unwrap_or_else(|| panic!("{name}: no --{f}"));
        let mount = |path: &str| -> &Value {
            let m = c["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| path.starts_with(&format!("{}/", m["mountPath"].as_str().unwrap())))
                .max_by_key(|m| m["mountPath"].as_str().unwrap().len())
                .unwrap_or_else(|| panic!("{name}: {path} is in no mount"));
            volumes.iter().find(|v| v["name"] == m["name"]).unwrap()
        };
        let config = flag("config");
        assert_eq!(mount(&config)["configMap"], engine_config["configMap"], "{name}: --config in the ConfigMap");

        // PostgreSQL and NATS, the password from a file of triage-secrets.
        let store = flag("store");
        let url = url::Url::parse(&store).unwrap_or_else(|e| panic!("{name}: --store {store}: {e}"));
        assert_eq!(url.scheme(), "postgres", "{name}");
        assert_eq!(url.port(), Some(5432), "{name}: --store {store}");
        assert!(url.password().is_none() && !url.username().is_empty(), "{name}: no password in --store");
        let password_file = flag("store-password-file");
        let secret_volume = mount(&password_file);
        assert!(secret_names.contains(&&secret_volume["secret"]["secretName"]), "{name}: {secret_volume}");
        let file_name = password_file.rsplit('/').next().unwrap();
        let items = secret_volume["secret"]["items"].as_array().expect("the password item of the Secret");
        assert!(
            items.iter().any(|i| i["key"] == "store-password" && i["path"] == file_name),
            "{name}: {password_file} is the key store-password: {items:?}"
        );
        assert!(secret_volume["secret"]["optional"] != true, "{name}: the password is required");
        let nats = url::Url::parse(&flag("ingest-nats")).unwrap();
        assert_eq!((nats.scheme(), nats.port()), ("nats", Some(4222)), "{name}");

        // Forwarding: the pod IP and the port --listen serves.
        let listen = flag("listen");
        let port: i64 = listen.rsplit(':').next().unwrap().parse().unwrap();
        assert!(listen.starts_with("0.0.0.0:"), "{name}: listens on every address");
        assert_eq!(flag("advertise-url"), format!("http://$(POD_IP):{port}"), "{name}");
        let pod_ip = c["env"].as_array().unwrap().iter().find(|e| e["name"] == "POD_IP").expect("POD_IP");
        assert_eq!(pod_ip["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP", "{name}");
        let http =
            c["ports"].as_array().unwrap().iter().find(|p| p["containerPort"] == port).expect("the --listen port");
        for (probe, path) in [("readinessProbe", "/-/ready"), ("livenessProbe", "/-/healthy")] {
            assert_eq!(c[probe]["httpGet"]["path"], path, "{name}: {probe}");
            assert_eq!(c[probe]["httpGet"]["port"], http["name"], "{name}: {probe} port");
        }

        // Spread over nodes: anti-affinity to the pods of its own role.
        let anti = &pod["affinity"]["podAntiAffinity"];
        let terms: Vec<Value> = anti["requiredDuringSchedulingIgnoredDuringExecution"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .chain(
                anti["preferredDuringSchedulingIgnoredDuringExecution"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| p["podAffinityTerm"].clone()),
            )
            .collect();
        assert!(
            terms.iter().any(|t| t["topologyKey"] == "kubernetes.io/hostname"
                && selects(&t["labelSelector"], &labels(d))
                && !selects(&t["labelSelector"], if role == "engine" { &api_labels } else { &engine_labels })),
            "{name}: pod anti-affinity across nodes: {anti}"
        );
        let rolling = &d["spec"]["strategy"]["rollingUpdate"];
        assert_eq!(rolling["maxUnavailable"], 0, "{name}: a new pod is ready before an old one stops");
    }
    let engine_args = serve_args(engine);
    assert!(engine_args.iter().any(|a| a == "--external-pollers"), "the pollers run apart: {engine_args:?}");
    assert!(!serve_args(api).iter().any(|a| a == "--external-pollers"), "api processes run no pollers");
    let engine_pod = &engine["spec"]["template"]["spec"];
    let data_dir = flag_value(&engine_args, "data-dir").expect("--data-dir");
    let data_mount = engine_pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == data_dir.as_str())
        .expect("--data-dir is mounted");
    let data_volume = engine_pod["volumes"].as_array().unwrap().iter().find(|v| v["name"] == data_mount["name"]);
    assert!(data_volume.is_some_and(|v| v["emptyDir"].is_object()), "--data-dir is an emptyDir: {data_volume:?}");

    // Clients reach the api processes through the base's Service; nothing selects no pod.
    let client_service = of_kind(&objects, "Service")
        .into_iter()
        .find(|s| s["metadata"]["name"] == "triage")
        .expect("the Service triage");
    let selector = json!({"matchLabels": client_service["spec"]["selector"]});
    assert!(selects(&selector, &api_labels) && !selects(&selector, &engine_labels), "{client_service}");
    assert_eq!(client_service["spec"]["ports"][0]["targetPort"], "http");
    for svc in of_kind(&objects, "Service") {
        let selector = json!({"matchLabels": svc["spec"]["selector"]});
        assert!(selects(&selector, &api_labels) || selects(&selector, &engine_labels), "{svc}");
    }
    let client_url = format!("http://triage:{}", client_service["spec"]["ports"][0]["port"]);
    let sources: BTreeSet<String> = yaml(config_text)["outages"]["sources"]
        .as_array()
        .map(|s| s.iter().map(|s| s["name"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    let mut polled = BTreeSet::new();
    for d in deployments.iter().filter(|d| serve_args(d).first().is_some_and(|a| a == "poll")) {
        check_workload(d);
        let args = serve_args(d);
        assert_eq!(flag_value(&args, "triage"), Some(client_url.clone()), "pollers feed the api Service");
        polled.insert(flag_value(&args, "source").expect("--source"));
    }
    assert_eq!(polled, sources, "every configured source has its poller (the engine runs --external-pollers)");

    // One PodDisruptionBudget per role, each pod under exactly one.
    let pdbs = of_kind(&objects, "PodDisruptionBudget");
    for pod_labels in [&engine_labels, &api_labels] {
        let covering: Vec<_> = pdbs.iter().filter(|p| selects(&p["spec"]["selector"], pod_labels)).collect();
        assert_eq!(covering.len(), 1, "one PodDisruptionBudget for {pod_labels}");
    }
    let engine_pdb = pdbs.iter().find(|p| selects(&p["spec"]["selector"], &engine_labels)).unwrap();
    assert_eq!(engine_pdb["spec"]["minAvailable"], 1, "one engine process always stays");
    let api_pdb = pdbs.iter().find(|p| selects(&p["spec"]["selector"], &api_labels)).unwrap();
    assert!(api_pdb["spec"]["maxUnavailable"].is_i64() || api_pdb["spec"]["minAvailable"].is_i64());

    // NetworkPolicies: every server pod may reach DNS, PostgreSQL, NATS and the other server
    // pods (forwarding); only the engine reaches receivers and sources.
    let policies = of_kind(&objects, "NetworkPolicy");
    for (pod_labels, role) in [(&engine_labels, "engine"), (&api_labels, "api")] {
        let mine: Vec<&Value> =
            policies.iter().copied().filter(|p| selects(&p["spec"]["podSelector"], pod_labels)).collect();
        assert!(!mine.is_empty(), "no NetworkPolicy selects the {role} pods");
        let types: BTreeSet<String> = mine.iter().flat_map(|p| strings(&p["spec"]["policyTypes"])).collect();
        assert!(types.contains("Ingress") && types.contains("Egress"), "{role}: {types:?}");
        let egress: Vec<(&Value, i64)> = mine.iter().flat_map(|p| policy_rules(p, "egress")).collect();
        let ingress: Vec<(&Value, i64)> = mine.iter().flat_map(|p| policy_rules(p, "ingress")).collect();
        for port in [53, 5432, 4222] {
            assert!(egress.iter().any(|(_, p)| *p == port), "{role}: no egress to port {port}");
        }
        assert!(ingress.iter().all(|(_, p)| *p == 9193), "{role}: only the API port is open: {ingress:?}");
        assert!(!ingress.is_empty(), "{role}: the API port is open");
        // Forwarding to the engine holder, whichever pod it is.
        let to_servers = |rule: &Value| {
            rule["to"].as_array().is_some_and(|peers| {
                [&engine_labels, &api_labels].iter().all(|l| peers.iter().any(|peer| selects(&peer["podSelector"], l)))
            })
        };
        assert!(
            egress.iter().any(|(r, p)| *p == 9193 && (r["to"].is_null() || to_servers(r))),
            "{role}: no egress to the other triage pods on 9193"
        );
        let notifies = egress.iter().any(|(_, p)| *p == 443);
        assert_eq!(notifies, role == "engine", "{role}: HTTPS egress (receivers, sources) only for the engine");
    }
}

#[test]
fn the_dockerfile_is_multi_stage_and_runs_as_non_root() {
    // One instruction per logical line: continuations joined, comments dropped.
    let text = read("Dockerfile").replace("\\\n", " ");
    let instructions: Vec<(String, String)> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(' ').map(|(i, rest)| (i.to_uppercase(), rest.trim().to_string())))
        .filter(|(i, _)| i.chars().all(|c| c.is_ascii_uppercase()))
        .collect();
    let stages: Vec<usize> = (0..instructions.len()).filter(|&i| instructions[i].0 == "FROM").collect();
    assert!(stages.len() >= 2, "multi-stage: {stages:?}");
    let builder = &instructions[stages[0]].1;
    assert!(builder.starts_with("rust:1.95") && builder.contains(" AS "), "builder stage: {builder}");
    let builder_name = builder.rsplit(' ').next().unwrap();
    // Dependencies are built from the manifests before the sources are copied.
    let first_build = instructions.iter().position(|(i, r)| i == "RUN" && r.contains("cargo build")).expect("build");
    let copy_sources =
        instructions.iter().position(|(i, r)| i == "COPY" && r.starts_with("crates ")).expect("COPY crates");
    assert!(first_build < copy_sources, "the dependency layer comes before the sources");

    let last = &instructions[*stages.last().unwrap()..];
    let get = |name: &str| last.iter().filter(|(i, _)| i == name).map(|(_, r)| r.clone()).collect::<Vec<_>>();
    assert!(get("COPY").iter().any(|c| c.starts_with(&format!("--from={builder_name}"))), "binary from the builder");
    let user = get("USER").pop().expect("USER in the runtime stage");
    let uid = user.split(':').next().unwrap();
    assert!(uid != "root" && uid != "0" && !uid.is_empty(), "non-root USER: {user}");
    assert!(get("EXPOSE").iter().any(|p| p.split_whitespace().any(|p| p == "9193")), "EXPOSE 9193");
    assert!(!get("VOLUME").is_empty(), "a data volume");
    assert_eq!(get("ENTRYPOINT"), vec![r#"["triage"]"#.to_string()]);
    let cmd: Vec<String> = serde_json::from_str(&get("CMD").pop().expect("CMD")).expect("CMD in exec form");
    assert_eq!(cmd[0], "serve");
    assert_known_flags(&cmd, "Dockerfile CMD");

    let ignore = read(".dockerignore");
    assert!(ignore.lines().any(|l| l.trim() == "*" || l.contains("target")), "{ignore}");
}
