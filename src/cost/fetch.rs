//! The HTTPS page source for the Retail Prices API: one GET per page, `https://` only, a
//! timeout, a body size limit enforced while reading, and no redirects followed.

use std::future::Future;

use url::Url;

use super::prices::{FetchLimits, PageSource, PriceError};
use crate::azure::AzureError;
use crate::azure::tls::{HttpClientSettings, build_http_client};

/// Fetches pages with a reqwest client.
#[derive(Debug, Clone)]
pub struct HttpPageSource {
    client: reqwest::Client,
}

impl HttpPageSource {
    /// A source over `client`. The client must not follow redirects (the walk follows
    /// `NextPageLink` only on the endpoint's origin; a redirect would get around that):
    /// clients from [`build_http_client`] do not.
    pub fn new(client: reqwest::Client) -> Self {
        HttpPageSource { client }
    }

    /// A source over a new client with the TLS trust (CA bundle, system roots) and connect
    /// timeout of `settings`, redirects off.
    pub fn from_settings(settings: &HttpClientSettings) -> Result<Self, AzureError> {
        build_http_client(settings).map(HttpPageSource::new)
    }
}

fn transport(error: reqwest::Error) -> PriceError {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    PriceError::Transport(format!("{kind}: {}", error.without_url()))
}

impl PageSource for HttpPageSource {
    fn get(
        &self,
        url: &Url,
        limits: &FetchLimits,
    ) -> impl Future<Output = Result<Vec<u8>, PriceError>> + Send {
        let secure = url.scheme() == "https";
        let shown = url.as_str().chars().take(200).collect::<String>();
        let request = self
            .client
            .get(url.clone())
            .timeout(limits.timeout)
            .header(http::header::ACCEPT, "application/json");
        let max = limits.max_body_bytes;
        async move {
            if !secure {
                return Err(PriceError::InvalidEndpoint(shown));
            }
            let mut response = request.send().await.map_err(transport)?;
            let status = response.status();
            if !status.is_success() {
                return Err(PriceError::Http(status.as_u16()));
            }
            if response
                .content_length()
                .is_some_and(|length| length > max as u64)
            {
                return Err(PriceError::BodyTooLarge(max));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if body.len().saturating_add(chunk.len()) > max {
                    return Err(PriceError::BodyTooLarge(max));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plain_http_is_refused_without_a_request() {
        crate::azure::tls::install_crypto_provider();
        let source = HttpPageSource::new(reqwest::Client::new());
        let url = Url::parse("http://127.0.0.1:9/api/retail/prices").expect("valid");
        let result = source.get(&url, &FetchLimits::default()).await;
        assert!(matches!(result, Err(PriceError::InvalidEndpoint(_))));
    }
}
