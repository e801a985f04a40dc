//! Streaming readers for uploaded files: CSV in UTF-8 or Windows-1252 (what German Excel
//! writes, with `;`), and XLSX read cell by cell. Neither holds more than one row at a time.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};

use calamine::{DataRef, Reader, Xlsx};
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

use crate::error::{Error, Result};

fn io(e: std::io::Error) -> Error {
    Error::File(e.to_string())
}

/// An upload's bytes while they are read, in an anonymous temporary file: it has no name in
/// any directory (`O_TMPFILE`), so no other process can open it and nothing of it outlives the
/// process however that ends (a crash, SIGKILL): the personal data stays in the database.
#[derive(Debug)]
pub struct Spool(File);

impl Spool {
    pub fn new() -> Result<Self> {
        tempfile::tempfile().map(Spool).map_err(io)
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.0.write_all(bytes).map_err(io)
    }

    /// A reader from the first byte. Readers share one file position: use one at a time.
    pub fn reader(&self) -> Result<File> {
        let mut f = self.0.try_clone().map_err(io)?;
        f.seek(SeekFrom::Start(0)).map_err(io)?;
        Ok(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// From the file's first bytes: XLSX is a ZIP archive (`PK\x03\x04`).
    pub fn sniff(spool: &Spool) -> Result<Self> {
        let mut head = [0u8; 4];
        let n = spool.reader()?.read(&mut head).map_err(io)?;
        Ok(if n == 4 && head == *b"PK\x03\x04" {
            Format::Xlsx
        } else {
            Format::Csv
        })
    }
}

/// What was detected about a CSV file.
#[derive(Debug, Clone)]
pub struct CsvDialect {
    pub encoding: &'static Encoding,
    pub delimiter: u8,
}

/// UTF-8 (with or without BOM) if the first MiB decodes as UTF-8, else Windows-1252; the
/// delimiter is whichever of `;`, `,`, tab and `|` the first line has most of.
pub fn detect_csv(spool: &Spool) -> Result<CsvDialect> {
    let mut f = spool.reader()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    while n < buf.len() {
        let k = f
            .read(&mut buf[n..])
            .map_err(|e| Error::File(e.to_string()))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    buf.truncate(n);
    let body = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
    let encoding = match std::str::from_utf8(body) {
        Ok(_) => UTF_8,
        // A multi-byte character cut at the 1 MiB boundary is still UTF-8.
        Err(e) if e.error_len().is_none() && n == 1 << 20 => UTF_8,
        Err(_) => WINDOWS_1252,
    };
    let first_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = [b';', b',', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    Ok(CsvDialect {
        encoding,
        delimiter,
    })
}

/// One row: its line in the file (1-based) and its cells.
pub type Row = (u64, Vec<String>);

/// Reads a file row by row: `f` gets the header first, then every non-empty data row, and
/// returns whether to go on. Holds one row in memory at a time, for CSV and XLSX alike.
pub fn for_each_row(
    spool: &Spool,
    format: Format,
    mut f: impl FnMut(Row) -> Result<bool>,
) -> Result<()> {
    let mut seen_header = false;
    let mut emit = |row: Row| -> Result<bool> {
        if row.1.iter().all(|c| c.trim().is_empty()) {
            return Ok(true);
        }
        if !seen_header {
            seen_header = true;
            let header = row.1.iter().map(|h| h.trim().to_owned()).collect();
            return f((row.0, header));
        }
        f(row)
    };
    match format {
        Format::Csv => {
            let dialect = detect_csv(spool)?;
            let file = spool.reader()?;
            let decoded = CrlfToLf::new(
                DecodeReaderBytesBuilder::new()
                    .encoding(Some(dialect.encoding))
                    .bom_override(true)
                    .build(BufReader::with_capacity(1 << 16, file)),
            );
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(dialect.delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(decoded);
            let mut record = csv::StringRecord::new();
            loop {
                match reader.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        // Where the record started: the reader's own start position counts
                        // from before any blank lines it skipped, so count back from its end
                        // (every record ends with a line end, see `CrlfToLf`) over the line
                        // ends inside its quoted fields.
                        let inner: u64 = record
                            .iter()
                            .map(|f| f.bytes().filter(|&b| b == b'\n').count() as u64)
                            .sum();
                        let line = reader.position().line().saturating_sub(inner + 1).max(1);
                        if !emit((line, record.iter().map(str::to_owned).collect()))? {
                            break;
                        }
                    }
                    Err(e) => return Err(Error::File(e.to_string())),
                }
            }
        }
        Format::Xlsx => {
            check_xlsx(spool)?;
            let mut wb: Xlsx<_> = Xlsx::new(BufReader::new(spool.reader()?))
                .map_err(|e: calamine::XlsxError| Error::File(e.to_string()))?;
            let sheet = wb
                .sheet_names()
                .first()
                .cloned()
                .ok_or_else(|| Error::File("the workbook has no sheet".into()))?;
            let mut cells = wb
                .worksheet_cells_reader(&sheet)
                .map_err(|e| Error::File(e.to_string()))?;
            // Cells arrive in row order; a row is complete when the next one starts.
            let mut current: Option<(u32, Vec<String>)> = None;
            while let Some(cell) = cells.next_cell().map_err(|e| Error::File(e.to_string()))? {
                let (r, c) = cell.get_position();
                if current.as_ref().is_some_and(|(cr, _)| *cr != r)
                    && let Some((cr, cells)) = current.take()
                    && !emit((u64::from(cr) + 1, cells))?
                {
                    return Ok(());
                }
                let (_, row) = current.get_or_insert_with(|| (r, Vec::new()));
                let c = c as usize;
                if row.len() <= c {
                    row.resize(c + 1, String::new());
                }
                row[c] = cell_text(cell.get_value());
            }
            if let Some((cr, cells)) = current {
                emit((u64::from(cr) + 1, cells))?;
            }
        }
    }
    if !seen_header {
        return Err(Error::File("the file has no header row".into()));
    }
    Ok(())
}

/// The most an XLSX file may unpack to, all parts together.
pub const XLSX_MAX_UNPACKED: u64 = 1 << 30;
/// The most its shared strings may unpack to (the reader holds them in memory): about
/// 150,000 rows of a typical contact list; larger lists are imported as CSV.
pub const XLSX_MAX_SHARED_STRINGS: u64 = 64 << 20;
/// The most a part larger than a MiB may grow when unpacked (spreadsheets reach 10 to 20;
/// decompression bombs hundreds or thousands).
pub const XLSX_MAX_RATIO: u64 = 100;

/// Refuses a decompression bomb before the workbook is parsed: every part is unpacked once
/// into nothing and counted (sizes in the archive's directory can lie), against
/// [`XLSX_MAX_UNPACKED`], [`XLSX_MAX_SHARED_STRINGS`] and [`XLSX_MAX_RATIO`]. Stops at the
/// first limit passed, so a bomb costs at most the limit's worth of unpacking.
pub fn check_xlsx(spool: &Spool) -> Result<()> {
    let file = spool.reader()?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| Error::File(format!("not a readable XLSX file: {e}")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| Error::File(format!("not a readable XLSX file: {e}")))?;
        let name = part
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.into_owned());
        let packed = part.compressed_size().max(1);
        let shared = name.eq_ignore_ascii_case("xl/sharedStrings.xml");
        // Unpack at most one byte more than the tightest limit allows, then judge by it.
        let mib = |b: u64| b >> 20;
        let limits = [
            (
                packed.saturating_mul(XLSX_MAX_RATIO).max(1 << 20),
                format!(
                    "the XLSX part {name} unpacks to more than {XLSX_MAX_RATIO} times its \
                     packed size (a decompression bomb?); save the list as CSV instead"
                ),
            ),
            (
                if shared {
                    XLSX_MAX_SHARED_STRINGS
                } else {
                    XLSX_MAX_UNPACKED
                },
                format!(
                    "the XLSX file's text unpacks to more than {} MiB; import a list this \
                     large as CSV",
                    mib(XLSX_MAX_SHARED_STRINGS)
                ),
            ),
            (
                XLSX_MAX_UNPACKED - total,
                format!(
                    "the XLSX file unpacks to more than {} MiB; import a list this large as CSV",
                    mib(XLSX_MAX_UNPACKED)
                ),
            ),
        ];
        let (cap, why) = limits
            .into_iter()
            .min_by_key(|(cap, _)| *cap)
            .unwrap_or((0, String::new()));
        let n = std::io::copy(&mut (&mut part).take(cap + 1), &mut std::io::sink())
            .map_err(|e| Error::File(format!("not a readable XLSX file: {e}")))?;
        if n > cap {
            return Err(Error::File(why));
        }
        total += n;
    }
    Ok(())
}

fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d
            .as_datetime()
            .map(|dt| {
                if dt.time() == chrono::NaiveTime::MIN {
                    dt.date().to_string()
                } else {
                    dt.to_string()
                }
            })
            .unwrap_or_default(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// Turns CRLF (and a lone CR) into LF while reading. The CSV reader reports a CRLF record's start one line
/// early (the LF of the previous terminator is still unread), so error reports would name the
/// wrong line; with plain LF its line numbers are exact. A CR inside a quoted value that is
/// followed by LF becomes LF too, which is how such values are stored anyway.
struct CrlfToLf<R> {
    inner: R,
    /// A CR read at the end of the last chunk, not yet known to precede an LF.
    pending_cr: bool,
    /// The last byte handed out: a file whose last line has no line end gets one, so every
    /// record ends with one (the reader counts lines from where a record ends).
    last: Option<u8>,
}

impl<R> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            pending_cr: false,
            last: None,
        }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        loop {
            let start = usize::from(self.pending_cr);
            if self.pending_cr {
                buf[0] = b'\r';
            }
            let n = self.inner.read(&mut buf[start..])?;
            if n == 0 {
                // A CR at the very end is a line end of its own, and so is the end of a file
                // whose last line has none.
                let close = self.pending_cr || self.last.is_some_and(|b| b != b'\n');
                self.pending_cr = false;
                if close {
                    buf[0] = b'\n';
                    self.last = Some(b'\n');
                }
                return Ok(usize::from(close));
            }
            let filled = start + n;
            let mut w = 0;
            self.pending_cr = false;
            for r in 0..filled {
                let b = buf[r];
                if b == b'\r' {
                    if r + 1 == filled {
                        // It may pair with an LF in the next chunk: hold it back.
                        self.pending_cr = true;
                        continue;
                    }
                    if buf[r + 1] == b'\n' {
                        continue;
                    }
                    // A lone CR (old Mac files) ends a line too.
                    buf[w] = b'\n';
                    w += 1;
                    continue;
                }
                buf[w] = b;
                w += 1;
            }
            if w > 0 {
                self.last = Some(buf[w - 1]);
                return Ok(w);
            }
        }
    }
}

/// Counts data rows without keeping them, for progress totals.
pub fn count_rows(spool: &Spool, format: Format) -> Result<u64> {
    let mut n: u64 = 0;
    for_each_row(spool, format, |_| {
        n += 1;
        Ok(true)
    })?;
    Ok(n.saturating_sub(1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_count_header_as_line_one_for_lf_and_crlf() {
        for body in [
            "a;b\n1;2\n3;4\n",
            "a;b\r\n1;2\r\n3;4\r\n",
            "a;b\r\n\"x\r\ny\";2\r\n3;4\r\n",
            "a;b\r1;2\r3;4",
            "a;b\n1;2\n\n\n3;4",
            "a;b\r\n\r\n1;2\r\n3;4\r\n\r\n",
        ] {
            let mut f = Spool::new().unwrap();
            f.write_all(body.as_bytes()).unwrap();
            let mut lines = Vec::new();
            for_each_row(&f, Format::Csv, |(line, _)| {
                lines.push(line);
                Ok(true)
            })
            .unwrap();
            assert_eq!(lines.len(), 3, "{body:?}");
            // The line each record starts on, blank lines and line ends in quotes counted.
            let want: Vec<u64> = {
                let lf = body.replace("\r\n", "\n").replace('\r', "\n");
                let mut starts = Vec::new();
                let mut quoted = false;
                let mut at_start = true;
                for (i, c) in lf.char_indices() {
                    let line = lf[..i].matches('\n').count() as u64 + 1;
                    if at_start && c != '\n' {
                        starts.push(line);
                        at_start = false;
                    }
                    match c {
                        '"' => quoted = !quoted,
                        '\n' if !quoted => at_start = true,
                        _ => {}
                    }
                }
                starts
            };
            assert_eq!(lines, want, "{body:?}");
        }
    }
}
