//! Tests of web configuration parsing: values and problems, then malformed, truncated,
//! oversized and hostile input, each refused with a clear message and without panicking.

use std::path::{Path, PathBuf};

use super::*;

const HASH: &str = "$2y$04$abcdefghijklmnopqrstuu5Jq1J3mL2Vn1xH1w2pbzWqZ3KQ2O.12";

const FULL: &str = "\
tls_server_config:
  cert_file: server.crt
  key_file: /etc/triage/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS13
http_server_config: {http2: true, headers: {X-Frame-Options: deny}}
basic_auth_users:
  alice: '$2y$04$abcdefghijklmnopqrstuu5Jq1J3mL2Vn1xH1w2pbzWqZ3KQ2O.12'
bearer_tokens:
  - {name: grafana, token_file: grafana.token, scope: read}
  - {name: ci, token_env: TRIAGE_CI_TOKEN, scope: write}
rate_limit: {per_second: 2.5, burst: 10}
";

fn dir() -> &'static Path {
    Path::new("/etc/triage")
}

fn messages(plan: &Plan) -> Vec<&str> {
    plan.problems.iter().map(|p| p.message.as_str()).collect()
}

#[test]
fn a_full_file_gives_resolved_paths_and_token_sources() {
    let plan = parse(FULL, dir()).unwrap();
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let tls = plan.tls.as_ref().unwrap();
    assert_eq!(tls.cert_file, PathBuf::from("/etc/triage/server.crt"));
    assert_eq!(tls.key_file, PathBuf::from("/etc/triage/server.key"));
    assert_eq!(tls.client_ca_file.as_deref(), Some(Path::new("/etc/triage/ca.crt")));
    assert!(tls.require_client_cert && tls.tls13_only);
    assert_eq!(tls.required_files().map(|(key, _)| key), ["cert_file", "key_file"]);
    assert_eq!(plan.basic_auth_users["alice"], HASH);
    let sources: Vec<_> = plan.tokens.iter().map(|t| (t.index, t.name.as_str(), t.scope, &t.source)).collect();
    assert_eq!(
        sources,
        [
            (0, "grafana", Scope::Read, &TokenSource::File("/etc/triage/grafana.token".into())),
            (1, "ci", Scope::Write, &TokenSource::Env("TRIAGE_CI_TOKEN".into())),
        ]
    );
    assert_eq!(plan.rate_limit, Some(RateLimit { per_second: 2.5, burst: 10 }));
    assert_eq!(parse("", dir()).unwrap(), Plan::default());
    assert_eq!(parse(" \n\n", dir()).unwrap(), Plan::default());
}

#[test]
fn every_problem_is_listed_with_its_key_in_the_files_order() {
    let text = "\
rate_limit: {per_second: 0, burst: 1}
bearer_tokens:
  - {name: a, token_env: A, scope: read}
  - {name: b, token_env: B, token_file: b.token, scope: read}
  - {name: c, scope: write}
basic_auth_users: {bob: plain, carol: '$2y$10$short'}
tls_server_config: {cert_file: c, key_file: k, client_auth_type: Sometimes, min_version: TLS11}
";
    let plan = parse(text, dir()).unwrap();
    assert_eq!(
        messages(&plan),
        [
            "tls_server_config.client_auth_type: \"Sometimes\" is not supported (NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)",
            "tls_server_config.min_version: \"TLS11\" (TLS12 or TLS13)",
            "basic_auth_users.bob: not a bcrypt hash",
            "basic_auth_users.carol: not a bcrypt hash",
            "bearer_tokens[1]: give exactly one of token_file and token_env",
            "bearer_tokens[2]: give exactly one of token_file and token_env",
            "rate_limit: per_second must be above 0 and burst at least 1",
        ]
    );
    let sections: Vec<Section> = plan.problems.iter().map(|p| p.section).collect();
    assert!(sections.is_sorted(), "{sections:?}");
    assert_eq!(plan.tokens.len(), 1, "only the token with one source is left to read");
    let ca = parse("tls_server_config: {cert_file: c, key_file: k, client_auth_type: VerifyClientCertIfGiven}", dir());
    assert_eq!(messages(&ca.unwrap()), ["tls_server_config.client_ca_file: needed to verify client certificates"]);
    for limit in ["{per_second: -1, burst: 5}", "{per_second: .inf, burst: 5}", "{per_second: .nan, burst: 5}"] {
        let plan = parse(&format!("rate_limit: {limit}"), dir()).unwrap();
        assert_eq!(plan.problems.len(), 1, "{limit}");
    }
}

#[test]
fn wrong_types_unknown_keys_and_bad_scopes_refuse_the_file() {
    let cases = [
        ("tokens: []", "unknown field `tokens`"),
        ("tls_server_config: {cert_file: c, key_file: k, ciphers: [x]}", "unknown field `ciphers`"),
        ("bearer_tokens: [{name: x, token_env: X, scope: admin}]", "unknown variant `admin`"),
        ("bearer_tokens: [{name: x, token_env: X}]", "missing field `scope`"),
        ("rate_limit: {per_second: 1, burst: -1}", "burst"),
        ("rate_limit: {per_second: 1, burst: 99999999999}", "burst"),
        ("basic_auth_users: [alice]", "basic_auth_users"),
        ("- a list", "invalid type"),
        ("just text", "invalid type"),
        ("a: 1\n---\nb: 2\n", "more than one document"),
    ];
    for (text, needle) in cases {
        let e = parse(text, dir()).unwrap_err();
        assert!(e.contains(needle), "{text:?}: {e}");
    }
}

#[test]
fn every_truncation_of_a_valid_file_is_handled() {
    for end in (0..=FULL.len()).filter(|&i| FULL.is_char_boundary(i)) {
        // Ok for the cuts that still are a valid file, a message for the others; no panic.
        if let Err(e) = parse(&FULL[..end], dir()) {
            assert!(!e.is_empty(), "cut at {end}");
        }
    }
    for e in ["tls_server_config: {cert_file: c", "bearer_tokens: [{name: 'x", "basic_auth_users:\n  alice: \"$2y"] {
        assert!(parse(e, dir()).is_err(), "{e}");
    }
}

#[test]
fn a_file_over_one_mib_is_refused_before_parsing() {
    let ten_mb = format!("basic_auth_users:\n{}", "  u: x\n".repeat(10 * 1024 * 1024 / 7));
    for e in [parse(&ten_mb, dir()).unwrap_err(), parse_bytes(ten_mb.as_bytes(), dir()).unwrap_err()] {
        assert!(e.contains("larger than 1048576 bytes (1 MiB)"), "{e}");
    }
    // Exactly at the limit is still read.
    let mut at_limit = String::from("rate_limit: {per_second: 1, burst: 1}\n");
    at_limit.push('#');
    at_limit.push_str(&"x".repeat(MAX_BYTES - at_limit.len()));
    assert_eq!(at_limit.len(), MAX_BYTES);
    assert!(parse(&at_limit, dir()).unwrap().rate_limit.is_some());
}

#[test]
fn ten_thousand_users_fit_and_are_all_checked() {
    let mut text = String::from("basic_auth_users:\n");
    for i in 0..10_000 {
        let hash = if i == 7_777 { "nope" } else { HASH };
        text.push_str(&format!("  user{i}: '{hash}'\n"));
    }
    assert!(text.len() <= MAX_BYTES, "{}", text.len());
    let plan = parse(&text, dir()).unwrap();
    assert_eq!(plan.basic_auth_users.len(), 10_000);
    assert_eq!(messages(&plan), ["basic_auth_users.user7777: not a bcrypt hash"]);
}

#[test]
fn deep_nesting_is_refused_quickly_and_without_overflowing_the_stack() {
    // Half a million flow levels: refused by the linear scan before the YAML reader.
    let depth = 500_000;
    for key in ["http_server_config", "basic_auth_users", "bearer_tokens", "nope"] {
        let flow = format!("{key}: {}{}", "[".repeat(depth), "]".repeat(depth));
        let e = parse(&flow, dir()).unwrap_err();
        assert_eq!(e, "line 1: collections ([...] or {...}) are nested more than 64 levels deep", "{key}");
        let maps = format!("{key}: {}", "{a: ".repeat(depth / 4));
        assert!(parse(&maps, dir()).unwrap_err().contains("more than 64 levels"), "{key}");
    }
    // Block nesting is linear to read; past 128 levels the YAML reader refuses it.
    let compact = format!("http_server_config:\n{}x", "- ".repeat(depth));
    assert!(parse(&compact, dir()).unwrap_err().contains("recursion limit exceeded"));
    let indented: String = (0..1_000).map(|level| format!("{}k{level}:\n", " ".repeat(level))).collect();
    assert!(indented.len() < MAX_BYTES);
    assert!(parse(&indented, dir()).unwrap_err().contains("recursion limit exceeded"));
    // Nesting within the limits is fine where any value is accepted.
    let nested = format!("http_server_config: {{a: {}{}}}", "[".repeat(60), "]".repeat(60));
    assert!(parse(&nested, dir()).is_ok());
}

/// Nine levels of nine aliases: 9^9 (387 million) strings once expanded.
fn billion_laughs(key: &str) -> String {
    let mut s = format!(
        "{key}:\n  a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
    );
    for level in 1..10 {
        let refs = vec![format!("*a{}", level - 1); 9].join(", ");
        s.push_str(&format!("  a{level}: &a{level} [{refs}]\n"));
    }
    s
}

#[test]
fn alias_bombs_are_refused_before_anything_is_built() {
    // The classic bomb trips yaml_serde's own limit on alias jumps.
    for key in ["http_server_config", "nope", "basic_auth_users"] {
        let e = parse(&billion_laughs(key), dir()).unwrap_err();
        assert!(e.contains("repetition limit exceeded") || e.contains("aliases expand it"), "{key}: {e}");
    }
    // A wide one makes few jumps, each over many nodes: 2,000 aliases of 2,000 strings.
    let strings = vec!["lol"; 2_000].join(", ");
    let wide = format!("http_server_config:\n  a: &a [{strings}]\n  b: [{}]\n", vec!["*a"; 2_000].join(", "));
    let e = parse(&wide, dir()).unwrap_err();
    assert!(e.contains("the document's aliases expand it beyond 2097152 bytes"), "{e}");
    // One long string referenced by many users: 200 KB times 4,000 would be 800 MB.
    let mut text = format!("basic_auth_users:\n  u0: &big '{}'\n", "x".repeat(200_000));
    for i in 1..4_000 {
        text.push_str(&format!("  u{i}: *big\n"));
    }
    assert!(parse(&text, dir()).unwrap_err().contains("aliases expand it"));
    // A hash shared by two users through an alias is fine.
    let shared = format!("basic_auth_users:\n  alice: &h '{HASH}'\n  bob: *h\n");
    let plan = parse(&shared, dir()).unwrap();
    assert_eq!(plan.basic_auth_users["bob"], HASH);
    assert!(plan.problems.is_empty());
    // Aliases to undefined anchors and recursive anchors are errors, not hangs.
    assert!(parse("basic_auth_users: {a: *nowhere}", dir()).is_err());
    assert!(parse("http_server_config: &a [*a]", dir()).is_err());
}

#[test]
fn input_that_is_not_utf8_is_refused_with_its_offset() {
    let e = parse_bytes(b"basic_auth_users: {alice: \xff\xfe}\n", dir()).unwrap_err();
    assert_eq!(e, "not UTF-8 text: invalid utf-8 sequence of 1 bytes from index 26");
    let bom = parse_bytes(b"\xef\xbb\xbfrate_limit: {per_second: 1, burst: 1}\n", dir());
    assert!(bom.is_ok_and(|p| p.rate_limit.is_some()), "a UTF-8 byte order mark is accepted");
    for hostile in
        ["\0", "\u{feff}\u{feff}", "rate_limit: {per_second: 1, burst: 1}\0", "basic_auth_users: {\u{202e}: x}"]
    {
        let _ = parse(hostile, dir());
    }
}

#[test]
fn tags_and_odd_scalars_do_not_panic() {
    for text in [
        "http_server_config: !!binary aGVsbG8=",
        "http_server_config: !custom {a: !other [1, !!null ~]}",
        "basic_auth_users: !!map {a: !!str 1}",
        "rate_limit: !!map {per_second: !!float 1, burst: !!int 2}",
        "bearer_tokens: [!!map {name: x, token_env: X, scope: !read}]",
        "? [complex, key]\n: value",
        "basic_auth_users: {? [a]: b}",
        "<<: {rate_limit: {per_second: 1, burst: 1}}",
        "rate_limit: {per_second: 1e999999, burst: 1}",
        "%YAML 1.2\n---\nrate_limit: {per_second: 1, burst: 1}",
        "&a rate_limit: {per_second: 1, burst: 1}",
    ] {
        let _ = parse(text, dir());
    }
}
