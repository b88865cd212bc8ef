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
        Command::Run(args) => {
            let format = args.log_format.unwrap_or_else(|| {
                if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    apim_capacity::telemetry::LogFormat::Text
                } else {
                    apim_capacity::telemetry::LogFormat::Json
                }
            });
            apim_capacity::telemetry::init(format);
            tokio::runtime::Runtime::new()
                .context("starting the async runtime")?
                .block_on(apim_capacity::controller::run(*args))
                .context("the controller stopped")?;
        }
        Command::Plan(args) => {
            apim_capacity::telemetry::init(apim_capacity::telemetry::LogFormat::Text);
            let text = tokio::runtime::Runtime::new()
                .context("starting the async runtime")?
                .block_on(apim_capacity::dry_run::run(*args))
                .context("could not plan")?;
            std::io::stdout()
                .write_all(text.as_bytes())
                .context("writing the plan")?;
        }
        #[cfg(feature = "sim")]
        Command::Sim(args) => {
            apim_capacity::telemetry::init(apim_capacity::telemetry::LogFormat::Text);
            tokio::runtime::Runtime::new()
                .context("starting the async runtime")?
                .block_on(apimcap_sim::run(*args))
                .context("the simulator stopped")?;
        }
    }
    Ok(())
}
