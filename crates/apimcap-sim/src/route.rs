//! Which ARM resource a path names. Literal segments compare case-insensitively, as in ARM.

/// The ARM resources the simulator serves.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// `/subscriptions/{sub}/providers/Microsoft.ApiManagement/service`: every service of
    /// the subscription, a page at a time.
    SubscriptionList {
        sub: String,
    },
    List {
        sub: String,
        rg: String,
    },
    Service {
        sub: String,
        rg: String,
        name: String,
    },
    Skus {
        sub: String,
        rg: String,
        name: String,
    },
    Metrics {
        sub: String,
        rg: String,
        name: String,
    },
    /// `{service}/tenant/operationResults/{id}` (the `Azure-AsyncOperation` URL under the
    /// service, the default since May 2025).
    ServiceStatus {
        sub: String,
        rg: String,
        name: String,
        id: String,
    },
    /// `.../providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{name}`.
    Subnet {
        sub: String,
        rg: String,
    },
    /// `{service}/operationresults/{id}` (the `Location` URL).
    ServiceResult {
        sub: String,
        rg: String,
        name: String,
        id: String,
    },
    /// `/subscriptions/{sub}/providers/Microsoft.ApiManagement/locations/{loc}/operationResults/{id}`.
    LocationResult {
        sub: String,
        id: String,
    },
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/autoscaleSettings`.
    AutoscaleSettings {
        sub: String,
        rg: String,
    },
    /// `.../locations/{loc}/operationStatuses/{id}` (the `Azure-AsyncOperation` URL).
    LocationStatus {
        sub: String,
        id: String,
    },
}

impl Route {
    pub fn parse(path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let lower: Vec<String> = segments.iter().map(|s| s.to_lowercase()).collect();
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        let s = |i: usize| segments[i].to_string();
        let provider = |i: usize| {
            l.get(i) == Some(&"providers") && l.get(i + 1) == Some(&"microsoft.apimanagement")
        };
        if l.first() != Some(&"subscriptions") || segments.len() < 2 || segments[1].is_empty() {
            return None;
        }
        if l.len() == 5 && provider(2) && l[4] == "service" {
            return Some(Route::SubscriptionList { sub: s(1) });
        }
        if l.get(2) == Some(&"providers")
            && provider(2)
            && l.get(4) == Some(&"locations")
            && l.len() == 8
        {
            return match l[6] {
                "operationresults" => Some(Route::LocationResult {
                    sub: s(1),
                    id: s(7),
                }),
                "operationstatuses" => Some(Route::LocationStatus {
                    sub: s(1),
                    id: s(7),
                }),
                _ => None,
            };
        }
        let network = l.len() == 10
            && l.get(2) == Some(&"resourcegroups")
            && l[4] == "providers"
            && l[5] == "microsoft.network"
            && l[6] == "virtualnetworks"
            && l[8] == "subnets";
        if network && segments.iter().all(|s| !s.is_empty()) {
            return Some(Route::Subnet {
                sub: s(1),
                rg: s(3),
            });
        }
        if l.len() == 7
            && l[2] == "resourcegroups"
            && l[4] == "providers"
            && l[5] == "microsoft.insights"
            && l[6] == "autoscalesettings"
            && !segments[3].is_empty()
        {
            return Some(Route::AutoscaleSettings {
                sub: s(1),
                rg: s(3),
            });
        }
        if l.get(2) != Some(&"resourcegroups") || l.len() < 7 || !provider(4) || l[6] != "service" {
            return None;
        }
        let (sub, rg) = (s(1), s(3));
        match l.len() {
            7 => Some(Route::List { sub, rg }),
            8 => Some(Route::Service {
                sub,
                rg,
                name: s(7),
            }),
            9 if l[8] == "skus" => Some(Route::Skus {
                sub,
                rg,
                name: s(7),
            }),
            10 if l[8] == "operationresults" => Some(Route::ServiceResult {
                sub,
                rg,
                name: s(7),
                id: s(9),
            }),
            11 if l[8] == "tenant" && l[9] == "operationresults" => Some(Route::ServiceStatus {
                sub,
                rg,
                name: s(7),
                id: s(10),
            }),
            11 if l[8] == "providers" && l[9] == "microsoft.insights" && l[10] == "metrics" => {
                Some(Route::Metrics {
                    sub,
                    rg,
                    name: s(7),
                })
            }
            _ => None,
        }
    }

    pub fn subscription(&self) -> &str {
        match self {
            Route::SubscriptionList { sub }
            | Route::List { sub, .. }
            | Route::Service { sub, .. }
            | Route::Skus { sub, .. }
            | Route::Metrics { sub, .. }
            | Route::ServiceResult { sub, .. }
            | Route::ServiceStatus { sub, .. }
            | Route::Subnet { sub, .. }
            | Route::AutoscaleSettings { sub, .. }
            | Route::LocationResult { sub, .. }
            | Route::LocationStatus { sub, .. } => sub,
        }
    }

    /// (resource group, service name) when the route names them.
    pub fn target(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Route::List { rg, .. }
            | Route::Subnet { rg, .. }
            | Route::AutoscaleSettings { rg, .. } => (Some(rg), None),
            Route::Service { rg, name, .. }
            | Route::Skus { rg, name, .. }
            | Route::Metrics { rg, name, .. }
            | Route::ServiceResult { rg, name, .. }
            | Route::ServiceStatus { rg, name, .. } => (Some(rg), Some(name)),
            _ => (None, None),
        }
    }

    /// The scope role assignments are checked against, and the action named in a 403.
    /// `path` is the request's path (a subnet's scope is the subnet itself).
    pub fn scope_and_action(&self, path: &str, write: bool) -> (String, &'static str) {
        let sub = self.subscription();
        if let Route::Subnet { .. } = self {
            let action = if write {
                "Microsoft.Network/virtualNetworks/subnets/write"
            } else {
                "Microsoft.Network/virtualNetworks/subnets/read"
            };
            return (path.trim_end_matches('/').to_string(), action);
        }
        if let Route::AutoscaleSettings { rg, .. } = self {
            let action = if write {
                "Microsoft.Insights/autoscaleSettings/write"
            } else {
                "Microsoft.Insights/autoscaleSettings/read"
            };
            return (
                format!(
                    "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/autoscaleSettings"
                ),
                action,
            );
        }
        if let Route::SubscriptionList { .. } = self {
            // Listing needs read at the subscription: a grant on resource groups only is
            // refused (403), as in Azure.
            return (
                format!("/subscriptions/{sub}"),
                "Microsoft.ApiManagement/service/read",
            );
        }
        match self.target() {
            (Some(rg), Some(name)) if matches!(self, Route::ServiceStatus { .. }) => (
                format!(
                    "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}"
                ),
                "Microsoft.ApiManagement/service/tenant/operationResults/read",
            ),
            (Some(rg), Some(name)) if matches!(self, Route::Metrics { .. }) => (
                format!(
                    "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}"
                ),
                "microsoft.insights/metrics/read",
            ),
            (Some(rg), Some(name)) => (
                format!(
                    "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}"
                ),
                if write {
                    "Microsoft.ApiManagement/service/write"
                } else {
                    "Microsoft.ApiManagement/service/read"
                },
            ),
            (Some(rg), None) => (
                format!("/subscriptions/{sub}/resourceGroups/{rg}"),
                "Microsoft.ApiManagement/service/read",
            ),
            _ => (
                format!("/subscriptions/{sub}"),
                "Microsoft.ApiManagement/locations/operationResults/read",
            ),
        }
    }
}
