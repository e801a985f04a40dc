//! Highlights, computed the same way for every backend: the words of a hit's fields that the
//! query matched (prefix, or within the typo allowance), HTML-escaped, in `<mark>`.

use crate::document::Document;
use crate::fold::{fold, phone_words};
use crate::query::Parsed;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    /// `name`, `organization`, `email`, `street`, `city`, `postalCode` or `phone`.
    pub field: &'static str,
    /// The field's text, HTML-escaped, matched words in `<mark>…</mark>`.
    pub html: String,
}

/// Typos a word of this length may carry: one from 4 characters, two from 9 (Meilisearch is
/// configured the same way; a transposition counts as one typo in both).
pub fn typo_allowance(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=8 => 1,
        _ => 2,
    }
}

/// Whether a folded word of a document matches a folded query word.
pub fn word_matches(word: &str, query: &str) -> bool {
    if word.starts_with(query) {
        return true;
    }
    let allowed = typo_allowance(query.len());
    if allowed == 0 {
        return false;
    }
    // The query may be a misspelt prefix, or the whole word misspelt.
    let prefix: String = word.chars().take(query.chars().count()).collect();
    strsim::osa_distance(&prefix, query) <= allowed || strsim::osa_distance(word, query) <= allowed
}

pub fn highlights(doc: &Document, parsed: &Parsed) -> Vec<Highlight> {
    let mut out = Vec::new();
    if parsed.browse || parsed.no_words {
        return out;
    }
    if parsed.phone {
        let digits = &parsed.words[0];
        for p in &doc.phones {
            if phone_words(p)
                .iter()
                .any(|w| w.starts_with(digits.as_str()))
            {
                out.push(Highlight {
                    field: "phone",
                    html: format!("<mark>{}</mark>", escape(p)),
                });
            }
        }
        return out;
    }
    for (field, value) in [
        ("name", Some(&doc.name)),
        ("organization", doc.organization.as_ref()),
        ("email", doc.email.as_ref()),
        ("street", doc.street.as_ref()),
        ("city", doc.city.as_ref()),
        ("postalCode", doc.postal_code.as_ref()),
    ] {
        if let Some(v) = value
            && let Some(html) = mark(v, &parsed.words)
        {
            out.push(Highlight { field, html });
        }
    }
    out
}

/// The text with matched words marked, or `None` when nothing matched.
fn mark(text: &str, words: &[String]) -> Option<String> {
    let mut html = String::with_capacity(text.len() + 16);
    let mut any = false;
    let mut word = String::new();
    let flush = |word: &mut String, html: &mut String, any: &mut bool| {
        if word.is_empty() {
            return;
        }
        let f = fold(word);
        let hit = !f.is_empty()
            && f.split(' ')
                .any(|part| words.iter().any(|q| word_matches(part, q)));
        if hit {
            *any = true;
            html.push_str("<mark>");
            html.push_str(&escape(word));
            html.push_str("</mark>");
        } else {
            html.push_str(&escape(word));
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut html, &mut any);
            html.push_str(&escape(c.encode_utf8(&mut [0; 4])));
        }
    }
    flush(&mut word, &mut html, &mut any);
    any.then_some(html)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn marks_prefixes_and_typos_escaped() {
        let q = vec!["wachowsky".to_owned()];
        assert_eq!(
            mark("Max Wachowski <ceo>", &q).as_deref(),
            Some("Max <mark>Wachowski</mark> &lt;ceo&gt;")
        );
        let q = vec!["muller".to_owned()];
        assert_eq!(
            mark("Anna Müller", &q).as_deref(),
            Some("Anna <mark>Müller</mark>")
        );
        assert_eq!(mark("Anna Schmidt", &q), None);
        assert!(word_matches("wachowski", "wacho"));
        assert!(!word_matches("wachowski", "wax"));
    }
}
