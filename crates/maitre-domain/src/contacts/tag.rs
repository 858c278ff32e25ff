//! Tags on contacts and conversations. Every tag is made by `Tag::parse`, whether staff type it, a file or the
//! API carries it, or a flow's `tag` node names it, so no stored tag can bend a URL it is placed in.
use std::fmt;

use serde::{Deserialize, Serialize};

use super::ContactError;

/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// A tag: trimmed, lower-cased, 1 to 40 characters without commas (they separate tags in imports), control
/// characters, or `/ \ ? #` and the names `.` and `..` (tags are path segments of URLs, and browsers read `\` as
/// `/` and resolve dot segments).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Tag, ContactError> {
        let t = raw.trim().to_lowercase();
        let valid = !t.is_empty()
            && t.chars().count() <= MAX_TAG_CHARS
            && !t.contains([',', '/', '\\', '?', '#'])
            && !t.chars().any(char::is_control)
            && t != "."
            && t != "..";
        if valid {
            Ok(Tag(t))
        } else {
            let shown: String = raw.chars().take(60).collect();
            Err(ContactError::Invalid(format!("{shown:?} is not a tag (1 to 40 characters, none of , / \\ ? #)")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Tag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = ContactError;
    fn try_from(raw: String) -> Result<Tag, ContactError> {
        Tag::parse(&raw)
    }
}

impl From<Tag> for String {
    fn from(tag: Tag) -> String {
        tag.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised() {
        assert_eq!(Tag::parse(" VIP ").unwrap().as_str(), "vip");
        assert_eq!(Tag::parse("10% off").unwrap().as_str(), "10% off");
        assert!(Tag::parse(&"x".repeat(MAX_TAG_CHARS)).is_ok());
    }

    #[test]
    fn tags_that_would_bend_a_url_are_refused() {
        let hostile = ["x/../../team/members/0190/remove?", "a?b", "#a", "a\\b", ".", "..", "a,b", "", "  ", "a\nb"];
        for bad in hostile {
            assert!(Tag::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Tag::parse(&"x".repeat(MAX_TAG_CHARS + 1)).is_err());
    }

    #[test]
    fn a_tag_read_from_json_is_parsed() {
        let tags: Vec<Tag> = serde_json::from_str(r#"[" Regular "]"#).unwrap();
        assert_eq!(tags[0].as_str(), "regular");
        assert!(serde_json::from_str::<Vec<Tag>>(r#"["x/../remove?"]"#).is_err());
    }
}
