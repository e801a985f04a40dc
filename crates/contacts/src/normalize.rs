//! Normalization and match keys: phone numbers to E.164, countries to ISO 3166-1 alpha-2,
//! names folded for sorting and matching, and the Kölner Phonetik code that makes
//! Müller/Mueller/Muller and Wachowski/Wachowsky meet.

use std::str::FromStr;

use phonenumber::country::Id as CountryId;
use phonenumber::{Mode, PhoneNumber};

/// ISO 3166-1 alpha-2 codes currently assigned.
const ISO_COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM \
BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE \
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID \
IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC \
MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF \
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY \
SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Country names as they appear in German and English lists.
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("deutschland", "DE"),
    ("germany", "DE"),
    ("brd", "DE"),
    ("oesterreich", "AT"),
    ("austria", "AT"),
    ("schweiz", "CH"),
    ("switzerland", "CH"),
    ("niederlande", "NL"),
    ("netherlands", "NL"),
    ("frankreich", "FR"),
    ("france", "FR"),
    ("italien", "IT"),
    ("italy", "IT"),
    ("spanien", "ES"),
    ("spain", "ES"),
    ("polen", "PL"),
    ("poland", "PL"),
    ("belgien", "BE"),
    ("belgium", "BE"),
    ("luxemburg", "LU"),
    ("daenemark", "DK"),
    ("denmark", "DK"),
    ("tschechien", "CZ"),
    ("czechia", "CZ"),
    ("grossbritannien", "GB"),
    ("vereinigtes koenigreich", "GB"),
    ("united kingdom", "GB"),
    ("usa", "US"),
    ("vereinigte staaten", "US"),
    ("united states", "US"),
];

/// An ISO 3166-1 alpha-2 code from a code in any case or a common country name.
pub fn country(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    let upper = t.to_ascii_uppercase();
    if upper.len() == 2 && ISO_COUNTRIES.split(' ').any(|c| c == upper) {
        return Ok(upper);
    }
    let folded = fold(t);
    COUNTRY_NAMES
        .iter()
        .find(|(name, _)| *name == folded)
        .map(|(_, code)| (*code).to_owned())
        .ok_or("must be an ISO 3166-1 alpha-2 country code such as DE, AT or CH")
}

/// Whether `region` is a region the phone library knows (used for tenant defaults).
pub fn is_phone_region(region: &str) -> bool {
    CountryId::from_str(region).is_ok()
}

/// A phone number in E.164 (`+4930123456`), read in `region`'s national format when it has
/// no country code.
pub fn phone(raw: &str, region: &str) -> Result<String, &'static str> {
    let region = CountryId::from_str(region).ok();
    let number: PhoneNumber =
        phonenumber::parse(region, raw.trim()).map_err(|_| "is not a phone number")?;
    if !phonenumber::is_valid(&number) {
        return Err("is not a valid phone number for its country");
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// Lower case with umlauts and accents transliterated (ä→ae, ß→ss, é→e), runs of anything
/// else collapsed into one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars().flat_map(char::to_lowercase) {
        let t: &str = match c {
            'ä' | 'æ' => "ae",
            'ö' | 'œ' | 'ø' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ą' => "a",
            'ç' | 'č' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' => "o",
            'ù' | 'ú' | 'û' | 'ů' => "u",
            'š' | 'ś' => "s",
            'ý' | 'ÿ' => "y",
            'ž' | 'ź' | 'ż' => "z",
            'ł' => "l",
            'ř' => "r",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                space = false;
                continue;
            }
            _ => {
                if !space {
                    out.push(' ');
                    space = true;
                }
                continue;
            }
        };
        out.push_str(t);
        space = false;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Match key of a street address: folded, with "straße"/"strasse"/"str." all as "str".
pub fn street_key(s: &str) -> String {
    fold(s)
        .split(' ')
        .map(|w| match w.strip_suffix("strasse") {
            Some(stem) => format!("{stem}str"),
            None => w.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sort and match key of a person's name: `last first`, folded.
pub fn person_name_key(first: Option<&str>, last: Option<&str>) -> String {
    let mut k = fold(last.unwrap_or(""));
    let f = fold(first.unwrap_or(""));
    if !f.is_empty() {
        if !k.is_empty() {
            k.push(' ');
        }
        k.push_str(&f);
    }
    k
}

const LEGAL_FORMS: &[&str] = &[
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "haftungsbeschraenkt",
    "gbr",
    "ek",
    "e k",
    "ev",
    "e v",
    "eg",
    "se",
    "co",
    "und",
    "ltd",
    "inc",
    "llc",
    "sarl",
    "bv",
    "nv",
    "partg",
];

/// Match key of an organization name: folded, legal forms and `&` dropped
/// ("Müller GmbH & Co. KG" → "mueller").
pub fn org_name_key(name: &str) -> String {
    let folded = fold(name);
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .collect();
    if words.is_empty() {
        folded
    } else {
        words.join(" ")
    }
}

/// Kölner Phonetik (Postel 1969), the German counterpart of Soundex: letters that sound alike
/// get one digit, vowels drop out after the first position, repeats collapse.
pub fn koelner_phonetik(s: &str) -> String {
    let letters: Vec<char> = fold(s).chars().filter(char::is_ascii_alphabetic).collect();
    let mut raw = String::with_capacity(letters.len() * 2);
    for (i, &c) in letters.iter().enumerate() {
        let prev = if i > 0 { letters[i - 1] } else { ' ' };
        let next = letters.get(i + 1).copied().unwrap_or(' ');
        let code = match c {
            'a' | 'e' | 'i' | 'j' | 'o' | 'u' | 'y' => "0",
            'h' => "",
            'b' => "1",
            'p' => {
                if next == 'h' {
                    "3"
                } else {
                    "1"
                }
            }
            'd' | 't' => {
                if matches!(next, 'c' | 's' | 'z') {
                    "8"
                } else {
                    "2"
                }
            }
            'f' | 'v' | 'w' => "3",
            'g' | 'k' | 'q' => "4",
            'c' => {
                if i == 0 {
                    if matches!(next, 'a' | 'h' | 'k' | 'l' | 'o' | 'q' | 'r' | 'u' | 'x') {
                        "4"
                    } else {
                        "8"
                    }
                } else if matches!(prev, 's' | 'z') {
                    "8"
                } else if matches!(next, 'a' | 'h' | 'k' | 'o' | 'q' | 'u' | 'x') {
                    "4"
                } else {
                    "8"
                }
            }
            'x' => {
                if matches!(prev, 'c' | 'k' | 'q') {
                    "8"
                } else {
                    "48"
                }
            }
            'l' => "5",
            'm' | 'n' => "6",
            'r' => "7",
            's' | 'z' => "8",
            _ => "",
        };
        raw.push_str(code);
    }
    let mut out = String::with_capacity(raw.len());
    for (i, c) in raw.chars().enumerate() {
        if out.ends_with(c) {
            continue;
        }
        if c == '0' && i > 0 {
            // Keep the slot so that a repeat across a vowel is not collapsed.
            out.push('-');
            continue;
        }
        out.push(c);
    }
    out.replace('-', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phonetics_meet_where_spelling_differs() {
        assert_eq!(koelner_phonetik("Müller"), koelner_phonetik("Mueller"));
        assert_eq!(koelner_phonetik("Müller"), koelner_phonetik("Muller"));
        assert_eq!(koelner_phonetik("Wachowski"), koelner_phonetik("Wachowsky"));
        assert_eq!(koelner_phonetik("Meier"), koelner_phonetik("Mayer"));
        assert_eq!(koelner_phonetik("Müller-Lüdenscheidt"), "65752682");
        assert_ne!(koelner_phonetik("Müller"), koelner_phonetik("Schmidt"));
    }

    #[test]
    fn phones_become_e164() {
        for raw in [
            "030 1234567",
            "+49 30 1234567",
            "0049 (30) 123 45 67",
            "030/1234567",
        ] {
            assert_eq!(phone(raw, "DE").as_deref(), Ok("+49301234567"), "{raw}");
        }
        assert!(phone("12", "DE").is_err());
        assert!(phone("hallo", "DE").is_err());
    }

    #[test]
    fn countries_and_keys() {
        assert_eq!(country("de").as_deref(), Ok("DE"));
        assert_eq!(country("Österreich").as_deref(), Ok("AT"));
        assert!(country("XX").is_err());
        assert_eq!(org_name_key("Müller GmbH & Co. KG"), "mueller");
        assert_eq!(
            person_name_key(Some("Jürgen"), Some("Groß")),
            "gross juergen"
        );
    }
}

#[cfg(test)]
mod timing {
    #[test]
    #[ignore]
    fn phone_parse_cost() {
        let t = std::time::Instant::now();
        for i in 0..10_000u32 {
            let _ = super::phone(&format!("030 {}", 2_000_000 + i * 7), "DE");
        }
        eprintln!("10k phone parses: {:?}", t.elapsed());
        let t = std::time::Instant::now();
        for i in 0..10_000u32 {
            let _ = super::koelner_phonetik(&format!("Müller{i}"));
            let _ = super::fold(&format!("Müller{i}"));
        }
        eprintln!("10k phonetics: {:?}", t.elapsed());
        let t = std::time::Instant::now();
        for i in 0..10_000u32 {
            let _ = kartei_core::validate::EmailAddress::parse(&format!(
                "juergen.mueller{i}@example.de"
            ));
        }
        eprintln!("10k emails: {:?}", t.elapsed());
    }
}
