//! Random and malformed input, thrown at the code parsers and, through the real router, at
//! GraphQL variables and documents: nothing panics, and every answer is either data or errors
//! that each carry an `extensions.code`.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dutyledger_api::auth::Role;
use dutyledger_domain::values::{CreditCode, DivisionCode, EntityId, Name, Text};
use dutyledger_tests::{credit_code, TestApp};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Map, Value};
use sqlx::PgPool;
use tower::ServiceExt;

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic(s in any::<String>()) {
        let _ = CreditCode::parse(&s);
        let _ = DivisionCode::parse(&s);
        let _ = EntityId::parse(&s);
        let _ = Name::parse(&s);
        let _ = Text::parse(&s);
        let _ = dutyledger_api::auth::token::parse_ttl(&s);
    }

    #[test]
    fn a_credit_code_parses_exactly_when_its_check_characters_match(
        head in "[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{8}",
        org_check in "[0-9A-HJ-NP-RTUW-Y]",
        last in "[0-9A-HJ-NP-RTUW-Y]",
        right_org_check in proptest::bool::ANY,
        right_last in proptest::bool::ANY,
    ) {
        // Recompute both check characters independently of the parser under test: the
        // organisation code's (GB 11714, the 17th) over characters 9-16, and the code's own
        // (GB 32100, the 18th) over the first 17.
        const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        let org_weights = [3u32, 7, 9, 10, 5, 8, 4, 2];
        let org_sum: u32 = head[8..]
            .chars()
            .zip(org_weights)
            .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
            .sum();
        let expected_org = match 11 - org_sum % 11 {
            10 => 'X',
            11 => '0',
            d => char::from_digit(d, 10).unwrap_or('?'),
        };
        let org = if right_org_check { expected_org.to_string() } else { org_check };
        let prefix = format!("{head}{org}");
        let weights = [1u32, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
        let sum: u32 = prefix.chars().zip(weights).map(|(c, w)| ALPHABET.find(c).map_or(0, |v| v as u32) * w).sum();
        let expected_last = ALPHABET.chars().nth(((31 - sum % 31) % 31) as usize).unwrap_or('?');
        let last = if right_last { expected_last.to_string() } else { last };
        let code = format!("{prefix}{last}");
        let valid = org.starts_with(expected_org) && last.starts_with(expected_last);
        prop_assert_eq!(CreditCode::parse(&code).is_ok(), valid, "{}", code);
    }

    #[test]
    fn division_codes_round_trip_their_level(code in "[1-8][0-9]{11}") {
        if let Ok(parsed) = DivisionCode::parse(&code) {
            prop_assert_eq!(parsed.as_str(), code.as_str());
            let _ = parsed.level();
        }
    }
}

fn field_names() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("departmentId".to_owned()),
        Just("id".to_owned()),
        Just("dutyId".to_owned()),
        Just("text".to_owned()),
        Just("name".to_owned()),
        Just("divisionCode".to_owned()),
        Just("level".to_owned()),
        Just("kind".to_owned()),
        Just("sector".to_owned()),
        Just("unitDutyId".to_owned()),
        Just("timeLimit".to_owned()),
        Just("days".to_owned()),
        Just("risks".to_owned()),
        Just("reason".to_owned()),
        "[a-zA-Z_]{1,12}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        Just(json!(credit_code("50000001"))),
        Just(json!("371300000000")),
        Just(json!("CITY")),
        Just(json!("x".repeat(5000))),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((field_names(), inner), 0..8)
                .prop_map(|kvs| Value::Object(kvs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const OPERATIONS: [&str; 6] = [
    "mutation($input: DefineMainDutyInput!) { defineMainDuty(input: $input) { id events } }",
    "mutation($input: EstablishDepartmentInput!) { establishDepartment(input: $input) { events } }",
    "mutation($input: DefineTaskInput!) { defineTask(input: $input) { id } }",
    "mutation($input: SetUnitStaffingInput!) { setUnitStaffing(input: $input) { events } }",
    "query($id: ID!) { department(id: $id) { id units { id } } }",
    "query($input: String) { departments { id } }",
];

async fn post(app: &TestApp, token: &str, body: String) -> (StatusCode, Value) {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body))
        .expect("request");
    let response = app.router().oneshot(request).await.expect("answer");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn assert_coded(status: StatusCode, body: &Value, what: &str) -> Vec<String> {
    let mut codes = Vec::new();
    assert!(
        status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
        "{what}: status {status}"
    );
    assert!(body.is_object(), "{what}: a JSON answer, got {body}");
    if let Some(errors) = body.get("errors") {
        for e in errors.as_array().expect("errors is a list") {
            let code = e["extensions"]["code"].as_str();
            assert!(
                code.is_some_and(|c| !c.is_empty()),
                "{what}: an error without a code: {e}"
            );
            assert_ne!(
                code,
                Some("INTERNAL"),
                "{what}: random input is never an internal error: {e}"
            );
            codes.extend(code.map(str::to_owned));
        }
    } else {
        assert!(
            body.get("data").is_some(),
            "{what}: neither data nor errors"
        );
    }
    codes
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn random_variables_get_coded_answers(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.token(Role::Supervisor, &[]);
    let mut runner = TestRunner::deterministic();
    let strategy = (0..OPERATIONS.len(), json_value(), proptest::bool::ANY);
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..300 {
        let (op, value, wrap) = strategy.new_tree(&mut runner).expect("value").current();
        let variables = if wrap {
            json!({ "input": value, "id": value })
        } else {
            value
        };
        let body = json!({ "query": OPERATIONS[op], "variables": variables }).to_string();
        let (status, answer) = post(&app, &token, body.clone()).await;
        for code in assert_coded(status, &answer, &body) {
            *seen.entry(code).or_default() += 1;
        }
    }
    // The run reached both the validator and our own input parsing.
    assert!(
        seen.contains_key("GRAPHQL_VALIDATION_FAILED") || seen.contains_key("BAD_USER_INPUT"),
        "{seen:?}"
    );
    assert!(
        seen.len() >= 2,
        "random input should produce several kinds of errors: {seen:?}"
    );
}

#[sqlx::test(migrator = "dutyledger_projections::db::MIGRATOR")]
async fn random_documents_get_coded_answers(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.token(Role::Reviewer, &[]);
    let mut runner = TestRunner::deterministic();
    let pieces = prop_oneof![
        Just("{"),
        Just("}"),
        Just("("),
        Just(")"),
        Just("departments"),
        Just("department"),
        Just("id"),
        Just("units"),
        Just("mutation"),
        Just("query"),
        Just("$x"),
        Just(":"),
        Just("\""),
        Just("..."),
        Just("fragment"),
        Just("on"),
        Just("@skip(if: true)"),
        Just("__schema"),
    ];
    let strategy = proptest::collection::vec(pieces, 0..40);
    for _ in 0..300 {
        let document = strategy
            .new_tree(&mut runner)
            .expect("value")
            .current()
            .join(" ");
        let body = json!({ "query": document }).to_string();
        let (status, answer) = post(&app, &token, body.clone()).await;
        let _ = assert_coded(status, &answer, &body);
    }
}
