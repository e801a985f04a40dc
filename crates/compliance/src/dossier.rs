//! The proof dossier: for one person and one channel, a single printable document a lawyer can
//! hand to a court or a supervisory authority. It shows every consent and objection event with
//! its proof (time, source and reference, the consent text's version with its hash and wording,
//! IP address and user agent, the address hash, the double opt-in mail sent for a pending
//! consent and the request that confirmed it), each event's digest and chain link with the
//! result of verifying the whole chain, for the phone the §7a UWG uses of the consent, and
//! every message sent on the channel with the policy rule and legal basis that allowed it (as
//! recorded at sending; for older sends, the policy evaluated for that moment). Generating it
//! is audited. HTML only: printed to PDF by any browser (no PDF crate made that simpler).

use chrono::{DateTime, Utc};
use kartei_tenancy::audit;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use serde_json::json;
use uuid::Uuid;

use crate::error::Result;
use crate::imprint::{Imprint, escape};
use crate::ledger::{self, Channel};
use crate::policy::{self, PolicySettings};
use crate::suppression::Key;

#[derive(Debug, Clone)]
pub struct Dossier {
    pub html: String,
    pub generated_at: DateTime<Utc>,
    pub events: usize,
    pub messages: usize,
    pub chain_intact: bool,
}

#[derive(Debug, FromQueryResult)]
struct Event {
    seq: i64,
    id: Uuid,
    kind: String,
    purpose: Option<String>,
    at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    source: String,
    source_ref: Option<String>,
    text_hash: Option<String>,
    text_title: Option<String>,
    text_body: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    address_hash: Option<String>,
    actor: String,
    note: Option<String>,
    carried_from: Option<Uuid>,
    digest: String,
    chain_hash: String,
    doi_subject: Option<String>,
    doi_message_id: Option<String>,
    doi_sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, FromQueryResult)]
struct Sent {
    person_id: Uuid,
    campaign: String,
    purpose: String,
    status: String,
    sent_at: DateTime<Utc>,
    subject: Option<String>,
    message_id: Option<String>,
    allowed_reason: Option<String>,
    allowed_basis: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct Use {
    at: DateTime<Utc>,
    what: String,
}

const FAMILY: &str = "WITH RECURSIVE fam AS (SELECT id FROM persons WHERE id = $1 \
    UNION SELECT p.id FROM persons p JOIN fam ON p.merged_into = fam.id) ";

fn cell(v: Option<&str>) -> String {
    v.map(escape).unwrap_or_else(|| "–".into())
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Renders the dossier of `person_id` on `channel` and audits that it was generated.
pub async fn render(
    tx: &TenantTx,
    person_id: Uuid,
    channel: Channel,
    actor: &str,
) -> Result<Dossier> {
    let person = kartei_contacts::persons::get(tx, person_id).await?;
    let generated_at = Utc::now();
    let events = Event::find_by_statement(stmt(
        &format!(
            "{FAMILY}SELECT e.seq, e.id, e.kind, e.purpose, e.at, e.recorded_at, e.source, \
                 e.source_ref, e.text_hash, t.title AS text_title, t.body AS text_body, \
                 host(e.ip) AS ip, e.user_agent, encode(e.address_hash, 'hex') AS address_hash, \
                 e.actor, e.note, e.carried_from, encode(e.content_digest, 'hex') AS digest, \
                 encode(e.chain_hash, 'hex') AS chain_hash, m.subject AS doi_subject, \
                 m.message_id AS doi_message_id, m.sent_at AS doi_sent_at \
             FROM consent_events e LEFT JOIN consent_texts t ON t.hash = e.text_hash \
             LEFT JOIN sent_messages m ON m.kind = 'double_opt_in' AND m.ref_id = e.id \
             WHERE e.person_id IN (SELECT id FROM fam) AND e.channel = $2 ORDER BY e.seq"
        ),
        vec![person_id.into(), channel.as_str().into()],
    ))
    .all(&**tx)
    .await?;
    let sent = Sent::find_by_statement(stmt(
        &format!(
            "{FAMILY}SELECT s.person_id, c.name AS campaign, c.purpose, s.status, s.sent_at, \
                 s.subject, s.message_id, s.allowed_reason, s.allowed_basis \
             FROM campaign_sends s JOIN campaigns c ON c.id = s.campaign_id \
             WHERE s.person_id IN (SELECT id FROM fam) AND s.channel = $2 \
               AND s.status IN ('sent', 'handed', 'task') AND s.sent_at IS NOT NULL \
             ORDER BY s.sent_at, s.id"
        ),
        vec![person_id.into(), channel.as_str().into()],
    ))
    .all(&**tx)
    .await?;
    let uses = if channel == Channel::Phone {
        Use::find_by_statement(stmt(
            &format!(
                "{FAMILY}SELECT occurred_at AS at, 'call: ' || COALESCE(subject, '') AS what \
                 FROM interactions WHERE person_id IN (SELECT id FROM fam) AND kind = 'call' \
                   AND direction = 'outbound' AND archived_at IS NULL \
                 UNION ALL SELECT s.sent_at, 'campaign call task: ' || c.name \
                 FROM campaign_sends s JOIN campaigns c ON c.id = s.campaign_id \
                 WHERE s.person_id IN (SELECT id FROM fam) AND s.channel = 'phone' \
                   AND s.sent_at IS NOT NULL ORDER BY 1"
            ),
            vec![person_id.into()],
        ))
        .all(&**tx)
        .await?
    } else {
        Vec::new()
    };
    let chain = ledger::verify_chain(tx).await?;
    let imprint = Imprint::load(tx).await?;
    let key = Key::load(tx).await?;
    let settings = PolicySettings::load(tx).await?;

    let mut h = String::with_capacity(16 * 1024);
    h.push_str(
        "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\"><title>Nachweisdossier</title>\
         <style>body{font:10pt sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%;\
         margin-bottom:1em}td,th{border:1px solid #999;padding:3px 5px;vertical-align:top;\
         text-align:left}th{background:#eee}code{font-size:8pt;word-break:break-all}\
         h2{margin-top:1.5em}</style><body>",
    );
    h.push_str("<h1>Nachweisdossier: Einwilligungen und Widersprüche</h1><table>");
    let name = person.display_name();
    let rows: Vec<(&str, String)> = vec![
        (
            "Verantwortlicher",
            imprint
                .as_ref()
                .map(|i| escape(&i.lines().join(", ")))
                .unwrap_or_else(|| "(kein Impressum hinterlegt)".into()),
        ),
        ("Person", escape(&name)),
        ("Personen-ID", person_id.to_string()),
        (
            "Anschrift",
            cell(
                Some(
                    [
                        person.street.as_deref(),
                        person.postal_code.as_deref(),
                        person.city.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .as_str(),
                )
                .filter(|s| !s.is_empty()),
            ),
        ),
        ("Kanal", channel.as_str().to_owned()),
        ("Erstellt", time(generated_at)),
        ("Erstellt von", escape(actor)),
    ];
    for (k, v) in rows {
        h.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>"));
    }
    h.push_str("</table>");

    h.push_str("<h2>Prüfung der Hash-Kette</h2><p>");
    if chain.breaks.is_empty() {
        h.push_str(&format!(
            "Kette intakt: alle {} Ereignisse des Mandanten neu berechnet, keine Abweichung. \
             Kopf: Nr. {}, <code>{}</code>.",
            chain.events,
            chain.head_seq,
            escape(&chain.head_hash)
        ));
    } else {
        h.push_str(&format!(
            "Kette NICHT intakt: {} Abweichung(en), erste bei Nr. {} ({}).",
            chain.breaks.len(),
            chain.breaks[0].seq,
            escape(&chain.breaks[0].problem)
        ));
    }
    h.push_str("</p>");

    h.push_str("<h2>Ereignisse</h2>");
    if events.is_empty() {
        h.push_str("<p>Keine Ereignisse auf diesem Kanal.</p>");
    }
    for e in &events {
        let broken = chain.breaks.iter().any(|b| b.seq == e.seq);
        h.push_str(&format!(
            "<table><tr><th colspan=\"2\">Nr. {} · {} · {}</th></tr>",
            e.seq,
            escape(&e.kind),
            time(e.at)
        ));
        let mut row = |k: &str, v: String| {
            h.push_str(&format!(
                "<tr><th style=\"width:25%\">{k}</th><td>{v}</td></tr>"
            ));
        };
        row("Ereignis-ID", e.id.to_string());
        row("Zweck", cell(e.purpose.as_deref().or(Some("alle Zwecke"))));
        row("Erfasst", time(e.recorded_at));
        row("Quelle", escape(&e.source));
        row("Referenz", cell(e.source_ref.as_deref()));
        if let Some(hash) = &e.text_hash {
            row(
                "Einwilligungstext",
                format!(
                    "{}<br><code>sha256 {}</code><br><i>{}</i>",
                    cell(e.text_title.as_deref()),
                    escape(hash),
                    cell(e.text_body.as_deref())
                ),
            );
        }
        row("IP-Adresse", cell(e.ip.as_deref()));
        row("User-Agent", cell(e.user_agent.as_deref()));
        row(
            "Adresse (Hash)",
            e.address_hash
                .as_deref()
                .map(|a| format!("<code>{}</code>", escape(a)))
                .unwrap_or_else(|| "–".into()),
        );
        row("Erfasst durch", escape(&e.actor));
        if let Some(n) = &e.note {
            row("Notiz", escape(n));
        }
        if let Some(c) = e.carried_from {
            row("Übernommen aus (Zusammenführung)", c.to_string());
        }
        if let Some(at) = e.doi_sent_at {
            row(
                "Bestätigungsmail (Double Opt-in)",
                format!(
                    "versandt {}, Betreff „{}“, Message-ID <code>{}</code>",
                    time(at),
                    cell(e.doi_subject.as_deref()),
                    cell(e.doi_message_id.as_deref())
                ),
            );
        }
        if e.kind == "confirmed" && e.source == "double_opt_in" {
            row(
                "Bestätigende Anfrage",
                format!(
                    "{} von IP {} mit User-Agent {}",
                    time(e.at),
                    cell(e.ip.as_deref()),
                    cell(e.user_agent.as_deref())
                ),
            );
        }
        row(
            "Digest / Kettenglied",
            format!(
                "<code>{}</code><br><code>{}</code>{}",
                escape(&e.digest),
                escape(&e.chain_hash),
                if broken {
                    " <b>ABWEICHUNG</b>"
                } else {
                    " geprüft"
                }
            ),
        );
        h.push_str("</table>");
    }

    if channel == Channel::Phone {
        h.push_str("<h2>Verwendungen der Einwilligung (§7a UWG)</h2>");
        if uses.is_empty() {
            h.push_str("<p>Keine Anrufe erfasst.</p>");
        } else {
            h.push_str("<table><tr><th>Zeitpunkt</th><th>Verwendung</th></tr>");
            for u in &uses {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>",
                    time(u.at),
                    escape(&u.what)
                ));
            }
            h.push_str("</table>");
        }
    }

    h.push_str("<h2>Gesendete Nachrichten und die Regel, die sie erlaubte</h2>");
    if sent.is_empty() {
        h.push_str("<p>Keine Nachrichten auf diesem Kanal.</p>");
    } else {
        h.push_str(
            "<table><tr><th>Zeitpunkt</th><th>Kampagne (Zweck)</th><th>Betreff / Message-ID</th>\
             <th>Regel</th><th>Rechtsgrundlage</th></tr>",
        );
        for s in &sent {
            let (reason, basis, how) = match &s.allowed_reason {
                Some(r) => (
                    r.clone(),
                    s.allowed_basis.clone(),
                    "beim Versand festgehalten",
                ),
                None => {
                    let d = policy::may_contact_with(
                        tx,
                        &key,
                        &settings,
                        s.person_id,
                        channel,
                        &s.purpose,
                        s.sent_at,
                    )
                    .await?;
                    (
                        d.reason.as_str().to_owned(),
                        d.basis.map(|b| b.as_str().to_owned()),
                        "für diesen Zeitpunkt nachberechnet",
                    )
                }
            };
            h.push_str(&format!(
                "<tr><td>{}{}</td><td>{} ({})</td><td>{}<br><code>{}</code></td><td>{} <i>({how})</i></td><td>{}</td></tr>",
                time(s.sent_at),
                if s.status == "sent" { "" } else { " (Übergabe unbestätigt)" },
                escape(&s.campaign),
                escape(&s.purpose),
                cell(s.subject.as_deref()),
                cell(s.message_id.as_deref()),
                escape(&reason),
                cell(basis.as_deref()),
            ));
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>");

    audit::record(
        tx,
        actor,
        "dossier.generated",
        Some(&person_id.to_string()),
        json!({ "channel": channel.as_str(), "events": events.len(), "messages": sent.len() }),
    )
    .await?;
    Ok(Dossier {
        html: h,
        generated_at,
        events: events.len(),
        messages: sent.len(),
        chain_intact: chain.breaks.is_empty(),
    })
}
