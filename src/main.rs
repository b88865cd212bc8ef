//! `apimcap`: parse the command line, start telemetry, dispatch.

mod cli;
mod kubectl;

use std::io::Write;

use anyhow::Context;
use apim_capacity::api::crd;
use apim_capacity::telemetry::{self, LogFormat};
use clap::Parser;
use cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    if kubectl::invoked_as_plugin() {
        return kubectl::main();
    }
    let cli = Cli::parse();
    let runtime = || tokio::runtime::Runtime::new().context("starting the async runtime");
    match cli.command {
        Command::Crd => {
            let yaml = crd::yaml().context("serialising the CRD")?;
            std::io::stdout()
                .write_all(yaml.as_bytes())
                .context("writing the CRD to stdout")?;
        }
        Command::Run(args) => {
            let format = args.log_format.map(LogFormat::from).unwrap_or_else(|| {
                if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    LogFormat::Text
                } else {
                    LogFormat::Json
                }
            });
            telemetry::init(format);
            let config = args.config().map_err(anyhow::Error::msg)?;
            runtime()?
                .block_on(apim_capacity::controller::run(config))
                .context("the controller stopped")?;
        }
        Command::Plan(args) => {
            telemetry::init(LogFormat::Text);
            let options = args.options()?;
            let text = runtime()?
                .block_on(apim_capacity::dry_run::run(options))
                .context("could not plan")?;
            std::io::stdout()
                .write_all(text.as_bytes())
                .context("writing the plan")?;
        }
        #[cfg(feature = "sim")]
        Command::Sim(args) => {
            telemetry::init(LogFormat::Text);
            runtime()?
                .block_on(apimcap_sim::run(*args))
                .context("the simulator stopped")?;
        }
    }
    Ok(())
}
