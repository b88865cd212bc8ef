//! The kube-runtime glue: watch ApimCapacity resources and reconcile each one.
//!
//! A reconcile is a pipeline ([`reconcile`]): [`gather`] reads what [`decide`] asks for,
//! `decide` (pure) takes every decision, [`act`] sends the one PATCH it may start, and
//! [`crate::status`] (pure) computes the next status, which [`reconcile`] writes only when
//! it changed, with the Events of the transition ([`events`]). [`run`] wires the watch ([`watch`]),
//! leader election ([`leader`]) and the HTTP endpoints.

pub mod act;
pub mod autoscale_cache;
pub mod azure_log;
pub mod clients;
pub mod clock;
pub mod context;
pub mod decide;
pub mod durations_store;
pub mod election;
pub mod events;
pub mod fence;
pub mod field_manager;
pub mod gather;
pub mod gather_autoscale;
pub mod heartbeat;
pub mod leader;
pub mod lister;
pub mod listing;
pub mod outcomes;
pub mod ownership;
pub mod read_cache;
pub mod read_facts;
pub mod reads;
pub mod reconcile;
pub mod run;
pub mod secrets;
pub mod shard;
pub mod shard_watch;
pub mod signals;
pub mod slim;
pub mod watch;

pub use run::{LeaseSettings, RunConfig, RunError, run};
pub use watch::RECONCILE_REQUESTED_AT;
