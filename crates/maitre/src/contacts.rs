//! `maitre contacts import`: the same checks and the same all-or-nothing import as the dashboard's, for files
//! too large to upload or for scripts, with a progress bar.
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use maitre_config::Settings;
use maitre_domain::contacts::import::{RowRules, Target, check_mapping, check_rows, read_csv};
use maitre_domain::{AccountId, ChannelId};

use crate::runtime::connect;

#[derive(Subcommand)]
pub enum ContactsCommand {
    /// Import contacts from a CSV file with a header row. Columns are recognised by their header (name, phone,
    /// email, tags, external_id, custom field keys); --map says what a column means otherwise. Rows with
    /// problems are listed with their line number and skipped; all other rows are imported together.
    Import {
        #[arg(long)]
        account: AccountId,
        /// The channel the contacts belong to (default: the account's only channel). On WhatsApp the phone
        /// number identifies a contact; elsewhere a column mapped to external_id does.
        #[arg(long)]
        channel: Option<ChannelId>,
        /// COLUMN=TARGET, COLUMN being a header or a 1-based position and TARGET one of name, phone, email,
        /// tags, external_id, field:<key> or ignore. Repeatable.
        #[arg(long = "map", value_name = "COLUMN=TARGET")]
        map: Vec<String>,
        file: PathBuf,
    },
}

pub async fn run(cmd: ContactsCommand, settings: &Settings) -> anyhow::Result<()> {
    let ContactsCommand::Import { account, channel, map, file } = cmd;
    let store = connect(settings).await?;
    store.migrate().await.context("applying migrations")?;
    let tenant = store.tenant_for_operator(account).await.context("no such account")?;
    let channels = tenant.channels().list().await?;
    let channel = match (channel, channels.as_slice()) {
        (Some(id), _) => channels.iter().find(|c| c.id == id).context("no such channel in this account")?,
        (None, [only]) => only,
        (None, []) => anyhow::bail!("the account has no channel: connect one first"),
        (None, _) => anyhow::bail!(
            "the account has several channels; choose one with --channel: {}",
            channels.iter().map(|c| format!("{} ({} {})", c.id, c.platform, c.name)).collect::<Vec<_>>().join(", ")
        ),
    };
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let started = Instant::now();
    let table = read_csv(&bytes).with_context(|| format!("reading {}", file.display()))?;
    let fields = tenant.contacts().contact_fields().await?;
    let mut mapping: Vec<Target> = table.headers.iter().map(|h| Target::guess(h, &fields)).collect();
    for m in &map {
        let (column, target) = m.split_once('=').with_context(|| format!("--map {m:?}: expected COLUMN=TARGET"))?;
        let index = match column.parse::<usize>() {
            Ok(n) if (1..=mapping.len()).contains(&n) => n - 1,
            _ => table.headers.iter().position(|h| h == column).with_context(|| format!("no column {column:?}"))?,
        };
        mapping[index] = target.parse()?;
    }
    let id_from_phone = channel.platform == maitre_domain::Platform::WhatsApp;
    check_mapping(&mapping, &fields, id_from_phone)?;
    let country = tenant.account().await?.settings.country;
    let rules = RowRules { fields: &fields, id_from_phone, country: Some(&country) };
    let (rows, rejected) = check_rows(&table, &mapping, rules);
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let import = tenant.contacts().create_import(channel.id, &name, "", "cli").await?;
    let bar = ProgressBar::new(rows.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}").unwrap_or(ProgressStyle::default_bar()),
    );
    let outcome = match tenant.contacts().import_contacts(&import, &rows, &rejected, &|n| bar.set_position(n)).await {
        Ok(o) => o,
        Err(e) => {
            bar.abandon();
            tenant.contacts().fail_import(&import, &e.to_string()).await?;
            return Err(e).context("importing; nothing was imported");
        }
    };
    bar.finish_and_clear();
    for r in &rejected {
        eprintln!("line {}: {}", r.line, r.problem);
    }
    println!(
        "imported {} ({} already known), rejected {}, in {:.2} s",
        outcome.imported,
        outcome.updated,
        outcome.rejected,
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}
