//! Getting a new business going: the steps a team takes before maitre answers guests, and what is done of them.
use crate::kinds::words;

words! {
    /// A step of setting up, in the order the home page offers them; its word names its wording and link keys.
    pub enum SetupStep("setup step") {
        /// Opening hours and booking rules saved once (the defaults are a guess).
        Hours = "hours",
        /// A platform account connected.
        Channel = "channel",
        /// A flow published, so guests get answers.
        Flow = "flow",
        /// A first message arrived (a guest's, or the team's own test).
        FirstMessage = "message",
        /// Someone besides the owner works in the account.
        Team = "team",
    }
}

/// What the store knows about a business's setup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetupFacts {
    pub hours_saved: bool,
    pub channels: i64,
    pub published_flows: i64,
    pub conversations: i64,
    pub members: i64,
}

impl SetupFacts {
    pub fn done(&self, step: SetupStep) -> bool {
        match step {
            SetupStep::Hours => self.hours_saved,
            SetupStep::Channel => self.channels > 0,
            SetupStep::Flow => self.published_flows > 0,
            SetupStep::FirstMessage => self.conversations > 0,
            SetupStep::Team => self.members > 1,
        }
    }

    /// Steps done, of all.
    pub fn progress(&self) -> (usize, usize) {
        (SetupStep::ALL.iter().filter(|s| self.done(**s)).count(), SetupStep::ALL.len())
    }

    /// Every step is done: the home page stops offering the checklist.
    pub fn complete(&self) -> bool {
        SetupStep::ALL.iter().all(|s| self.done(*s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_business_has_done_nothing_and_each_fact_completes_one_step() {
        let new = SetupFacts { members: 1, ..SetupFacts::default() };
        assert_eq!(new.progress(), (0, 5));
        assert!(!new.complete());
        let steps = [
            (SetupStep::Hours, SetupFacts { hours_saved: true, ..new }),
            (SetupStep::Channel, SetupFacts { channels: 1, ..new }),
            (SetupStep::Flow, SetupFacts { published_flows: 2, ..new }),
            (SetupStep::FirstMessage, SetupFacts { conversations: 1, ..new }),
            (SetupStep::Team, SetupFacts { members: 2, ..new }),
        ];
        for (step, facts) in steps {
            assert_eq!(facts.progress(), (1, 5), "{step:?}");
            assert!(facts.done(step) && SetupStep::ALL.iter().filter(|s| facts.done(**s)).eq([&step]));
        }
    }

    #[test]
    fn all_facts_complete_the_checklist_and_keys_are_distinct() {
        let all = SetupFacts { hours_saved: true, channels: 2, published_flows: 1, conversations: 9, members: 3 };
        assert!(all.complete());
        assert_eq!(all.progress(), (5, 5));
        let keys: std::collections::HashSet<_> = SetupStep::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(keys.len(), SetupStep::ALL.len());
    }
}
