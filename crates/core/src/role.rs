//! Roles and what each may do. The server asks `Role::can` before every action; the back
//! office only hides what the server would refuse anyway.

use crate::model::string_enum;

string_enum!(
    /// From most to least powerful.
    Role {
        Owner => "owner",
        Admin => "admin",
        Editor => "editor",
        Author => "author",
        Contributor => "contributor",
    }
);

/// Something a signed-in user may attempt. "Own" means an item the user is a byline of or
/// created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    ManageUsers,
    ManageSettings,
    EditAny,
    PublishAny,
    EditOwn,
    PublishOwn,
    SubmitForReview,
    Upload,
    ArrangeHome,
    FlagBreaking,
    ManageSections,
    ManageSubscribers,
}

impl Role {
    pub fn can(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Owner | Role::Admin => true,
            Role::Editor => !matches!(action, ManageUsers | ManageSettings),
            Role::Author => matches!(action, EditOwn | PublishOwn | SubmitForReview | Upload),
            Role::Contributor => matches!(action, EditOwn | SubmitForReview),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributors_cannot_publish_or_upload() {
        assert!(!Role::Contributor.can(Action::PublishOwn));
        assert!(!Role::Contributor.can(Action::Upload));
        assert!(Role::Contributor.can(Action::SubmitForReview));
    }

    #[test]
    fn editors_publish_anything_but_do_not_run_the_site() {
        assert!(Role::Editor.can(Action::PublishAny));
        assert!(Role::Editor.can(Action::FlagBreaking));
        assert!(!Role::Editor.can(Action::ManageUsers));
        assert!(!Role::Editor.can(Action::ManageSettings));
    }

    /// The whole matrix, written out: a change to `can` has to change this table too.
    #[test]
    fn every_role_against_every_action() {
        use Action::*;
        let actions = [
            ManageUsers,
            ManageSettings,
            EditAny,
            PublishAny,
            EditOwn,
            PublishOwn,
            SubmitForReview,
            Upload,
            ArrangeHome,
            FlagBreaking,
            ManageSections,
            ManageSubscribers,
        ];
        //                        users settings editAny pubAny editOwn pubOwn submit upload home breaking sections subscribers
        let table: [(Role, [bool; 12]); 5] = [
            (
                Role::Owner,
                [
                    true, true, true, true, true, true, true, true, true, true, true, true,
                ],
            ),
            (
                Role::Admin,
                [
                    true, true, true, true, true, true, true, true, true, true, true, true,
                ],
            ),
            (
                Role::Editor,
                [
                    false, false, true, true, true, true, true, true, true, true, true, true,
                ],
            ),
            (
                Role::Author,
                [
                    false, false, false, false, true, true, true, true, false, false, false, false,
                ],
            ),
            (
                Role::Contributor,
                [
                    false, false, false, false, true, false, true, false, false, false, false,
                    false,
                ],
            ),
        ];
        for (role, expected) in table {
            for (action, want) in actions.iter().zip(expected) {
                assert_eq!(role.can(*action), want, "{role:?} × {action:?}");
            }
        }
    }

    #[test]
    fn roles_parse_from_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
