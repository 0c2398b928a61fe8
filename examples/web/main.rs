//! A live web page: a form for `User` that fills in while the model writes, and a list of every
//! `User` in a text, one card each as it completes.
//!
//! ```sh
//! scripts/local-model.sh start        # or set the AZURE_OPENAI_* variables
//! cargo run --example web             # then open the address it prints
//! ```
//!
//! `PORT` picks the port (default 3000); `/?text=…` starts an extraction as the page opens.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/user.rs"]
mod user;

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = instructor::from_openai(common::async_azure()?).max_retries(2);
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let address = listener.local_addr()?;
    println!("Open http://{address}/?text=Jason+is+25+years+old.+He+is+a+tech+enthusiast+who+loves+building+apps+in+Rust.");
    axum::serve(listener, app::router(client, common::request())).await?;
    Ok(())
}
