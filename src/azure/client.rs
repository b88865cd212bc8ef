//! The ARM implementation of [`ApimApi`]: requests with ids, token, rate limit and retries.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName};
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use super::ApimApi;
use super::config::ArmConfig;
use super::error::{AzureError, Call, RequestIds};
use super::lro::{self, OperationHandle, PatchOutcome, PollOutcome, PollReading, PollStyle};
use super::model::{ServiceRef, ServiceResource};
use super::patch::{CapacityPatch, build_patch_body};
use super::ratelimit::{Access, RateLimiter};
use super::response::{
    Answer, BodyError, error_chain, failure, header, malformed, max_body_bytes, parse_error,
    parse_service, read_body, retry_after, too_large,
};
use super::tls::{HttpClientSettings, build_http_client};
use super::token::{ArmCredential, TokenCache};
use crate::domain::{AzureLimits, SubnetPrefix};

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
const REQUEST_ID: &str = "x-ms-request-id";
const CORRELATION_ID: &str = "x-ms-correlation-request-id";
const ASYNC_OPERATION: &str = "azure-asyncoperation";

/// What the client shares between the clones made for other credentials.
#[derive(Debug)]
struct Shared {
    config: ArmConfig,
    http: reqwest::Client,
    limiter: RateLimiter,
    observer: Option<Arc<dyn RequestObserver>>,
}

/// Sees every ARM answer: the HTTP method and status code, or `None` when no answer came.
pub trait RequestObserver: Send + Sync {
    fn observe(&self, method: &str, status: Option<u16>);
}

impl std::fmt::Debug for dyn RequestObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestObserver")
    }
}

/// The Azure Resource Manager client for API Management services.
#[derive(Debug, Clone)]
pub struct ArmClient {
    shared: Arc<Shared>,
    /// `None` until a credential is given ([`ArmClient::with_credential`]).
    token: Option<Arc<TokenCache>>,
    /// The `x-ms-client-request-id` of this client's writes, when the caller chose it (so it
    /// can be recorded before the write); a new one per request otherwise.
    write_request_id: Option<Arc<str>>,
}

impl ArmClient {
    /// The same client, reporting every HTTP answer (or failure to get one) to `observer`,
    /// e.g. for metrics.
    pub fn with_observer(mut self, observer: Arc<dyn RequestObserver>) -> Self {
        match Arc::get_mut(&mut self.shared) {
            Some(shared) => shared.observer = Some(observer),
            None => tracing::warn!("an observer must be set before the client is cloned; ignored"),
        }
        self
    }

    /// Builds a client for the configuration, authenticating with `credential`.
    pub fn new(
        config: ArmConfig,
        credential: impl Into<ArmCredential>,
    ) -> Result<Self, AzureError> {
        Ok(Self::unauthenticated(config)?.with_credential(credential))
    }

    /// Builds a client without a credential (HTTPS settings, rate limits); each resource's
    /// credential is added with [`ArmClient::with_credential`]. Calls fail until then.
    pub fn unauthenticated(config: ArmConfig) -> Result<Self, AzureError> {
        config.validate()?;
        let http = build_http_client(&HttpClientSettings::from(&config))?;
        let limiter = RateLimiter::new(config.rate_limit);
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                http,
                limiter,
                observer: None,
            }),
            token: None,
            write_request_id: None,
        })
    }

    /// The same client, its writes (every attempt of them) sent with this
    /// `x-ms-client-request-id`.
    pub fn with_write_request_id(&self, id: &str) -> Self {
        Self {
            write_request_id: Some(Arc::from(id)),
            ..self.clone()
        }
    }

    /// The same client (HTTP connections, rate limits) with another credential and its own
    /// token cache; for services reached with per-resource credentials.
    pub fn with_credential(&self, credential: impl Into<ArmCredential>) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            token: Some(Arc::new(TokenCache::new(
                credential.into(),
                self.shared.config.token_scope.clone(),
            ))),
            write_request_id: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ArmConfig {
        &self.shared.config
    }

    /// The HTTPS client (with the CA bundle); credentials can use it as their transport.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.shared.http
    }

    pub(super) fn service_url(&self, service: &ServiceRef) -> Result<Url, AzureError> {
        service.validate().map_err(AzureError::Config)?;
        let mut url = self.shared.config.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| AzureError::Config("the ARM endpoint cannot have a path".into()))?
            .pop_if_empty()
            .extend([
                "subscriptions",
                &service.subscription_id,
                "resourceGroups",
                &service.resource_group,
                "providers",
                "Microsoft.ApiManagement",
                "service",
                &service.name,
            ]);
        url.query_pairs_mut()
            .append_pair("api-version", &self.shared.config.api_version);
        Ok(url)
    }

    /// Sends one logical call: rate limit, token, ids, one refresh after a 401, and retries
    /// of 429/5xx (and of connection errors and timeouts for reads) within the budget.
    pub(super) async fn send(
        &self,
        call: Call,
        method: Method,
        url: &Url,
        subscription: &str,
        body: Option<&Value>,
    ) -> Result<Answer, AzureError> {
        let access = if method == Method::GET {
            Access::Read
        } else {
            Access::Write
        };
        let Some(tokens) = &self.token else {
            return Err(AzureError::Config(
                "no Azure credential was given to the client".into(),
            ));
        };
        let retry = self.shared.config.retry;
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut refreshed = false;
        let mut refresh = false;
        loop {
            attempt += 1;
            self.shared.limiter.acquire(subscription, access).await;
            let token = tokens.token(refresh).await?;
            refresh = false;
            let client_request_id = match (&self.write_request_id, access) {
                (Some(id), Access::Write) => id.to_string(),
                _ => uuid::Uuid::new_v4().to_string(),
            };
            let mut request = self
                .shared
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.token.secret())
                .header(reqwest::header::ACCEPT, "application/json")
                .header(CLIENT_REQUEST_ID, client_request_id.as_str());
            if let Some(body) = body {
                request = request.json(body);
            }
            let mut ids = RequestIds {
                client_request_id,
                ..RequestIds::default()
            };
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    ids.request_id = header(&headers, REQUEST_ID);
                    ids.correlation_request_id = header(&headers, CORRELATION_ID);
                    match read_body(response, max_body_bytes(call)).await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(BodyError::Read(e)) => Err(e),
                        Err(BodyError::TooLarge) => {
                            if let Some(observer) = &self.shared.observer {
                                observer.observe(method.as_str(), Some(status.as_u16()));
                            }
                            return Err(too_large(call, status, ids));
                        }
                    }
                }
                Err(e) => Err(e),
            };
            let (status, headers, body) = match outcome {
                Ok(answer) => answer,
                Err(e) => {
                    if let Some(observer) = &self.shared.observer {
                        observer.observe(method.as_str(), None);
                    }
                    let message = error_chain(&e);
                    tracing::debug!(?call, %method, path = url.path(), attempt,
                        client_request_id = %ids.client_request_id, error = %message, "ARM request failed");
                    let error = if e.is_timeout() {
                        AzureError::Timeout { call, message, ids }
                    } else {
                        AzureError::Connection { call, message, ids }
                    };
                    let wait = retry.next_wait(attempt, started.elapsed(), None, &mut rand::rng());
                    if access == Access::Read
                        && let Some(wait) = wait
                    {
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(error);
                }
            };
            tracing::debug!(?call, %method, path = url.path(), status = status.as_u16(), attempt,
                client_request_id = %ids.client_request_id,
                request_id = ids.request_id.as_deref().unwrap_or(""),
                correlation_request_id = ids.correlation_request_id.as_deref().unwrap_or(""),
                "ARM request");
            let code = status.as_u16();
            if let Some(observer) = &self.shared.observer {
                observer.observe(method.as_str(), Some(code));
            }
            if code == 401 && !refreshed {
                refreshed = true;
                refresh = true;
                attempt -= 1;
                continue;
            }
            if code == 429 || (500..600).contains(&code) {
                let retry_after = retry_after(&headers);
                let wait =
                    retry.next_wait(attempt, started.elapsed(), retry_after, &mut rand::rng());
                if let Some(wait) = wait {
                    tracing::debug!(?call, status = code, ?wait, "retrying ARM request");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return Ok(Answer {
                status,
                headers,
                body,
                ids,
            });
        }
    }

    fn handle_from(&self, answer: &Answer) -> Result<Option<OperationHandle>, AzureError> {
        let status = header(&answer.headers, ASYNC_OPERATION);
        let location = header(&answer.headers, "location");
        let found = lro::operation_url(
            status.as_deref(),
            location.as_deref(),
            &self.shared.config.base_url,
        )?;
        Ok(found.map(|(url, style)| OperationHandle {
            url,
            style,
            retry_after: self.poll_wait(&answer.headers),
            started_at: jiff::Timestamp::now(),
        }))
    }

    fn poll_wait(&self, headers: &HeaderMap) -> Duration {
        self.shared.config.retry_after.apply(retry_after(headers))
    }
}

#[async_trait]
impl ApimApi for ArmClient {
    async fn get_service(&self, service: &ServiceRef) -> Result<ServiceResource, AzureError> {
        let url = self.service_url(service)?;
        let answer = self
            .send(
                Call::GetService,
                Method::GET,
                &url,
                &service.subscription_id,
                None,
            )
            .await?;
        match answer.status.as_u16() {
            200 => parse_service(Call::GetService, &answer),
            _ => Err(failure(Call::GetService, &answer)),
        }
    }

    async fn patch_capacity(
        &self,
        service: &ServiceRef,
        current: &ServiceResource,
        target: &CapacityPatch,
    ) -> Result<PatchOutcome, AzureError> {
        let Some(body) = build_patch_body(current, target)? else {
            return Ok(PatchOutcome::Done(current.clone()));
        };
        let url = self.service_url(service)?;
        let answer = self
            .send(
                Call::PatchCapacity,
                Method::PATCH,
                &url,
                &service.subscription_id,
                Some(&body),
            )
            .await?;
        match answer.status.as_u16() {
            200 => parse_service(Call::PatchCapacity, &answer).map(PatchOutcome::Done),
            201..=299 => match self.handle_from(&answer)? {
                Some(handle) => Ok(PatchOutcome::Started(handle)),
                None if !answer.body.is_empty() => {
                    parse_service(Call::PatchCapacity, &answer).map(PatchOutcome::Done)
                }
                None => Err(AzureError::MissingOperationUrl {
                    status: answer.status.as_u16(),
                    ids: answer.ids,
                }),
            },
            _ => Err(failure(Call::PatchCapacity, &answer)),
        }
    }

    async fn get_subnet(&self, subnet_id: &str) -> Result<SubnetPrefix, AzureError> {
        self.read_subnet(subnet_id).await
    }

    async fn get_skus(&self, service: &ServiceRef) -> Result<AzureLimits, AzureError> {
        self.read_skus(service).await
    }

    async fn poll_operation(&self, op: &OperationHandle) -> Result<PollOutcome, AzureError> {
        if op.style == PollStyle::Service {
            return Err(AzureError::InvalidOperationUrl(
                "an operation followed by reading the service has no URL to poll".into(),
            ));
        }
        let url = lro::validate_operation_url(&op.url, &self.shared.config.base_url)?;
        let subscription = lro::subscription_of(&url).unwrap_or_default();
        let answer = self
            .send(Call::PollOperation, Method::GET, &url, &subscription, None)
            .await?;
        match lro::read_poll_answer(op.style, answer.status.as_u16(), &answer.body) {
            PollReading::Running => Ok(PollOutcome::Running {
                retry_after: self.poll_wait(&answer.headers),
            }),
            PollReading::Ended(outcome) => Ok(outcome),
            PollReading::Malformed(message) => {
                Err(malformed(Call::PollOperation, &answer, message))
            }
            PollReading::BadService(e) => Err(parse_error(Call::PollOperation, &answer, e)),
            PollReading::ReadFailed => Err(failure(Call::PollOperation, &answer)),
        }
    }
}
