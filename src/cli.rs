//! The `apimcap` command line.

use clap::{Parser, Subcommand};

use crate::sim::SimArgs;

/// Keeps the capacity of Azure API Management services where an ApimCapacity resource says.
#[derive(Debug, Parser)]
#[command(name = "apimcap", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the ApimCapacity CustomResourceDefinition as YAML.
    Crd,
    /// Run an HTTPS simulator of Azure Resource Manager, Entra ID and Azure Monitor for API
    /// Management services, seeded from a file.
    Sim(Box<SimArgs>),
}
