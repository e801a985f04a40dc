//! Export of any filtered person list as CSV (UTF-8 with BOM, or the Windows-1252 semicolon
//! CSV German Excel expects) or XLSX, produced page by page and handed out in chunks, so an
//! export of any size runs in flat memory. Headers are German and import back unchanged.

use std::io::{Read, Seek, SeekFrom};

use encoding_rs::WINDOWS_1252;
use kartei_core::id::TenantId;
use kartei_core::paging::{Direction, PageRequest};
use kartei_tenancy::db::Db;
use tokio::sync::mpsc::Sender;

use crate::error::{Error, Result};
use crate::persons::{self, Person, PersonFilter, Sort, SortKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 with BOM, `;`-separated, CRLF: opens correctly in Excel and keeps every character.
    Csv,
    /// Windows-1252, `;`-separated, CRLF: what German Excel writes; characters outside
    /// Windows-1252 become `?`.
    CsvWindows1252,
    Xlsx,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::CsvWindows1252 => "text/csv; charset=windows-1252",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            _ => "csv",
        }
    }
}

pub const HEADERS: &[&str] = &[
    "Anrede",
    "Titel",
    "Vorname",
    "Nachname",
    "E-Mail",
    "Telefon",
    "Mobil",
    "Geburtstag",
    "Position",
    "Firma",
    "Straße",
    "PLZ",
    "Ort",
    "Land",
    "Website",
    "Quelle",
    "Kundennummer",
    "Status",
    "Tags",
    "Nicht reaktivieren",
    "Letzter Kontakt",
    "Letzter Kauf",
    "Kartei-ID",
];

fn cells(p: &Person) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        o(&p.salutation),
        o(&p.title),
        o(&p.first_name),
        o(&p.last_name),
        o(&p.email),
        o(&p.phone),
        o(&p.mobile),
        p.birthday.map(|d| d.to_string()).unwrap_or_default(),
        o(&p.position),
        o(&p.organization_name),
        o(&p.street),
        o(&p.postal_code),
        o(&p.city),
        o(&p.country),
        o(&p.website),
        o(&p.source),
        o(&p.external_id),
        p.lifecycle_stage.clone(),
        p.tags.join(", "),
        o(&p.dnr_reason),
        p.last_interaction_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
        p.last_purchase_at
            .map(|d| d.to_string())
            .unwrap_or_default(),
        p.id.to_string(),
    ]
}

const PAGE: u64 = 1000;

/// Streams the export into `out`; returns the number of persons written. Stops early (Ok)
/// when the receiver hangs up.
pub async fn export(
    db: &Db,
    tenant: TenantId,
    filter: &PersonFilter,
    format: ExportFormat,
    out: Sender<Vec<u8>>,
) -> Result<u64> {
    let mut xlsx = if format == ExportFormat::Xlsx {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet_with_constant_memory()
            .map_err(|e| Error::File(e.to_string()))?;
        Some(wb)
    } else {
        None
    };
    let mut row_no: u32 = 0;
    if let Some(wb) = xlsx.as_mut() {
        write_xlsx_row(
            wb,
            row_no,
            HEADERS.iter().map(|s| (*s).to_owned()).collect(),
        )?;
    } else if !send(
        &out,
        csv_bytes(format, &[HEADERS.iter().map(|s| (*s).to_owned()).collect()])?,
    )
    .await
    {
        return Ok(0);
    }
    // Persons under restriction of processing (Art. 18 GDPR) are only stored, never exported.
    let filter = &PersonFilter {
        restricted: Some(false),
        ..filter.clone()
    };
    // One transaction for the whole export: a consistent snapshot of the list.
    let tx = db.begin_tenant(tenant).await?;
    let mut after: Option<SortKey> = None;
    let mut written = 0u64;
    loop {
        let req = PageRequest {
            direction: Direction::Forward,
            limit: PAGE,
            after: after.clone(),
            before: None,
        };
        let page = persons::list(&tx, filter, Sort::Name, false, &req).await?;
        let people: Vec<Person> = page.items.into_iter().map(|(_, p)| p).collect();
        if let Some(p) = people.last() {
            after = Some(SortKey(p.name_key.clone(), p.id));
        }
        written += people.len() as u64;
        let rows: Vec<Vec<String>> = people.iter().map(cells).collect();
        if let Some(wb) = xlsx.as_mut() {
            for r in rows {
                row_no += 1;
                write_xlsx_row(wb, row_no, r)?;
            }
        } else if !rows.is_empty() && !send(&out, csv_bytes(format, &rows)?).await {
            return Ok(written);
        }
        if !page.has_next_page {
            break;
        }
    }
    tx.commit().await?;
    if let Some(mut wb) = xlsx {
        let file = tokio::task::spawn_blocking(move || -> Result<tempfile::NamedTempFile> {
            let mut tmp = tempfile::NamedTempFile::new().map_err(|e| Error::File(e.to_string()))?;
            wb.save_to_writer(tmp.as_file_mut())
                .map_err(|e| Error::File(e.to_string()))?;
            tmp.as_file_mut()
                .seek(SeekFrom::Start(0))
                .map_err(|e| Error::File(e.to_string()))?;
            Ok(tmp)
        })
        .await
        .map_err(|e| Error::File(e.to_string()))??;
        let mut f = file.reopen().map_err(|e| Error::File(e.to_string()))?;
        loop {
            let mut buf = vec![0u8; 1 << 16];
            let n = f.read(&mut buf).map_err(|e| Error::File(e.to_string()))?;
            if n == 0 {
                break;
            }
            buf.truncate(n);
            if !send(&out, buf).await {
                break;
            }
        }
    }
    Ok(written)
}

async fn send(out: &Sender<Vec<u8>>, bytes: Vec<u8>) -> bool {
    out.send(bytes).await.is_ok()
}

fn write_xlsx_row(wb: &mut rust_xlsxwriter::Workbook, row: u32, cells: Vec<String>) -> Result<()> {
    let ws = wb
        .worksheet_from_index(0)
        .map_err(|e| Error::File(e.to_string()))?;
    for (c, v) in cells.iter().enumerate() {
        if !v.is_empty() {
            ws.write_string(row, c as u16, kartei_core::cells::neutralize(v))
                .map_err(|e| Error::File(e.to_string()))?;
        }
    }
    Ok(())
}

fn csv_bytes(format: ExportFormat, rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(kartei_core::cells::record(r))
            .map_err(|e| Error::File(e.to_string()))?;
    }
    let utf8 = w.into_inner().map_err(|e| Error::File(e.to_string()))?;
    let is_header = rows
        .first()
        .is_some_and(|r| r.first().map(String::as_str) == Some(HEADERS[0]));
    Ok(match format {
        ExportFormat::CsvWindows1252 => {
            let text = String::from_utf8_lossy(&utf8);
            let mut out = Vec::with_capacity(text.len());
            let mut buf = [0u8; 4];
            for ch in text.chars() {
                let (bytes, _, unmappable) = WINDOWS_1252.encode(ch.encode_utf8(&mut buf));
                if unmappable {
                    out.push(b'?');
                } else {
                    out.extend_from_slice(&bytes);
                }
            }
            out
        }
        _ if is_header => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            out.extend(utf8);
            out
        }
        _ => utf8,
    })
}
