// Measures gotmpl and gtmpl as they are (plus naive Alertmanager 0.25 functions) on the
// conformance cases recorded from the real Alertmanager 0.25.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use serde_json::{json, Value as J};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../..");

fn cases() -> Vec<(String, bool, String)> {
    let text = std::fs::read_to_string(format!("{ROOT}/testdata/go_template/conformance/cases.txt")).unwrap();
    text.split("=== ").skip(1).map(|b| {
        let (h, body) = b.split_once('\n').unwrap_or((b, ""));
        let mut w = h.split_whitespace();
        let name = w.next().unwrap().to_string();
        let html = w.any(|x| x == "html");
        (name, html, body.strip_suffix('\n').unwrap_or(body).to_string())
    }).collect()
}

fn data() -> J {
    let common = json!({"alertname":"DiskFull","suite":"conformance","job":"node","site":"T2_CH_CERN"});
    let with = |extra: J| { let mut m = common.as_object().unwrap().clone(); for (k, v) in extra.as_object().unwrap() { m.insert(k.clone(), v.clone()); } J::Object(m) };
    let gen = "http://prometheus.example.org:9090/graph?g0.expr=up&g0.tab=1";
    json!({
        "Receiver": "team-x\\.ops", "Status": "firing", "ExternalURL": "http://alertmanager.example.org:9093",
        "GroupLabels": {"alertname":"DiskFull","suite":"conformance"},
        "CommonLabels": common.clone(),
        "CommonAnnotations": {"description":"Only 3% left"},
        "Alerts": [
            {"Status":"firing","Labels": with(json!({"instance":"node1:9100","severity":"critical","mountpoint":"/data"})),
             "Annotations":{"summary":"Disk <full> & \"quoted\" it's","description":"Only 3% left","runbook_url":"https://runbooks.example.org/disk?x=1&y=2"},
             "StartsAt":"2026-01-02 03:04:05.123456789 +0000 UTC","EndsAt":"0001-01-01 00:00:00 +0000 UTC","GeneratorURL":gen,"Fingerprint":"06eede87f47deb8a"},
            {"Status":"firing","Labels": with(json!({"instance":"node2:9100","severity":"warning"})),
             "Annotations":{"summary":"Disk filling","description":"Only 3% left"},
             "StartsAt":"2026-01-02 03:05:00 +0000 UTC","EndsAt":"0001-01-01 00:00:00 +0000 UTC","GeneratorURL":gen,"Fingerprint":"f75a9455968ef7b0"},
            {"Status":"resolved","Labels": with(json!({"instance":"node3:9100","severity":"warning"})),
             "Annotations":{"summary":"Disk was full","description":"Only 3% left"},
             "StartsAt":"2026-01-02 02:00:00 +0000 UTC","EndsAt":"2026-01-02 05:00:00.5 +0000 UTC","GeneratorURL":gen,"Fingerprint":"99c8febd0f3b24b3"}
        ]
    })
}

fn g_str(v: &gotmpl::Value) -> String { match v { gotmpl::Value::String(s) => s.to_string(), o => o.to_string() } }

fn gotmpl_funcs() -> gotmpl::FuncMap {
    let mut m: gotmpl::FuncMap = BTreeMap::new();
    m.insert("toUpper".into(), Arc::new(|a: &[gotmpl::Value]| Ok(gotmpl::Value::String(g_str(&a[0]).to_uppercase().into()))));
    m.insert("toLower".into(), Arc::new(|a: &[gotmpl::Value]| Ok(gotmpl::Value::String(g_str(&a[0]).to_lowercase().into()))));
    m.insert("title".into(), Arc::new(|a: &[gotmpl::Value]| Ok(gotmpl::Value::String(g_str(&a[0]).split(' ').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()).unwrap_or_default() }).collect::<Vec<_>>().join(" ").into()))));
    m.insert("join".into(), Arc::new(|a: &[gotmpl::Value]| { let sep = g_str(&a[0]); let items = match &a[1] { gotmpl::Value::List(l) => l.iter().map(g_str).collect::<Vec<_>>(), _ => vec![] }; Ok(gotmpl::Value::String(items.join(&sep).into())) }));
    m.insert("match".into(), Arc::new(|a: &[gotmpl::Value]| { let re = regex::Regex::new(&g_str(&a[0])).map_err(|e| gotmpl::TemplateError::Exec(e.to_string()))?; Ok(gotmpl::Value::Bool(re.is_match(&g_str(&a[1])))) }));
    m.insert("reReplaceAll".into(), Arc::new(|a: &[gotmpl::Value]| { let re = regex::Regex::new(&g_str(&a[0])).map_err(|e| gotmpl::TemplateError::Exec(e.to_string()))?; Ok(gotmpl::Value::String(re.replace_all(&g_str(&a[2]), g_str(&a[1]).as_str()).to_string().into())) }));
    m.insert("safeHtml".into(), Arc::new(|a: &[gotmpl::Value]| Ok(gotmpl::Value::Safe { kind: gotmpl::SafeKind::Html, s: g_str(&a[0]).into() })));
    m.insert("stringSlice".into(), Arc::new(|a: &[gotmpl::Value]| Ok(gotmpl::Value::List(a.to_vec().into()))));
    m
}

fn run_gotmpl(defaults: &str, src: &str, html: bool, data: &gotmpl::Value) -> Option<String> {
    if html {
        let t = gotmpl::html::Template::new("").missing_key(gotmpl::MissingKey::ZeroValue).funcs(gotmpl_funcs()).parse(defaults).ok()?.parse(src).ok()?;
        t.execute_to_string(data).ok()
    } else {
        let t = gotmpl::Template::new("").missing_key(gotmpl::MissingKey::ZeroValue).funcs(gotmpl_funcs()).parse(defaults).ok()?.parse(src).ok()?;
        t.execute_to_string(data).ok()
    }
}

fn to_gtmpl(v: &J) -> gtmpl::Value {
    match v {
        J::Null => gtmpl::Value::Nil,
        J::Bool(b) => gtmpl::Value::from(*b),
        J::Number(n) => n.as_i64().map(gtmpl::Value::from).unwrap_or_else(|| gtmpl::Value::from(n.as_f64().unwrap())),
        J::String(s) => gtmpl::Value::from(s.as_str()),
        J::Array(a) => gtmpl::Value::Array(a.iter().map(to_gtmpl).collect()),
        J::Object(o) => gtmpl::Value::Map(o.iter().map(|(k, v)| (k.clone(), to_gtmpl(v))).collect::<HashMap<_, _>>()),
    }
}

fn t_str(v: &gtmpl::Value) -> String { match v { gtmpl::Value::String(s) => s.clone(), o => o.to_string() } }
fn t_err(e: impl ToString) -> gtmpl::FuncError { gtmpl::FuncError::Generic(e.to_string()) }
fn gt_upper(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { Ok(t_str(&a[0]).to_uppercase().into()) }
fn gt_lower(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { Ok(t_str(&a[0]).to_lowercase().into()) }
fn gt_title(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { Ok(t_str(&a[0]).split(' ').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()).unwrap_or_default() }).collect::<Vec<_>>().join(" ").into()) }
fn gt_join(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { let sep = t_str(&a[0]); let items = match &a[1] { gtmpl::Value::Array(l) => l.iter().map(t_str).collect::<Vec<_>>(), _ => vec![] }; Ok(items.join(&sep).into()) }
fn gt_match(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { let re = regex::Regex::new(&t_str(&a[0])).map_err(t_err)?; Ok(re.is_match(&t_str(&a[1])).into()) }
fn gt_replace(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { let re = regex::Regex::new(&t_str(&a[0])).map_err(t_err)?; Ok(re.replace_all(&t_str(&a[2]), t_str(&a[1]).as_str()).to_string().into()) }
fn gt_safe(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { Ok(a[0].clone()) }
fn gt_slice(a: &[gtmpl::Value]) -> Result<gtmpl::Value, gtmpl::FuncError> { Ok(gtmpl::Value::Array(a.to_vec())) }

fn run_gtmpl(defaults: &str, src: &str, data: &gtmpl::Value) -> Option<String> {
    let mut t = gtmpl::Template::default();
    t.add_funcs(&[("toUpper", gt_upper as gtmpl::Func), ("toLower", gt_lower), ("title", gt_title), ("join", gt_join), ("match", gt_match), ("reReplaceAll", gt_replace), ("safeHtml", gt_safe), ("stringSlice", gt_slice)]);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        t.parse(format!("{defaults}{src}")).ok()?;
        t.render(&gtmpl::Context::from(data.clone())).ok()
    }));
    r.ok().flatten()
}

fn main() {
    let expected: BTreeMap<String, String> = serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/testdata/go_template/conformance/expected.json")).unwrap()).unwrap();
    let defaults = std::fs::read_to_string(format!("{ROOT}/crates/triage-core/src/go_template/defaults.tmpl")).unwrap();
    // Only definitions: the file's top-level whitespace would be printed by a concatenated parse.
    let defaults: String = defaults.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n");
    let defaults = format!("{{{{- /* */ -}}}}{}{{{{- /* */ -}}}}", defaults.replace("}}\n{{ define", "}}{{ define"));
    let j = data();
    let gv = gotmpl::to_value(&j).unwrap();
    let tv = to_gtmpl(&j);
    let (mut a, mut b, mut n) = (0, 0, 0);
    for (name, html, src) in cases() {
        n += 1;
        let want = &expected[&name];
        let ok = |got: Option<String>| match got { None => want == "<<ERROR>>", Some(g) => &g == want };
        let ga = ok(run_gotmpl(&defaults, &src, html, &gv));
        let gb = ok(run_gtmpl(&defaults, &src, &tv)) || ok(run_gtmpl("", &src, &tv));
        a += ga as usize; b += gb as usize;
        if std::env::var("V").is_ok() { println!("{name}: gotmpl={ga} gtmpl={gb}"); }
    }
    println!("{n} cases: gotmpl 0.6.1 as is {a}, gtmpl 0.7.1 as is {b}");
}
