//! The ARM client against the HTTPS simulator (and a canned server for answers the
//! simulator never gives), in one test binary; no control plane.

mod support;

mod arm_autoscale_reads;
mod arm_client;
mod arm_client_credentials;
mod arm_client_edge;
mod arm_client_faults;
mod arm_client_limits;
mod arm_client_managed_identity;
mod arm_client_monitor;
mod arm_client_preflight;
mod arm_service_listing;
