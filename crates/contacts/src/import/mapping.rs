//! Column mapping: which file column fills which field, suggested from the headers (German
//! and English), and checked before an import starts.

use kartei_core::validate::FieldErrors;

use crate::normalize::fold;
use crate::persons::PersonDraft;

/// Import-only targets besides the person's own fields.
pub const ORGANIZATION: &str = "organization";
pub const JOB_TITLE: &str = "job_title";

/// Header spellings (folded) per target field.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("salutation", &["anrede", "salutation", "herr frau"]),
    ("title", &["titel", "title", "akad titel"]),
    (
        "first_name",
        &["vorname", "first name", "firstname", "given name", "vname"],
    ),
    (
        "last_name",
        &[
            "nachname",
            "name",
            "last name",
            "lastname",
            "surname",
            "familienname",
            "zuname",
        ],
    ),
    (
        "email",
        &[
            "e mail",
            "email",
            "mail",
            "e mail adresse",
            "email address",
            "emailadresse",
            "mailadresse",
        ],
    ),
    (
        "phone",
        &[
            "telefon",
            "tel",
            "phone",
            "telefonnummer",
            "festnetz",
            "telephone",
            "phone number",
            "tel nr",
        ],
    ),
    (
        "mobile",
        &[
            "mobil",
            "handy",
            "mobile",
            "mobilnummer",
            "mobiltelefon",
            "cell",
            "mobile phone",
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
            "adresse",
            "anschrift",
            "strasse und hausnummer",
            "str",
            "address",
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
        ],
    ),
    ("city", &["ort", "stadt", "city", "wohnort", "town"]),
    ("country", &["land", "country", "staat"]),
    (
        "website",
        &["website", "webseite", "homepage", "url", "internet"],
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
        ],
    ),
    (
        "lifecycle_stage",
        &["status", "lifecycle stage", "phase", "lebenszyklus"],
    ),
    (
        "tags",
        &["tags", "schlagworte", "stichworte", "kategorie", "labels"],
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
            "arbeitgeber",
            "company name",
        ],
    ),
    (
        JOB_TITLE,
        &["jobtitel", "job title", "berufsbezeichnung", "stellung"],
    ),
];

/// Fields a column may be mapped to.
pub fn is_target(field: &str) -> bool {
    PersonDraft::TEXT_FIELDS.contains(&field)
        || matches!(field, "tags" | ORGANIZATION | JOB_TITLE)
        || field.strip_prefix("custom.").is_some_and(|k| !k.is_empty())
}

/// A suggested target for each header, or `None`; each target is suggested at most once.
pub fn suggest(headers: &[String], custom_keys: &[(String, String)]) -> Vec<Option<String>> {
    let mut used: Vec<String> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let f = fold(h);
            let hit = SYNONYMS
                .iter()
                .find(|(_, names)| names.contains(&f.as_str()))
                .map(|(t, _)| (*t).to_owned())
                .or_else(|| {
                    custom_keys
                        .iter()
                        .find(|(key, label)| fold(key) == f || fold(label) == f)
                        .map(|(key, _)| format!("custom.{key}"))
                })
                .filter(|t| !used.contains(t));
            if let Some(t) = &hit {
                used.push(t.clone());
            }
            hit
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
}
