//! What a capacity change costs and whether it needs a person's approval.
//!
//! - [`money`]: amounts in integer cents, unit-hour rates in millionths, decimal text.
//! - [`prices`], [`retail_page`], [`fetch`], [`cache`]: unit list prices from Azure's Retail
//!   Prices API (bounded, lenient, same origin), kept a day; [`table`] when it is unreachable.
//! - [`estimate`]: the monthly price of the live and the desired capacity, and the difference;
//!   [`quotes`]: the snapshot of prices one decision reads.
//! - [`approval`]: the plan hash and the approval gate.
//! - [`report`]: the versioned JSON document of `apimcap plan -o json`; [`report_build`]
//!   builds it.
//!
//! Everything but [`fetch`], [`cache::fetch_all`] and [`service`] is pure: no I/O, the clock
//! passed in.
//!
//! # In the reconcile
//!
//! 1. Gather, after the GET of the service: the keys of every region of the live and the
//!    desired capacity ([`wanted`], [`PriceCache::key`]); under the shared cache's lock take
//!    [`PriceCache::claim`], release it, read them with [`fetch_all`] over an
//!    [`HttpPageSource`], and [`PriceCache::record`] the results; the decision gets a [`Quotes`] snapshot. A key is read at most once
//!    a day, and an hour after a failure; prices.azure.com is not ARM and costs no ARM reads.
//! 2. Decide: [`estimate_change`] with [`PriceCache::lookup`] gives `status.cost`
//!    ([`CostChange::to_status`]). Once consent passed, [`gate`] decides: `Needed` starts
//!    nothing (Ready False, reason `AwaitingApproval`, [`Gate::message`]); `Approved` and
//!    `NotNeeded` go on to the change window. `status.approval` is [`Gate::status`] with
//!    [`approver`] of the object's managed fields.
//! 3. `apimcap plan -o json` prints [`report_build::build`]'s [`report::PlanReport`].

pub mod approval;
pub mod cache;
pub mod estimate;
pub mod fetch;
pub mod money;
pub mod price_key;
pub mod prices;
pub mod quotes;
pub mod report;
pub mod report_build;
pub mod retail_page;
pub mod service;
pub mod table;

#[cfg(test)]
mod approval_tests;
#[cfg(test)]
mod estimate_tests;
#[cfg(test)]
mod prices_tests;
#[cfg(test)]
mod report_tests;

pub use approval::{Gate, GateInput, PlanHash, approver, gate, plan_hash};
pub use cache::{PRICE_TTL, PriceCache, fetch_all};
pub use estimate::{
    CostChange, CostError, CostEstimate, PricedCapacity, estimate, estimate_change,
};
pub use fetch::HttpPageSource;
pub use money::{Currency, Money, UnitRate, format_monthly, format_monthly_delta};
pub use prices::{
    DEFAULT_ENDPOINT, FetchLimits, PageSource, PriceError, PriceKey, PriceLookup, Quote,
    fetch_quote, parse_endpoint,
};
pub use quotes::{Quotes, cost_of_change, wanted};
pub use report::PlanReport;
pub use report_build::{ReportInput, build as build_report};
pub use service::{PriceService, PriceSettings, PriceSettingsError};
pub use table::BuiltInPrices;
