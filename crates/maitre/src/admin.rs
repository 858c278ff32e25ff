//! `maitre admin …`: non-interactive operator commands for scripting, operations and tests.
use anyhow::Context;
use clap::Subcommand;
use maitre_config::Settings;
use maitre_domain::{AccountId, ApiTokenId, Locale, Role};
use maitre_web::accounts::{SignUp, add_member, sign_up};

use crate::runtime::connect;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a business with its owner user. Prints the account id.
    CreateAccount {
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_email: String,
        #[arg(long)]
        owner_name: String,
        /// At least 10 characters. Prefer MAITRE_ADMIN_PASSWORD to keep it out of shell history.
        #[arg(long, env = "MAITRE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
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
}

pub async fn run(cmd: AdminCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = connect(settings).await?;
    store.migrate().await.context("applying migrations")?;
    match cmd {
        AdminCommand::CreateAccount { name, owner_email, owner_name, password, locale } => {
            let signup =
                SignUp { business_name: &name, name: &owner_name, email: &owner_email, password: &password, locale };
            let (account, user) = sign_up(&store, signup).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{account}");
            eprintln!("created account {account} with owner {owner_email} (user {user})");
        }
        AdminCommand::AddMember { account, email, role, name, password } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            let new_user = name.as_deref().zip(password.as_deref());
            let user = add_member(&store, &tenant, &email, role, new_user).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{user}");
            eprintln!("{email} is now {role} of {account}");
        }
        AdminCommand::CreateToken { account, name, role } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            let (token, secret) = tenant.create_api_token(&name, role).await?;
            println!("{secret}");
            eprintln!("created token {} ({role}); it is shown only now", token.id);
        }
        AdminCommand::RevokeToken { account, token } => {
            let tenant = store.tenant_for_operator(account).await.context("no such account")?;
            tenant.revoke_api_token(token).await.context("no such active token in this account")?;
            eprintln!("revoked token {token}");
        }
        AdminCommand::ResetPassword { email, password } => {
            let user = store.user_by_email(&email).await.context("no user with this email")?;
            let hash = maitre_web::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            store.set_password(user.id, &hash).await?;
            eprintln!("password set for {email}; their sessions have ended");
        }
    }
    store.close().await;
    Ok(())
}
