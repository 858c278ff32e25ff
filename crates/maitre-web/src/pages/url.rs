//! Values placed in a link's path. Each is one percent-encoded segment, so no stored value can reach another
//! path: a flow-made tag `x/../../team/…` once turned a tag's "×" into "remove this member".
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `.` and `..` cannot be one segment in any encoding: browsers resolve them (also as `%2E`). Ids and tags are
/// never one, so meeting one is a bug, answered as an error rather than a link elsewhere.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} cannot be a path segment")]
pub struct DotSegment(String);

impl From<DotSegment> for crate::error::AppError {
    fn from(e: DotSegment) -> Self {
        crate::error::AppError::Internal(e.into())
    }
}

/// `raw` as one path segment.
pub fn segment(raw: &str) -> Result<String, DotSegment> {
    if raw == "." || raw == ".." {
        return Err(DotSegment(raw.to_owned()));
    }
    Ok(utf8_percent_encode(raw, SEGMENT).to_string())
}

/// Template filters: `{{ tag|seg }}` in every dynamic path segment of an `href`, `action` or `data-*` URL.
pub mod filters {
    use super::*;

    #[askama::filter_fn]
    pub fn seg<T: fmt::Display>(value: T, _: &dyn askama::Values) -> askama::Result<String> {
        segment(&value.to_string()).map_err(askama::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_cannot_leave_its_place() {
        assert_eq!(segment("vip").unwrap(), "vip");
        assert_eq!(segment("0190a-b_c.d~").unwrap(), "0190a-b_c.d~");
        assert_eq!(
            segment("x/../../team/members/1/remove?a#b").unwrap(),
            "x%2F..%2F..%2Fteam%2Fmembers%2F1%2Fremove%3Fa%23b"
        );
        assert_eq!(segment("a\\b c%").unwrap(), "a%5Cb%20c%25");
        assert_eq!(segment("café").unwrap(), "caf%C3%A9");
        assert!(segment("..").is_err() && segment(".").is_err());
    }
}
