use std::io::Write;

use anyhow::Context;
use apim_capacity::api::crd;
use apim_capacity::cli::{Cli, Command};
use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Crd => {
            let yaml = crd::yaml().context("serialising the CRD")?;
            std::io::stdout()
                .write_all(yaml.as_bytes())
                .context("writing the CRD to stdout")?;
        }
    }
    Ok(())
}
