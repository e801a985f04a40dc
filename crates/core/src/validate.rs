//! Validation that parses: newtypes for inputs, and a collector of per-field messages.

use std::collections::BTreeMap;
use std::fmt;

use validator::ValidateEmail;

/// Per-field validation messages, reported together so a form can show all of them at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{k}: {v}")?;
        }
        Ok(())
    }
}

/// A syntactically valid email address, trimmed and with its domain lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is required")]
    Empty,
    #[error("must be at most 254 characters")]
    TooLong,
    #[error("is not a valid email address")]
    Invalid,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Invalid)?;
        // Internationalized local parts (RFC 6531: `josé@…`, `G.Groß@…`) are addresses too:
        // every non-ASCII letter or digit counts as an ordinary atom character, and the rest
        // of the address is checked as before (the domain may be an IDN).
        let checked = if local.is_ascii() {
            std::borrow::Cow::Borrowed(s)
        } else if local.chars().all(|c| c.is_ascii() || c.is_alphanumeric()) {
            let atoms: String = local
                .chars()
                .map(|c| if c.is_ascii() { c } else { 'x' })
                .collect();
            std::borrow::Cow::Owned(format!("{atoms}@{domain}"))
        } else {
            return Err(EmailError::Invalid);
        };
        if !checked.validate_email() {
            return Err(EmailError::Invalid);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The form used for uniqueness and matching: fully lower-cased.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, non-empty, at most `max` characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("is required")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters")]
    Control,
}

impl Name {
    pub fn parse(raw: &str, max: usize) -> Result<Self, NameError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if s.chars().count() > max {
            return Err(NameError::TooLong(max));
        }
        if s.chars().any(char::is_control) {
            return Err(NameError::Control);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A URL-safe short name: lower-case ASCII letters, digits and inner hyphens, 2..=63 chars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be 2 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit"
)]
pub struct SlugError;

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, SlugError> {
        let s = raw.trim();
        let ok_len = (2..=63).contains(&s.len());
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_ends = !s.starts_with('-') && !s.ends_with('-');
        if ok_len && ok_chars && ok_ends {
            Ok(Self(s.to_owned()))
        } else {
            Err(SlugError)
        }
    }

    /// Derives a slug from a display name (umlauts transliterated), for when none is given.
    pub fn from_name(name: &str) -> Result<Self, SlugError> {
        let mut out = String::new();
        for c in name.trim().to_lowercase().chars() {
            match c {
                'ä' => out.push_str("ae"),
                'ö' => out.push_str("oe"),
                'ü' => out.push_str("ue"),
                'ß' => out.push_str("ss"),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'à' | 'á' | 'â' | 'ã' | 'å' => out.push('a'),
                'ç' | 'č' => out.push('c'),
                'è' | 'é' | 'ê' | 'ë' => out.push('e'),
                'ì' | 'í' | 'î' | 'ï' => out.push('i'),
                'ñ' => out.push('n'),
                'ò' | 'ó' | 'ô' | 'õ' | 'ø' => out.push('o'),
                'ù' | 'ú' | 'û' => out.push('u'),
                'š' => out.push('s'),
                'ý' | 'ÿ' => out.push('y'),
                'ž' => out.push('z'),
                c if c.is_ascii_alphanumeric() => out.push(c),
                _ => {
                    if !out.ends_with('-') {
                        out.push('-');
                    }
                }
            }
        }
        let trimmed: String = out.trim_matches('-').chars().take(63).collect();
        Self::parse(trimmed.trim_end_matches('-'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Password strength policy: length bounds and not trivially guessable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("must be at least 12 characters")]
    TooShort,
    #[error("must be at most 128 characters")]
    TooLong,
    #[error("is too common or too simple; use a longer passphrase")]
    TooWeak,
}

pub fn check_password(password: &str, email: Option<&str>) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(PasswordError::TooShort);
    }
    if n > 128 {
        return Err(PasswordError::TooLong);
    }
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    let lower = password.to_lowercase();
    let common = [
        "password", "passwort", "123456", "qwertz", "qwerty", "letmein", "kartei",
    ];
    let from_email = email
        .and_then(|e| e.split('@').next())
        .is_some_and(|local| local.len() >= 4 && lower.contains(&local.to_lowercase()));
    if distinct.len() < 5 || common.iter().any(|c| lower.contains(c)) || from_email {
        return Err(PasswordError::TooWeak);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            EmailAddress::parse("  Anna.Mueller@Example.DE ").map(|e| e.as_str().to_owned()),
            Ok("Anna.Mueller@example.de".to_owned())
        );
        assert_eq!(EmailAddress::parse("no-at-sign"), Err(EmailError::Invalid));
        // RFC 6531: non-ASCII letters in the local part, an IDN domain.
        for ok in ["josé.3@example.de", "G.Groß1@firma1.de", "müller@bücher.de"] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            EmailAddress::parse("G.Groß1@Firma1.DE").map(|e| e.normalized()),
            Ok("g.groß1@firma1.de".to_owned())
        );
        for bad in [
            "jo sé@example.de",
            "a€b@example.de",
            "josé@@example.de",
            "josé@",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
        assert_eq!(EmailAddress::parse(" "), Err(EmailError::Empty));
    }

    #[test]
    fn slugs() {
        assert_eq!(
            Slug::from_name("Bäckerei Müller & Söhne GmbH").map(|s| s.as_str().to_owned()),
            Ok("baeckerei-mueller-soehne-gmbh".to_owned())
        );
        assert_eq!(
            Slug::from_name("Café Größenwahn").map(|s| s.as_str().to_owned()),
            Ok("cafe-groessenwahn".to_owned())
        );
        assert!(Slug::parse("-bad").is_err());
        assert!(Slug::parse("Bad").is_err());
        assert!(Slug::parse("a'; drop").is_err());
    }

    #[test]
    fn passwords() {
        assert_eq!(check_password("short", None), Err(PasswordError::TooShort));
        assert_eq!(
            check_password("aaaaaaaaaaaaaaa", None),
            Err(PasswordError::TooWeak)
        );
        assert_eq!(
            check_password("mypassword2024!", None),
            Err(PasswordError::TooWeak)
        );
        assert_eq!(
            check_password("annamueller-2024", Some("annamueller@x.de")),
            Err(PasswordError::TooWeak)
        );
        assert!(check_password("Grüne Wiese 7 im Mai", None).is_ok());
    }
}
