//! The reads of autoscale (Azure Monitor): the one metrics GET of a service, and the pages of
//! a resource group's autoscale settings (`nextLink` followed on the ARM endpoint only, at
//! most [`MAX_PAGES`]). Both go through [`ArmClient::send`]: the subscription's read budget,
//! throttling and retries apply as to every other read.

use reqwest::Method;

use super::client::ArmClient;
use super::error::{AzureError, Call};
use super::response::{Answer, failure, malformed};
use crate::autoscale::settings::{MAX_PAGES, next_page_url};
use crate::autoscale::{ArmGet, AutoscaleSetting, MetricReadings, SettingsPage};

impl ArmClient {
    /// `GET {arm}{request}`, the metrics of a service, read as [`MetricReadings`].
    pub async fn get_metrics(
        &self,
        request: &ArmGet,
        subscription: &str,
    ) -> Result<MetricReadings, AzureError> {
        let url = request.url(&self.config().base_url);
        let answer = self
            .send(Call::GetMetrics, Method::GET, &url, subscription, None)
            .await?;
        if answer.status.as_u16() != 200 {
            return Err(failure(Call::GetMetrics, &answer));
        }
        MetricReadings::parse(&answer.body)
            .map_err(|e| malformed(Call::GetMetrics, &answer, e.to_string()))
    }

    /// Every autoscale setting the listing `request` gives, page after page. A `nextLink`
    /// that leaves the ARM endpoint, or more than [`MAX_PAGES`] pages, is an error: a
    /// setting not read could be the one that conflicts.
    pub async fn list_autoscale_settings(
        &self,
        request: &ArmGet,
        subscription: &str,
    ) -> Result<Vec<AutoscaleSetting>, AzureError> {
        let call = Call::ListAutoscaleSettings;
        let base = self.config().base_url.clone();
        let mut settings = Vec::new();
        let read = |answer: &Answer| {
            let page = SettingsPage::parse(&answer.body)
                .map_err(|e| malformed(call, answer, e.to_string()))?;
            settings.extend(page.settings);
            match page.next_link {
                None => Ok(None),
                Some(link) => next_page_url(&base, &link).map(Some).ok_or_else(|| {
                    malformed(call, answer, "the nextLink leaves the ARM endpoint".into())
                }),
            }
        };
        let first = request.url(&base);
        self.follow_pages(call, first, subscription, MAX_PAGES, read)
            .await?;
        Ok(settings)
    }
}
