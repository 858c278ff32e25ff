//! The `maitre` binary: HTTP server, migrations, operator commands and local trial tools.
#![forbid(unsafe_code)]

mod admin;
mod dev;
mod jobs;
mod runtime;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use maitre_config::Settings;

/// maitre answers your guests' Instagram, WhatsApp, Messenger and Telegram messages and takes their bookings.
#[derive(Parser)]
#[command(name = "maitre", version, about, propagate_version = true)]
struct Cli {
    /// Config file (TOML). Without it ./maitre.toml is read if it exists. MAITRE_* variables override it.
    #[arg(long, short, global = true, env = "MAITRE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server and background workers (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Operator commands for scripting: accounts, members, API tokens, passwords.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Local trial without real platforms: fake platform APIs, signed test webhooks.
    #[command(subcommand)]
    Dev(dev::DevCommand),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("loading configuration")?;
    runtime::init_logging(&settings);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime::serve(settings).await,
        Command::Migrate => {
            let store = runtime::connect(&settings).await?;
            store.migrate().await.context("applying migrations")?;
            println!("migrations are current");
            Ok(())
        }
        Command::Admin(cmd) => admin::run(cmd, &settings).await,
        Command::Dev(cmd) => dev::run(cmd, &settings).await,
    }
}
