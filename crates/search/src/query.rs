//! A search request, checked once (limits, cursor, filters), and the result shape both
//! backends share.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kartei_core::validate::FieldErrors;
use uuid::Uuid;

use crate::backend::Found;
use crate::document::{Document, Kind};
use crate::fold;
use crate::highlight::{Highlight, highlights};
use crate::{Error, Result};

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query that count (Meilisearch's limit, too); further words are ignored.
pub const MAX_WORDS: usize = 10;
pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;
/// How deep a result list can be paged (Meilisearch's `maxTotalHits`).
pub const MAX_HITS: usize = 1000;
/// Values returned per facet.
pub const FACET_VALUES: usize = 20;
const MAX_FILTER_VALUES: usize = 50;
const MAX_FILTER_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    Kind,
    Tags,
    LifecycleStage,
    City,
    Industry,
    Owner,
}

impl Facet {
    pub const ALL: [Facet; 6] = [
        Facet::Kind,
        Facet::Tags,
        Facet::LifecycleStage,
        Facet::City,
        Facet::Industry,
        Facet::Owner,
    ];

    /// The document attribute (camelCase, as Meilisearch filters on it).
    pub fn attribute(self) -> &'static str {
        match self {
            Facet::Kind => "kind",
            Facet::Tags => "tags",
            Facet::LifecycleStage => "lifecycleStage",
            Facet::City => "city",
            Facet::Industry => "industry",
            Facet::Owner => "ownerId",
        }
    }

    /// Parses a facet name (`tags`, `lifecycleStage`, `city`, `industry`, `owner`, `kind`).
    pub fn parse(s: &str) -> Result<Facet> {
        Facet::ALL
            .into_iter()
            .find(|f| f.attribute() == s || (s == "owner" && *f == Facet::Owner))
            .ok_or_else(|| {
                Error::field(
                    "facets",
                    format!(
                        "unknown facet {s:?}; known: kind, tags, lifecycleStage, city, industry, owner"
                    ),
                )
            })
    }
}

/// Filters; all given ones must hold (within one, any value).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kind: Option<Kind>,
    /// Every tag must be present.
    pub tags: Vec<String>,
    pub lifecycle_stages: Vec<String>,
    pub cities: Vec<String>,
    pub industries: Vec<String>,
    pub owners: Vec<Uuid>,
}

impl Filters {
    fn check(&self, errors: &mut FieldErrors) {
        for (name, values) in [
            ("filters.tags", &self.tags),
            ("filters.lifecycleStages", &self.lifecycle_stages),
            ("filters.cities", &self.cities),
            ("filters.industries", &self.industries),
        ] {
            if values.len() > MAX_FILTER_VALUES {
                errors.add(name, format!("at most {MAX_FILTER_VALUES} values"));
            } else if values
                .iter()
                .any(|v| v.is_empty() || v.chars().count() > MAX_FILTER_CHARS)
            {
                errors.add(
                    name,
                    format!("values must have 1 to {MAX_FILTER_CHARS} characters"),
                );
            } else if values.iter().any(|v| v.chars().any(char::is_control)) {
                errors.add(name, "values must not contain control characters");
            }
        }
        if self.owners.len() > MAX_FILTER_VALUES {
            errors.add(
                "filters.owners",
                format!("at most {MAX_FILTER_VALUES} values"),
            );
        }
    }
}

/// A checked request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: String,
    pub filters: Filters,
    pub facets: Vec<Facet>,
    pub limit: usize,
    pub offset: usize,
}

/// What the engines match: folded words, or phone digits.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub words: Vec<String>,
    /// The query is a phone number or fragment; `words` holds its digits.
    pub phone: bool,
    /// No query at all: every document matching the filters, by name.
    pub browse: bool,
    /// Text without any letter or digit: nothing matches.
    pub no_words: bool,
}

/// Which page of the ranked list: forward (`first` after a cursor) or backward (`last`
/// before a cursor), as a Relay connection pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window<'a> {
    pub first: Option<i64>,
    pub after: Option<&'a str>,
    pub last: Option<i64>,
    pub before: Option<&'a str>,
}

impl SearchRequest {
    /// A forward page: [`SearchRequest::paged`] with `first` and `after`.
    pub fn new(
        text: &str,
        filters: Filters,
        facets: Vec<Facet>,
        first: Option<i64>,
        after: Option<&str>,
    ) -> Result<Self> {
        Self::paged(
            text,
            filters,
            facets,
            Window {
                first,
                after,
                ..Window::default()
            },
        )
    }

    /// Checks everything the API passes in; VALIDATION_FAILED names each bad field.
    pub fn paged(
        text: &str,
        filters: Filters,
        facets: Vec<Facet>,
        window: Window<'_>,
    ) -> Result<Self> {
        let mut errors = FieldErrors::new();
        if text.chars().count() > MAX_QUERY_CHARS {
            errors.add(
                "query",
                format!("at most {MAX_QUERY_CHARS} characters; search for a name, company, city, e-mail or phone"),
            );
        }
        let size = |name: &str, n: Option<i64>, errors: &mut FieldErrors| match n {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE as i64).contains(&n) => n as usize,
            Some(_) => {
                errors.add(name, format!("must be between 1 and {MAX_PAGE}"));
                DEFAULT_PAGE
            }
        };
        let cursor =
            |name: &str, c: Option<&str>, errors: &mut FieldErrors| match c.map(decode_cursor) {
                None => None,
                Some(Some(position)) => Some(position),
                Some(None) => {
                    errors.add(name, "is not a cursor of this search");
                    None
                }
            };
        let backward = window.last.is_some() || window.before.is_some();
        if backward && (window.first.is_some() || window.after.is_some()) {
            errors.add(
                "last",
                "page either forward (first, after) or backward (last, before)",
            );
        }
        let (offset, limit) = if backward {
            // The `last` hits before the cursor; without one, there is no end to count from.
            let limit = size("last", window.last, &mut errors);
            match cursor("before", window.before, &mut errors) {
                Some(end) => (end.saturating_sub(limit), limit.min(end)),
                None => {
                    if window.before.is_none() {
                        errors.add(
                            "before",
                            "paging backward needs the cursor to page back from",
                        );
                    }
                    (0, 0)
                }
            }
        } else {
            let limit = size("first", window.first, &mut errors);
            (
                cursor("after", window.after, &mut errors).map_or(0, |p| p + 1),
                limit,
            )
        };
        if offset >= MAX_HITS {
            errors.add(
                "after",
                format!("results can be paged up to {MAX_HITS} hits; refine the query"),
            );
        }
        filters.check(&mut errors);
        let mut seen = Vec::new();
        for f in facets {
            if !seen.contains(&f) {
                seen.push(f);
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Self {
            text: text.to_owned(),
            filters,
            facets: seen,
            limit: limit.min(MAX_HITS.saturating_sub(offset)),
            offset,
        })
    }

    pub fn parse(&self) -> Parsed {
        let t = self.text.trim();
        if t.is_empty() {
            return Parsed {
                browse: true,
                ..Parsed::default()
            };
        }
        if let Some(digits) = fold::phone_query(t) {
            return Parsed {
                words: vec![digits],
                phone: true,
                ..Parsed::default()
            };
        }
        let words = fold::words(t, MAX_WORDS);
        Parsed {
            no_words: words.is_empty(),
            words,
            ..Parsed::default()
        }
    }
}

/// Opaque page cursor: the hit's position in the ranked list.
pub fn encode_cursor(position: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("s:{position}"))
}

/// The position a cursor stands for; `None` for anything this search did not hand out.
pub fn decode_cursor(s: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(s.trim()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    text.strip_prefix("s:")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < MAX_HITS)
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub document: Document,
    pub highlights: Vec<Highlight>,
    pub cursor: String,
}

#[derive(Debug, Clone)]
pub struct FacetCounts {
    pub facet: Facet,
    /// Value and count, most frequent first.
    pub values: Vec<(String, u64)>,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    pub facets: Vec<FacetCounts>,
    /// Matching documents, counted up to [`MAX_HITS`].
    pub total: u64,
    /// `total` is exact; otherwise more than [`MAX_HITS`] match, and facet counts cover the
    /// first [`MAX_HITS`] matches found rather than all of them.
    pub total_exact: bool,
    pub took: Duration,
    pub has_next_page: bool,
    /// Hits precede this page (it does not start at the first hit).
    pub has_previous_page: bool,
    pub backend: &'static str,
}

impl SearchResults {
    pub(crate) fn assemble(
        req: &SearchRequest,
        parsed: &Parsed,
        found: Found,
        took: Duration,
        backend: &'static str,
    ) -> Self {
        let reachable = found.total.min(MAX_HITS as u64);
        let hits: Vec<Hit> = found
            .docs
            .into_iter()
            .enumerate()
            .map(|(i, document)| Hit {
                highlights: highlights(&document, parsed),
                cursor: encode_cursor(req.offset + i),
                document,
            })
            .collect();
        let has_next_page = ((req.offset + hits.len()) as u64) < reachable;
        SearchResults {
            hits,
            facets: found.facets,
            total: found.total,
            total_exact: found.total_exact,
            took,
            has_next_page,
            has_previous_page: req.offset > 0,
            backend,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(41)), Some(41));
        assert!(decode_cursor("").is_none());
        assert!(decode_cursor("not a cursor").is_none());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("s:-1")).is_none());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("s:99999999999999999999999")).is_none());
    }

    #[test]
    fn limits() {
        let long = "a".repeat(10_000);
        assert!(SearchRequest::new(&long, Filters::default(), vec![], None, None).is_err());
        assert!(SearchRequest::new("x", Filters::default(), vec![], Some(0), None).is_err());
        assert!(SearchRequest::new("x", Filters::default(), vec![], Some(101), None).is_err());
        assert!(Facet::parse("color").is_err());
        assert_eq!(Facet::parse("owner").ok(), Some(Facet::Owner));
        // Backward paging: the hits before a cursor; never both directions at once.
        let back = |last, before| Window {
            last,
            before,
            ..Window::default()
        };
        let c = encode_cursor(10);
        let r =
            SearchRequest::paged("x", Filters::default(), vec![], back(Some(4), Some(&c))).unwrap();
        assert_eq!((r.offset, r.limit), (6, 4));
        let c = encode_cursor(2);
        let r =
            SearchRequest::paged("x", Filters::default(), vec![], back(Some(4), Some(&c))).unwrap();
        assert_eq!((r.offset, r.limit), (0, 2));
        assert!(
            SearchRequest::paged("x", Filters::default(), vec![], back(Some(4), None)).is_err()
        );
        let both = Window {
            first: Some(2),
            ..back(Some(2), Some(&c))
        };
        assert!(SearchRequest::paged("x", Filters::default(), vec![], both).is_err());
        let r = SearchRequest::new("  ", Filters::default(), vec![], None, None).unwrap();
        assert!(r.parse().browse);
        let r = SearchRequest::new("!!!", Filters::default(), vec![], None, None).unwrap();
        assert!(r.parse().no_words);
    }
}
