//! In production on Azure: a keyless identity, a prompt template filled from data, an image from
//! a file, `Maybe<T>` so the model can say "not in the text", and validators that see the
//! caller's catalogue.
//!
//! `cargo run --example production --features azure-identity`
//!
//! With `AZURE_OPENAI_ENDPOINT` set it talks to Azure: with `AZURE_OPENAI_API_KEY` if set, else
//! with the identity the environment provides (App Service / Functions / Container Apps:
//! `IDENTITY_ENDPOINT`; AKS: `AZURE_FEDERATED_TOKEN_FILE`; a developer: `az login`). Without it,
//! the local model (`scripts/local-model.sh start`), which is too small to read images: the image
//! step is then skipped.

mod common;

use std::sync::Arc;

use instructor::azure::azure_identity::{
    AzureCliCredential, ManagedIdentityCredential, WorkloadIdentityCredential,
};
use instructor::azure::{AzureIdentityCredential, AzureOpenAI};
use instructor::{ContentPart, ImageDetail, Instructor, Maybe, Request};
use serde::{Deserialize, Serialize};

/// The shop's catalogue: the caller's data, never the model's.
struct Catalog {
    skus: Vec<&'static str>,
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

/// One line of an order.
#[derive(Instructor, Deserialize, Serialize, Debug)]
#[instructor(context = Catalog)]
struct OrderLine {
    /// The product code.
    #[instructor(validate_with_context = in_catalog)]
    sku: String,
    /// How many.
    #[instructor(min = 1, max = 100)]
    quantity: u32,
}

/// The deadline the customer asked for, if any.
#[derive(Instructor, Deserialize, Debug)]
struct Deadline {
    /// As the customer wrote it.
    when: String,
}

/// A prompt kept apart from the data it is filled with.
const SYSTEM: &str = "You take orders for {{ shop }}. Product codes: {{ skus | join(', ') }}.";

fn azure_from_environment() -> Result<AzureOpenAI, Box<dyn std::error::Error>> {
    if std::env::var_os("AZURE_OPENAI_API_KEY").is_some() {
        return Ok(AzureOpenAI::from_env()?);
    }
    // Keyless: the first identity this environment has.
    let credential: AzureIdentityCredential =
        if std::env::var_os("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            AzureIdentityCredential::new(WorkloadIdentityCredential::new(None)?)
        } else if std::env::var_os("IDENTITY_ENDPOINT").is_some() {
            AzureIdentityCredential::new(ManagedIdentityCredential::new(None)?)
        } else {
            AzureIdentityCredential::new(AzureCliCredential::new(None)?)
        };
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    Ok(AzureOpenAI::builder()
        .azure_endpoint(env("AZURE_OPENAI_ENDPOINT"))
        .api_version(env("OPENAI_API_VERSION"))
        .deployment(env("AZURE_OPENAI_DEPLOYMENT"))
        .token_credential(Arc::new(credential))
        .build()?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let on_azure = std::env::var_os("AZURE_OPENAI_ENDPOINT").is_some();
    let azure = if on_azure {
        azure_from_environment()?
    } else {
        common::azure()?
    };
    let client = instructor::from_openai(azure).max_retries(2);
    let catalog = Catalog {
        skus: vec!["RTR-100", "CBL-5M", "SW-8P"],
    };

    // A template filled from data; a placeholder the data lacks would be an error.
    let request = common::request()
        .system(SYSTEM)
        .user("{{ message }}")
        .render(&serde_json::json!({
            "shop": "Contoso Networking",
            "skus": catalog.skus,
            "message": "Please send 2 RTR-100 routers.",
        }))?;
    // Validators that see the catalogue: a code the model invents is sent back to it.
    let line: OrderLine = client.create_with_context(request, &catalog)?;
    println!("order line: {line:?}");

    // The model may say "not in the text" instead of inventing a deadline.
    let deadline: Maybe<Deadline> = client
        .create(common::request().user("Extract the delivery deadline: Please send 2 routers."))?;
    match deadline.into_result() {
        Ok(d) => println!("deadline: {}", d.when),
        Err(reason) => println!("no deadline: {reason}"),
    }

    // An image from a file, its type read from its bytes.
    if on_azure {
        let path = std::env::temp_dir().join("instructor-example-label.png");
        std::fs::write(&path, LABEL_PNG)?;
        let line: Maybe<OrderLine> =
            client.create(Request::for_default_deployment().user_parts(vec![
                ContentPart::text("Read the product code and quantity on this shipping label."),
                ContentPart::image_file(&path)?.with_detail(ImageDetail::High),
            ]))?;
        println!("from the label: {line:?}");
    }
    Ok(())
}

/// A 1x1 PNG standing in for a photo of a shipping label.
const LABEL_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
