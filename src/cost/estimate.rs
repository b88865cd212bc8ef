//! The monthly list price of a capacity (tier and units per region), and the difference
//! between the live service and the desired one.
//!
//! A unit costs its hourly list price × 730 hours, rounded to the cent; a region costs its
//! units × that. Every unit is priced at its own region's `{Tier} Unit` meter, in the primary
//! region and in additional ones alike: whether Premium's `Secondary Unit` meter (possibly
//! cheaper) is what additional regions are billed at is unverified, so the estimate does not
//! count on it. It may overstate the cost of additional regions, never understate it, and a
//! cost threshold then errs on the side of asking for approval.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::money::{Currency, Money, format_monthly_delta};
use super::prices::{PriceLookup, Quote};
use super::table::BuiltInPrices;
use crate::api::{CapacityCostStatus, CostStatus, PriceOrigin, RegionCostStatus};
use crate::domain::{DesiredCapacity, LiveService, Location, Sku};
use crate::plan::Target;

/// Units of one region to price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedRegion {
    pub location: Location,
    pub units: u32,
    pub primary: bool,
}

/// A capacity to price: a tier and its regions, the primary first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCapacity {
    pub sku: Sku,
    pub regions: Vec<PricedRegion>,
}

impl PricedCapacity {
    /// The live service as Azure reported it.
    pub fn of_live(live: &LiveService) -> Self {
        let mut regions: Vec<PricedRegion> = live
            .regions
            .iter()
            .map(|r| PricedRegion {
                location: r.location.clone(),
                units: r.units,
                primary: r.primary,
            })
            .collect();
        regions.sort_by_key(|r| !r.primary);
        PricedCapacity {
            sku: live.sku,
            regions,
        }
    }

    /// A step's target (what one PATCH sends) of a service whose primary is `primary`.
    pub fn of_target(target: &Target, primary: &Location) -> Self {
        let first = PricedRegion {
            location: primary.clone(),
            units: target.primary_units,
            primary: true,
        };
        let others = target.additional.iter().map(|r| PricedRegion {
            location: r.location.clone(),
            units: r.units,
            primary: false,
        });
        PricedCapacity {
            sku: target.sku,
            regions: std::iter::once(first).chain(others).collect(),
        }
    }

    /// The desired capacity of a service whose primary is `primary`.
    pub fn of_desired(desired: &DesiredCapacity, primary: &Location) -> Self {
        let mut regions: Vec<PricedRegion> = desired
            .regions
            .iter()
            .map(|r| PricedRegion {
                location: r.location.clone(),
                units: r.units,
                primary: &r.location == primary,
            })
            .collect();
        regions.sort_by_key(|r| !r.primary);
        PricedCapacity {
            sku: desired.sku,
            regions,
        }
    }
}

/// The monthly price of one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCost {
    pub location: Location,
    pub units: u32,
    pub primary: bool,
    /// One unit for a month.
    pub unit_monthly: Money,
    /// `units` × `unit_monthly`.
    pub monthly: Money,
    /// The quote used.
    pub quote: Quote,
}

/// The monthly price of a capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostEstimate {
    pub currency: Currency,
    pub regions: Vec<RegionCost>,
    /// The sum of the regions.
    pub monthly: Money,
}

impl CostEstimate {
    /// `BuiltIn` if any price came from the built-in table.
    pub fn origin(&self) -> PriceOrigin {
        self.regions
            .iter()
            .map(|r| r.quote.origin)
            .max()
            .unwrap_or(PriceOrigin::RetailPricesApi)
    }

    /// The oldest price's date; `None` for a capacity without regions.
    pub fn as_of(&self) -> Option<Timestamp> {
        self.regions.iter().map(|r| r.quote.as_of).min()
    }

    fn to_status(&self) -> CapacityCostStatus {
        CapacityCostStatus {
            per_region: self
                .regions
                .iter()
                .map(|r| RegionCostStatus {
                    location: r.location.to_string(),
                    units: r.units,
                    primary: r.primary,
                    unit_monthly: r.unit_monthly.to_decimal_string(),
                    monthly: r.monthly.to_decimal_string(),
                    estimated: r.quote.estimated,
                })
                .collect(),
            monthly: self.monthly.to_decimal_string(),
        }
    }
}

/// Why a cost could not be estimated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    #[error("no price of the {sku} tier in {location}")]
    NoPrice { sku: Sku, location: Location },
    #[error("the prices are in different currencies ({0} and {1})")]
    MixedCurrencies(Currency, Currency),
}

/// The monthly price of `capacity` with the prices of `prices`, all in one currency.
pub fn estimate(
    capacity: &PricedCapacity,
    prices: &(impl PriceLookup + ?Sized),
) -> Result<CostEstimate, CostError> {
    let mut regions = Vec::with_capacity(capacity.regions.len());
    let mut currency: Option<Currency> = None;
    let mut monthly = Money::ZERO;
    for region in &capacity.regions {
        let quote = prices
            .quote(capacity.sku, &region.location)
            .ok_or_else(|| CostError::NoPrice {
                sku: capacity.sku,
                location: region.location.clone(),
            })?;
        match currency {
            Some(c) if c != quote.currency => {
                return Err(CostError::MixedCurrencies(c, quote.currency));
            }
            _ => currency = Some(quote.currency),
        }
        let unit_monthly = quote.rate.monthly();
        let region_monthly = unit_monthly.times(region.units);
        monthly = monthly.saturating_add(region_monthly);
        regions.push(RegionCost {
            location: region.location.clone(),
            units: region.units,
            primary: region.primary,
            unit_monthly,
            monthly: region_monthly,
            quote,
        });
    }
    Ok(CostEstimate {
        currency: currency.unwrap_or_default(),
        regions,
        monthly,
    })
}

/// What the live service and the desired one cost per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostChange {
    pub live: CostEstimate,
    pub desired: CostEstimate,
}

impl CostChange {
    /// The currency of both estimates.
    pub fn currency(&self) -> Currency {
        self.live.currency
    }

    /// `desired` − `live` per month.
    pub fn delta(&self) -> Money {
        self.desired.monthly.saturating_sub(self.live.monthly)
    }

    /// `BuiltIn` if any price came from the built-in table.
    pub fn origin(&self) -> PriceOrigin {
        self.live.origin().max(self.desired.origin())
    }

    /// The date of the oldest price used (the Unix epoch when nothing was priced).
    pub fn as_of(&self) -> Timestamp {
        self.live
            .as_of()
            .into_iter()
            .chain(self.desired.as_of())
            .min()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The change for people: `+11,180.68 USD/month`.
    pub fn summary(&self) -> String {
        format_monthly_delta(self.delta(), self.currency())
    }

    /// `status.cost`.
    pub fn to_status(&self) -> CostStatus {
        CostStatus {
            currency: self.currency().to_string(),
            source: self.origin(),
            as_of: Time(self.as_of()),
            live: self.live.to_status(),
            desired: self.desired.to_status(),
            monthly_delta: self.delta().to_signed_decimal_string(),
            summary: self.summary(),
        }
    }
}

/// Prices `live` and `desired` with `prices`. When that mixes currencies (the API answered
/// in the operator's currency for some regions and the built-in USD table stood in for
/// others), both are priced with the built-in table instead, so the two totals compare.
pub fn estimate_change(
    live: &PricedCapacity,
    desired: &PricedCapacity,
    prices: &(impl PriceLookup + ?Sized),
) -> Result<CostChange, CostError> {
    let priced = estimate(live, prices).and_then(|l| Ok((l, estimate(desired, prices)?)));
    let (live_cost, desired_cost) = match priced {
        Ok((l, d)) if l.regions.is_empty() || d.regions.is_empty() || l.currency == d.currency => {
            (l, d)
        }
        Ok(_) | Err(CostError::MixedCurrencies(..)) => (
            estimate(live, &BuiltInPrices)?,
            estimate(desired, &BuiltInPrices)?,
        ),
        Err(e) => return Err(e),
    };
    let currency = if live_cost.regions.is_empty() {
        desired_cost.currency
    } else {
        live_cost.currency
    };
    Ok(CostChange {
        live: CostEstimate {
            currency,
            ..live_cost
        },
        desired: CostEstimate {
            currency,
            ..desired_cost
        },
    })
}
