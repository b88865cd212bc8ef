//! The simulator over real HTTPS, in one test binary: identity, the command line, ARM
//! conformance, faults and throttling, long-running operations, bad input.

mod auth;
mod bad_input;
mod cli;
mod conformance;
mod faults;
mod operations;
mod support;
