//! Realistic German demo data at any size: B2B contacts with companies and B2C customers,
//! names with umlauts and ß, real postal codes and area codes, interactions over years and
//! invoices with some late payers, plus a sprinkling of near-duplicates (Müller/Mueller,
//! changed e-mail case, reformatted phone numbers). Deterministic per seed. Used by
//! `kartei demo --contacts N` and by every benchmark.

use std::io::Write;

use anyhow::Context as _;
use chrono::{Duration, NaiveDate, Utc};
use encoding_rs::WINDOWS_1252;
use kartei_contacts::import::{self, StartImport};
use kartei_core::id::TenantId;
use kartei_tenancy::db::Db;
use kartei_tenancy::tenants::stmt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const FIRST_F: &[&str] = &[
    "Anna",
    "Sabine",
    "Jürgen",
    "Birgit",
    "Petra",
    "Monika",
    "Claudia",
    "Ursula",
    "Andrea",
    "Katrin",
    "Stefanie",
    "Julia",
    "Lea",
    "Sophie",
    "Marie",
    "Hannah",
    "Lena",
    "Johanna",
    "Renate",
    "Gisela",
    "Doris",
    "Heike",
    "Susanne",
    "Jana",
    "Nicole",
    "Sandra",
    "Bärbel",
    "Dörte",
    "Jördis",
    "Friederike",
    "Martina",
    "Elke",
    "Angelika",
    "Karin",
    "Ines",
    "Maike",
    "Svenja",
    "Anke",
    "Silke",
    "Franziska",
];
const FIRST_M: &[&str] = &[
    "Thomas",
    "Michael",
    "Andreas",
    "Stefan",
    "Peter",
    "Klaus",
    "Wolfgang",
    "Jürgen",
    "Uwe",
    "Frank",
    "Matthias",
    "Sebastian",
    "Jan",
    "Lukas",
    "Felix",
    "Jonas",
    "Maximilian",
    "Paul",
    "Björn",
    "Sören",
    "Jörg",
    "Günter",
    "Horst",
    "Dieter",
    "Manfred",
    "Rüdiger",
    "Tobias",
    "Florian",
    "Markus",
    "Christian",
    "Holger",
    "Dirk",
    "Ralf",
    "Bernd",
    "Volker",
    "Timo",
    "Kai",
    "Niklas",
    "Hendrik",
    "Malte",
];
const LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Schulte",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Thomas",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
    "Wachowski",
    "Nowak",
    "Kowalski",
    "Yılmaz",
    "Öztürk",
    "Đorđević",
    "Großmann",
    "Weißenfels",
    "Häußler",
    "Süß",
    "Rößler",
    "Bäumer",
    "Düring",
    "Jürgens",
    "Lübke",
    "Mühlenbeck",
    "Nüßlein",
    "Strauß",
    "Fröhlich",
];
/// City, postal code, area code.
const CITIES: &[(&str, &str, &str)] = &[
    ("Berlin", "10115", "030"),
    ("Hamburg", "20095", "040"),
    ("München", "80331", "089"),
    ("Köln", "50667", "0221"),
    ("Frankfurt am Main", "60311", "069"),
    ("Stuttgart", "70173", "0711"),
    ("Düsseldorf", "40213", "0211"),
    ("Leipzig", "04109", "0341"),
    ("Dortmund", "44135", "0231"),
    ("Essen", "45127", "0201"),
    ("Bremen", "28195", "0421"),
    ("Dresden", "01067", "0351"),
    ("Hannover", "30159", "0511"),
    ("Nürnberg", "90402", "0911"),
    ("Münster", "48143", "0251"),
    ("Würzburg", "97070", "0931"),
    ("Lübeck", "23552", "0451"),
    ("Görlitz", "02826", "03581"),
    ("Saarbrücken", "66111", "0681"),
    ("Freiburg im Breisgau", "79098", "0761"),
    ("Göttingen", "37073", "0551"),
    ("Osnabrück", "49074", "0541"),
    ("Fürth", "90762", "0911"),
    ("Gießen", "35390", "0641"),
    ("Bochum", "44787", "0234"),
    ("Wuppertal", "42103", "0202"),
    ("Bielefeld", "33602", "0521"),
    ("Bonn", "53111", "0228"),
    ("Mannheim", "68159", "0621"),
    ("Karlsruhe", "76133", "0721"),
    ("Augsburg", "86150", "0821"),
    ("Wiesbaden", "65183", "0611"),
    ("Kiel", "24103", "0431"),
    ("Rostock", "18055", "0381"),
    ("Erfurt", "99084", "0361"),
    ("Mainz", "55116", "06131"),
    ("Kassel", "34117", "0561"),
    ("Potsdam", "14467", "0331"),
    ("Oldenburg", "26122", "0441"),
    ("Regensburg", "93047", "0941"),
    ("Jena", "07743", "03641"),
    ("Trier", "54290", "0651"),
    ("Konstanz", "78462", "07531"),
    ("Flensburg", "24937", "0461"),
];
const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Lindenweg",
    "Am Mühlbach",
    "Königsallee",
    "Gartenstraße",
    "Dorfstraße",
    "Schulstraße",
    "Rosenweg",
    "Birkenallee",
    "Kirchplatz",
    "Am Rathaus",
    "Friedrichstraße",
    "Mühlenweg",
    "Brückenstraße",
    "Waldstraße",
    "Fährstraße",
    "Große Bäckerstraße",
];
const TRADES: &[(&str, &str)] = &[
    ("Haustechnik", "handwerk"),
    ("Elektro", "handwerk"),
    ("Bäckerei", "handel"),
    ("Logistik", "dienstleistung"),
    ("Steuerberatung", "dienstleistung"),
    ("Software", "it"),
    ("IT-Service", "it"),
    ("Maschinenbau", "industrie"),
    ("Autohaus", "automobil"),
    ("Bau", "bau"),
    ("Immobilien", "bau"),
    ("Gasthaus", "gastronomie"),
    ("Zahnarztpraxis", "gesundheit"),
    ("Apotheke", "gesundheit"),
    ("Getränkehandel", "handel"),
];
const FORMS: &[&str] = &[
    "GmbH",
    "GmbH & Co. KG",
    "KG",
    "AG",
    "e.K.",
    "OHG",
    "UG (haftungsbeschränkt)",
];
const POSITIONS: &[&str] = &[
    "Geschäftsführer",
    "Inhaberin",
    "Einkauf",
    "Leiterin Marketing",
    "Assistenz der Geschäftsführung",
    "IT-Leiter",
    "Buchhaltung",
    "Vertriebsleiter",
    "Prokurist",
    "Werkstattleiter",
];
const FREEMAIL: &[&str] = &["gmx.de", "web.de", "t-online.de", "posteo.de", "gmail.com"];
const SOURCES: &[&str] = &[
    "trade_fair",
    "event",
    "business_card",
    "web_form",
    "referral",
];
const STAGES: &[&str] = &[
    "lead",
    "prospect",
    "customer",
    "customer",
    "customer",
    "ex_customer",
];
const TAGS: &[&str] = &[
    "Newsletter",
    "VIP",
    "Stammkunde",
    "Messe 2025",
    "Weihnachtskarte",
    "Reklamation",
];

pub const HEADER: &[&str] = &[
    "Kundennummer",
    "Anrede",
    "Vorname",
    "Nachname",
    "E-Mail",
    "Telefon",
    "Mobil",
    "Firma",
    "Position",
    "Straße",
    "PLZ",
    "Ort",
    "Land",
    "Geburtstag",
    "Quelle",
    "Status",
    "Tags",
];

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Lower-case ASCII for addresses (ä→ae, ß→ss).
fn ascii(s: &str) -> String {
    kartei_contacts::normalize::fold(s).replace(' ', "-")
}

/// One generated row (cells in [`HEADER`] order). Row `i` is the same for a seed.
pub fn row(seed: u64, i: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    // About 2% are near-duplicates of an earlier row, as real lists have.
    if i > 10 && rng.random_bool(0.02) {
        let original = rng.random_range(0..i);
        let mut r = row(seed, original);
        r[0] = format!("K{:08}", i + 1);
        match rng.random_range(0..4) {
            0 => {
                r[3] = r[3]
                    .replace('ü', "ue")
                    .replace('ö', "oe")
                    .replace('ä', "ae")
                    .replace('ß', "ss")
            }
            1 => r[4] = r[4].to_uppercase(),
            2 => {
                // Same number, other notation: "+49 30 1234567".
                if let Some(rest) = r[5].strip_prefix('0') {
                    r[5] = format!("+49 {rest}");
                }
            }
            _ => r[3] = r[3].replacen('i', "y", 1),
        }
        return r;
    }
    let female = rng.random_bool(0.5);
    let first = if female {
        pick(&mut rng, FIRST_F)
    } else {
        pick(&mut rng, FIRST_M)
    };
    let last = pick(&mut rng, LAST);
    let (city, plz, area) = CITIES[rng.random_range(0..CITIES.len())];
    let b2b = rng.random_bool(0.6);
    let company = b2b.then(|| {
        let (trade, _) = TRADES[rng.random_range(0..TRADES.len())];
        let owner = pick(&mut rng, LAST);
        format!("{owner} {trade} {}", pick(&mut rng, FORMS))
    });
    let domain = match &company {
        Some(c) => format!(
            "{}.de",
            ascii(c.split(' ').take(2).collect::<Vec<_>>().join(" ").as_str())
        ),
        None => pick(&mut rng, FREEMAIL).to_owned(),
    };
    let email = if rng.random_bool(0.85) {
        format!(
            "{}.{}{}@{domain}",
            ascii(first),
            ascii(last),
            if b2b {
                String::new()
            } else {
                rng.random_range(1..999).to_string()
            }
        )
    } else {
        String::new()
    };
    let phone = if rng.random_bool(0.7) {
        format!("{area} {}", rng.random_range(2_000_000..9_999_999))
    } else {
        String::new()
    };
    let mobile = if rng.random_bool(0.4) {
        format!(
            "01{} {}",
            pick(&mut rng, &["51", "52", "60", "62", "70", "71", "76"]),
            rng.random_range(10_000_000..99_999_999)
        )
    } else {
        String::new()
    };
    let birthday = if !b2b || rng.random_bool(0.2) {
        let d = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap_or_default()
            + Duration::days(rng.random_range(0..23_000));
        d.format("%d.%m.%Y").to_string()
    } else {
        String::new()
    };
    let tags: Vec<&str> = TAGS
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.12))
        .collect();
    vec![
        format!("K{:08}", i + 1),
        if female { "Frau" } else { "Herr" }.to_owned(),
        first.to_owned(),
        last.to_owned(),
        email,
        phone,
        mobile,
        company.unwrap_or_default(),
        if b2b {
            pick(&mut rng, POSITIONS).to_owned()
        } else {
            String::new()
        },
        format!("{} {}", pick(&mut rng, STREETS), rng.random_range(1..180)),
        plz.to_owned(),
        city.to_owned(),
        "DE".to_owned(),
        birthday,
        pick(&mut rng, SOURCES).to_owned(),
        pick(&mut rng, STAGES).to_owned(),
        tags.join(", "),
    ]
}

/// Writes `n` rows as CSV: German Excel style (Windows-1252, `;`, CRLF) or UTF-8.
pub fn write_csv(out: impl Write, n: u64, seed: u64, windows_1252: bool) -> anyhow::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(std::io::BufWriter::with_capacity(1 << 16, out));
    let encode = |cells: Vec<String>| -> Vec<Vec<u8>> {
        cells
            .into_iter()
            .map(|c| {
                if windows_1252 {
                    // Names outside Windows-1252 (Đorđević, Yılmaz) fall back to ASCII there,
                    // as Excel would show them.
                    let safe: String = c
                        .chars()
                        .map(|ch| match ch {
                            'Đ' => 'D',
                            'đ' => 'd',
                            'ı' => 'i',
                            other => other,
                        })
                        .collect();
                    WINDOWS_1252.encode(&safe).0.into_owned()
                } else {
                    c.into_bytes()
                }
            })
            .collect()
    };
    w.write_record(encode(HEADER.iter().map(|s| (*s).to_owned()).collect()))?;
    for i in 0..n {
        w.write_record(encode(row(seed, i)))?;
    }
    w.flush()?;
    Ok(())
}

pub struct FillReport {
    pub persons: i64,
    pub interactions: u64,
    pub transactions: u64,
}

#[derive(FromQueryResult)]
struct Pid {
    id: Uuid,
    external_id: Option<String>,
    lifecycle_stage: String,
}

async fn count_persons(db: &Db, tenant: TenantId) -> anyhow::Result<i64> {
    let tx = db.begin_tenant(tenant).await?;
    let n = tx
        .query_one_raw(stmt("SELECT count(*) AS n FROM persons", vec![]))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    tx.commit().await?;
    Ok(n)
}

/// Fills `tenant` up to `n` persons through the real import path, then adds interaction and
/// transaction history. Idempotent: a tenant that has `n` persons is left as it is.
pub async fn fill(
    db: &Db,
    tenant: TenantId,
    n: u64,
    log: &(dyn Fn(String) + Sync),
) -> anyhow::Result<FillReport> {
    let before = count_persons(db, tenant).await?;
    if before >= n as i64 {
        log(format!(
            "tenant already has {before} persons; nothing to do"
        ));
        return Ok(FillReport {
            persons: before,
            interactions: 0,
            transactions: 0,
        });
    }
    log(format!("generating {n} contacts"));
    let file = tempfile::NamedTempFile::new()?;
    write_csv(file.reopen()?, n, 2026, false)?;
    let upload = {
        let tx = db.begin_tenant(tenant).await?;
        let id = import::upload_begin(&tx, "demo-kontakte.csv", "demo").await?;
        let mut f = file.reopen()?;
        let mut seq = 0;
        loop {
            let mut buf = vec![0u8; import::CHUNK_BYTES];
            let mut filled = 0;
            while filled < buf.len() {
                let k = std::io::Read::read(&mut f, &mut buf[filled..])?;
                if k == 0 {
                    break;
                }
                filled += k;
            }
            if filled == 0 {
                break;
            }
            buf.truncate(filled);
            import::upload_chunk(&tx, id, seq, buf).await?;
            seq += 1;
        }
        import::upload_finish(&tx, id).await?;
        tx.commit().await?;
        id
    };
    let preview = import::preview(db, tenant, upload).await?;
    let imp = import::create(
        db,
        tenant,
        "demo",
        StartImport {
            upload_id: upload,
            mapping: preview.suggested_mapping,
            match_keys: vec!["external_id".into()],
            dry_run: false,
            strict: false,
            new_fields: Vec::new(),
            consent: None,
        },
        false,
    )
    .await?;
    let done = import::run::run(
        db,
        tenant,
        imp.id,
        &|p| {
            if p.done % 50_000 < 1000 {
                log(format!("imported {}/{} rows", p.done, p.total.unwrap_or(0)));
            }
        },
        &kartei_compliance::imports::ComplianceImportHook,
        import::run::Options::default(),
    )
    .await?;
    log(format!(
        "import {}: {} created, {} updated, {} failed",
        done.status, done.rows_created, done.rows_updated, done.rows_failed
    ));
    let (interactions, transactions) = history(db, tenant, log).await.context("adding history")?;
    Ok(FillReport {
        persons: count_persons(db, tenant).await?,
        interactions,
        transactions,
    })
}

/// Interactions over six years (some contacts long dormant) and invoices for customers, some
/// paid late and some still open past due. Per-row touch triggers are deferred and recomputed
/// set-wise at the end.
async fn history(
    db: &Db,
    tenant: TenantId,
    log: &(dyn Fn(String) + Sync),
) -> anyhow::Result<(u64, u64)> {
    let mut after = Uuid::nil();
    let (mut n_int, mut n_tr) = (0u64, 0u64);
    let today = Utc::now().date_naive();
    loop {
        let tx = db.begin_tenant(tenant).await?;
        tx.execute_unprepared("SET LOCAL kartei.defer_touch = 'on'")
            .await?;
        let people = Pid::find_by_statement(stmt(
            "SELECT id, external_id, lifecycle_stage FROM persons WHERE id > $1 \
             AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = persons.id) \
             ORDER BY id LIMIT 5000",
            vec![after.into()],
        ))
        .all(&*tx)
        .await?;
        let Some(last) = people.last() else { break };
        after = last.id;
        let mut ints: [Vec<Option<String>>; 6] = Default::default();
        let mut trs: [Vec<Option<String>>; 8] = Default::default();
        for p in &people {
            let salt = p.external_id.as_deref().map_or(0, |k| {
                k.bytes()
                    .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)))
            });
            let mut rng = StdRng::seed_from_u64(salt ^ 77);
            let dormant = rng.random_bool(0.3);
            let max_age = 6 * 365;
            let min_age = if dormant { 2 * 365 + 30 } else { 0 };
            for _ in 0..rng.random_range(0..8) {
                let kind = pick(
                    &mut rng,
                    &[
                        "call", "letter", "email", "meeting", "offer", "gift", "note",
                    ],
                );
                let at = Utc::now()
                    - Duration::days(rng.random_range(min_age..max_age))
                    - Duration::minutes(rng.random_range(0..1440));
                ints[0].push(Some(Uuid::now_v7().to_string()));
                ints[1].push(Some(p.id.to_string()));
                ints[2].push(Some(kind.to_owned()));
                ints[3].push(Some(
                    if kind == "note" {
                        "internal"
                    } else if rng.random_bool(0.3) {
                        "inbound"
                    } else {
                        "outbound"
                    }
                    .to_owned(),
                ));
                ints[4].push(Some(at.to_rfc3339()));
                ints[5].push(Some(
                    match kind {
                        "call" => "Telefonat zum Angebot",
                        "letter" => "Brief: Jahresgruß",
                        "email" => "Rückfrage per E-Mail",
                        "meeting" => "Termin vor Ort",
                        "offer" => "Angebot versendet",
                        "gift" => "Weihnachtspräsent",
                        _ => "Notiz",
                    }
                    .to_owned(),
                ));
            }
            if matches!(p.lifecycle_stage.as_str(), "customer" | "ex_customer") {
                let bad_payer = rng.random_bool(0.12);
                for k in 0..rng.random_range(1..7) {
                    let issued = today - Duration::days(rng.random_range(min_age.max(20)..max_age));
                    let due = issued + Duration::days(14);
                    let open = issued > today - Duration::days(60) && rng.random_bool(0.3);
                    let paid = (!open).then(|| {
                        due + Duration::days(if bad_payer {
                            rng.random_range(10..90)
                        } else {
                            rng.random_range(-10..3)
                        })
                    });
                    let paid = paid.map(|d| d.max(issued));
                    trs[0].push(Some(Uuid::now_v7().to_string()));
                    trs[1].push(Some(p.id.to_string()));
                    trs[2].push(Some(format!(
                        "RE-{}-{k}",
                        p.external_id
                            .clone()
                            .unwrap_or_else(|| p.id.simple().to_string())
                    )));
                    trs[3].push(Some(rng.random_range(2_000..500_000i64).to_string()));
                    trs[4].push(Some(issued.to_string()));
                    trs[5].push(Some(due.to_string()));
                    trs[6].push(paid.map(|d| d.to_string()));
                    trs[7].push(Some(
                        if paid.is_some() { "paid" } else { "open" }.to_owned(),
                    ));
                }
            }
        }
        n_int += ints[0].len() as u64;
        n_tr += trs[0].len() as u64;
        let arr = kartei_contacts::sql::text_array;
        let [a, b, c, d, e, f] = ints;
        tx.execute_raw(stmt(
            "INSERT INTO interactions (id, person_id, kind, direction, occurred_at, author, subject) \
             SELECT a::uuid, b::uuid, c, d, e::timestamptz, 'demo', f \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(a, b, c, d, e, f)",
            vec![arr(a), arr(b), arr(c), arr(d), arr(e), arr(f)],
        ))
        .await?;
        let [a, b, c, d, e, f, g, h] = trs;
        tx.execute_raw(stmt(
            "INSERT INTO transactions (id, person_id, kind, number, amount_minor, currency, issued_on, due_on, paid_on, status) \
             SELECT a::uuid, b::uuid, 'invoice', c, d::bigint, 'EUR', e::date, f::date, NULLIF(g, chr(1))::date, h \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(a, b, c, d, e, f, g, h) \
             ON CONFLICT (kind, number) DO NOTHING",
            vec![arr(a), arr(b), arr(c), arr(d), arr(e), arr(f), arr(g), arr(h)],
        ))
        .await?;
        tx.commit().await?;
        log(format!(
            "history: {n_int} interactions, {n_tr} invoices so far"
        ));
    }
    let tx = db.begin_tenant(tenant).await?;
    kartei_contacts::timeline::refresh_all_touches(&tx).await?;
    // Statistics for the segments that follow: these tables were just filled (the ABC run
    // analyzes the invoices itself).
    tx.execute_unprepared("ANALYZE persons, interactions")
        .await?;
    tx.commit().await?;
    Ok((n_int, n_tr))
}

/// The consent a demo text asks for.
const DEMO_CONSENT_TEXT: &str = "Ja, ich möchte den Newsletter der Bäckerei Müller per E-Mail \
    erhalten. Meine Einwilligung kann ich jederzeit widerrufen, z. B. über den Abmeldelink in \
    jeder E-Mail.";

/// Gives the demo tenant a consent history: double opt-ins for about four in ten persons with an
/// email (a few later revoked), presumed consent for business calls, some letter objections.
/// Idempotent: a tenant with consent events is left as it is. Returns the events written.
pub async fn consents(db: &Db, tenant: TenantId) -> anyhow::Result<u64> {
    let tx = db.begin_tenant(tenant).await?;
    let existing = tx
        .query_one_raw(stmt("SELECT 1 AS one FROM consent_events LIMIT 1", vec![]))
        .await?;
    if existing.is_some() {
        return Ok(0);
    }
    let text =
        kartei_compliance::ledger::store_text(&tx, "de", "Newsletter", DEMO_CONSENT_TEXT, "demo")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let pick =
        |pct: u32, salt: &str| format!("abs(hashtext(p.id::text || '{salt}')) % 100 < {pct}");
    // A past moment per person (10 to 910 days ago) the history hangs on.
    let base = "(now() - ((abs(hashtext(p.id::text || 'base')) % 900) + 10) * interval '1 day')";
    let mut written = 0;
    for (sql, with_text) in [
        // Subscribed on the website, confirmed two hours later.
        (
            format!(
                "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, source_ref, \
                     text_hash, address_hash, ip, user_agent, actor, content_digest, chain_hash) \
                 SELECT gen_random_uuid(), p.id, 'email', 'newsletter', k.kind, {base} + k.after, \
                     k.source, 'https://baeckerei-mueller.example/newsletter', $1, p.email_hash, '192.0.2.10', \
                     'Mozilla/5.0 (demo)', k.actor, '', '' \
                 FROM persons p CROSS JOIN (VALUES ('pending', interval '0 hours', 'web_form', 'public:web_form'), \
                     ('confirmed', interval '2 hours', 'double_opt_in', 'public:double_opt_in')) \
                     AS k(kind, after, source, actor) \
                 WHERE p.email_normalized IS NOT NULL AND {sel} ORDER BY p.created_at, p.id, k.after",
                base = base,
                sel = pick(40, "doi")
            ),
            true,
        ),
        // Some unsubscribed again.
        (
            format!(
                "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, \
                     note, content_digest, chain_hash) \
                 SELECT gen_random_uuid(), p.id, 'email', 'newsletter', 'revoked', \
                     {base} + interval '5 days', 'unsubscribe_link', 'public:unsubscribe', \
                     'one-click unsubscribe (RFC 8058)', '', '' \
                 FROM persons p WHERE p.email_normalized IS NOT NULL AND {} AND {} \
                 ORDER BY p.created_at, p.id",
                pick(40, "doi"),
                pick(12, "unsub")
            ),
            false,
        ),
        // Business contacts the tenant may call on presumed consent.
        (
            format!(
                "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, \
                     address_hash, actor, note, content_digest, chain_hash) \
                 SELECT gen_random_uuid(), p.id, 'phone', 'offers', 'presumed', {base}, 'call', \
                     p.phone_hash, 'demo', 'existing business relationship', '', '' \
                 FROM persons p WHERE p.phone IS NOT NULL AND {sel} \
                   AND EXISTS (SELECT 1 FROM person_organizations po WHERE po.person_id = p.id) \
                 ORDER BY p.created_at, p.id",
                sel = pick(30, "presumed"),
                base = base
            ),
            false,
        ),
        // Objections to advertising by letter.
        (
            format!(
                "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, \
                     note, content_digest, chain_hash) \
                 SELECT gen_random_uuid(), p.id, 'letter', NULL, 'objected', {base} + interval '1 day', \
                     'paper', 'demo', 'Werbewiderspruch per Brief', '', '' \
                 FROM persons p WHERE {} ORDER BY p.created_at, p.id",
                pick(3, "objection")
            ),
            false,
        ),
    ] {
        let values: Vec<sea_orm::Value> = if with_text {
            vec![text.hash.clone().into()]
        } else {
            Vec::new()
        };
        written += tx.execute_raw(stmt(&sql, values)).await?.rows_affected();
    }
    // The bakery calls its business customers on presumed consent.
    kartei_compliance::policy::PolicySettings {
        presumed_business_phone: true,
        ..kartei_compliance::policy::PolicySettings::default()
    }
    .save(&tx, "demo")
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.execute_unprepared("ANALYZE consent_events").await?;
    tx.commit().await?;
    Ok(written)
}

/// Example segments for the demo tenant, with the lifecycle rules and the ABC analysis run
/// once (the worker repeats them daily), and a fictitious imprint. Does nothing when the
/// tenant has segments.
pub async fn segments(db: &Db, tenant: TenantId) -> anyhow::Result<usize> {
    use kartei_segments::segments::{self as seg, SegmentDraft};
    let tx = db.begin_tenant(tenant).await?;
    let existing = tx
        .query_one_raw(stmt("SELECT 1 AS one FROM segments LIMIT 1", vec![]))
        .await?;
    if existing.is_some() {
        return Ok(0);
    }
    let examples = [
        (
            "A-Kunden in Bayern",
            serde_json::json!({"and": [
                {"field": "abcClass", "op": "eq", "value": "A"},
                {"field": "postalCode", "op": "between", "value": ["80000", "97999"]}]}),
        ),
        (
            "Ehemalige Kunden mit Newsletter-Einwilligung",
            serde_json::json!({"and": [
                {"field": "lifecycleStage", "op": "eq", "value": "ex_customer"},
                {"not": {"field": "dnrReason", "op": "eq", "value": "bad_payer"}},
                {"field": "mayContact", "op": "is", "value": true,
                 "filter": {"channel": "email", "purpose": "newsletter"}}]}),
        ),
        (
            "Karteileichen mit Geburtstag im nächsten Monat",
            serde_json::json!({"and": [
                {"not": {"field": "lastInteractionAt", "op": "withinLast", "value": {"amount": 12, "unit": "months"}}},
                {"field": "birthday", "op": "monthFromNow", "value": 1}]}),
        ),
    ];
    let err = |e: kartei_segments::Error| anyhow::anyhow!("{e}");
    kartei_segments::lifecycle::daily(&tx, chrono::Utc::now())
        .await
        .map_err(err)?;
    for (name, rule) in &examples {
        let s = seg::create(
            &tx,
            &SegmentDraft {
                name: (*name).into(),
                description: None,
                rule: Some(rule.clone()),
            },
            "demo",
        )
        .await
        .map_err(err)?;
        seg::refresh(&tx, s.id, chrono::Utc::now(), "demo")
            .await
            .map_err(err)?;
    }
    // A (fictitious) imprint, so the demo can launch a mailing (§5 DDG: no campaign mails
    // without one).
    if kartei_compliance::imprint::Imprint::load(&tx)
        .await?
        .is_none()
    {
        kartei_compliance::imprint::Imprint {
            company: "Demo Kartei GmbH".into(),
            street: "Musterstraße 1".into(),
            postal_code: "50667".into(),
            city: "Köln".into(),
            country: "DE".into(),
            represented_by: "Geschäftsführerin: Erika Mustermann".into(),
            register: Some("Amtsgericht Köln, HRB 00000".into()),
            vat_id: None,
            email: "info@demo.example".into(),
            phone: None,
        }
        .save(&tx, "demo")
        .await?;
    }
    tx.commit().await?;
    Ok(examples.len())
}
