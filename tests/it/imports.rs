//! Imports and exports through the real file endpoints and the background worker: German
//! Excel CSV (Windows-1252, `;`), UTF-8 CSV with broken rows, XLSX, re-imports, cancel.

use std::collections::BTreeSet;

use encoding_rs::WINDOWS_1252;
use kartei_tests::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const EXCEL_CSV: &str = "Kundennummer;Anrede;Vorname;Nachname;E-Mail;Telefon;Firma;Straße;PLZ;Ort;Geburtstag\r\n\
1001;Herr;Jürgen;Groß;juergen.gross@example.de;030 1234567;Bäckerei Groß GmbH;Hauptstraße 1;10115;Berlin;24.12.1970\r\n\
1002;Frau;Bärbel;Weiß-Häußler;baerbel.weiss@example.de;0221 555123;;Königsallee 5;50667;Köln;\r\n\
1003;Herr;François;Müßig;f.muessig@example.fr;;Müßig & Söhne KG;Rue de l'Église 3;75001;Paris;03.05.1985\r\n\
1004;Frau;Zoë;Ørsted-Šimek;zoe@example.dk;;;\"Straße \"\"Am Deich\"\" 7\";20095;Hamburg;\r\n\
1005;Herr;Ömer;Öztürk;oemer@example.de;0176 12345678;Öztürk Döner;Fährstraße 2;28195;Bremen;01.01.1990\r\n";

fn cp1252(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = WINDOWS_1252.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

/// (Vorname, Nachname) byte pairs of a `;` CSV with a header row.
fn names(bytes: &[u8]) -> BTreeSet<(Vec<u8>, Vec<u8>)> {
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(bytes);
    let headers = r.byte_headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name.as_bytes())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let (f, l) = (col("Vorname"), col("Nachname"));
    r.byte_records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[f].to_vec(), rec[l].to_vec())
        })
        .collect()
}

async fn preview(app: &TestApp, t: &str, tenant: &str, upload: &str) -> Value {
    let r = app
        .gql(
            "query($u: ID!) { importPreview(uploadId: $u) { format encoding delimiter headers suggestedMapping rows { line cells } } }",
            json!({"u": upload}),
            Some(t),
            Some(tenant),
        )
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    r.data()["importPreview"].clone()
}

#[tokio::test]
async fn a_german_excel_csv_imports_exports_byte_exact_and_reimports_to_nothing_new() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let file = cp1252(EXCEL_CSV);
    assert!(
        std::str::from_utf8(&file).is_err(),
        "the file really is Windows-1252"
    );
    let upload = app.upload(t, &tenant, "Kunden.csv", file.clone()).await;
    let p = preview(&app, t, &tenant, &upload).await;
    assert_eq!(p["encoding"], "windows-1252");
    assert_eq!(p["delimiter"], ";");
    assert_eq!(
        p["suggestedMapping"],
        json!([
            "external_id",
            "salutation",
            "first_name",
            "last_name",
            "email",
            "phone",
            "organization",
            "street",
            "postal_code",
            "city",
            "birthday"
        ])
    );
    assert_eq!(p["rows"][0]["cells"][3], "Groß");
    assert_eq!(p["rows"][3]["cells"][7], "Straße \"Am Deich\" 7");

    // Dry run: previews and counts, writes nothing.
    let input = json!({"uploadId": upload, "mapping": p["suggestedMapping"], "matchKeys": ["external_id", "email"], "dryRun": true});
    let dry = app.import_and_wait(t, &tenant, input.clone()).await;
    assert_eq!(dry["status"], "COMPLETED", "{dry}");
    assert_eq!(
        (dry["rowsCreated"].as_i64(), dry["rowsFailed"].as_i64()),
        (Some(5), Some(0)),
        "{dry}"
    );
    assert_eq!(dry["preview"][0]["lastName"], "Groß");
    assert_eq!(dry["preview"][0]["phone"], "+49301234567");
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        0
    );

    let mut real = input.clone();
    real["dryRun"] = json!(false);
    let done = app.import_and_wait(t, &tenant, real.clone()).await;
    assert_eq!(
        (
            done["rowsTotal"].as_i64(),
            done["rowsCreated"].as_i64(),
            done["rowsFailed"].as_i64()
        ),
        (Some(5), Some(5), Some(0)),
        "{done}"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM organizations")
            .await,
        3
    );
    assert_eq!(app.tenant_i64(&tenant, "SELECT count(*) FROM persons WHERE country IS NULL AND external_id = '1001' AND birthday = '1970-12-24'").await, 1);

    // Export in the same Excel dialect: every name byte for byte.
    let (status, exported) = app
        .file_request(
            Method::POST,
            "/files/exports/persons",
            t,
            &tenant,
            Some(json!({"format": "CSV_WINDOWS1252"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(names(&exported), names(&file));
    assert!(exported.windows(2).any(|w| w == b"\r\n"));
    // And the UTF-8 export carries the same names as UTF-8.
    let (_, utf8) = app
        .file_request(
            Method::POST,
            "/files/exports/persons",
            t,
            &tenant,
            Some(json!({"format": "CSV"})),
        )
        .await;
    assert!(utf8.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8(utf8).unwrap().contains("Ørsted-Šimek"));

    // Importing the same file again creates nothing.
    let again = app.upload(t, &tenant, "Kunden.csv", file.clone()).await;
    real["uploadId"] = json!(again);
    let done = app.import_and_wait(t, &tenant, real.clone()).await;
    assert_eq!(
        (
            done["rowsCreated"].as_i64(),
            done["rowsUnchanged"].as_i64(),
            done["rowsUpdated"].as_i64()
        ),
        (Some(0), Some(5), Some(0)),
        "{done}"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        5
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM person_organizations")
            .await,
        3
    );

    // The exported file itself imports back onto the same records.
    let back = app.upload(t, &tenant, "export.csv", exported).await;
    let p = preview(&app, t, &tenant, &back).await;
    let done = app
        .import_and_wait(t, &tenant, json!({"uploadId": back, "mapping": p["suggestedMapping"], "matchKeys": ["external_id"]}))
        .await;
    assert_eq!(
        (done["rowsCreated"].as_i64(), done["rowsFailed"].as_i64()),
        (Some(0), Some(0)),
        "{done}"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        5
    );
}

#[tokio::test]
async fn a_strict_import_skips_broken_rows_whole_and_reports_them_by_line_and_column() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let csv = "Vorname,Nachname,E-Mail,Telefon,Geburtstag\n\
Anna,Gut,anna@example.com,030 1234567,01.01.1980\n\
Bert,Schlecht,bert@@example,030 1234568,\n\
Cora,Falsch,cora@example.com,12,\n\
,,,,\n\
Dora,,,,\n\
Emil,Datum,emil@example.com,,31.02.2000\n\
\"Franz \"\"Quote\"\"\",Gut,franz@example.com,,\n";
    let upload = app
        .upload(t, &tenant, "liste.csv", csv.as_bytes().to_vec())
        .await;
    let p = preview(&app, t, &tenant, &upload).await;
    assert_eq!(p["encoding"], "UTF-8");
    assert_eq!(p["delimiter"], ",");
    let done = app
        .import_and_wait(
            t,
            &tenant,
            json!({"uploadId": upload, "mapping": p["suggestedMapping"], "strict": true}),
        )
        .await;
    assert_eq!(
        (done["rowsCreated"].as_i64(), done["rowsFailed"].as_i64()),
        (Some(2), Some(4)),
        "{done}"
    );
    let errors: Vec<(i64, String)> = done["errors"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["line"].as_i64().unwrap(),
                e["node"]["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (3, "E-Mail".to_owned()),
            (4, "Telefon".to_owned()),
            (6, "Nachname".to_owned()),
            (7, "Geburtstag".to_owned())
        ]
    );
    // The same file as Excel writes it (CRLF, Windows-1252) reports the same lines.
    let crlf = cp1252(&csv.replace('\n', "\r\n").replace(',', ";"));
    let up2 = app.upload(t, &tenant, "liste-excel.csv", crlf).await;
    let p2 = preview(&app, t, &tenant, &up2).await;
    let done2 = app
        .import_and_wait(
            t,
            &tenant,
            json!({"uploadId": up2, "mapping": p2["suggestedMapping"], "dryRun": true, "strict": true}),
        )
        .await;
    let lines2: Vec<i64> = done2["errors"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines2, [3, 4, 6, 7], "{done2}");
    // No half records: only the two good rows exist, complete.
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        2
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons WHERE first_name = 'Franz \"Quote\"'"
        )
        .await,
        1
    );
    // The downloadable report.
    let path = done["errorReportPath"].as_str().unwrap();
    let (status, report) = app.file_request(Method::GET, path, t, &tenant, None).await;
    assert_eq!(status, 200);
    let report = String::from_utf8(report).unwrap();
    assert!(
        report.starts_with("\u{feff}line;column;reason;severity;value\r\n"),
        "{report}"
    );
    for l in ["3;E-Mail;", "4;Telefon;", "6;Nachname;", "7;Geburtstag;"] {
        assert!(report.contains(l), "{l} in {report}");
    }
    // The imported file is gone (data minimisation): reusing it says so.
    let r = app
        .gql(
            "mutation($i: StartImportInput!) { startImport(input: $i) { import { id } userErrors { field message code } } }",
            json!({"i": {"uploadId": upload, "mapping": p["suggestedMapping"]}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert!(
        r.fields()["uploadId"]
            .as_str()
            .unwrap()
            .contains("upload it again"),
        "{}",
        r.body
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            &format!("SELECT count(*) FROM upload_chunks WHERE upload_id = '{upload}'")
        )
        .await,
        0
    );
    let upload = app
        .upload(t, &tenant, "liste.csv", csv.as_bytes().to_vec())
        .await;
    // A bad mapping is refused before anything is queued.
    let r = app
        .gql(
            "mutation($i: StartImportInput!) { startImport(input: $i) { import { id } userErrors { field message code } } }",
            json!({"i": {"uploadId": upload, "mapping": ["first_name", "lieblingsfarbe"], "matchKeys": ["telefon"]}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    let f = &r.fields();
    assert!(
        f["mapping"].is_string() && f["mapping.1"].is_string() && f["matchKeys"].is_string(),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn xlsx_imports_and_exports() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["Vorname", "Nachname", "E-Mail", "PLZ", "Ort"],
        ["Käthe", "Süßmilch", "kaethe@example.de", "01067", "Dresden"],
        ["Ludwig", "Größer", "ludwig@example.de", "80331", "München"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    ws.write_number(3, 0, 42).unwrap();
    ws.write_string(3, 1, "Zahl").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let upload = app.upload(t, &tenant, "kunden.xlsx", bytes).await;
    let p = preview(&app, t, &tenant, &upload).await;
    assert_eq!(p["format"], "XLSX");
    assert_eq!(
        p["rows"][0]["cells"],
        json!(["Käthe", "Süßmilch", "kaethe@example.de", "01067", "Dresden"])
    );
    let done = app
        .import_and_wait(
            t,
            &tenant,
            json!({"uploadId": upload, "mapping": p["suggestedMapping"]}),
        )
        .await;
    assert_eq!(
        (done["rowsCreated"].as_i64(), done["rowsFailed"].as_i64()),
        (Some(3), Some(0)),
        "{done}"
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons WHERE postal_code = '01067'"
        )
        .await,
        1
    );

    let (status, xlsx) = app
        .file_request(
            Method::POST,
            "/files/exports/persons",
            t,
            &tenant,
            Some(json!({"format": "XLSX", "filter": {"query": "süß"}})),
        )
        .await;
    assert_eq!(status, 200);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let got: Vec<String> = range.rows().skip(1).map(|r| r[3].to_string()).collect();
    assert_eq!(got, ["Süßmilch"]);
}

#[tokio::test]
async fn a_running_import_can_be_cancelled_and_keeps_what_it_committed() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let mut file = Vec::new();
    kartei_server::demo_data::write_csv(&mut file, 40_000, 7, false).unwrap();
    let upload = app.upload(t, &tenant, "gross.csv", file).await;
    let p = preview(&app, t, &tenant, &upload).await;
    let r = app
        .gql(
            "mutation($i: StartImportInput!) { startImport(input: $i) { import { id status } userErrors { field message code } } }",
            json!({"i": {"uploadId": upload, "mapping": p["suggestedMapping"], "matchKeys": ["external_id"]}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let id = r.data()["startImport"]["import"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Wait until the first batches committed, then cancel.
    for _ in 0..600 {
        let r = app
            .gql(
                "query($id: ID!) { import(id: $id) { rowsDone } }",
                json!({"id": id}),
                Some(t),
                Some(&tenant),
            )
            .await;
        if r.data()["import"]["rowsDone"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = app
        .gql(
            "mutation($id: ID!) { cancelImport(input: {id: $id}) { import { id } userErrors { field message code } } }",
            json!({"id": id}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    let done = app.wait_import(t, &tenant, &id).await;
    assert_eq!(done["status"], "CANCELLED", "{done}");
    let (created, total) = (
        done["rowsCreated"].as_i64().unwrap(),
        done["rowsTotal"].as_i64().unwrap(),
    );
    assert!(created > 0 && created < total, "{done}");
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        created
    );
    let r = app
        .gql(
            "mutation($id: ID!) { cancelImport(input: {id: $id}) { import { id } userErrors { field message code } } }",
            json!({"id": id}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("CONFLICT"));
}

#[tokio::test]
async fn uploads_need_a_member_and_a_tenant() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let res = app
        .http
        .post(format!("{}/files/uploads?filename=a.csv", app.url))
        .header("authorization", format!("Bearer {}", owner.access))
        .body("a,b\n1,2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION_FAILED");
    let res = app
        .http
        .post(format!("{}/files/uploads?filename=a.csv", app.url))
        .header("x-tenant-id", &tenant)
        .body("a,b\n1,2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (status, _) = app
        .file_request(
            Method::GET,
            "/files/imports/00000000-0000-0000-0000-000000000000/errors.csv",
            &owner.access,
            &tenant,
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM uploads")
            .await,
        0
    );
}

/// Issue 17, finding 3: the persons export, the access-request archive, the processing register
/// and the import error report wrote cells beginning with `=`, `+`, `-` or `@` unchanged, which
/// a spreadsheet runs as formulas. Every one of them now writes such a cell as text (`'`).
#[tokio::test]
async fn every_export_writes_formula_cells_as_text() {
    const EVIL: [&str; 3] = ["=HYPERLINK(\"http://evil.example\")", "+SUM(1)", "@cmd"];
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"firstName": EVIL[0], "lastName": EVIL[1], "city": EVIL[2], "email": "formel@example.de"}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let person = r.data()["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(
            "mutation($i: ProcessingActivityInput!) { putProcessingActivity(input: {patch: $i}) { processingActivity { name } userErrors { field message code } } }",
            json!({"i": {"name": "=1+1", "purpose": "-2+3", "legalBasis": "Art. 6(1)(f)", "retention": "@x", "safeguards": "+y"}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);

    // No cell of a `;`- or `,`-separated file starts with a formula character.
    let check = |what: &str, bytes: &[u8], delimiter: u8| {
        let text = String::from_utf8_lossy(bytes)
            .trim_start_matches('\u{feff}')
            .to_owned();
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let cells: Vec<String> = reader
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        let bad: Vec<&String> = cells
            .iter()
            .filter(|c| {
                c.starts_with(['=', '+', '@']) || (c.starts_with('-') && c.parse::<f64>().is_err())
            })
            .collect();
        assert!(bad.is_empty(), "{what}: formula cells {bad:?}");
        cells
    };
    let (status, body) = app
        .file_request(
            Method::POST,
            "/files/exports/persons",
            t,
            &tenant,
            Some(json!({"format": "CSV"})),
        )
        .await;
    assert_eq!(status, 200);
    let cells = check("persons.csv", &body, b';');
    for e in EVIL {
        assert!(
            cells.contains(&format!("'{e}")),
            "persons.csv lacks '{e}: {cells:?}"
        );
    }

    let (status, xlsx) = app
        .file_request(
            Method::POST,
            "/files/exports/persons",
            t,
            &tenant,
            Some(json!({"format": "XLSX"})),
        )
        .await;
    assert_eq!(status, 200);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let xcells: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(xcells.contains(&format!("'{}", EVIL[0])), "{xcells:?}");
    assert!(
        !xcells.iter().any(|c| c.starts_with(['=', '+', '@'])),
        "{xcells:?}"
    );

    let (status, zip) = app
        .file_request(
            Method::GET,
            &format!("/files/compliance/persons/{person}/export.zip"),
            t,
            &tenant,
            None,
        )
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&zip));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut csvs = 0;
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        if f.name().unwrap().ends_with(".csv") {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).unwrap();
            let name = f.name().unwrap().to_string();
            let cells = check(&name, &b, b',');
            if name == "profile.csv" {
                assert!(cells.contains(&format!("'{}", EVIL[1])), "{cells:?}");
            }
            csvs += 1;
        }
    }
    assert!(csvs > 0, "the archive holds no CSV");

    let (status, register) = app
        .file_request(
            Method::GET,
            "/files/compliance/processing-activities.csv",
            t,
            &tenant,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let cells = check("processing-activities.csv", &register, b';');
    assert!(cells.contains(&"'=1+1".to_owned()), "{cells:?}");

    // The import error report: a column named like a formula, a value that fails.
    let upload = app
        .upload(
            t,
            &tenant,
            "formel.csv",
            b"Name;=Mail\r\nMeier;nicht-gueltig\r\n".to_vec(),
        )
        .await;
    let done = app
        .import_and_wait(
            t,
            &tenant,
            json!({"uploadId": upload, "mapping": ["last_name", "email"]}),
        )
        .await;
    let path = done["errorReportPath"]
        .as_str()
        .unwrap_or_else(|| panic!("{done}"));
    let (status, report) = app.file_request(Method::GET, path, t, &tenant, None).await;
    assert_eq!(status, 200);
    let cells = check("errors.csv", &report, b';');
    assert!(cells.iter().any(|c| c.starts_with("'=")), "{cells:?}");
}

/// A customer list as a German Excel export really looks (Windows-1252, `;`, CRLF, a quoted
/// remark over two lines, Outlook's column names, an email with trailing spaces, accents and
/// `ß` in local parts, a birthday `00.00.0000`, a blank line, a totals row), with the line
/// each record starts on.
const MESSY_HEADER: &str = "Kundennummer;Anrede;Titel;Vorname;Nachname;Firma;Abteilung;\
Telefon (geschäftlich);Telefon privat;Mobiltelefon;E-Mail-Adresse;Straße;PLZ;Ort;Geburtstag;\
Kunde seit;Umsatz 2025 (€);Bemerkung";
const MESSY_ROWS: &[(u64, &str)] = &[
    (
        2,
        "1001;Herr;Dr.;Jürgen;Groß;Bäckerei Groß GmbH;Einkauf;030 1234567;030 7654321;0171 1234567;G.Groß1@firma1.de  ;Hauptstraße 1;01067;Dresden;24.12.1970;01.03.2015;1.234,50;\"Ruft lieber vormittags an.\r\nWill Rechnungen per Post.\"",
    ),
    (
        4,
        "1002;Frau;;Bärbel;Weiß;;;0221 555123;;;josé.3@example.de;Königsallee 5;50667;Köln;00.00.0000;15.07.2018;980;",
    ),
    (
        5,
        "1003;Herr;;Hans;Müller;Müller KG;Vertrieb;;;;hans@@example.de;Am Markt 2;80331;München;;seit 2019;0;\"Bitte \"\"nicht\"\" vor 10 Uhr; lieber per E-Mail\"",
    ),
    (
        6,
        "1004;;;;;Firma Vier GmbH;;;;;info@firma4.de;;;;;01.01.2020;;",
    ),
    (7, "1005;Frau;;Petra;;;;;;;kaputt@;;;;;;;"),
    (
        8,
        "1006;Herr;;Klaus;Schmidt;;;12;;;klaus.schmidt@example.de;;;;31.02.1980;2021-05-01;;",
    ),
    (9, ""),
    (
        10,
        "1007;Frau;Prof. Dr.;Zoë;Ørsted;;;;;+49 171 9876543;zoe@example.dk;;;;;;12.345,67 €;",
    ),
    (11, "Summe;;;;;;;;;;;;;;;;15.570,17;"),
];

fn messy_file() -> Vec<u8> {
    let mut text = format!("{MESSY_HEADER}\r\n");
    for (line, row) in MESSY_ROWS {
        assert_eq!(text.matches("\r\n").count() as u64 + 1, *line, "{row}");
        text.push_str(row);
        text.push_str("\r\n");
    }
    cp1252(&text)
}

#[tokio::test]
async fn a_messy_excel_export_keeps_every_usable_row_and_reimports_to_nothing_new() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let file = messy_file();
    let upload = app
        .upload(t, &tenant, "Kunden 2025.csv", file.clone())
        .await;
    let r = app
        .gql(
            "query($u: ID!) { importPreview(uploadId: $u) { encoding delimiter headers suggestedMapping \
             suggestedNewFields { key label kind } rows { line cells } } }",
            json!({"u": upload}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let p = r.data()["importPreview"].clone();
    assert_eq!(
        (p["encoding"].as_str(), p["delimiter"].as_str()),
        (Some("windows-1252"), Some(";")),
        "{}",
        r.body
    );
    // Outlook's names find their fields; what has no field is offered as a new custom field,
    // typed by its values (one `seit 2019` among dates still makes a date column).
    assert_eq!(
        p["suggestedMapping"],
        json!([
            "external_id",
            "salutation",
            "title",
            "first_name",
            "last_name",
            "organization",
            null,
            "phone",
            null,
            "mobile",
            "email",
            "street",
            "postal_code",
            "city",
            "birthday",
            null,
            null,
            "note"
        ])
    );
    let new_fields: Vec<(usize, Value)> = p["suggestedNewFields"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_null())
        .map(|(i, f)| (i, f.clone()))
        .collect();
    let kinds: Vec<(usize, &str, &str)> = new_fields
        .iter()
        .map(|(i, f)| (*i, f["key"].as_str().unwrap(), f["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            (6, "abteilung", "TEXT"),
            (8, "telefon_privat", "TEXT"),
            (15, "kunde_seit", "DATE"),
            (16, "umsatz_2025", "NUMBER")
        ]
    );
    assert_eq!(
        p["rows"][0]["cells"][17],
        "Ruft lieber vormittags an.\nWill Rechnungen per Post."
    );
    // Take every suggestion, as a user pressing "create the new fields" would.
    let mut mapping = p["suggestedMapping"].clone();
    for (i, f) in &new_fields {
        mapping[*i] = json!(format!("custom.{}", f["key"].as_str().unwrap()));
    }
    let fields: Vec<Value> = new_fields.iter().map(|(_, f)| f.clone()).collect();
    let input = json!({"uploadId": upload, "mapping": mapping, "newFields": fields,
                       "matchKeys": ["external_id", "email"]});

    // A mapping to a custom field nobody defines, a new field no column goes to, or one that
    // exists with another kind are refused before anything is written.
    let refuse = |input: Value| {
        let app = &app;
        let tenant = &tenant;
        async move {
            let r = app
                .gql(
                    "mutation($i: StartImportInput!) { startImport(input: $i) { import { id } userErrors { field message code } } }",
                    json!({"i": input}),
                    Some(t),
                    Some(tenant),
                )
                .await;
            assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
            r.fields()
        }
    };
    let mut unknown = input.clone();
    unknown["newFields"] = json!([]);
    assert!(
        refuse(unknown).await["mapping.6"]
            .as_str()
            .unwrap()
            .contains("no custom field")
    );
    let mut unmapped = input.clone();
    unmapped["newFields"][0]["key"] = json!("nirgends");
    let f = refuse(unmapped).await;
    assert!(
        f["newFields.0.key"].as_str().unwrap().contains("no column"),
        "{f}"
    );
    app.gql(
        "mutation { defineCustomField(input: {entity: PERSON, key: \"abteilung\", label: \"Abteilung\", kind: NUMBER}) { customField { key } userErrors { field message code } } }",
        json!({}),
        Some(t),
        Some(&tenant),
    )
    .await;
    let f = refuse(input.clone()).await;
    assert!(
        f["newFields.0.kind"]
            .as_str()
            .unwrap()
            .contains("exists already, as number"),
        "{f}"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM imports")
            .await,
        0
    );
    assert_eq!(
        app.tenant_texts(&tenant, "SELECT key FROM custom_fields")
            .await,
        ["abteilung"]
    );
    app.tenant_texts(&tenant, "DELETE FROM custom_fields RETURNING key")
        .await;

    // Strict (a dry run): any invalid field refuses its row.
    let mut strict = input.clone();
    strict["strict"] = json!(true);
    strict["dryRun"] = json!(true);
    let s = app.import_and_wait(t, &tenant, strict).await;
    assert_eq!(
        (
            s["strict"].as_bool(),
            s["rowsCreated"].as_i64(),
            s["rowsFailed"].as_i64()
        ),
        (Some(true), Some(3), Some(5)),
        "{s}"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM custom_fields")
            .await,
        0,
        "a dry run defines nothing"
    );

    // The default keeps every row with a last name or a usable email; each dropped value is
    // a warning with its line, column and value.
    let done = app.import_and_wait(t, &tenant, input.clone()).await;
    assert_eq!(
        (
            done["rowsCreated"].as_i64(),
            done["rowsFailed"].as_i64(),
            done["rowsWarned"].as_i64()
        ),
        (Some(6), Some(2), Some(3)),
        "{done}"
    );
    let report: Vec<(i64, String, String, Value)> = done["errors"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["line"].as_i64().unwrap(),
                n["column"].as_str().unwrap().to_owned(),
                n["severity"].as_str().unwrap().to_owned(),
                n["value"].clone(),
            )
        })
        .collect();
    let w = |l: i64, c: &str, v: &str| (l, c.to_owned(), "WARNING".to_owned(), json!(v));
    let e = |l: i64, c: &str, v: Value| (l, c.to_owned(), "ERROR".to_owned(), v);
    assert_eq!(
        report,
        [
            w(4, "Geburtstag", "00.00.0000"),
            w(5, "E-Mail-Adresse", "hans@@example.de"),
            w(5, "Kunde seit", "seit 2019"),
            e(7, "E-Mail-Adresse", json!("kaputt@")),
            e(7, "Nachname", Value::Null),
            w(8, "Geburtstag", "31.02.1980"),
            w(8, "Telefon (geschäftlich)", "12"),
            e(11, "Nachname", Value::Null),
        ],
        "{done}"
    );
    let one = |sql: &'static str| app.tenant_texts(&tenant, sql);
    assert_eq!(
        one("SELECT external_id FROM persons ORDER BY external_id").await,
        ["1001", "1002", "1003", "1004", "1006", "1007"]
    );
    // What was valid in a row with a bad field is all there.
    assert_eq!(
        one("SELECT concat_ws('|', email, email_normalized, postal_code, phone, mobile, title, \
             custom->>'kunde_seit', custom->>'umsatz_2025', custom->>'abteilung', custom->>'telefon_privat') \
             FROM persons WHERE external_id = '1001'")
        .await,
        ["G.Groß1@firma1.de|g.groß1@firma1.de|01067|+49301234567|+491711234567|Dr.|2015-03-01|1234.5|Einkauf|030 7654321"]
    );
    assert_eq!(
        one("SELECT concat_ws('|', email, birthday, city) FROM persons WHERE external_id = '1002'")
            .await,
        ["josé.3@example.de|Köln"]
    );
    assert_eq!(
        one(
            "SELECT concat_ws('|', last_name, email, custom->>'kunde_seit', custom->>'abteilung') \
             FROM persons WHERE external_id = '1003'"
        )
        .await,
        ["Müller|Vertrieb"]
    );
    assert_eq!(
        one("SELECT concat_ws('|', email, phone, birthday, custom->>'kunde_seit') FROM persons WHERE external_id = '1006'").await,
        ["klaus.schmidt@example.de|2021-05-01"]
    );
    assert_eq!(
        one("SELECT concat_ws('|', mobile, custom->>'umsatz_2025') FROM persons WHERE external_id = '1007'").await,
        ["+491719876543|12345.67"]
    );
    // The remarks are notes on the timeline, multi-line and quoted text as written.
    assert_eq!(
        one("SELECT p.external_id || ': ' || i.summary FROM interactions i JOIN persons p ON p.id = i.person_id \
             WHERE i.kind = 'note' ORDER BY 1")
        .await,
        [
            "1001: Ruft lieber vormittags an.\nWill Rechnungen per Post.",
            "1003: Bitte \"nicht\" vor 10 Uhr; lieber per E-Mail"
        ]
    );
    assert_eq!(
        one("SELECT key || ':' || kind FROM custom_fields ORDER BY key").await,
        [
            "abteilung:text",
            "kunde_seit:date",
            "telefon_privat:text",
            "umsatz_2025:number"
        ]
    );
    let tl = app
        .gql(
            "query { persons(first: 10, filter: {query: \"Groß\"}) { edges { node { lastName timeline(first: 5) { edges { node { __typename ... on InteractionEntry { interaction { kind summary } } } } } } } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(
        tl.body.to_string().contains("Ruft lieber vormittags an."),
        "{}",
        tl.body
    );

    // The same file again (a new upload, the same mapping and fields) changes nothing.
    let before = one("SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM persons p").await;
    let mut again = input.clone();
    again["uploadId"] = json!(app.upload(t, &tenant, "Kunden 2025.csv", file).await);
    let done = app.import_and_wait(t, &tenant, again).await;
    assert_eq!(
        (
            done["rowsCreated"].as_i64(),
            done["rowsUpdated"].as_i64(),
            done["rowsUnchanged"].as_i64(),
            done["rowsFailed"].as_i64()
        ),
        (Some(0), Some(0), Some(6), Some(2)),
        "{done}"
    );
    assert_eq!(
        one("SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM persons p").await,
        before
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM interactions")
            .await,
        2
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM custom_fields")
            .await,
        4
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM organizations")
            .await,
        3
    );
    // Every imported person and organization is indexed once the outbox is drained (the
    // import queues its new persons itself, outside the persons INSERT).
    let id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let search = kartei_search::Search::in_database();
    let d = kartei_search::outbox::drain_until_empty(
        &app.db,
        id,
        search.backend(),
        std::time::Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert!(
        matches!(d, kartei_search::outbox::Drained::Done { .. }),
        "{d:?}"
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons p WHERE p.merged_into IS NULL AND p.archived_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.id = p.id)"
        )
        .await,
        0,
        "every live person has a search document"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM search_documents")
            .await,
        app.tenant_i64(
            &tenant,
            "SELECT (SELECT count(*) FROM persons WHERE merged_into IS NULL AND archived_at IS NULL) \
                  + (SELECT count(*) FROM organizations WHERE merged_into IS NULL AND archived_at IS NULL)"
        )
        .await
    );
}

/// The persons' index definitions of a tenant (without the schema's name), sorted.
pub(crate) async fn person_indexes(app: &TestApp, tenant: &str) -> Vec<String> {
    app.tenant_texts(
        tenant,
        "SELECT regexp_replace(indexdef, ' ON \\S+\\.persons ', ' ON persons ') FROM pg_indexes \
         WHERE schemaname = current_schema() AND tablename = 'persons' ORDER BY indexname",
    )
    .await
}

/// The constraints of a tenant's `person_organizations` (name, definition, validated), sorted.
pub(crate) async fn link_constraints(app: &TestApp, tenant: &str) -> Vec<String> {
    app.tenant_texts(
        tenant,
        "SELECT conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated::text \
         FROM pg_constraint WHERE conrelid = 'person_organizations'::regclass ORDER BY conname",
    )
    .await
}

/// What an import wrote, in a form two tenants can be compared by: every person's fields
/// (without ids, times and the keyed address hashes, whose key is the tenant's own) with their
/// organization, sorted.
const WRITTEN: &str = "SELECT md5(string_agg(r, '|' ORDER BY r)) FROM ( \
     SELECT concat_ws(';', p.external_id, p.salutation, p.title, p.first_name, p.last_name, p.name_key, \
         p.first_phonetic, p.last_phonetic, p.email_normalized, p.phone, p.mobile, p.birthday, p.street, \
         p.postal_code, p.city, p.country, p.tags::text, p.custom::text, \
         o.name, po.job_title, po.is_primary) AS r \
     FROM persons p LEFT JOIN person_organizations po ON po.person_id = p.id \
     LEFT JOIN organizations o ON o.id = po.organization_id) x";

#[tokio::test]
async fn a_bulk_import_writes_what_a_row_by_row_one_does_and_gives_its_indexes_back() {
    // Bulk mode from 1,000 rows to go: the same file into two tenants, one of them row by row.
    let app = kartei_tests::spawn_app_with(kartei_tests::Redis::Shared, None, |s| {
        s.import.bulk_min_rows = 1000
    })
    .await;
    let (owner, bulk) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let row_by_row = app.create_tenant(&owner, "Zeile für Zeile").await;
    let before = person_indexes(&app, &bulk).await;
    assert_eq!(before, person_indexes(&app, &row_by_row).await);
    let links_before = link_constraints(&app, &bulk).await;
    assert_eq!(links_before.len(), 4, "{links_before:?}");

    // Three batches; the generator's near-duplicates (same phone, or same name sound and city)
    // fall into the same batch and into later ones.
    let rows = 3 * kartei_contacts::import::run::BATCH_ROWS as u64;
    let mut file = Vec::new();
    kartei_server::demo_data::write_csv(&mut file, rows, 5, false).unwrap();
    let mut done = Vec::new();
    for (tenant, min_rows) in [(&bulk, 1000), (&row_by_row, 0)] {
        // The row-by-row tenant is set so through its import's size: it has more persons than
        // the import has rows to go.
        if min_rows == 0 {
            app.tenant_i64(
                tenant,
                &format!(
                    "WITH n AS (INSERT INTO persons (id, last_name, name_key) \
                     SELECT gen_random_uuid(), 'Platzhalter', 'platzhalter' \
                     FROM generate_series(1, {}) RETURNING 1) SELECT count(*) FROM n",
                    rows + 1
                ),
            )
            .await;
        }
        let upload = app.upload(t, tenant, "altsystem.csv", file.clone()).await;
        let p = preview(&app, t, tenant, &upload).await;
        let imp = app
            .import_and_wait_for(
                t,
                tenant,
                json!({"uploadId": upload, "mapping": p["suggestedMapping"], "matchKeys": ["external_id"]}),
                std::time::Duration::from_secs(300),
            )
            .await;
        assert_eq!(imp["status"], "COMPLETED", "{imp}");
        assert_eq!(imp["rowsCreated"].as_u64(), Some(rows), "{imp}");
        if min_rows == 0 {
            app.tenant_i64(
                tenant,
                "WITH d AS (DELETE FROM persons WHERE last_name = 'Platzhalter' AND external_id IS NULL \
                 RETURNING 1) SELECT count(*) FROM d",
            )
            .await;
        }
        done.push(imp);
    }
    let [bulk_imp, row_imp] = [&done[0], &done[1]];
    println!(
        "duplicate warnings: bulk {}, row by row {}",
        bulk_imp["duplicateWarnings"], row_imp["duplicateWarnings"]
    );

    // The same persons, fields, hashes and organizations in both.
    let written = [
        app.tenant_texts(&bulk, WRITTEN).await,
        app.tenant_texts(&row_by_row, WRITTEN).await,
    ];
    assert_eq!(
        written[0], written[1],
        "the two modes wrote different persons"
    );
    for tenant in [&bulk, &row_by_row] {
        assert_eq!(
            app.tenant_i64(
                tenant,
                "SELECT count(*) FROM persons WHERE (email_normalized IS NULL) <> (email_hash IS NULL) \
                 OR (phone IS NULL) <> (phone_hash IS NULL) OR (mobile IS NULL) <> (mobile_hash IS NULL)"
            )
            .await,
            0,
            "an address without its keyed hash"
        );
    }
    // Every index is back, as it was; nothing is left recorded as deferred.
    assert_eq!(person_indexes(&app, &bulk).await, before);
    assert_eq!(
        app.tenant_i64(
            &bulk,
            "SELECT count(*) FROM imports WHERE deferred_indexes IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        app.tenant_i64(
            &bulk,
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
             WHERE c.relname = 'persons' AND c.relnamespace = current_schema()::regnamespace \
             AND NOT (i.indisvalid AND i.indisready)"
        )
        .await,
        0,
        "an index left invalid"
    );
    // The links' foreign keys are back and validated.
    assert_eq!(link_constraints(&app, &bulk).await, links_before);
    // The same duplicate warnings (counted in memory in bulk mode, by the database row by row).
    let (b, r) = (
        bulk_imp["duplicateWarnings"].as_i64().unwrap(),
        row_imp["duplicateWarnings"].as_i64().unwrap(),
    );
    assert!(r > 0 && b == r, "bulk {b}, row by row {r}");
    // Every new person is queued for the search index once or more, linked or not.
    assert_eq!(
        app.tenant_i64(
            &bulk,
            "SELECT count(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.subject_id = p.id) \
             AND NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.id = p.id)"
        )
        .await,
        0
    );
}
