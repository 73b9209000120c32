//! The OAuth scope Microsoft identity platform tokens are asked with.

use crate::service::BaseUrl;

/// The OAuth scope a token for `base_url` is asked with: its origin and `/.default`, which is
/// `https://graph.microsoft.com/.default` for Graph and the same rule for the national clouds
/// (`https://graph.microsoft.us/.default`, `https://microsoftgraph.chinacloudapi.cn/.default`, …).
pub fn token_scopes(base_url: &BaseUrl) -> Vec<String> {
    let origin = match base_url.as_str().parse::<http::Uri>() {
        Ok(uri) => match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => base_url.as_str().to_string(),
        },
        Err(_) => base_url.as_str().to_string(),
    };
    vec![format!("{origin}/.default")]
}
