//! Keyset paging shared by every list: bounded page sizes and opaque cursors.
//!
//! A cursor encodes the sort key of the last row seen (never an offset), so pages stay stable
//! while rows are inserted and cost the same at any depth.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Serialize, de::DeserializeOwned};

/// The largest `first`/`last` any list accepts.
pub const MAX_PAGE_SIZE: u64 = 100;
pub const DEFAULT_PAGE_SIZE: u64 = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("must be between 1 and {MAX_PAGE_SIZE}")]
    BadSize { field: &'static str },
    #[error("is not a cursor issued by this list")]
    BadCursor { field: &'static str },
    #[error("cannot be combined with `first`/`after`")]
    BothDirections,
}

impl PageError {
    pub fn field(&self) -> &'static str {
        match self {
            PageError::BadSize { field } | PageError::BadCursor { field } => field,
            PageError::BothDirections => "last",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// A validated page request with the decoded keyset position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K> {
    pub direction: Direction,
    /// Rows wanted; fetch one more to learn whether another page exists.
    pub limit: u64,
    pub after: Option<K>,
    pub before: Option<K>,
}

impl<K: DeserializeOwned> PageRequest<K> {
    pub fn parse(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> Result<Self, PageError> {
        if last.is_some() && (first.is_some() || after.is_some()) {
            return Err(PageError::BothDirections);
        }
        let size = |v: i32, field| {
            u64::try_from(v)
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or(PageError::BadSize { field })
        };
        let direction = if last.is_some() {
            Direction::Backward
        } else {
            Direction::Forward
        };
        let limit = match (first, last) {
            (Some(f), _) => size(f, "first")?,
            (None, Some(l)) => size(l, "last")?,
            (None, None) => DEFAULT_PAGE_SIZE,
        };
        Ok(Self {
            direction,
            limit,
            after: after.map(|c| decode_cursor(c, "after")).transpose()?,
            before: before.map(|c| decode_cursor(c, "before")).transpose()?,
        })
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    // Serializing plain keys (ids, strings, timestamps) cannot fail.
    let json = serde_json::to_vec(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor<K: DeserializeOwned>(cursor: &str, field: &'static str) -> Result<K, PageError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| PageError::BadCursor { field })?;
    serde_json::from_slice(&bytes).map_err(|_| PageError::BadCursor { field })
}

/// One page of rows with their cursors, in display order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with `limit + 1`, in query order. For backward pages the
    /// query runs in reverse order and the rows are flipped back here.
    pub fn from_rows<K: Serialize>(
        req: &PageRequest<impl Sized>,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> K,
    ) -> Self {
        let limit = usize::try_from(req.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        if req.direction == Direction::Backward {
            rows.reverse();
        }
        let items = rows
            .into_iter()
            .map(|row| (encode_cursor(&key(&row)), row))
            .collect();
        let (has_next_page, has_previous_page) = match req.direction {
            Direction::Forward => (more, req.after.is_some()),
            Direction::Backward => (req.before.is_some(), more),
        };
        Page {
            items,
            has_next_page,
            has_previous_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Req = PageRequest<(String, String)>;

    #[test]
    fn sizes_are_bounded() {
        assert!(Req::parse(Some(0), None, None, None).is_err());
        assert!(Req::parse(Some(101), None, None, None).is_err());
        assert!(Req::parse(Some(-5), None, None, None).is_err());
        assert_eq!(Req::parse(None, None, None, None).map(|r| r.limit), Ok(20));
        assert!(Req::parse(Some(1), None, Some(1), None).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(&("a".to_owned(), "b".to_owned()));
        let r = Req::parse(Some(5), Some(&c), None, None).expect("valid");
        assert_eq!(r.after, Some(("a".to_owned(), "b".to_owned())));
        assert_eq!(
            Req::parse(Some(5), Some("not-a-cursor!"), None, None),
            Err(PageError::BadCursor { field: "after" })
        );
    }

    #[test]
    fn page_flags() {
        let req = Req::parse(Some(2), None, None, None).expect("valid");
        let page = Page::from_rows(&req, vec![1, 2, 3], |n| *n);
        assert_eq!(page.items.len(), 2);
        assert!(page.has_next_page);
        assert!(!page.has_previous_page);
    }
}
