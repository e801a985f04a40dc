//! The tenant's imprint (Impressum, §5 DDG, formerly §5 TMG): who sends, where they sit, who
//! represents them and where they are registered. Maintained once per tenant and validated;
//! a campaign with an email or letter step cannot launch without it. Every marketing email
//! carries it together with the objection notice of UWG §7(3) no. 4 and Art. 21(4) GDPR in
//! both its parts ([`Imprint::text_footer`], [`Imprint::html_footer`]); letters carry it as
//! their sender line ([`Imprint::sender_line`]).

use kartei_core::validate::{EmailAddress, FieldErrors};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::settings;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const SETTINGS_KEY: &str = "legal.imprint";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Imprint {
    /// The sender's full name with its legal form ("Muster Marketing GmbH").
    pub company: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Who represents the company ("Geschäftsführerin: Anna Muster").
    pub represented_by: String,
    /// Register court and number, where registered ("Amtsgericht Köln, HRB 12345").
    pub register: Option<String>,
    /// VAT identification number (§27a UStG), where there is one.
    pub vat_id: Option<String>,
    /// An address for quick electronic contact (§5(1) no. 2 DDG).
    pub email: String,
    pub phone: Option<String>,
}

fn trimmed(s: &str) -> String {
    s.trim().to_owned()
}

impl Imprint {
    /// Trims every field and checks lengths and formats.
    pub fn validated(self) -> Result<Self> {
        let mut e = FieldErrors::new();
        let need = |e: &mut FieldErrors, field: &str, v: &str, max: usize| {
            if v.is_empty() || v.chars().count() > max {
                e.add(field, format!("must be 1 to {max} characters"));
            }
        };
        let i = Imprint {
            company: trimmed(&self.company),
            street: trimmed(&self.street),
            postal_code: trimmed(&self.postal_code),
            city: trimmed(&self.city),
            country: trimmed(&self.country).to_uppercase(),
            represented_by: trimmed(&self.represented_by),
            register: self
                .register
                .as_deref()
                .map(trimmed)
                .filter(|s| !s.is_empty()),
            vat_id: self
                .vat_id
                .as_deref()
                .map(trimmed)
                .filter(|s| !s.is_empty()),
            email: trimmed(&self.email),
            phone: self.phone.as_deref().map(trimmed).filter(|s| !s.is_empty()),
        };
        need(&mut e, "company", &i.company, 200);
        need(&mut e, "street", &i.street, 200);
        need(&mut e, "postalCode", &i.postal_code, 20);
        need(&mut e, "city", &i.city, 100);
        need(&mut e, "representedBy", &i.represented_by, 300);
        if i.country.len() != 2 || !i.country.chars().all(|c| c.is_ascii_uppercase()) {
            e.add("country", "must be a two-letter country code (ISO 3166-1)");
        }
        for (field, v) in [
            ("register", &i.register),
            ("vatId", &i.vat_id),
            ("phone", &i.phone),
        ] {
            if v.as_ref().is_some_and(|v| v.chars().count() > 200) {
                e.add(field, "must be at most 200 characters");
            }
        }
        if EmailAddress::parse(&i.email).is_err() {
            e.add("email", "is not a valid email address");
        }
        e.into_result().map_err(Error::Invalid)?;
        Ok(i)
    }

    /// The tenant's imprint, if maintained.
    pub async fn load(tx: &TenantTx) -> Result<Option<Self>> {
        match settings::get(tx, SETTINGS_KEY).await? {
            None => Ok(None),
            Some(s) => serde_json::from_value(s.value)
                .map(Some)
                .map_err(|e| Error::Conflict(format!("setting {SETTINGS_KEY} is malformed: {e}"))),
        }
    }

    /// Validates and stores the imprint (replacing the last one).
    pub async fn save(self, tx: &TenantTx, actor: &str) -> Result<Self> {
        let i = self.validated()?;
        let value = serde_json::to_value(&i)
            .map_err(|e| Error::Conflict(format!("cannot store the imprint: {e}")))?;
        settings::put(tx, SETTINGS_KEY, value, actor).await?;
        Ok(i)
    }

    /// The imprint's lines, in the order a reader expects them.
    pub fn lines(&self) -> Vec<String> {
        let mut l = vec![
            self.company.clone(),
            self.street.clone(),
            format!("{} {}", self.postal_code, self.city),
            self.represented_by.clone(),
        ];
        l.extend(self.register.clone());
        if let Some(v) = &self.vat_id {
            l.push(format!("USt-IdNr.: {v}"));
        }
        l.push(format!("E-Mail: {}", self.email));
        if let Some(p) = &self.phone {
            l.push(format!("Telefon: {p}"));
        }
        l
    }

    /// A letter's sender line (above the recipient's address in the window).
    pub fn sender_line(&self) -> String {
        format!(
            "{} · {} · {} {}",
            self.company, self.street, self.postal_code, self.city
        )
    }

    /// The footer of a marketing email's text part: the objection notice with its link, then
    /// the imprint.
    pub fn text_footer(&self, unsubscribe_url: &str) -> String {
        format!(
            "\n\n-- \n{}\n{unsubscribe_url}\n\nImpressum\n{}\n",
            OBJECTION_NOTICE,
            self.lines().join("\n")
        )
    }

    /// The same footer for the HTML part (every value escaped).
    pub fn html_footer(&self, unsubscribe_url: &str) -> String {
        let lines: Vec<String> = self.lines().iter().map(|l| escape(l)).collect();
        format!(
            "<div class=\"kartei-footer\" style=\"margin-top:2em;font-size:12px;color:#555\">\
             <p>{} <a href=\"{}\">Abmelden / Widersprechen</a></p>\
             <p>Impressum<br>{}</p></div>",
            escape(OBJECTION_NOTICE),
            escape(unsubscribe_url),
            lines.join("<br>")
        )
    }
}

/// UWG §7(3) no. 4: the notice, at every use, that the customer may object at any time
/// without costs other than the basic transmission rates.
pub const OBJECTION_NOTICE: &str = "Sie können der Verwendung Ihrer E-Mail-Adresse für Werbung \
    jederzeit widersprechen, ohne dass Ihnen andere als die Übermittlungskosten nach den \
    Basistarifen entstehen. Ein Klick genügt:";

/// Text for HTML: `&`, `<`, `>`, quotes escaped.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Appends `footer` to an HTML body, before its closing `</body>` when there is one.
pub fn append_html(html: &str, footer: &str) -> String {
    match html.rfind("</body>") {
        Some(i) => {
            let mut out = html.to_owned();
            out.insert_str(i, footer);
            out
        }
        None => format!("{html}{footer}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Imprint {
        Imprint {
            company: " Muster Marketing GmbH ".into(),
            street: "Hohe Straße 1".into(),
            postal_code: "50667".into(),
            city: "Köln".into(),
            country: "de".into(),
            represented_by: "Geschäftsführerin: Anna Muster".into(),
            register: Some("Amtsgericht Köln, HRB 12345".into()),
            vat_id: Some(String::new()),
            email: "info@muster.example".into(),
            phone: None,
        }
    }

    #[test]
    fn validation_trims_and_checks() {
        let i = sample().validated().unwrap();
        assert_eq!(i.company, "Muster Marketing GmbH");
        assert_eq!(i.country, "DE");
        assert_eq!(i.vat_id, None);
        let bad = Imprint {
            email: "kein".into(),
            represented_by: " ".into(),
            ..sample()
        };
        let Err(Error::Invalid(f)) = bad.validated() else {
            panic!("accepted")
        };
        let fields: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert!(
            fields.contains(&"email") && fields.contains(&"representedBy"),
            "{fields:?}"
        );
    }

    #[test]
    fn footers_carry_notice_link_and_imprint_escaped() {
        let i = Imprint {
            company: "A & <B> GmbH".into(),
            ..sample().validated().unwrap()
        };
        let t = i.text_footer("https://k.example/p/unsubscribe?t=1");
        assert!(t.contains(OBJECTION_NOTICE) && t.contains("https://k.example/p/unsubscribe?t=1"));
        assert!(t.contains("Amtsgericht Köln, HRB 12345"));
        let h = i.html_footer("https://k.example/p/unsubscribe?t=1&x=2");
        assert!(h.contains("A &amp; &lt;B&gt; GmbH"), "{h}");
        assert!(
            h.contains("href=\"https://k.example/p/unsubscribe?t=1&amp;x=2\""),
            "{h}"
        );
        assert_eq!(
            append_html("<html><body><p>x</p></body></html>", "<i>f</i>"),
            "<html><body><p>x</p><i>f</i></body></html>"
        );
    }
}
