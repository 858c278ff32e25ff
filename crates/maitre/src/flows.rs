//! `maitre simulate` (talk to a flow in the terminal, or run a script against it) and `maitre flows test` (run
//! flow files' own test cases without a database, for CI).
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use maitre_app::flows::{parse, simulate};
use maitre_config::Settings;
use maitre_domain::flow::{self, AlwaysAvailable, Candidate, FlowDef, SimEnv, Simulator, Turn};
use maitre_domain::{AccountId, Locale};
use maitre_store::TenantStore;

use crate::runtime::connect;

#[derive(Subcommand)]
pub enum FlowsCommand {
    /// Run the test cases inside flow JSON files (their "tests"), without a database: each file is validated,
    /// then its tests run against an always-free calendar. Exits non-zero when a file has errors or a test
    /// fails. `goto_flow` targets are checked against the names of the files given (without `.json`).
    ///
    /// Example: maitre flows test --locale de flows/*.json
    Test {
        /// Flow files in the flow format (as the editor's "whole flow as JSON").
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The language replies are written in (de, en or fr), as the account's would be.
        #[arg(long, default_value = "en")]
        locale: Locale,
        /// The business's IANA time zone.
        #[arg(long, default_value = "Europe/Berlin")]
        tz: chrono_tz::Tz,
    },
}

/// The options of `maitre simulate` (described on the command in main.rs).
#[derive(Args)]
pub struct SimulateArgs {
    /// The account whose calendar, time zone, language and flows are used.
    #[arg(long)]
    account: AccountId,
    /// A flow id of the account (its saved draft), or a template key such as restaurant_de.
    #[arg(long)]
    flow: String,
    /// Run the flow's published version instead of its draft.
    #[arg(long)]
    published: bool,
    /// Run the guest messages in FILE instead of reading them from the terminal (see above for the format).
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
}

pub async fn run_simulate(args: SimulateArgs, settings: &Settings) -> anyhow::Result<()> {
    let store = connect(settings).await?;
    store.migrate().await.context("applying migrations")?;
    let tenant = store.tenant_for_operator(args.account).await.context("no such account")?;
    let (flow_id, def) = resolve(&tenant, &args.flow, args.published).await?;
    let mut chat = Chat { tenant: &tenant, flow_id: &flow_id, def: &def, sim: None };
    let result = match &args.script {
        Some(path) => chat.script(path).await,
        None => chat.interactive().await,
    };
    store.close().await;
    result
}

/// A template key or one of the account's flows.
async fn resolve(tenant: &TenantStore, flow: &str, published: bool) -> anyhow::Result<(String, FlowDef)> {
    if let Some(t) = flow::templates().into_iter().find(|t| t.key == flow) {
        return Ok((t.key.to_owned(), t.def));
    }
    let record = match flow.parse() {
        Ok(id) => tenant.flows().flow(id).await.ok(),
        Err(_) => None,
    };
    let record = record.ok_or_else(|| {
        let keys: Vec<&str> = flow::templates().iter().map(|t| t.key).collect();
        anyhow::anyhow!(
            "no flow {flow:?} in this account, and no template of that name (templates: {})",
            keys.join(", ")
        )
    })?;
    let text = match (published, record.published_version) {
        (false, _) => record.draft,
        (true, Some(v)) => tenant.flows().flow_version(record.id, v).await?,
        (true, None) => anyhow::bail!("the flow {flow} has no published version"),
    };
    Ok((record.id.to_string(), parse(&text)?))
}

struct Chat<'a> {
    tenant: &'a TenantStore,
    flow_id: &'a str,
    def: &'a FlowDef,
    sim: Option<Simulator>,
}

impl Chat<'_> {
    async fn say(&mut self, text: &str) -> anyhow::Result<Turn> {
        let (sim, turn) = simulate(self.tenant, self.flow_id, self.def, self.sim.take(), text).await?;
        self.sim = Some(sim);
        Ok(turn)
    }

    async fn interactive(&mut self) -> anyhow::Result<()> {
        eprintln!("Type what the guest writes; Ctrl-D ends.");
        let stdin = std::io::stdin();
        loop {
            eprint!("guest> ");
            std::io::stderr().flush()?;
            let mut line = String::new();
            if stdin.lock().read_line(&mut line)? == 0 {
                return Ok(());
            }
            let text = line.trim();
            if !text.is_empty() {
                print_turn(&self.say(text).await?);
            }
        }
    }

    async fn script(&mut self, path: &Path) -> anyhow::Result<()> {
        let script = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut last: Option<Turn> = None;
        let mut unmet = 0;
        for (n, line) in script.lines().enumerate() {
            let line = line.trim();
            if let Some(want) = line.strip_prefix("# expect:").map(str::trim) {
                let met = last.as_ref().is_some_and(|t| t.replies.iter().any(|r| r.text.contains(want)));
                println!("{} expect: {want}", if met { "✓" } else { "✗" });
                if !met {
                    eprintln!("{}:{}: no reply contains {want:?}", path.display(), n + 1);
                    unmet += 1;
                }
            } else if !line.is_empty() && !line.starts_with('#') {
                println!("guest> {line}");
                let turn = self.say(line).await?;
                print_turn(&turn);
                last = Some(turn);
            }
        }
        anyhow::ensure!(unmet == 0, "{unmet} expectation(s) not met");
        Ok(())
    }
}

fn print_turn(turn: &Turn) {
    for r in &turn.replies {
        println!("maitre> {}", r.text.replace('\n', "\n        "));
        for (i, (title, _)) in r.quick_replies.iter().enumerate() {
            println!("        [{}] {title}", i + 1);
        }
    }
    if let Some(b) = &turn.booked {
        println!("        (booked {} for {}, {})", b.starts_at.format("%Y-%m-%d %H:%M"), b.party_size, b.name);
    }
}

pub fn run(cmd: FlowsCommand) -> anyhow::Result<()> {
    let FlowsCommand::Test { files, locale, tz } = cmd;
    let mut flows: Vec<(String, FlowDef)> = Vec::new();
    let mut broken = 0;
    for path in &files {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let read = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        match parse(&read) {
            Ok(def) => flows.push((name, def)),
            Err(e) => {
                println!("error {}: {e}", path.display());
                broken += 1;
            }
        }
    }
    let known: Vec<&str> = flows.iter().map(|(n, _)| n.as_str()).collect();
    let (mut passed, mut failed) = (0, 0);
    let now = chrono::Utc::now();
    for (name, def) in &flows {
        let issues = flow::validate(def, &known);
        for i in &issues {
            let at = i.node.as_deref().map(|n| format!(" node {n}:")).unwrap_or_default();
            println!("{} {name}:{at} {}", if i.is_error() { "error" } else { "warning" }, i.message);
        }
        if issues.iter().any(|i| i.is_error()) {
            broken += 1;
            continue;
        }
        let candidates = [Candidate { flow_id: name, version: 0, def }];
        let env = SimEnv {
            flows: &candidates,
            tz,
            locale,
            account_name: "maitre",
            review_link: None,
            availability: &AlwaysAvailable,
        };
        for t in flow::run_tests(&env, name, now) {
            if t.passed {
                passed += 1;
                println!("ok   {name}: {}", t.name);
            } else {
                failed += 1;
                println!("FAIL {name}: {}", t.name);
                for f in &t.failures {
                    println!("     {f}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed, {broken} file(s) with errors");
    anyhow::ensure!(failed == 0 && broken == 0, "flow tests failed");
    Ok(())
}
