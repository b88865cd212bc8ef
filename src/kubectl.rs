//! The command line of `kubectl apimcap` (this binary invoked as `kubectl-apimcap`, a link or
//! a copy): `status`, `plan`, `approve`, `reconcile`, with kubectl's `--kubeconfig`,
//! `--context` and `-n`.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use apim_capacity::plugin::{self, Target, view};
use clap::{Parser, Subcommand};

use crate::cli::PlanArgs;

/// Whether the process was started under the plugin's name.
pub fn invoked_as_plugin() -> bool {
    std::env::args_os()
        .next()
        .and_then(|a| {
            PathBuf::from(a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .is_some_and(|name| name.starts_with("kubectl-apimcap"))
}

/// `kubectl apimcap`: ApimCapacity resources from the command line.
#[derive(Debug, Parser)]
#[command(name = "kubectl-apimcap", version, about, long_about = None)]
pub struct KubectlCli {
    /// Kubeconfig file; default: $KUBECONFIG, then ~/.kube/config.
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use; default: the current one.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The namespace; default: the context's.
    #[arg(short = 'n', long = "namespace", global = true)]
    pub namespace: Option<String>,
    #[command(subcommand)]
    pub command: KubectlCommand,
}

#[derive(Debug, Subcommand)]
pub enum KubectlCommand {
    /// Live and desired units per region, the operation in flight with its ETA, the cost,
    /// and what the resource waits for.
    Status { name: String },
    /// What the operator would do for a manifest (as `apimcap plan`).
    Plan(Box<PlanArgs>),
    /// Approve the plan NAME waits for: shows it and its hash, asks unless --yes, and sets
    /// the capacity.apim.dev/approve annotation.
    Approve {
        name: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Ask the operator to reconcile NAME now.
    Reconcile { name: String },
}

/// Runs `kubectl apimcap ...`.
pub fn main() -> anyhow::Result<()> {
    let cli = KubectlCli::parse();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let target = Target {
        kubeconfig: cli.kubeconfig.clone(),
        context: cli.context.clone(),
        namespace: cli.namespace.clone(),
    };
    let mut stdout = std::io::stdout();
    match cli.command {
        KubectlCommand::Plan(args) => {
            let options = args.options()?;
            let text = runtime
                .block_on(apim_capacity::dry_run::run(options))
                .context("could not plan")?;
            stdout.write_all(text.as_bytes())?;
        }
        KubectlCommand::Status { name } => runtime.block_on(async {
            let (client, ns) = plugin::connect(&target).await?;
            let object = plugin::get(&client, &ns, &name).await?;
            let text = view::status_text(&object, jiff::Timestamp::now());
            stdout.write_all(text.as_bytes())?;
            anyhow::Ok(())
        })?,
        KubectlCommand::Approve { name, yes } => runtime.block_on(async {
            let (client, ns) = plugin::connect(&target).await?;
            let object = plugin::get(&client, &ns, &name).await?;
            let hash = plugin::awaited_hash(&object)?;
            let text = view::status_text(&object, jiff::Timestamp::now());
            writeln!(stdout, "{text}Plan hash: {hash}")?;
            if !yes {
                write!(stdout, "Approve plan {hash} of {ns}/{name}? [y/N] ")?;
                stdout.flush()?;
                let mut answer = String::new();
                std::io::stdin().lock().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    bail!("not approved");
                }
            }
            plugin::approve(&client, &ns, &name, &hash).await?;
            writeln!(stdout, "Approved plan {hash} of {ns}/{name}.")?;
            anyhow::Ok(())
        })?,
        KubectlCommand::Reconcile { name } => runtime.block_on(async {
            let (client, ns) = plugin::connect(&target).await?;
            plugin::reconcile(&client, &ns, &name, jiff::Timestamp::now()).await?;
            writeln!(stdout, "Asked for a reconcile of {ns}/{name}.")?;
            anyhow::Ok(())
        })?,
    }
    Ok(())
}
