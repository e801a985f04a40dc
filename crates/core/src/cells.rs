//! The one rule for every spreadsheet cell Kartei writes (CSV and XLSX exports, archives,
//! registers, error reports): a cell a spreadsheet program would run as a formula (it starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`, which
//! Excel and LibreOffice show as text. Plain numbers (`-12.50`, `+3`) stay as they are: they
//! cannot be formulas.

use std::borrow::Cow;

/// `value` as a cell that no spreadsheet program evaluates.
pub fn neutralize(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Every field of a record through [`neutralize`], as bytes for `csv::Writer::write_record`.
pub fn record<'a, I, S>(fields: I) -> Vec<Cow<'a, [u8]>>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    fields
        .into_iter()
        .map(|f| match neutralize(f.as_ref()) {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        })
        .collect()
}

fn is_number(value: &str) -> bool {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    let mut parts = digits.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or_default();
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_numbers_stay() {
        for evil in [
            "=HYPERLINK(\"http://x\")",
            "+49 89 1234",
            "-2+3",
            "@SUM(A1)",
            "\tcmd",
            "\r=1",
            "=",
        ] {
            assert_eq!(neutralize(evil), format!("'{evil}"), "{evil:?}");
        }
        for fine in ["Müller", "", "-12.50", "+3", "42", "1,5", "a=b", "'quoted"] {
            assert_eq!(neutralize(fine), fine, "{fine:?}");
        }
        let r = record(["=1", "ok"]);
        assert_eq!(r, vec![&b"'=1"[..], &b"ok"[..]]);
    }
}
