//! Property tests of what reaches the service: every path value is exactly one segment equal
//! to the input, OData keys double their quotes, query values arrive unchanged; and the
//! error-body parser and the spec loader never panic.

use percent_encoding::percent_decode_str;
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::ApiError;
use powerbi_sandbox::{Sandbox, demo};
use proptest::prelude::*;

use crate::common::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Values that try to change the route, and arbitrary text.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("../admin".to_owned()),
        Just("a?b#c".to_owned()),
        Just("x/../../groups".to_owned()),
        Just("%2e%2e".to_owned()),
        Just("a+b=c/d==".to_owned()),
        "[a-zA-Z0-9/?#%&=+ .'~:@!$()*,;-]{1,24}",
        any::<String>(),
    ]
    .prop_filter("refused before sending", |value| {
        !value.is_empty() && value != "." && value != ".."
    })
}

fn last_api_request(sandbox: &Sandbox) -> powerbi_sandbox::RecordedRequest {
    sandbox
        .recorded_requests()
        .into_iter()
        .rev()
        .find(|request| request.is_api())
        .expect("an API request was recorded")
}

#[test]
fn a_path_value_is_exactly_one_segment() {
    let runtime = runtime();
    let (sandbox, client) = runtime.block_on(async {
        let sandbox = sandbox().await;
        let client = service_principal(&sandbox);
        (sandbox, client)
    });
    let prefix = format!("/v1.0/myorg/groups/{}/datasets/", demo::SALES_WORKSPACE_ID);
    proptest!(ProptestConfig::with_cases(64), |(id in hostile())| {
        let result = runtime.block_on(client.datasets().get_dataset(sales(), &id));
        let error = api_error(result.expect_err("no such dataset"));
        prop_assert_eq!(error.status, 404, "{}", error);
        prop_assert_eq!(error.code.as_deref(), Some("PowerBIEntityNotFound"));
        let recorded = last_api_request(&sandbox);
        prop_assert_eq!(recorded.method.as_str(), "GET");
        prop_assert!(recorded.query.is_none(), "{:?}", recorded.query);
        let segment = recorded.path.strip_prefix(&prefix).expect("the route's prefix");
        prop_assert!(!segment.contains('/'), "one segment: {}", segment);
        let decoded = percent_decode_str(segment).decode_utf8().expect("UTF-8");
        prop_assert_eq!(decoded.as_ref(), id.as_str());
    });
}

#[test]
fn an_odata_key_doubles_its_quotes_and_a_query_value_arrives_unchanged() {
    let runtime = runtime();
    let (sandbox, client) = runtime.block_on(async {
        let sandbox = sandbox().await;
        let client = service_principal(&sandbox);
        (sandbox, client)
    });
    proptest!(ProptestConfig::with_cases(48), |(value in hostile())| {
        let _ = runtime.block_on(client.available_features().get_available_feature(&value));
        let recorded = last_api_request(&sandbox);
        let key = recorded
            .path
            .strip_prefix("/v1.0/myorg/availableFeatures(featureName='")
            .and_then(|rest| rest.strip_suffix("')"))
            .expect("the OData key form");
        prop_assert!(!key.contains('/'));
        let decoded = percent_decode_str(key).decode_utf8().expect("UTF-8");
        let doubled = value.replace('\'', "''");
        prop_assert_eq!(decoded.as_ref(), doubled.as_str());

        let filter = format!("name eq '{}'", value.replace('\'', "''"));
        let _ = runtime.block_on(
            client
                .groups()
                .list_groups(ListGroupsOptions::default().filter(filter.clone()).top(5)),
        );
        let recorded = last_api_request(&sandbox);
        let query = recorded.query.expect("a query");
        let pairs: Vec<(&str, &str)> = query
            .split('&')
            .map(|pair| pair.split_once('=').expect("name=value"))
            .collect();
        prop_assert_eq!(pairs.len(), 2, "{}", query);
        prop_assert_eq!(pairs[0].0, "$filter");
        let sent = percent_decode_str(pairs[0].1).decode_utf8().expect("UTF-8");
        prop_assert_eq!(sent.as_ref(), filter.as_str());
        prop_assert_eq!(pairs[1], ("$top", "5"));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_error_parser_never_panics(
        status in 100u16..600,
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        info in "[ -~]{0,40}",
        details in prop_oneof![
            "[ -~]{0,80}",
            Just(r#"{"error":{"code":"X","message":"m"}}"#.to_owned()),
            Just(r#"{"error":"text"}"#.to_owned()),
        ],
        retry_after in prop_oneof!["[0-9]{0,25}", "[ -~]{0,30}", Just("Sun, 06 Nov 1994 08:49:37 GMT".to_owned())],
    ) {
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in [
            ("X-PowerBI-Error-Info", &info),
            ("X-PowerBI-Error-Details", &details),
            ("Retry-After", &retry_after),
        ] {
            if let Ok(value) = reqwest::header::HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
        let error = ApiError::parse(status, &headers, &body);
        prop_assert!(error.body_snippet.chars().count() <= 1025);
        prop_assert_eq!(error.status, status);
        let _ = error.to_string();
    }

    #[test]
    fn the_error_parser_never_panics_on_json(
        body in json_error_body(),
    ) {
        let error = ApiError::parse(400, &reqwest::header::HeaderMap::new(), body.as_bytes());
        let _ = error.to_string();
    }

    #[test]
    fn the_spec_loader_never_panics(text in spec_text()) {
        let _ = powerbi_codegen::load(&[powerbi_codegen::SourceText {
            path: "fuzz.yaml".into(),
            text,
        }]);
    }
}

/// JSON documents in and around the shapes the service sends.
fn json_error_body() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[ -~]{0,20}".prop_map(|text| serde_json::Value::String(text).to_string()),
    ];
    let keys = prop_oneof![
        Just("error"),
        Just("code"),
        Just("message"),
        Just("Message"),
        Just("pbi.error"),
        Just("details"),
        Just("detail"),
        Just("value"),
    ];
    leaf.prop_recursive(4, 32, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec((keys.clone(), inner), 0..4).prop_map(|fields| {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(key, value)| format!("\"{key}\":{value}"))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

/// Spec-like YAML: real keys with arbitrary values, and arbitrary text.
fn spec_text() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("category"),
        Just("operations"),
        Just("models"),
        Just("enums"),
        Just("name"),
        Just("method"),
        Just("path"),
        Just("workspace"),
        Just("parameters"),
        Just("response"),
        Just("scopes"),
        Just("retry"),
        Just("paging"),
        Just("fields"),
        Just("type"),
    ];
    let value = prop_oneof![
        "[ -~]{0,16}",
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("GET".to_owned()),
        Just("safe".to_owned()),
        Just("/groups/{groupId}".to_owned()),
    ];
    prop_oneof![
        any::<String>(),
        proptest::collection::vec((0usize..3, key, value), 0..24).prop_map(|lines| {
            lines
                .into_iter()
                .map(|(depth, key, value)| {
                    let indent = "  ".repeat(depth);
                    let dash = if depth > 0 && value.len() % 2 == 0 {
                        "- "
                    } else {
                        ""
                    };
                    format!("{indent}{dash}{key}: {value}\n")
                })
                .collect()
        }),
    ]
}
