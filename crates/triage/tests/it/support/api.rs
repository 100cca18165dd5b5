//! A small client for the Alertmanager API v2 as the tests use it: posting alerts built with
//! [`AlertSpec`] and reading JSON back.

use std::time::Duration;

use serde_json::{Map, Value, json};

/// An HTTP client with a request timeout, for loopback use only.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(20)).no_proxy().build().expect("reqwest client")
}

/// The current time in the RFC 3339 form the API accepts.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

/// An alert to post: labels, annotations and times.
#[derive(Clone, Debug)]
pub struct AlertSpec {
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub starts_at: String,
    pub ends_at: Option<String>,
    pub generator_url: Option<String>,
}

impl AlertSpec {
    /// A firing alert that started now, with no end time (the server applies resolve_timeout).
    pub fn new(labels: &[(&str, &str)]) -> AlertSpec {
        AlertSpec {
            labels: pairs(labels),
            annotations: Vec::new(),
            starts_at: now_rfc3339(),
            ends_at: None,
            generator_url: None,
        }
    }

    pub fn annotations(mut self, annotations: &[(&str, &str)]) -> AlertSpec {
        self.annotations = pairs(annotations);
        self
    }

    /// The same alert, resolved now (endsAt = now, same startsAt).
    pub fn resolved_now(&self) -> AlertSpec {
        AlertSpec { ends_at: Some(now_rfc3339()), ..self.clone() }
    }

    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("labels".into(), to_object(&self.labels));
        obj.insert("annotations".into(), to_object(&self.annotations));
        obj.insert("startsAt".into(), json!(self.starts_at));
        if let Some(end) = &self.ends_at {
            obj.insert("endsAt".into(), json!(end));
        }
        if let Some(url) = &self.generator_url {
            obj.insert("generatorURL".into(), json!(url));
        }
        Value::Object(obj)
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn to_object(items: &[(String, String)]) -> Value {
    Value::Object(items.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// `POST {base}/api/v2/alerts` with the given alerts; panics unless the answer is 2xx.
pub async fn post_alerts(base: &str, alerts: &[AlertSpec]) {
    let body = Value::Array(alerts.iter().map(AlertSpec::to_json).collect());
    let resp = client()
        .post(format!("{base}/api/v2/alerts"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {base}/api/v2/alerts: {e}"));
    let status = resp.status();
    if !status.is_success() {
        let text = resp.text().await.unwrap_or_default();
        panic!("POST {base}/api/v2/alerts answered {status}: {text}\nbody: {body}");
    }
}

/// `GET {base}{path}` as JSON; panics unless the answer is 2xx JSON.
pub async fn get_json(base: &str, path: &str) -> Value {
    let resp = client().get(format!("{base}{path}")).send().await.unwrap_or_else(|e| panic!("GET {base}{path}: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(status.is_success(), "GET {base}{path} answered {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {base}{path}: bad JSON ({e}): {text}"))
}
