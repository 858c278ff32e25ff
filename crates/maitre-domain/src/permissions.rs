//! Who may do what: one pure function, `allowed(role, action)`. Handlers ask it; nobody checks roles inline.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in one account. Ordered from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Agent,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Agent, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected owner, admin, agent or viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Everything a member can attempt inside an account. Later issues add their actions here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the account's name, settings and dashboard.
    ViewAccount,
    /// Change name, time zone, locale, country, currency.
    EditAccountSettings,
    /// See who is in the team.
    ViewTeam,
    /// Add members, change roles, remove members (never the last owner; see `can_assign_role`).
    ManageTeam,
    /// Create and revoke API tokens.
    ManageApiTokens,
    /// Connect, verify and remove channels.
    ManageChannels,
    /// See flows, their graphs, and try them in the simulator.
    ViewFlows,
    /// Create, edit, publish, enable and delete flows.
    ManageFlows,
    /// The read-together pause and the AI provider (endpoint, model, key).
    ManageAutomation,
    /// Read conversations and contacts.
    ViewInbox,
    /// Reply, take over, assign, tag, note.
    WorkInbox,
    /// Create, edit and delete the account's canned responses.
    ManageCannedResponses,
    /// Create and change reservations by hand.
    ManageReservations,
    /// See reservations, the calendar and the export.
    ViewReservations,
    /// Opening hours, capacity, resources, services, the calendar feed.
    ManageBookingSettings,
    /// Plans, invoices, payment method.
    ManageBilling,
    /// Delete the whole account.
    DeleteAccount,
    /// See failed jobs and the redacted event log; retry jobs.
    ViewOperations,
    /// See contacts, their history and exports of the list.
    ViewContacts,
    /// Edit contacts: names, phone, email, custom field values, tags, opt-in/opt-out.
    ManageContacts,
    /// Define the account's custom contact fields.
    DefineContactFields,
    /// Import contacts from CSV files.
    ImportContacts,
    /// Export everything held about one person (GDPR access) and erase a contact.
    EraseContact,
    /// Invite people by email and revoke pending invitations.
    InviteMembers,
    /// Edit or delete other members' notes on contacts (everyone who may manage contacts changes their own).
    ModerateContactNotes,
    /// See the business's figures (analytics page and API).
    ViewAnalytics,
    /// See one's own figures as a member of the team (replies, first answers).
    ViewOwnActivity,
    /// Write, send, schedule, pause and cancel broadcasts to a segment's guests.
    SendBroadcasts,
}

impl Action {
    pub const ALL: [Action; 28] = [
        Action::ViewAccount,
        Action::EditAccountSettings,
        Action::ViewTeam,
        Action::ManageTeam,
        Action::ManageApiTokens,
        Action::ManageChannels,
        Action::ViewFlows,
        Action::ManageFlows,
        Action::ManageAutomation,
        Action::ViewInbox,
        Action::WorkInbox,
        Action::ManageCannedResponses,
        Action::ManageReservations,
        Action::ViewReservations,
        Action::ManageBookingSettings,
        Action::ManageBilling,
        Action::DeleteAccount,
        Action::ViewOperations,
        Action::ViewContacts,
        Action::ManageContacts,
        Action::DefineContactFields,
        Action::ImportContacts,
        Action::EraseContact,
        Action::InviteMembers,
        Action::ModerateContactNotes,
        Action::ViewAnalytics,
        Action::ViewOwnActivity,
        Action::SendBroadcasts,
    ];
}

/// The permission matrix. Exhaustive matches: adding an action or role fails to compile until decided here.
pub fn allowed(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Owner => true,
        Role::Admin => !matches!(action, ManageBilling | DeleteAccount),
        Role::Agent => {
            matches!(
                action,
                ViewAccount
                    | ViewFlows
                    | ViewInbox
                    | WorkInbox
                    | ManageCannedResponses
                    | ManageReservations
                    | ViewReservations
                    | ViewContacts
                    | ManageContacts
                    | ViewOwnActivity
            )
        }
        Role::Viewer => matches!(action, ViewAccount | ViewFlows | ViewInbox | ViewReservations | ViewContacts),
    }
}

/// Whether a member may edit or delete a note on a contact: their own with `ManageContacts`, anyone's (and
/// notes written through the API) with `ModerateContactNotes`.
pub fn can_change_note(role: Role, own: bool) -> bool {
    allowed(role, Action::ManageContacts) && (own || allowed(role, Action::ModerateContactNotes))
}

/// Whether `actor` may give `target_role` to someone (or take it away). Only owners make or unmake owners.
pub fn can_assign_role(actor: Role, target_role: Role) -> bool {
    allowed(actor, Action::ManageTeam) && (target_role != Role::Owner || actor == Role::Owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    /// The complete matrix, written out by hand so that a change to `allowed` must be a deliberate change here.
    /// Columns: owner, admin, agent, viewer.
    const MATRIX: [(Action, [bool; 4]); 28] = [
        (ViewAccount, [true, true, true, true]),
        (EditAccountSettings, [true, true, false, false]),
        (ViewTeam, [true, true, false, false]),
        (ManageTeam, [true, true, false, false]),
        (ManageApiTokens, [true, true, false, false]),
        (ManageChannels, [true, true, false, false]),
        (ViewFlows, [true, true, true, true]),
        (ManageFlows, [true, true, false, false]),
        (ManageAutomation, [true, true, false, false]),
        (ViewInbox, [true, true, true, true]),
        (WorkInbox, [true, true, true, false]),
        (ManageCannedResponses, [true, true, true, false]),
        (ManageReservations, [true, true, true, false]),
        (ViewReservations, [true, true, true, true]),
        (ManageBookingSettings, [true, true, false, false]),
        (ManageBilling, [true, false, false, false]),
        (DeleteAccount, [true, false, false, false]),
        (ViewOperations, [true, true, false, false]),
        (ViewContacts, [true, true, true, true]),
        (ManageContacts, [true, true, true, false]),
        (DefineContactFields, [true, true, false, false]),
        (ImportContacts, [true, true, false, false]),
        (EraseContact, [true, true, false, false]),
        (InviteMembers, [true, true, false, false]),
        (ModerateContactNotes, [true, true, false, false]),
        (ViewAnalytics, [true, true, false, false]),
        (ViewOwnActivity, [true, true, true, false]),
        (SendBroadcasts, [true, true, false, false]),
    ];

    #[test]
    fn matrix_is_complete_and_matches() {
        assert_eq!(MATRIX.len(), Action::ALL.len());
        for action in Action::ALL {
            let (_, row) = MATRIX.iter().find(|(a, _)| *a == action).expect("every action in the matrix");
            for (i, role) in Role::ALL.into_iter().enumerate() {
                assert_eq!(allowed(role, action), row[i], "{role} × {action:?}");
            }
        }
    }

    #[test]
    fn roles_are_monotonic() {
        // Anything a lower role may do, every higher role may do too.
        for action in Action::ALL {
            for w in Role::ALL.windows(2) {
                assert!(
                    !allowed(w[1], action) || allowed(w[0], action),
                    "{} may {action:?} but {} may not",
                    w[1],
                    w[0]
                );
            }
        }
    }

    #[test]
    fn only_owners_assign_owner() {
        for actor in Role::ALL {
            for target in Role::ALL {
                let expected = match (actor, target) {
                    (Role::Owner, _) => true,
                    (Role::Admin, Role::Owner) => false,
                    (Role::Admin, _) => true,
                    _ => false,
                };
                assert_eq!(can_assign_role(actor, target), expected, "{actor} assigns {target}");
            }
        }
    }

    #[test]
    fn notes_change_by_their_author_or_a_moderator() {
        for role in Role::ALL {
            let manages = allowed(role, ManageContacts);
            assert_eq!(can_change_note(role, true), manages, "{role} own");
            assert_eq!(can_change_note(role, false), matches!(role, Role::Owner | Role::Admin), "{role} other's");
        }
    }

    #[test]
    fn roles_parse_case_insensitively_and_refuse_others() {
        assert_eq!("Admin".parse::<Role>().unwrap(), Role::Admin);
        assert_eq!(" viewer ".parse::<Role>().unwrap(), Role::Viewer);
        assert!("root".parse::<Role>().is_err());
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
    }
}
