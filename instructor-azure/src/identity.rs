//! Identity without secrets: any credential of the `azure_identity` crate (managed identity,
//! workload identity, Azure CLI, developer tools, ...) as this crate's [`TokenCredential`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use instructor_azure::azure_identity::ManagedIdentityCredential;
//! use instructor_azure::{AsyncAzureOpenAI, AzureIdentityCredential};
//!
//! // On App Service, Functions, Container Apps or a VM: the resource's own identity.
//! let identity = AzureIdentityCredential::new(ManagedIdentityCredential::new(None)?);
//! let azure = AsyncAzureOpenAI::builder()
//!     .azure_endpoint("https://my-resource.openai.azure.com")
//!     .api_version("2024-10-21")
//!     .deployment("gpt-4o-mini")
//!     .token_credential(Arc::new(identity))
//!     .build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use azure_core::credentials::TokenCredential as AzureTokenCredential;
use azure_core::error::ErrorKind;
use instructor_core::transport::BoxFuture;
use instructor_core::{Error, Result};

use crate::auth::{AccessToken, TokenCredential};
use crate::secret::Secret;

/// An `azure_identity` credential (anything implementing
/// `azure_core::credentials::TokenCredential`) as a [`TokenCredential`] for the clients'
/// `.token_credential(..)`.
///
/// The clients wrap it in a [`CachedCredential`](crate::CachedCredential) like any other, so
/// concurrent requests share one token and refreshes happen before expiry. Its errors become
/// [`Error::Authentication`] when the identity endpoint answered with an HTTP error,
/// [`Error::Transport`] when it could not be reached, and [`Error::Configuration`] when no
/// identity is available here (no managed-identity endpoint, no `az login`, no token file).
#[derive(Clone)]
pub struct AzureIdentityCredential {
    inner: Arc<dyn AzureTokenCredential>,
}

impl AzureIdentityCredential {
    /// Wraps an `azure_identity` credential, such as `ManagedIdentityCredential::new(None)?`,
    /// `WorkloadIdentityCredential::new(None)?`, `AzureCliCredential::new(None)?` or
    /// `DeveloperToolsCredential::new(None)?` (each already an `Arc`).
    pub fn new(credential: Arc<dyn AzureTokenCredential>) -> Self {
        AzureIdentityCredential { inner: credential }
    }
}

impl fmt::Debug for AzureIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // azure_identity's own Debug impls print no secrets; show which credential this is.
        f.debug_tuple("AzureIdentityCredential")
            .field(&self.inner)
            .finish()
    }
}

impl TokenCredential for AzureIdentityCredential {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let token = self.inner.get_token(scopes, None).await.map_err(to_error)?;
            Ok(AccessToken {
                token: Secret::new(token.token.secret()),
                expires_at: unix_time(token.expires_on.unix_timestamp()),
            })
        })
    }
}

/// A Unix timestamp as a `SystemTime` (before 1970 reads as already expired).
fn unix_time(seconds: i64) -> SystemTime {
    u64::try_from(seconds)
        .ok()
        .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// What went wrong, found along the error's chain: `azure_identity` wraps the HTTP or connection
/// error in a `Credential` error of its own.
enum Cause {
    Http(u16),
    Unreachable,
    Unavailable,
}

fn cause(error: &azure_core::Error) -> Cause {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(e) = e.downcast_ref::<azure_core::Error>() {
            match e.kind() {
                ErrorKind::HttpResponse { status, .. } => return Cause::Http(u16::from(*status)),
                ErrorKind::Connection | ErrorKind::Io => return Cause::Unreachable,
                _ => {}
            }
        }
        next = e.source();
    }
    Cause::Unavailable
}

fn to_error(error: azure_core::Error) -> Error {
    let what = error.to_string();
    match cause(&error) {
        Cause::Http(status) => Error::Authentication {
            status,
            message: format!("azure_identity could not get a token: {what}"),
        },
        Cause::Unreachable => Error::Transport {
            message: format!("azure_identity could not reach its identity endpoint: {what}"),
            source: Some(Box::new(error)),
        },
        Cause::Unavailable => Error::Configuration(format!(
            "azure_identity could not get a token: {what}. Check that this identity is \
             available where the program runs (the managed identity is enabled, the token \
             file is mounted, or `az login` was run)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_before_the_epoch_read_as_expired() {
        assert_eq!(unix_time(-5), SystemTime::UNIX_EPOCH);
        assert_eq!(
            unix_time(60),
            SystemTime::UNIX_EPOCH + Duration::from_secs(60)
        );
    }

    #[test]
    fn errors_map_by_their_cause_along_the_chain() {
        let http = azure_core::Error::new(
            ErrorKind::HttpResponse {
                status: azure_core::http::StatusCode::Forbidden,
                error_code: None,
                raw_response: None,
            },
            std::io::Error::other("denied"),
        );
        let wrapped = azure_core::Error::with_error(ErrorKind::Credential, http, "MI failed");
        assert!(matches!(
            to_error(wrapped),
            Error::Authentication { status: 403, .. }
        ));

        let io = azure_core::Error::with_message(ErrorKind::Io, "connection refused");
        let wrapped = azure_core::Error::with_error(ErrorKind::Credential, io, "MI failed");
        assert!(matches!(to_error(wrapped), Error::Transport { .. }));

        let none = azure_core::Error::with_message(ErrorKind::Credential, "no token file");
        assert!(matches!(to_error(none), Error::Configuration(m) if m.contains("no token file")));
    }
}
