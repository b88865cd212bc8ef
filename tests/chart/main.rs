//! The Helm chart rendered with `helm template` and `helm lint`, and the Argo CD health script
//! it ships, in one test binary; no control plane (the install on a real apiserver is in the
//! e2e binary, `chart_install`).

mod support;

mod argocd_health;
mod chart;
mod chart_monitoring;
mod chart_rbac;
mod chart_safety;
mod chart_shards;
mod docs;
