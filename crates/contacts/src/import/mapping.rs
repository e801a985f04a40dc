//! Column mapping: which file column fills which field, suggested from the headers (German
//! and English), and checked before an import starts.

use kartei_core::validate::FieldErrors;

use crate::normalize::fold;
use crate::persons::PersonDraft;
use crate::rules::{self, FieldKind};

/// Import-only targets besides the person's own fields.
pub const ORGANIZATION: &str = "organization";
pub const JOB_TITLE: &str = "job_title";

/// A column whose cells become a note on the person's timeline (`Bemerkung`, `Notizen`).
pub const NOTE: &str = "note";

/// Header spellings (folded) per target field, best first: where two columns could fill one
/// field (`Telefon geschäftlich` and `Telefon privat`), the better spelling gets it. Covers
/// the exports of Outlook (German and English), Excel lists and common CRMs.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("salutation", &["anrede", "salutation", "herr frau"]),
    (
        "title",
        &["titel", "title", "akad titel", "akademischer titel"],
    ),
    (
        "first_name",
        &["vorname", "first name", "firstname", "given name", "vname"],
    ),
    (
        "last_name",
        &[
            "nachname",
            "last name",
            "lastname",
            "surname",
            "familienname",
            "zuname",
            "name",
        ],
    ),
    (
        "email",
        &[
            "e mail",
            "email",
            "e mail adresse",
            "email address",
            "e mail address",
            "emailadresse",
            "e mail 1",
            "email 1",
            "e mail 1 adresse",
            "e mail geschaeftlich",
            "mail",
            "mailadresse",
            "e mail privat",
        ],
    ),
    (
        "phone",
        &[
            "telefon",
            "telefon geschaeftlich",
            "telefon dienstlich",
            "tel geschaeftlich",
            "business phone",
            "work phone",
            "phone",
            "tel",
            "telefonnummer",
            "phone number",
            "tel nr",
            "telephone",
            "festnetz",
            "telefon 1",
            "telefon privat",
            "home phone",
        ],
    ),
    (
        "mobile",
        &[
            "mobil",
            "mobiltelefon",
            "handy",
            "mobile",
            "mobile phone",
            "mobilnummer",
            "handynummer",
            "telefon mobil",
            "mobilfunk",
            "cell",
            "cell phone",
        ],
    ),
    (
        "birthday",
        &[
            "geburtstag",
            "geburtsdatum",
            "birthday",
            "date of birth",
            "geb datum",
            "dob",
        ],
    ),
    ("position", &["position", "funktion", "role"]),
    (
        "street",
        &[
            "strasse",
            "street",
            "strasse und hausnummer",
            "strasse hausnummer",
            "adresse",
            "anschrift",
            "str",
            "address",
            "strasse geschaeftlich",
            "business street",
            "strasse privat",
            "home street",
        ],
    ),
    (
        "postal_code",
        &[
            "plz",
            "postleitzahl",
            "zip",
            "zip code",
            "postal code",
            "postcode",
            "postleitzahl geschaeftlich",
            "business postal code",
            "postleitzahl privat",
            "home postal code",
        ],
    ),
    (
        "city",
        &[
            "ort",
            "stadt",
            "city",
            "wohnort",
            "town",
            "ort geschaeftlich",
            "business city",
            "ort privat",
            "home city",
        ],
    ),
    (
        "country",
        &[
            "land",
            "country",
            "staat",
            "land region",
            "country region",
            "land region geschaeftlich",
            "business country region",
        ],
    ),
    (
        "website",
        &[
            "website",
            "webseite",
            "homepage",
            "url",
            "internet",
            "web page",
            "web site",
            "internetseite",
        ],
    ),
    ("source", &["quelle", "source", "herkunft", "lead source"]),
    (
        "external_id",
        &[
            "kundennummer",
            "kunden nr",
            "kundennr",
            "external id",
            "id",
            "customer id",
            "customer number",
            "kd nr",
            "kdnr",
        ],
    ),
    (
        "lifecycle_stage",
        &["status", "lifecycle stage", "phase", "lebenszyklus"],
    ),
    (
        "tags",
        &[
            "tags",
            "schlagworte",
            "stichworte",
            "kategorie",
            "kategorien",
            "categories",
            "labels",
        ],
    ),
    (
        ORGANIZATION,
        &[
            "firma",
            "unternehmen",
            "company",
            "organisation",
            "organization",
            "firmenname",
            "company name",
            "arbeitgeber",
            "account name",
        ],
    ),
    (
        JOB_TITLE,
        &["jobtitel", "job title", "berufsbezeichnung", "stellung"],
    ),
    (
        NOTE,
        &[
            "notiz",
            "notizen",
            "bemerkung",
            "bemerkungen",
            "kommentar",
            "kommentare",
            "anmerkung",
            "anmerkungen",
            "hinweis",
            "hinweise",
            "note",
            "notes",
            "comment",
            "comments",
            "remarks",
            "beschreibung",
            "description",
        ],
    ),
];

/// Fields a column may be mapped to.
pub fn is_target(field: &str) -> bool {
    PersonDraft::TEXT_FIELDS.contains(&field)
        || matches!(field, "tags" | ORGANIZATION | JOB_TITLE | NOTE)
        || field.strip_prefix("custom.").is_some_and(|k| !k.is_empty())
}

/// A suggested target for each header, or `None`; each target is suggested at most once, for
/// the column whose header is its better spelling (the first such column on a tie).
pub fn suggest(headers: &[String], custom_keys: &[(String, String)]) -> Vec<Option<String>> {
    let ranked: Vec<Option<(String, usize)>> = headers
        .iter()
        .map(|h| {
            let f = fold(h);
            SYNONYMS
                .iter()
                .find_map(|(t, names)| {
                    names
                        .iter()
                        .position(|n| *n == f)
                        .map(|rank| ((*t).to_owned(), rank))
                })
                .or_else(|| {
                    custom_keys
                        .iter()
                        .find(|(key, label)| fold(key) == f || fold(label) == f)
                        .map(|(key, _)| (format!("custom.{key}"), 0))
                })
        })
        .collect();
    ranked
        .iter()
        .enumerate()
        .map(|(i, hit)| {
            let (target, rank) = hit.as_ref()?;
            let better = ranked.iter().enumerate().any(|(j, other)| {
                other
                    .as_ref()
                    .is_some_and(|(t, r)| t == target && (*r < *rank || (*r == *rank && j < i)))
            });
            (!better).then(|| target.clone())
        })
        .collect()
}

/// A custom field an import may create for a column nothing else takes (`Kunde seit`,
/// `Umsatz 2025 (€)`, `Abteilung`), with a key and a type read off the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewField {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
}

/// For each column without a suggested target, a new custom field: the key from the header
/// (`Kunde seit` → `kunde_seit`), the header as label, and the type most sample values fit
/// (date, number, yes/no, else text). `None` for mapped columns and blank headers.
pub fn suggest_new_fields(
    headers: &[String],
    mapping: &[Option<String>],
    rows: &[(u64, Vec<String>)],
    taken: &[String],
) -> Vec<Option<NewField>> {
    let mut used: Vec<String> = taken.to_vec();
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if mapping.get(i).is_some_and(Option::is_some) {
                return None;
            }
            let mut key: String = fold(h)
                .split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
                key.insert_str(0, "feld_");
            }
            key.truncate(36);
            let key = key.trim_end_matches('_').to_owned();
            if key.len() < 2 {
                return None;
            }
            let mut unique = key.clone();
            let mut n = 2;
            while used.contains(&unique) {
                unique = format!("{key}_{n}");
                n += 1;
            }
            used.push(unique.clone());
            let label: String = h.trim().chars().take(100).collect();
            let values: Vec<&str> = rows
                .iter()
                .filter_map(|(_, cells)| cells.get(i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            // A type most values fit (four in five): a stray `seit 2019` among dates should not
            // make the column text; the import reports that one value as a warning.
            let most = |f: fn(&str) -> bool| {
                let fit = values.iter().filter(|v| f(v)).count();
                !values.is_empty() && fit * 5 >= values.len() * 4
            };
            let kind = if most(|v| rules::parse_date(v).is_some()) {
                FieldKind::Date
            } else if most(|v| rules::parse_number(v).is_some()) {
                FieldKind::Number
            } else if most(|v| {
                rules::parse_bool(v).is_some() && !v.chars().all(|c| c.is_ascii_digit())
            }) {
                FieldKind::Boolean
            } else {
                FieldKind::Text
            };
            Some(NewField {
                key: unique,
                label,
                kind,
            })
        })
        .collect()
}

/// Checks a mapping against the headers; match keys must be mapped.
pub fn check(
    headers: &[String],
    mapping: &[Option<String>],
    match_keys: &[String],
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    if mapping.len() != headers.len() {
        e.add(
            "mapping",
            format!("must have one entry per column ({} columns)", headers.len()),
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, m) in mapping.iter().enumerate() {
        if let Some(t) = m {
            if !is_target(t) {
                e.add(
                    format!("mapping.{i}"),
                    format!("'{t}' is not an importable field"),
                );
            } else if seen.contains(&t.as_str()) {
                e.add(format!("mapping.{i}"), format!("'{t}' is mapped twice"));
            }
            seen.push(t);
        }
    }
    if !seen.iter().any(|t| matches!(*t, "last_name" | "email")) {
        e.add("mapping", "map at least lastName or email");
    }
    for k in match_keys {
        if !matches!(k.as_str(), "email" | "external_id") {
            e.add("matchKeys", "must be email and/or external_id");
        } else if !seen.contains(&k.as_str()) {
            e.add(
                "matchKeys",
                format!("'{k}' is a match key but no column is mapped to it"),
            );
        }
    }
    e.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_headers_are_recognized() {
        let headers: Vec<String> = [
            "Vorname",
            "Nachname",
            "E-Mail",
            "Firma",
            "Straße",
            "PLZ",
            "Ort",
            "Telefon",
            "Geburtstag",
            "Lieblingsfarbe",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let got = suggest(&headers, &[]);
        let want = [
            "first_name",
            "last_name",
            "email",
            "organization",
            "street",
            "postal_code",
            "city",
            "phone",
            "birthday",
        ];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(got[i].as_deref(), Some(*w), "{}", headers[i]);
        }
        assert_eq!(got[9], None);
    }

    #[test]
    fn outlook_and_excel_headers_are_recognized_and_the_rest_can_become_fields() {
        let headers: Vec<String> = [
            "Kundennummer",
            "Telefon privat",
            "Telefon (geschäftlich)",
            "Mobiltelefon",
            "E-Mail-Adresse",
            "E-Mail 2",
            "Abteilung",
            "Kunde seit",
            "Umsatz 2025 (€)",
            "Bemerkung",
            "Nachname",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let got = suggest(&headers, &[]);
        let want: Vec<Option<&str>> = vec![
            Some("external_id"),
            None,
            Some("phone"),
            Some("mobile"),
            Some("email"),
            None,
            None,
            None,
            None,
            Some("note"),
            Some("last_name"),
        ];
        assert_eq!(got.iter().map(Option::as_deref).collect::<Vec<_>>(), want);
        let rows = vec![(
            2,
            [
                "1",
                "030 1",
                "030 2",
                "0171",
                "a@b.de",
                "x@y.de",
                "Einkauf",
                "01.03.2015",
                "1.234,50 €",
                "",
                "A",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        )];
        let new = suggest_new_fields(&headers, &got, &rows, &["abteilung".to_owned()]);
        let kinds: Vec<Option<(String, FieldKind)>> = new
            .into_iter()
            .map(|f| f.map(|f| (f.key, f.kind)))
            .collect();
        assert_eq!(
            kinds[1],
            Some(("telefon_privat".to_owned(), FieldKind::Text))
        );
        assert_eq!(kinds[5], Some(("e_mail_2".to_owned(), FieldKind::Text)));
        assert_eq!(kinds[6], Some(("abteilung_2".to_owned(), FieldKind::Text)));
        assert_eq!(kinds[7], Some(("kunde_seit".to_owned(), FieldKind::Date)));
        assert_eq!(
            kinds[8],
            Some(("umsatz_2025".to_owned(), FieldKind::Number))
        );
        assert_eq!(kinds[9], None);
    }
}
