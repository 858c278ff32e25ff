//! Team changes: what a member handed out goes with their power, and an account never loses its last owner.
use chrono::TimeDelta;
use maitre_domain::{AccountId, Role, UserId};
use maitre_store::{InviteState, StoreError, TenantStore, TokenCreator, Withdrawn};

use super::{account, futures_join_all, store};

/// `email`'s user (made with an account of their own) joins `tenant`'s account with `role`.
async fn join(store: &maitre_store::Store, tenant: &TenantStore, email: &str, role: Role) -> UserId {
    let (_, user) = account(store, &format!("{email}'s own"), email).await;
    tenant.team().add_member(user, role).await.unwrap();
    user
}

async fn owners(tenant: &TenantStore) -> usize {
    tenant.team().members().await.unwrap().iter().filter(|m| m.role == Role::Owner).count()
}

#[tokio::test]
async fn removing_a_member_revokes_their_tokens_and_withdraws_their_invitations_only() {
    let (store, _, _db) = store().await;
    let (a, owner): (AccountId, UserId) = account(&store, "Alpha", "a@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let admin = join(&store, &tenant, "admin@example.com", Role::Admin).await;
    let (_, theirs) =
        tenant.team().create_api_token("their crm", Role::Admin, TokenCreator::Member(admin)).await.unwrap();
    let (_, mine) = tenant.team().create_api_token("owner's", Role::Admin, TokenCreator::Member(owner)).await.unwrap();
    let (_, cli) = tenant.team().create_api_token("cli", Role::Agent, TokenCreator::Operator).await.unwrap();
    let week = TimeDelta::days(7);
    tenant.team().create_invite("x@example.com", Role::Agent, admin, "tok-x", week).await.unwrap();
    tenant.team().create_invite("y@example.com", Role::Agent, owner, "tok-y", week).await.unwrap();

    let withdrawn = tenant.team().remove_member(admin).await.unwrap();
    assert_eq!(withdrawn, Withdrawn { tokens: vec!["their crm".into()], invites: vec!["x@example.com".into()] });
    assert!(matches!(store.tenant_for_api_token(&theirs).await, Err(StoreError::NotFound)));
    assert_eq!(store.invite_by_token("tok-x").await.unwrap().state, InviteState::Revoked);
    assert!(store.accept_invite_as_new_user("tok-x", "X", "h", maitre_domain::Locale::En).await.is_err());
    // What others made stays.
    assert!(store.tenant_for_api_token(&mine).await.is_ok());
    assert!(store.tenant_for_api_token(&cli).await.is_ok());
    assert_eq!(store.invite_by_token("tok-y").await.unwrap().state, InviteState::Open);
}

#[tokio::test]
async fn demoting_revokes_only_what_the_new_role_may_not_grant() {
    let (store, _, _db) = store().await;
    let (a, owner) = account(&store, "Alpha", "a@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    let other = join(&store, &tenant, "owner2@example.com", Role::Owner).await;
    let by = TokenCreator::Member(other);
    let (_, as_owner) = tenant.team().create_api_token("full", Role::Owner, by).await.unwrap();
    let (_, as_admin) = tenant.team().create_api_token("admin", Role::Admin, by).await.unwrap();
    let week = TimeDelta::days(7);
    tenant.team().create_invite("o@example.com", Role::Owner, other, "tok-o", week).await.unwrap();
    tenant.team().create_invite("v@example.com", Role::Viewer, other, "tok-v", week).await.unwrap();

    let withdrawn = tenant.team().set_role(other, Role::Admin).await.unwrap();
    assert_eq!(withdrawn, Withdrawn { tokens: vec!["full".into()], invites: vec!["o@example.com".into()] });
    assert!(matches!(store.tenant_for_api_token(&as_owner).await, Err(StoreError::NotFound)));
    assert_eq!(store.tenant_for_api_token(&as_admin).await.unwrap().1, Role::Admin);
    assert_eq!(store.invite_by_token("tok-v").await.unwrap().state, InviteState::Open);

    // An agent grants nothing: everything left goes.
    let withdrawn = tenant.team().set_role(other, Role::Agent).await.unwrap();
    assert_eq!(withdrawn, Withdrawn { tokens: vec!["admin".into()], invites: vec!["v@example.com".into()] });
    assert_eq!(
        tenant.team().set_role(other, Role::Owner).await.unwrap(),
        Withdrawn::default(),
        "promotion takes nothing"
    );
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_exactly_one_owner() {
    let (store, _, _db) = store().await;
    let (a, first) = account(&store, "Alpha", "a@example.com").await;
    let (tenant, _) = store.tenant_for_member(first, a).await.unwrap();
    let second = join(&store, &tenant, "b@example.com", Role::Owner).await;
    for round in 0..10 {
        let demote = |user| {
            let tenant = tenant.clone();
            async move { tenant.team().set_role(user, Role::Admin).await }
        };
        let results = futures_join_all([demote(first), demote(second)]).await;
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "round {round}: {results:?}");
        let refused = results.into_iter().find_map(Result::err).unwrap();
        assert!(
            matches!(refused, StoreError::Conflict { ref constraint } if constraint == "last_owner"),
            "{refused:?}"
        );
        assert_eq!(owners(&tenant).await, 1, "round {round}");
        for user in [first, second] {
            tenant.team().set_role(user, Role::Owner).await.unwrap();
        }
    }
    // Removal races the same way.
    let remove = |user| {
        let tenant = tenant.clone();
        async move { tenant.team().remove_member(user).await }
    };
    let results = futures_join_all([remove(first), remove(second)]).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(owners(&tenant).await, 1);
}
