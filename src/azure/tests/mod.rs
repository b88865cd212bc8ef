//! Unit tests of the pure parts of the Azure client: parsing, patch bodies, Retry-After,
//! backoff, error envelopes and classification, the token bucket, operation handles and
//! the credentials Secret, the facts read before a change (subnets, SKUs); property tests of
//! every parser of outside data (`fuzz*.rs`).

mod credentials;
mod errors;
mod facts;
mod fixtures;
mod fuzz;
mod fuzz_inputs;
mod listing;
mod lro;
mod parse;
mod patch;
mod ratelimit;
mod retry;
mod token;

use serde_json::{Value, json};

use super::model::ServiceResource;

/// A Premium service in West Europe (3 units, zones 1-3) with East US (2 units, VNet,
/// zones) and North Europe (1 unit, gateway disabled) as additional regions.
pub(super) fn premium_body() -> Value {
    json!({
        "id": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim",
        "name": "apim",
        "location": "West Europe",
        "etag": "AAAAAAAAAAA=",
        "zones": ["1", "2", "3"],
        "sku": {"name": "Premium", "capacity": 3},
        "properties": {
            "provisioningState": "Succeeded",
            "targetProvisioningState": "",
            "publisherEmail": "ops@example.com",
            "customProperties": {"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "False"},
            "additionalLocations": [
                {
                    "location": "East US",
                    "sku": {"name": "Premium", "capacity": 2},
                    "zones": ["1", "2"],
                    "virtualNetworkConfiguration": {"subnetResourceId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apim"},
                    "publicIpAddressId": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip-eastus",
                    "natGatewayState": "Disabled",
                    "disableGateway": false,
                    "publicIPAddresses": ["40.70.24.106"],
                    "privateIPAddresses": null,
                    "gatewayRegionalUrl": "https://apim-eastus-01.regional.azure-api.net",
                    "platformVersion": "stv2",
                    "someFutureField": {"kept": true}
                },
                {
                    "location": "North Europe",
                    "sku": {"name": "Premium", "capacity": 1},
                    "zones": null,
                    "disableGateway": true,
                    "gatewayRegionalUrl": "https://apim-northeurope-01.regional.azure-api.net",
                    "platformVersion": "stv2"
                }
            ]
        }
    })
}

pub(super) fn premium() -> ServiceResource {
    ServiceResource::from_value(premium_body()).expect("the Premium example parses")
}
