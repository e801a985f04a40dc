//! Letter steps: a mail-merge export of everyone the step was sent to, as CSV for German Excel
//! and Word (addresses, the sender line and the rendered text; see [`excel_csv`]) and as one printable HTML document with a page per
//! letter: the tenant's imprint as sender line above the address and at the foot of the page
//! (§5 DDG; what a business letter must state, §35a GmbHG, §80 AktG, §37a HGB).

use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use uuid::Uuid;

use kartei_compliance::imprint::escape;

use crate::error::{Error, Result};

#[derive(Debug, Clone, FromQueryResult)]
struct Letter {
    person_id: Uuid,
    salutation: Option<String>,
    title: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    street: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    country: Option<String>,
    rendered: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Export {
    pub letters: usize,
    pub csv: String,
    pub html: String,
}

/// A cell no spreadsheet program runs as a formula ([`kartei_core::cells`]).
fn cell(s: Option<&str>) -> String {
    kartei_core::cells::neutralize(s.unwrap_or("")).into_owned()
}

/// A CSV writer for what German Excel opens by double-click: it splits at its list separator
/// (`;` in a German locale, as `,` is the decimal comma) and reads the file as UTF-8 only after
/// a byte-order mark (else "MÃ¼ller"); lines end in CRLF as on Windows. Word's mail merge reads
/// the same file.
fn excel_csv() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer("\u{feff}".as_bytes().to_vec())
}

pub async fn export(tx: &TenantTx, campaign: Uuid, step: Uuid) -> Result<Export> {
    let rows = Letter::find_by_statement(stmt(
        "SELECT p.id AS person_id, p.salutation, p.title, p.first_name, p.last_name, \
             (SELECT o.name FROM person_organizations po JOIN organizations o ON o.id = po.organization_id \
              WHERE po.person_id = p.id ORDER BY po.is_primary DESC, o.name LIMIT 1) AS company, \
             p.street, p.postal_code, p.city, p.country::text AS country, s.rendered \
         FROM campaign_sends s JOIN persons p ON p.id = s.person_id \
         JOIN campaign_steps st ON st.id = s.step_id \
         WHERE s.campaign_id = $1 AND s.step_id = $2 AND st.channel = 'letter' AND s.status = 'sent' \
         ORDER BY p.postal_code, p.last_name, p.id",
        vec![campaign.into(), step.into()],
    ))
    .all(&**tx)
    .await?;
    let imprint = kartei_compliance::imprint::Imprint::load(tx)
        .await?
        .ok_or_else(|| Error::Conflict("maintain the tenant's imprint first (§5 DDG)".into()))?;
    let sender = imprint.sender_line();
    let foot = escape(&imprint.lines().join(" · "));
    let mut w = excel_csv();
    let csv_err = |e: csv::Error| Error::Conflict(format!("cannot write the export: {e}"));
    w.write_record([
        "person_id",
        "salutation",
        "title",
        "first_name",
        "last_name",
        "company",
        "street",
        "postal_code",
        "city",
        "country",
        "sender",
        "letter",
    ])
    .map_err(csv_err)?;
    let mut html = String::from(
        "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\"><title>Serienbrief</title>\
         <style>section{page-break-after:always;font:11pt serif;padding:2cm}\
         .sender{font-size:8pt;text-decoration:underline}.imprint{margin-top:2cm;font-size:8pt}\
         .address{margin:0 0 2cm;white-space:pre-line}.body{white-space:pre-wrap}</style><body>",
    );
    for r in &rows {
        let id = r.person_id.to_string();
        w.write_record([
            id.as_str(),
            &cell(r.salutation.as_deref()),
            &cell(r.title.as_deref()),
            &cell(r.first_name.as_deref()),
            &cell(r.last_name.as_deref()),
            &cell(r.company.as_deref()),
            &cell(r.street.as_deref()),
            &cell(r.postal_code.as_deref()),
            &cell(r.city.as_deref()),
            &cell(r.country.as_deref()),
            &cell(Some(&sender)),
            &cell(r.rendered.as_deref()),
        ])
        .map_err(csv_err)?;
        let name = [
            r.salutation.as_deref(),
            r.title.as_deref(),
            r.first_name.as_deref(),
            r.last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let address = [
            r.company.clone(),
            Some(name),
            r.street.clone(),
            Some(format!(
                "{} {}",
                r.postal_code.as_deref().unwrap_or(""),
                r.city.as_deref().unwrap_or("")
            )),
        ]
        .into_iter()
        .flatten()
        .filter(|l| !l.trim().is_empty())
        .map(|l| escape(&l))
        .collect::<Vec<_>>()
        .join("\n");
        html.push_str(&format!(
            "<section><div class=\"sender\">{}</div><div class=\"address\">{address}</div>\
             <div class=\"body\">{}</div><div class=\"imprint\">{foot}</div></section>",
            escape(&sender),
            escape(r.rendered.as_deref().unwrap_or(""))
        ));
    }
    html.push_str("</body></html>");
    let csv = String::from_utf8(w.into_inner().map_err(|e| Error::Conflict(e.to_string()))?)
        .map_err(|e| Error::Conflict(e.to_string()))?;
    Ok(Export {
        letters: rows.len(),
        csv,
        html,
    })
}
