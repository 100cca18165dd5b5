//! SigV4 signatures against values computed apart from triage: AWS's own test suite
//! (`aws-signing-test-suite/v4/post-vanilla`) and, for an SNS `Publish` form, a small
//! implementation of AWS's documented algorithm in Python (checked first against the same
//! suite's `post-vanilla` and `post-x-www-form-urlencoded`).

use std::time::{Duration, SystemTime};

use triage_core::notify::{Body, HttpRequest, Method};

use super::{AwsCredentials, sign_headers};
use crate::notify::http_kinds::body_bytes;

fn example_credentials() -> AwsCredentials {
    AwsCredentials {
        access_key: "AKIDEXAMPLE".into(),
        secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: None,
    }
}

/// 2015-08-30T12:36:00Z, the time of AWS's test suite.
fn suite_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or("")
}

#[test]
fn aws_test_suite_post_vanilla() {
    let request = HttpRequest {
        method: Method::Post,
        url: "https://example.amazonaws.com/".into(),
        headers: vec![],
        body: Body::Empty,
    };
    let h = sign_headers(&request, b"", &example_credentials(), "us-east-1", "service", suite_time()).unwrap();
    assert_eq!(header(&h, "x-amz-date"), "20150830T123600Z");
    assert_eq!(
        header(&h, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
    );
}

fn publish(url: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: url.into(),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded; charset=utf-8".into())],
        body: Body::Form(vec![
            ("Action".into(), "Publish".into()),
            ("Message".into(), "disk-full".into()),
            ("TopicArn".into(), "arn:aws:sns:us-east-1:123456789012:alerts".into()),
            ("Version".into(), "2010-03-31".into()),
        ]),
    }
}

#[test]
fn sns_publish_signature_matches_an_independent_computation() {
    let request = publish("https://sns.us-east-1.amazonaws.com/");
    let body = body_bytes(&request).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&body),
        "Action=Publish&Message=disk-full&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aalerts&Version=2010-03-31"
    );
    let h = sign_headers(&request, &body, &example_credentials(), "us-east-1", "sns", suite_time()).unwrap();
    assert_eq!(
        header(&h, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sns/aws4_request, \
         SignedHeaders=content-length;content-type;host;x-amz-date, \
         Signature=591a7b73a58d8da77a85dc1aeb9d581aa83b2231efcc98894fd861b48cf290fb"
    );
    // A port in the URL is part of the signed Host, as the HTTP client sends it.
    let local = publish("http://127.0.0.1:4567/");
    let h = sign_headers(&local, &body, &example_credentials(), "us-east-1", "sns", suite_time()).unwrap();
    assert!(
        header(&h, "authorization")
            .ends_with("Signature=4313958d3641337d4f2dc1b9f43cecb76f397dcb430e4257c8ffed6c78c77041")
    );
}

#[test]
fn a_session_token_is_sent_and_the_secret_never_is() {
    let mut creds = example_credentials();
    creds.session_token = Some("SESSIONTOKEN".into());
    let request = publish("https://sns.us-east-1.amazonaws.com/");
    let body = body_bytes(&request).unwrap();
    let h = sign_headers(&request, &body, &creds, "us-east-1", "sns", suite_time()).unwrap();
    assert_eq!(header(&h, "x-amz-security-token"), "SESSIONTOKEN");
    assert!(!format!("{h:?}{creds:?}").contains("EXAMPLEKEY"));
}
