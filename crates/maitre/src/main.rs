//! The `maitre` binary: HTTP server, migrations, operator commands and local trial tools.
#![forbid(unsafe_code)]

mod admin;
mod contacts;
mod dev;
mod flows;
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
    /// Contacts: import a CSV file.
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// Local trial without real platforms: fake platform APIs, signed test webhooks.
    #[command(subcommand)]
    Dev(dev::DevCommand),
    /// Talk to a flow as a guest would, with the account's real calendar; nothing is booked or sent.
    ///
    /// Interactive by default: type the guest's messages, one per line (Ctrl-D ends). With --script FILE, the file
    /// holds one guest message per line; empty lines and lines starting with `#` are skipped, except
    /// `# expect: <text>`, which requires <text> in the replies to the message before it. The transcript is
    /// printed; the command exits non-zero when an expectation is not met.
    Simulate(flows::SimulateArgs),
    /// Flow files: run their own test cases without a database (for CI).
    #[command(subcommand)]
    Flows(flows::FlowsCommand),
    /// Read a date, a time and a party size from a guest's message, as flows will; prints JSON.
    ///
    /// Example: maitre extract --locale de --tz Europe/Berlin --now 2026-03-10T12:00 "morgen um 8 für 4"
    Extract {
        /// de, fr, en (= en-GB) or en-US (month/day dates).
        #[arg(long, default_value = "en")]
        locale: maitre_domain::ExtractLocale,
        /// The business's IANA time zone.
        #[arg(long, default_value = "Europe/Berlin")]
        tz: chrono_tz::Tz,
        /// When the message arrived, local time (YYYY-MM-DDTHH:MM). Default: now.
        #[arg(long, value_parser = parse_local_time)]
        now: Option<chrono::NaiveDateTime>,
        /// The guest's message.
        text: String,
    },
}

/// `YYYY-MM-DDTHH:MM`, seconds optional.
fn parse_local_time(s: &str) -> Result<chrono::NaiveDateTime, String> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| format!("{s:?} is not a local time like 2026-03-10T12:00"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Extract { locale, tz, now, text }) = &cli.command {
        // Pure: no configuration, database or logging needed.
        let now = now.unwrap_or_else(|| chrono::Utc::now().with_timezone(tz).naive_local());
        let result = maitre_domain::extract(text, *locale, now);
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(());
    }
    if let Some(Command::Flows(cmd)) = cli.command {
        // Pure as well: flow files and the simulator only.
        return flows::run(cmd);
    }
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
        Command::Contacts(cmd) => contacts::run(cmd, &settings).await,
        Command::Dev(cmd) => dev::run(cmd, &settings).await,
        Command::Simulate(args) => flows::run_simulate(args, &settings).await,
        Command::Extract { .. } | Command::Flows(_) => unreachable!("handled before loading the configuration"),
    }
}
