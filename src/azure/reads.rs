//! The reads that gather facts before a change: the subnet of a VNet-injected region and the
//! unit limits Azure reports for the service.

use reqwest::Method;
use url::Url;

use super::client::ArmClient;
use super::error::{AzureError, Call, RequestIds};
use super::model::ServiceRef;
use super::network::{NETWORK_API_VERSION, SubnetId, subnet_prefix};
use super::response::{Answer, failure, malformed};
use super::skus::parse_skus;
use crate::domain::{AzureLimits, SubnetPrefix};

impl ArmClient {
    /// `GET {arm}{subnetId}?api-version=2023-09-01`, read as the subnet's address prefix.
    pub(super) async fn read_subnet(&self, subnet_id: &str) -> Result<SubnetPrefix, AzureError> {
        let id = SubnetId::parse(subnet_id).map_err(|message| AzureError::Malformed {
            call: Call::GetSubnet,
            message,
            ids: RequestIds::default(),
        })?;
        let mut url = self.config().base_url.clone();
        url.path_segments_mut()
            .map_err(|()| AzureError::Config("the ARM endpoint cannot have a path".into()))?
            .pop_if_empty()
            .extend(id.segments());
        url.query_pairs_mut()
            .append_pair("api-version", NETWORK_API_VERSION);
        let answer = self
            .send(Call::GetSubnet, Method::GET, &url, id.subscription(), None)
            .await?;
        ok_body(Call::GetSubnet, &answer)?;
        subnet_prefix(&answer.body).map_err(|m| malformed(Call::GetSubnet, &answer, m))
    }

    /// `GET .../service/{name}/skus?api-version=...`, read as the maximum units per SKU.
    pub(super) async fn read_skus(&self, service: &ServiceRef) -> Result<AzureLimits, AzureError> {
        let mut url = self.service_url(service)?;
        url.path_segments_mut()
            .map_err(|()| AzureError::Config("the ARM endpoint cannot have a path".into()))?
            .push("skus");
        let answer = self
            .send(
                Call::GetSkus,
                Method::GET,
                &url,
                &service.subscription_id,
                None,
            )
            .await?;
        ok_body(Call::GetSkus, &answer)?;
        parse_skus(&answer.body).map_err(|m| malformed(Call::GetSkus, &answer, m))
    }

    /// Reads `first` and the pages after it (at most `max_pages`): `page` takes each 200
    /// answer in and names the next page, if any. Any other status is the call's failure;
    /// more pages than `max_pages` are an error (what was not read could matter).
    pub(super) async fn follow_pages(
        &self,
        call: Call,
        first: Url,
        subscription: &str,
        max_pages: usize,
        mut page: impl FnMut(&Answer) -> Result<Option<Url>, AzureError> + Send,
    ) -> Result<(), AzureError> {
        let mut url = first;
        for _ in 0..max_pages {
            let answer = self
                .send(call, Method::GET, &url, subscription, None)
                .await?;
            ok_body(call, &answer)?;
            match page(&answer)? {
                Some(next) => url = next,
                None => return Ok(()),
            }
        }
        Err(AzureError::Malformed {
            call,
            message: format!("more than {max_pages} pages"),
            ids: Default::default(),
        })
    }
}

/// A 200 passes; any other status is the call's failure, mapped like every other call.
fn ok_body(call: Call, answer: &Answer) -> Result<(), AzureError> {
    match answer.status.as_u16() {
        200 => Ok(()),
        _ => Err(failure(call, answer)),
    }
}
