//! The simulator over real HTTPS, in one test binary: identity, the command line, ARM
//! conformance, faults and throttling, long-running operations, absurd `Retry-After`
//! switches, bad input, Azure's newer rules (scale-in guardrail, locks, zones, subnets,
//! `/skus`), and property tests of every parser of outside data.

mod arbitrary;
mod auth;
mod autoscale;
mod bad_input;
mod cli;
mod conformance;
mod faults;
mod locks;
mod operations;
mod properties;
mod retry_after;
mod scale_in;
mod skus;
mod subnets;
mod support;
mod zones;
