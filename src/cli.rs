//! The `apimcap` command line.

use clap::{Parser, Subcommand};

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
}
