//! Validation with context: `#[instructor(validate_with_context = f)]` validators that see caller
//! data through `create_with_context`, closure and async validators, and `llm_validator`, whose
//! verdict and reason go into the re-ask. Blocking and async, through the scripted transport.

use instructor::testing::{self, ScriptedTransport};
use instructor::{
    llm_validator, AsyncClient, Client, Error, Instructor, LlmValidator, Request, ValidationErrors,
};
use serde::{Deserialize, Serialize};

/// What the shop sells, known to the caller only.
struct Catalog {
    skus: Vec<&'static str>,
    max_quantity: u32,
}

fn in_catalog(sku: &str, catalog: &Catalog) -> Result<(), String> {
    if catalog.skus.contains(&sku) {
        Ok(())
    } else {
        Err(format!(
            "`{sku}` is not sold here; use one of: {}",
            catalog.skus.join(", ")
        ))
    }
}

fn within_stock(order: &Order, catalog: &Catalog) -> Result<(), String> {
    if order.quantity <= catalog.max_quantity {
        Ok(())
    } else {
        Err(format!("at most {} per order", catalog.max_quantity))
    }
}

fn not_blank(sku: &str) -> Result<(), &'static str> {
    if sku.trim().is_empty() {
        Err("the SKU is blank")
    } else {
        Ok(())
    }
}

/// One line of an order.
#[derive(Instructor, Deserialize, Serialize, Debug, PartialEq)]
#[instructor(context = Catalog, validate_with_context = within_stock)]
struct Order {
    #[instructor(validate = not_blank, validate_with_context = in_catalog)]
    sku: String,
    quantity: u32,
}

fn catalog() -> Catalog {
    Catalog {
        skus: vec!["A1", "B2"],
        max_quantity: 5,
    }
}

fn order(sku: &str, quantity: u32) -> serde_json::Value {
    testing::tool_call_completion(
        "Order",
        &format!(r#"{{"sku": "{sku}", "quantity": {quantity}}}"#),
    )
}

fn last_user_or_tool_text(body: &serde_json::Value) -> String {
    body["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .to_string()
}

#[test]
fn context_validators_see_the_callers_data_and_are_re_asked() {
    let transport = ScriptedTransport::new()
        .reply(order("Z9", 9))
        .reply(order("B2", 2));
    let client = Client::new(transport.clone()).max_retries(1);
    let got: Order = client
        .create_with_context(Request::new("m").user("two of the blue ones"), &catalog())
        .unwrap();
    assert_eq!(
        got,
        Order {
            sku: "B2".into(),
            quantity: 2
        }
    );

    let reask = last_user_or_tool_text(&transport.requests()[1]);
    assert!(
        reask.contains("`sku`: `Z9` is not sold here; use one of: A1, B2"),
        "{reask}"
    );
    assert!(reask.contains("at most 5 per order"), "{reask}");
}

#[test]
fn plain_validators_still_run_first_and_without_context() {
    let transport = ScriptedTransport::new()
        .reply(order(" ", 1))
        .reply(order("A1", 1));
    let client = Client::new(transport.clone()).max_retries(1);
    // `create` needs no context: only `validate = not_blank` runs.
    let got: Order = client.create(Request::new("m").user("one")).unwrap();
    assert_eq!(got.sku, "A1");
    assert!(last_user_or_tool_text(&transport.requests()[1]).contains("the SKU is blank"));
}

#[test]
fn context_errors_count_against_max_retries() {
    let transport = ScriptedTransport::new()
        .reply(order("Z9", 1))
        .reply(order("Z8", 1));
    let client = Client::new(transport).max_retries(1);
    let err = client
        .create_with_context::<Order, _>(Request::new("m").user("x"), &catalog())
        .unwrap_err();
    let Error::RetriesExhausted(r) = err else {
        panic!("{err}")
    };
    assert_eq!(r.attempts, 2);
    assert!(r.errors[1].to_string().contains("`Z8` is not sold here"));
}

#[tokio::test]
async fn the_async_client_runs_context_and_async_validators() {
    let transport = ScriptedTransport::new()
        .reply(order("Z9", 1))
        .reply(order("A1", 1))
        .reply(order("B2", 4))
        .reply(order("B2", 1));
    let client = AsyncClient::new(transport.clone()).max_retries(1);
    let got: Order = client
        .create_with_context(Request::new("m").user("one"), &catalog())
        .await
        .unwrap();
    assert_eq!(got.sku, "A1");

    // An async check, as a stock lookup in a database would be.
    async fn in_stock(quantity: u32) -> bool {
        tokio::task::yield_now().await;
        quantity <= 1
    }
    let got: Order = client
        .create_validated(Request::new("m").user("four B2"), |o: &Order| {
            Box::pin(async move {
                if in_stock(o.quantity).await {
                    return Ok(());
                }
                let mut e = ValidationErrors::new();
                e.push("quantity", "only 1 left in stock");
                Err(Error::Validation(e))
            })
        })
        .await
        .unwrap();
    assert_eq!(
        got,
        Order {
            sku: "B2".into(),
            quantity: 1
        }
    );
    let reask = last_user_or_tool_text(&transport.requests()[3]);
    assert!(
        reask.contains("`quantity`: only 1 left in stock"),
        "{reask}"
    );
}

/// A reply to a customer.
#[derive(Instructor, Deserialize, Serialize, Debug)]
struct CustomerReply {
    text: String,
}

fn verdict(is_valid: bool, reason: Option<&str>) -> serde_json::Value {
    testing::tool_call_completion(
        "Verdict",
        &serde_json::json!({"is_valid": is_valid, "reason": reason}).to_string(),
    )
}

#[test]
fn llm_validator_asks_the_model_and_feeds_its_reason_into_the_re_ask() {
    // The verdict goes to the client's default deployment.
    let transport = ScriptedTransport::new()
        .default_model("gpt-4o-mini")
        .reply(testing::tool_call_completion(
            "CustomerReply",
            r#"{"text": "It arrives Monday!"}"#,
        ))
        .reply(verdict(false, Some("it promises a delivery date (Monday)")))
        .reply(testing::tool_call_completion(
            "CustomerReply",
            r#"{"text": "We are checking with the courier."}"#,
        ))
        .reply(verdict(true, None));
    let client = Client::new(transport.clone()).max_retries(1);
    let reply: CustomerReply = client
        .create_validated(
            Request::new("m").user("Where is my parcel?"),
            llm_validator(&client, "promises no delivery date"),
        )
        .unwrap();
    assert_eq!(reply.text, "We are checking with the courier.");

    let sent = transport.requests();
    // The verdict request states the rule and the value, and asks for the Verdict schema.
    let ask = sent[1].to_string();
    assert!(ask.contains("Rule: promises no delivery date"), "{ask}");
    assert!(ask.contains("It arrives Monday!"), "{ask}");
    assert_eq!(sent[1]["tools"][0]["function"]["name"], "Verdict");
    // The re-ask of the extraction carries the model's reason.
    let reask = last_user_or_tool_text(&sent[2]);
    assert!(
        reask.contains("breaks the rule \\\"promises no delivery date\\\": it promises a delivery date (Monday)"),
        "{reask}"
    );
}

#[tokio::test]
async fn a_failing_verdict_call_ends_the_extraction_instead_of_re_asking() {
    let transport = ScriptedTransport::new()
        .reply(testing::tool_call_completion(
            "CustomerReply",
            r#"{"text": "Hello"}"#,
        ))
        .error(Error::RateLimited {
            retry_after: None,
            message: "slow down".into(),
        });
    let client = AsyncClient::new(transport.clone()).max_retries(3);
    let validator = LlmValidator::new("is polite").model("gpt-4o");
    let err = client
        .create_validated(Request::new("m").user("hi"), |r: &CustomerReply| {
            // The future may borrow only the value: it owns clones of the rest.
            let (client, validator) = (client.clone(), validator.clone());
            Box::pin(async move { validator.check_async(&client, r).await })
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert_eq!(transport.requests()[1]["model"], "gpt-4o");
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test]
async fn llm_validator_async_is_ready_made_for_the_async_client() {
    let transport = ScriptedTransport::new()
        .default_model("gpt-4o-mini")
        .reply(testing::tool_call_completion(
            "CustomerReply",
            r#"{"text": "Whatever."}"#,
        ))
        .reply(verdict(false, Some("curt")))
        .reply(testing::tool_call_completion(
            "CustomerReply",
            r#"{"text": "Happy to help!"}"#,
        ))
        .reply(verdict(true, None));
    let client = AsyncClient::new(transport.clone()).max_retries(1);
    let reply: CustomerReply = client
        .create_validated(
            Request::new("m").user("hi"),
            instructor::llm_validator_async(&client, "is polite"),
        )
        .await
        .unwrap();
    assert_eq!(reply.text, "Happy to help!");
    assert!(last_user_or_tool_text(&transport.requests()[2]).contains("curt"));
}
