//! Endpoint checks and request URLs.

use instructor_core::{Error, Feature, Result, Support};
use url::Url;

use crate::api_version::ApiVersion;

/// Refuses schemes other than https, and plain http except for loopback hosts.
pub(crate) fn check_scheme(url: &Url) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::Configuration(format!(
            "refusing plain http:// to {}: keys and tokens would travel unencrypted. Use https:// \
             (plain http is allowed only for localhost, 127.0.0.0/8 and ::1)",
            url.host_str().unwrap_or("?")
        ))),
        other => Err(Error::Configuration(format!(
            "unsupported URL scheme `{other}` in {}; use https://",
            origin(url)
        ))),
    }
}

/// Whether a redirect from `from` to `to` may be followed: never from https down to http, never
/// from a remote endpoint to this machine (a hostile endpoint must not make the client POST to
/// local services), and plain http only between loopback addresses.
pub(crate) fn check_redirect(from: &Url, to: &Url) -> std::result::Result<(), &'static str> {
    let (from_local, to_local) = (is_loopback(from), is_loopback(to));
    match (from.scheme(), to.scheme()) {
        (_, "https") if to_local && !from_local => Err("from a remote endpoint to this machine"),
        (_, "https") => Ok(()),
        ("http", "http") if from_local && to_local => Ok(()),
        ("https", "http") => Err("from https down to plain http"),
        (_, "http") => Err("to plain http on another host"),
        _ => Err("to a scheme other than https"),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `scheme://host:port`, never the path, query or user info.
pub(crate) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// True when both URLs have the same scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// Parses a base URL given by the user, refusing what is not a usable endpoint.
pub(crate) fn parse_base(raw: &str, what: &str) -> Result<Url> {
    let raw = raw.trim();
    let url = Url::parse(raw).map_err(|e| {
        Error::Configuration(format!(
            "{what} `{raw}` is not a URL ({e}); it looks like https://my-resource.openai.azure.com"
        ))
    })?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::Configuration(format!(
            "{what} `{raw}` has no host; it looks like https://my-resource.openai.azure.com"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Configuration(format!(
            "{what} must not carry user info; pass the key with .api_key()"
        )));
    }
    check_scheme(&url)?;
    Ok(url)
}

/// The Azure resource root: the endpoint without a trailing `/openai` or `/openai/v1`.
pub(crate) fn azure_root(endpoint: &Url) -> Url {
    let mut root = endpoint.clone();
    root.set_query(None);
    root.set_fragment(None);
    let path = root.path().trim_end_matches('/').to_string();
    let path = path
        .strip_suffix("/openai/v1")
        .or_else(|| path.strip_suffix("/openai"))
        .unwrap_or(&path)
        .to_string();
    root.set_path(&path);
    root
}

fn with_segments(base: &Url, segments: &[&str]) -> Result<Url> {
    let mut url = base.clone();
    {
        let mut segs = url.path_segments_mut().map_err(|_| {
            Error::Configuration(format!("the endpoint {} cannot take a path", origin(base)))
        })?;
        segs.pop_if_empty();
        segs.extend(segments);
    }
    Ok(url)
}

/// `{root}/openai/deployments/{deployment}/chat/completions?api-version=V`, or for `v1`/`preview`
/// `{root}/openai/v1/chat/completions` (with `?api-version=preview` for `preview`).
pub(crate) fn azure_chat_url(root: &Url, version: &ApiVersion, deployment: &str) -> Result<Url> {
    if version.is_v1() {
        let mut url = with_segments(root, &["openai", "v1", "chat", "completions"])?;
        if version.as_str() == "preview" {
            url.query_pairs_mut().append_pair("api-version", "preview");
        }
        Ok(url)
    } else {
        let mut url = with_segments(
            root,
            &["openai", "deployments", deployment, "chat", "completions"],
        )?;
        url.query_pairs_mut()
            .append_pair("api-version", version.as_str());
        Ok(url)
    }
}

/// Where the Responses API is: `{root}/openai/v1/responses` for `v1`/`preview`,
/// `{root}/openai/responses?api-version=V` for a dated version that has it (2025-03-01-preview and
/// later), nowhere before.
pub(crate) fn azure_responses_url(root: &Url, version: &ApiVersion) -> Result<Option<Url>> {
    if version.is_v1() {
        let mut url = with_segments(root, &["openai", "v1", "responses"])?;
        if version.as_str() == "preview" {
            url.query_pairs_mut().append_pair("api-version", "preview");
        }
        return Ok(Some(url));
    }
    if version.supports(Feature::Responses) != Support::Yes {
        return Ok(None);
    }
    let mut url = with_segments(root, &["openai", "responses"])?;
    url.query_pairs_mut()
        .append_pair("api-version", version.as_str());
    Ok(Some(url))
}

/// `{base}/responses` for OpenAI-compatible servers.
pub(crate) fn openai_responses_url(base: &Url) -> Result<Url> {
    let mut base = base.clone();
    base.set_fragment(None);
    let query = base.query().map(str::to_string);
    base.set_query(None);
    let mut url = with_segments(&base, &["responses"])?;
    url.set_query(query.as_deref());
    Ok(url)
}

/// `{root}/openai/{path…}?api-version=V` for the files and batches calls, or for `v1`/`preview`
/// `{root}/openai/v1/{path…}` (with `?api-version=preview` for `preview`).
pub(crate) fn azure_api_url(root: &Url, version: &ApiVersion, path: &[&str]) -> Result<Url> {
    let prefix: &[&str] = if version.is_v1() {
        &["openai", "v1"]
    } else {
        &["openai"]
    };
    let segments: Vec<&str> = prefix.iter().chain(path).copied().collect();
    let mut url = with_segments(root, &segments)?;
    if !version.is_v1() || version.as_str() == "preview" {
        url.query_pairs_mut()
            .append_pair("api-version", version.as_str());
    }
    Ok(url)
}

/// `{base}/chat/completions` for OpenAI-compatible servers.
pub(crate) fn openai_chat_url(base: &Url) -> Result<Url> {
    let mut base = base.clone();
    base.set_fragment(None);
    let query = base.query().map(str::to_string);
    base.set_query(None);
    let mut url = with_segments(&base, &["chat", "completions"])?;
    url.set_query(query.as_deref());
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let v = ApiVersion::parse("2024-10-21").unwrap();
        for ep in [
            "https://x.openai.azure.com",
            "https://x.openai.azure.com/",
            "https://x.openai.azure.com/openai",
            "https://x.openai.azure.com/openai/v1/",
        ] {
            let root = azure_root(&parse_base(ep, "endpoint").unwrap());
            assert_eq!(
                azure_chat_url(&root, &v, "gpt 4o").unwrap().as_str(),
                "https://x.openai.azure.com/openai/deployments/gpt%204o/chat/completions?api-version=2024-10-21"
            );
        }
        let root = azure_root(&parse_base("https://x.openai.azure.com", "e").unwrap());
        let v1 = ApiVersion::parse("v1").unwrap();
        assert_eq!(
            azure_chat_url(&root, &v1, "d").unwrap().as_str(),
            "https://x.openai.azure.com/openai/v1/chat/completions"
        );
        assert_eq!(
            azure_api_url(&root, &v1, &["files", "file-1", "content"])
                .unwrap()
                .as_str(),
            "https://x.openai.azure.com/openai/v1/files/file-1/content"
        );
        assert_eq!(
            azure_api_url(&root, &v, &["batches"]).unwrap().as_str(),
            "https://x.openai.azure.com/openai/batches?api-version=2024-10-21"
        );
        let base = parse_base("http://127.0.0.1:8080/v1/", "base").unwrap();
        assert_eq!(
            openai_chat_url(&base).unwrap().as_str(),
            "http://127.0.0.1:8080/v1/chat/completions"
        );
    }

    #[test]
    fn redirects_never_downgrade_nor_turn_to_this_machine() {
        let u = |s: &str| Url::parse(s).unwrap();
        let ok = [
            ("https://x.openai.azure.com", "https://y.openai.azure.com/a"),
            ("https://localhost:1", "https://127.0.0.1:2"),
            ("http://127.0.0.1:1", "http://localhost:2"),
            ("http://127.0.0.1:1", "https://x.openai.azure.com"),
        ];
        for (from, to) in ok {
            assert!(check_redirect(&u(from), &u(to)).is_ok(), "{from} -> {to}");
        }
        let refused = [
            ("https://localhost:1", "http://127.0.0.1:2"),
            ("https://x.openai.azure.com", "http://127.0.0.1:2"),
            ("https://x.openai.azure.com", "https://127.0.0.1:2"),
            ("https://x.openai.azure.com", "https://[::1]:2"),
            ("https://x.openai.azure.com", "http://y.openai.azure.com"),
            ("http://127.0.0.1:1", "http://example.com"),
            ("https://x.openai.azure.com", "ftp://x.openai.azure.com"),
        ];
        for (from, to) in refused {
            assert!(check_redirect(&u(from), &u(to)).is_err(), "{from} -> {to}");
        }
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://localhost:1",
            "http://127.0.0.1",
            "http://127.5.0.1",
            "http://[::1]:8",
            "https://example.com",
        ] {
            assert!(parse_base(ok, "e").is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://localhost",
            "https://user:pw@example.com",
        ] {
            assert!(parse_base(bad, "e").is_err(), "{bad}");
        }
    }
}
