//! `maitre admin …`: non-interactive operator commands for scripting, operations and tests.
use anyhow::Context;
use clap::Subcommand;
use maitre_app::accounts::{SignUp, add_member, sign_up};
use maitre_app::flows::{FlowError, install_published};
use maitre_app::{App, ConnectError, Grant, Platform};
use maitre_config::Settings;
use maitre_domain::flow::templates;
use maitre_domain::{AccountId, ApiTokenId, Locale, Role};
use maitre_store::{Store, TenantStore, TokenCreator};

use crate::runtime::{connect, secret_key};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// List signed webhook items that were answered 200 but could not be used (unknown recipient, unknown
    /// object, malformed item), newest first. They belong to no account, so only operators see them.
    IgnoredEvents {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Create a business with its owner user. Prints the account id. Without --password (or
    /// MAITRE_ADMIN_PASSWORD) a random password is generated and shown once on stderr, for the owner to sign in
    /// with and change on their Profile page.
    CreateAccount {
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_email: String,
        #[arg(long)]
        owner_name: String,
        /// At least 10 characters. Prefer MAITRE_ADMIN_PASSWORD to keep it out of shell history.
        #[arg(long, env = "MAITRE_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// de, en or fr: sets defaults for time zone, country and currency.
        #[arg(long, default_value = "en")]
        locale: Locale,
    },
    /// Add a person to an account: an existing user, or a new one when --password is given.
    AddMember {
        #[arg(long)]
        account: AccountId,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
        /// Name for a new user.
        #[arg(long, requires = "password")]
        name: Option<String>,
        /// Password for a new user.
        #[arg(long, env = "MAITRE_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Create an API token for an account. The token is printed once; only its hash is stored.
    CreateToken {
        #[arg(long)]
        account: AccountId,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "viewer")]
        role: Role,
    },
    /// Revoke an API token.
    RevokeToken {
        #[arg(long)]
        account: AccountId,
        #[arg(long)]
        token: ApiTokenId,
    },
    /// Set a user's password. Ends all of their sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, env = "MAITRE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Install a ready-made flow into an account (published as version 1; edit it on the dashboard). Prints the
    /// flow id. Keys: restaurant_de, restaurant_en, salon_appointment, practice_appointment, review_request.
    InstallTemplate {
        #[arg(long)]
        account: AccountId,
        key: String,
    },
    /// Put an account on a plan of `billing.plans` (its limits apply while `billing.enabled` is true).
    SetPlan {
        #[arg(long)]
        account: AccountId,
        /// A plan's key, e.g. free, pro or business.
        plan: String,
    },
    /// Connect a platform account with a token you already hold (no OAuth round trip). The platform must accept
    /// the token first, and WhatsApp must let it read the number. The token is stored encrypted. Prints the
    /// channel id.
    ConnectChannel {
        #[arg(long)]
        account: AccountId,
        #[arg(long, value_parser = ["instagram", "messenger", "whatsapp", "telegram"])]
        platform: String,
        /// The id webhooks carry: Instagram account id, Facebook Page id, WhatsApp phone_number_id or Telegram bot id.
        #[arg(long)]
        external_id: String,
        /// The access token (Telegram: the bot token). Prefer MAITRE_ADMIN_TOKEN to keep it out of shell history.
        #[arg(long, env = "MAITRE_ADMIN_TOKEN", hide_env_values = true)]
        token: String,
        /// Shown on the dashboard. Defaults to the platform and the external id.
        #[arg(long)]
        name: Option<String>,
        /// Sent to every new guest message of a conversation the bot handles.
        #[arg(long)]
        auto_reply: Option<String>,
        /// Telegram only, and required there: the `secret_token` given to setWebhook, checked on every update.
        #[arg(long)]
        webhook_secret: Option<String>,
    },
}

/// 24 letters and digits from the OS-seeded generator: about 143 bits, typed or pasted once, then changed.
fn generate_password() -> String {
    use rand::Rng;
    rand::rng().sample_iter(rand::distr::Alphanumeric).take(24).map(char::from).collect()
}

/// `connect-channel` without its account lookup.
struct ChannelArgs {
    platform: String,
    external_id: String,
    token: String,
    name: Option<String>,
    auto_reply: Option<String>,
    webhook_secret: Option<String>,
}

pub async fn run(cmd: AdminCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = connect(settings).await?;
    store.migrate().await.context("applying migrations")?;
    match cmd {
        AdminCommand::CreateAccount { name, owner_email, owner_name, password, locale } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(generate_password);
            let signup =
                SignUp { business_name: &name, name: &owner_name, email: &owner_email, password: &password, locale };
            let (account, user) = sign_up(&store, signup).await?;
            // stdout stays the account id alone, so `ACCOUNT=$(maitre admin create-account …)` keeps working.
            println!("{account}");
            eprintln!("created account {account} with owner {owner_email} (user {user})");
            if generated {
                eprintln!("password for {owner_email} (shown only now): {password}");
                eprintln!("sign in at {}/signin and change it on the Profile page", settings.public_url());
            }
        }
        AdminCommand::AddMember { account, email, role, name, password } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            let new_user = name.as_deref().zip(password.as_deref());
            let user = add_member(&store, &tenant, &email, role, new_user).await?;
            println!("{user}");
            eprintln!("{email} is now {role} of {account}");
        }
        AdminCommand::CreateToken { account, name, role } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            let (token, secret) = tenant.team().create_api_token(&name, role, TokenCreator::Operator).await?;
            println!("{secret}");
            eprintln!("created token {} ({role}); it is shown only now", token.id);
        }
        AdminCommand::RevokeToken { account, token } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            tenant.team().revoke_api_token(token).await.context("no such active token in this account")?;
            eprintln!("revoked token {token}");
        }
        AdminCommand::IgnoredEvents { limit } => {
            let events = store.ignored_events(limit.clamp(1, 1000)).await?;
            if events.is_empty() {
                eprintln!("no ignored webhook items");
            }
            for (platform, reason, location, at) in events {
                println!("{}\t{platform}\t{reason}\t{location}", at.to_rfc3339());
            }
        }
        AdminCommand::ResetPassword { email, password } => {
            let user = store.user_by_email(&email).await.context("no user with this email")?;
            let hash = maitre_app::password::hash_password(&password)?;
            store.set_password(user.id, &hash).await?;
            eprintln!("password set for {email}; their sessions have ended");
        }
        AdminCommand::InstallTemplate { account, key } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            let flow = match install_published(&tenant, &key, "cli").await {
                Err(FlowError::UnknownTemplate(_)) => {
                    let keys: Vec<&str> = templates().iter().map(|t| t.key).collect();
                    anyhow::bail!("no template {key:?}; the templates are: {}", keys.join(", "));
                }
                installed => installed?,
            };
            println!("{}", flow.id);
            eprintln!("installed {key} as flow {} ({}), published as version 1", flow.id, flow.name);
        }
        AdminCommand::SetPlan { account, plan } => set_plan(&store, settings, account, &plan).await?,
        AdminCommand::ConnectChannel { account, platform, external_id, token, name, auto_reply, webhook_secret } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            let args = ChannelArgs { platform, external_id, token, name, auto_reply, webhook_secret };
            connect_channel(&store, settings, &tenant, args).await?;
        }
    }
    store.close().await;
    Ok(())
}

async fn set_plan(store: &Store, settings: &Settings, account: AccountId, plan: &str) -> anyhow::Result<()> {
    let tenant = store.tenant_for_operator(account).await.context("no such account")?;
    if !settings.billing.plans.iter().any(|p| p.key == plan) {
        let keys: Vec<&str> = settings.billing.plans.iter().map(|p| p.key.as_str()).collect();
        anyhow::bail!("no plan {plan:?}; the plans are: {}", keys.join(", "));
    }
    tenant.billing().set_plan(plan).await?;
    let off = if settings.billing.enabled { "" } else { " (billing is off: no limits apply until billing.enabled)" };
    eprintln!("account {account} is on the {plan} plan{off}");
    Ok(())
}

async fn connect_channel(
    store: &Store,
    settings: &Settings,
    tenant: &TenantStore,
    a: ChannelArgs,
) -> anyhow::Result<()> {
    let platform: Platform = a.platform.parse()?;
    let (token, external_id) = (a.token.trim(), a.external_id.trim());
    anyhow::ensure!(!token.is_empty() && !external_id.is_empty(), "--token and --external-id must not be empty");
    let webhook_secret = a.webhook_secret.filter(|s| !s.is_empty());
    match (platform, &webhook_secret) {
        // Without a stored secret the Telegram webhook refuses every update.
        (Platform::Telegram, None) => {
            anyhow::bail!("telegram needs --webhook-secret: the secret_token you give setWebhook")
        }
        (Platform::Telegram, Some(_)) => {
            if let Some((bot, _)) = token.split_once(':')
                && bot != external_id
            {
                anyhow::bail!("the bot token belongs to bot {bot}, not to --external-id {external_id}");
            }
        }
        (_, Some(_)) => {
            anyhow::bail!("--webhook-secret is for telegram; Meta webhooks are checked with meta.app_secret")
        }
        (_, None) => {}
    }
    // Sealed exactly as the app seals tokens it obtains itself, so the send jobs open it the same way.
    let app = App::new(store, settings, &secret_key(settings)?).context("building the platform client")?;
    let name = a.name.unwrap_or_else(|| format!("{} {external_id}", a.platform));
    let grant = Grant {
        platform,
        external_id,
        name: &name,
        access_token: token,
        instagram_login: Default::default(),
        expires_at: None,
    };
    // The platform must confirm the token first, as on the Channels page: an id typed here proves nothing.
    let channel = match app.claim(tenant, &grant, webhook_secret.as_deref()).await {
        Err(ConnectError::AlreadyConnected(_)) => {
            let holder = match store.route(platform, external_id).await {
                Ok(ch) => format!(" as channel {} of account {}", ch.id, ch.account_id),
                Err(_) => String::new(),
            };
            anyhow::bail!("this {platform} account ({external_id}) is already connected{holder}");
        }
        Err(e @ (ConnectError::ClaimedElsewhere(_) | ConnectError::Rejected(_))) => anyhow::bail!("{e}"),
        created => created.context("creating the channel")?,
    };
    if let Some(text) = a.auto_reply.as_deref().filter(|t| !t.trim().is_empty()) {
        app.set_auto_reply(tenant, channel.id, text).await.context("setting the automatic reply")?;
    }
    println!("{}", channel.id);
    eprintln!("connected {platform} {external_id} to account {} as channel {}", tenant.account_id(), channel.id);
    if platform == Platform::Telegram {
        eprintln!("point the bot's webhook at {}/webhooks/telegram/{}", settings.public_url(), channel.id);
    }
    Ok(())
}
