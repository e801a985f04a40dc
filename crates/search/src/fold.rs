//! What both engines match on: words folded the German way, and phone numbers as digits.

use kartei_contacts::normalize;

/// Lower case, accents and umlauts transliterated, then German normalization: `ae`, `oe`, `ue`
/// become `a`, `o`, `u` unless they follow a vowel or `q` (as Lucene's
/// GermanNormalizationFilter does). So "Müller", "Mueller" and "Muller" all fold to
/// "muller", and "Weiß"/"Weiss" to "weiss". Words are separated by one space; everything
/// that is not a letter or digit separates words.
pub fn fold(s: &str) -> String {
    let base = normalize::fold(s);
    // `normalize::fold` yields ASCII only, so bytes are characters.
    let b = base.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b'a' | b'o' | b'u') && b.get(i + 1) == Some(&b'e') {
            let prev = if i == 0 { b' ' } else { b[i - 1] };
            if !matches!(prev, b'a' | b'e' | b'i' | b'o' | b'u' | b'q') {
                out.push(char::from(c));
                i += 2;
                continue;
            }
        }
        out.push(char::from(c));
        i += 1;
    }
    out
}

/// The folded words of a query, at most `max` of them, each at most 64 characters.
pub fn words(s: &str, max: usize) -> Vec<String> {
    fold(s)
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(max)
        .map(|w| w.chars().take(64).collect())
        .collect()
}

/// A query that is a phone number or a fragment of one ("+49 89 1234", "089/1234-5"), as the
/// digits both engines index: international numbers without `+`/`00`, national ones as typed.
pub fn phone_query(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '/' | '(' | ')' | '.'))
    {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let international = t.starts_with('+');
    Some(match digits.strip_prefix("00") {
        Some(rest) if !international => rest.to_owned(),
        _ => digits,
    })
}

/// The digit forms of a stored E.164 number: international ("49891234567") and national
/// ("0891234567"), so either way of typing it finds it.
pub fn phone_words(e164: &str) -> Vec<String> {
    let intl: String = e164.chars().filter(char::is_ascii_digit).collect();
    let mut out = vec![intl.clone()];
    if let Ok(n) = phonenumber::parse(None, e164) {
        let national: String = n
            .format()
            .mode(phonenumber::Mode::National)
            .to_string()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if !national.is_empty() && national != intl {
            out.push(national);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn german_variants_meet() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("Mueller"), "muller");
        assert_eq!(fold("MULLER"), "muller");
        assert_eq!(fold("Weiß"), "weiss");
        assert_eq!(fold("Böhm-Schäfer"), "bohm schafer");
        assert_eq!(fold("Boehm"), "bohm");
        // After a vowel or q the e stays.
        assert_eq!(fold("Feuer"), "feuer");
        assert_eq!(fold("Quelle"), "quelle");
    }

    #[test]
    fn phone_queries() {
        assert_eq!(phone_query("+49 89 1234").as_deref(), Some("49891234"));
        assert_eq!(phone_query("0049 89 1234").as_deref(), Some("49891234"));
        assert_eq!(phone_query("089/1234-5").as_deref(), Some("08912345"));
        assert_eq!(phone_query("123"), None);
        assert_eq!(phone_query("Müller 1234"), None);
        let w = phone_words("+49891234567");
        assert_eq!(w[0], "49891234567");
        assert_eq!(w[1], "0891234567");
    }
}
