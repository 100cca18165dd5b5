//! `triage query es INDEX QUERY --url URL [--size N]`: a `query_string` search against
//! Elasticsearch/OpenSearch `_search`, printing each hit's `_source` as one JSON line.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::SourceAuthArgs;
use crate::cli::client::output::print_text;
use crate::cli::client::silences::path_segment;
use crate::net::client_error::ClientError;
use crate::net::endpoint::parse_json;

/// Arguments of `triage query es`.
#[derive(Debug, Args)]
pub struct EsArgs {
    /// The index or pattern, e.g. `monit_prod_cms_raw_*`.
    pub index: String,
    /// The query_string query, e.g. `data.site:T2_CH_CSCS AND data.status:failed`.
    pub query: String,
    /// Elasticsearch's URL (needed: the flag or TRIAGE_ES_URL).
    #[arg(long, env = "TRIAGE_ES_URL")]
    pub url: Option<String>,
    /// Most hits to print.
    #[arg(long, default_value_t = 10)]
    pub size: u32,
    /// Sort, e.g. `metadata.timestamp:desc` (a field, then `:asc` or `:desc`).
    #[arg(long)]
    pub sort: Option<String>,
    #[command(flatten)]
    pub auth: SourceAuthArgs,
}

/// The `_search` request body.
pub fn search_body(query: &str, size: u32, sort: Option<&str>) -> Value {
    let mut body = json!({"query": {"query_string": {"query": query}}, "size": size});
    if let Some(sort) = sort {
        let (field, order) =
            sort.rsplit_once(':').filter(|(_, o)| matches!(*o, "asc" | "desc")).unwrap_or((sort, "asc"));
        body["sort"] = json!([{ field: {"order": order} }]);
    }
    body
}

/// The `_source` of every hit, or what is wrong with the answer.
pub fn hit_sources(answer: &Value) -> Result<Vec<Value>, String> {
    let hits =
        answer.get("hits").and_then(|h| h.get("hits")).and_then(Value::as_array).ok_or("no hits.hits in the answer")?;
    Ok(hits.iter().map(|hit| hit.get("_source").cloned().unwrap_or(Value::Null)).collect())
}

/// The error reason of an Elasticsearch error answer.
fn error_reason(body: &[u8]) -> Option<String> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    let error = answer.get("error")?;
    let root = error.get("root_cause").and_then(|r| r.get(0)).unwrap_or(error);
    let kind = root.get("type").and_then(Value::as_str).unwrap_or("error");
    let reason = root.get("reason").and_then(Value::as_str).unwrap_or_default();
    Some(format!("{kind}: {reason}"))
}

/// Runs `triage query es`.
pub async fn run(args: EsArgs) -> Result<(), ClientError> {
    let endpoint = args.auth.endpoint(args.url.as_deref(), "--url or TRIAGE_ES_URL", "Elasticsearch")?;
    let index = path_segment(&args.index).replace("%2C", ",").replace("%2A", "*");
    let url = endpoint.url(&format!("{index}/_search"), &[]);
    let body = search_body(&args.query, args.size, args.sort.as_deref());
    let (status, answer) = endpoint.send_raw(Method::POST, url.clone(), Some(&body)).await?;
    if status == 400
        && let Some(message) = error_reason(&answer)
    {
        return Err(ClientError::QueryRejected { url: endpoint.base(), message });
    }
    if status == 404 {
        return Err(ClientError::NotFound {
            url: endpoint.base(),
            detail: format!(
                " (HTTP 404): {}",
                error_reason(&answer).unwrap_or_else(|| format!("no index {:?}", args.index))
            ),
        });
    }
    let answer = parse_json(&url, &endpoint.check_status(&url, status, answer)?)?;
    let sources = hit_sources(&answer).map_err(|reason| ClientError::BadAnswer { url: endpoint.base(), reason })?;
    let mut out = String::new();
    for source in sources {
        out.push_str(&source.to_string());
        out.push('\n');
    }
    print_text(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_query_size_and_sort() {
        let body = search_body("data.site:X", 3, Some("metadata.timestamp:desc"));
        assert_eq!(
            body,
            json!({"query": {"query_string": {"query": "data.site:X"}}, "size": 3,
                   "sort": [{"metadata.timestamp": {"order": "desc"}}]})
        );
        assert_eq!(search_body("x", 1, Some("a:b"))["sort"], json!([{"a:b": {"order": "asc"}}]));
    }

    #[test]
    fn sources_and_errors() {
        let answer = json!({"hits": {"hits": [{"_source": {"a": 1}}, {"_id": "x"}]}});
        assert_eq!(hit_sources(&answer).unwrap(), vec![json!({"a": 1}), Value::Null]);
        assert!(hit_sources(&json!({"took": 1})).is_err());
        let error = br#"{"error":{"root_cause":[{"type":"parse_exception","reason":"bad"}]},"status":400}"#;
        assert_eq!(error_reason(error).as_deref(), Some("parse_exception: bad"));
    }
}
