//! Tracking: the open pixel and click redirects carry a compact signed token (tenant, send and,
//! for clicks, the target URL under an HMAC), so a tampered link is refused and changes
//! nothing. Bounce and complaint reports update the send and the suppression list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use kartei_compliance::suppression::{self, AddressKind, Key};
use kartei_core::id::TenantId;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Signs and checks tracking tokens; cheap to clone.
#[derive(Clone)]
pub struct Tracker {
    key: [u8; 32],
    /// Keys derived from earlier secrets: links sent before a rotation keep working.
    previous: Vec<[u8; 32]>,
    public_url: String,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// The tracking key derived from a server secret.
fn derive(secret: &SecretString) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"kartei tracking links v1");
    mac.finalize().into_bytes().into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Open,
    Click,
}

impl Tracker {
    /// `secret` is the server's JWT secret; the tracking key is derived from it.
    pub fn new(secret: &SecretString, public_url: &str) -> Self {
        Tracker {
            key: derive(secret),
            previous: Vec::new(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Also accepts links signed under `previous` secrets (after a key rotation); new links are
    /// always signed with the current one.
    pub fn with_previous(mut self, previous: &[SecretString]) -> Self {
        self.previous = previous.iter().map(derive).collect();
        self
    }

    /// The MAC over (what, tenant, send, url) under `key`, ready to finalize or verify.
    fn mac_with(key: &[u8; 32], hit: Hit, tenant: Uuid, send: Uuid, url: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(match hit {
            Hit::Open => b"o",
            Hit::Click => b"c",
        });
        mac.update(tenant.as_bytes());
        mac.update(send.as_bytes());
        mac.update(url.as_bytes());
        mac
    }

    fn mac(&self, hit: Hit, tenant: Uuid, send: Uuid, url: &str) -> Hmac<Sha256> {
        Self::mac_with(&self.key, hit, tenant, send, url)
    }

    pub fn token(&self, hit: Hit, tenant: TenantId, send: Uuid, url: &str) -> String {
        let mut b = Vec::with_capacity(48);
        b.extend_from_slice(tenant.0.as_bytes());
        b.extend_from_slice(send.as_bytes());
        b.extend_from_slice(&self.mac(hit, tenant.0, send, url).finalize().into_bytes()[..16]);
        URL_SAFE_NO_PAD.encode(b)
    }

    /// The tenant and send a token names, if its signature matches (constant time).
    pub fn verify(&self, hit: Hit, token: &str, url: &str) -> Result<(TenantId, Uuid)> {
        if token.len() > 100 {
            return Err(Error::TokenInvalid);
        }
        let b = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| Error::TokenInvalid)?;
        if b.len() != 48 {
            return Err(Error::TokenInvalid);
        }
        let tenant = Uuid::from_slice(&b[..16]).map_err(|_| Error::TokenInvalid)?;
        let send = Uuid::from_slice(&b[16..32]).map_err(|_| Error::TokenInvalid)?;
        let signed = std::iter::once(&self.key).chain(&self.previous).any(|key| {
            Self::mac_with(key, hit, tenant, send, url)
                .verify_truncated_left(&b[32..])
                .is_ok()
        });
        if !signed {
            return Err(Error::TokenInvalid);
        }
        Ok((TenantId(tenant), send))
    }

    pub fn open_url(&self, tenant: TenantId, send: Uuid) -> String {
        format!(
            "{}/t/o/{}",
            self.public_url,
            self.token(Hit::Open, tenant, send, "")
        )
    }

    pub fn click_url(&self, tenant: TenantId, send: Uuid, target: &str) -> String {
        format!(
            "{}/t/c/{}?u={}",
            self.public_url,
            self.token(Hit::Click, tenant, send, target),
            percent_encode(target)
        )
    }

    /// Rewrites every http(s) `href` of an HTML body to a click redirect and appends the open
    /// pixel.
    pub fn instrument(&self, html: &str, tenant: TenantId, send: Uuid) -> String {
        let mut out = String::with_capacity(html.len() + 256);
        let mut rest = html;
        while let Some(i) = rest.find("href=\"") {
            let (head, tail) = rest.split_at(i + 6);
            out.push_str(head);
            match tail.find('"') {
                Some(end) => {
                    let target = &tail[..end];
                    let raw = html_unescape(target);
                    if (raw.starts_with("https://") || raw.starts_with("http://"))
                        && !raw.contains("/p/unsubscribe")
                    {
                        out.push_str(&html_escape(&self.click_url(tenant, send, &raw)));
                    } else {
                        out.push_str(target);
                    }
                    rest = &tail[end..];
                }
                None => {
                    rest = tail;
                    break;
                }
            }
        }
        out.push_str(rest);
        let pixel = format!(
            "<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">",
            self.open_url(tenant, send)
        );
        match out.rfind("</body>") {
            Some(i) => out.insert_str(i, &pixel),
            None => out.push_str(&pixel),
        }
        out
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Records an open or click of a send; false if the send no longer exists (erased).
pub async fn record_hit(tx: &TenantTx, send: Uuid, hit: Hit, url: Option<&str>) -> Result<bool> {
    let sql = match hit {
        Hit::Open => {
            "UPDATE campaign_sends SET opens = opens + 1, opened_at = coalesce(opened_at, now()) \
             WHERE id = $1 AND status IN ('sent', 'handed')"
        }
        // A click implies the mail was opened (images may be blocked).
        Hit::Click => {
            "UPDATE campaign_sends SET clicks = clicks + 1, clicked_at = coalesce(clicked_at, now()), \
                 opened_at = coalesce(opened_at, now()) \
             WHERE id = $1 AND status IN ('sent', 'handed')"
        }
    };
    let n = tx
        .execute_raw(stmt(sql, vec![send.into()]))
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    // One event per recipient and kind (per link for clicks): replaying a pixel or a link
    // raises the raw hit counter only, not the event log or the unique opens and clicks.
    tx.execute_raw(stmt(
        "INSERT INTO campaign_events (id, send_id, kind, url) \
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS ( \
           SELECT 1 FROM campaign_events WHERE send_id = $2 AND kind = $3 \
           AND url IS NOT DISTINCT FROM $4)",
        vec![
            Uuid::now_v7().into(),
            send.into(),
            match hit {
                Hit::Open => "open",
                Hit::Click => "click",
            }
            .into(),
            url.map(str::to_owned).into(),
        ],
    ))
    .await?;
    Ok(true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    HardBounce,
    SoftBounce,
    Complaint,
}

impl Delivery {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "hard_bounce" => Delivery::HardBounce,
            "soft_bounce" => Delivery::SoftBounce,
            "complaint" => Delivery::Complaint,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct DeliveryOutcome {
    pub send_id: Uuid,
    pub person_id: Uuid,
    pub suppressed: bool,
}

/// A bounce or complaint for a message we sent (by its Message-ID): marks the send, and for
/// hard bounces and complaints puts the address on the suppression list.
pub async fn record_delivery(
    tx: &TenantTx,
    message_id: &str,
    what: Delivery,
    actor: &str,
) -> Result<DeliveryOutcome> {
    #[derive(FromQueryResult)]
    struct S {
        id: Uuid,
        person_id: Uuid,
        email_normalized: Option<String>,
    }
    let mid = message_id.trim();
    let mid = if mid.starts_with('<') {
        mid.to_owned()
    } else {
        format!("<{mid}>")
    };
    let s = S::find_by_statement(stmt(
        "SELECT s.id, s.person_id, p.email_normalized FROM campaign_sends s \
         JOIN persons p ON p.id = s.person_id WHERE s.message_id = $1 AND s.channel = 'email'",
        vec![mid.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("message"))?;
    let (col, kind) = match what {
        Delivery::HardBounce => ("bounced_at", "bounce"),
        Delivery::SoftBounce => ("bounced_at", "soft_bounce"),
        Delivery::Complaint => ("complained_at", "complaint"),
    };
    if what != Delivery::SoftBounce {
        tx.execute_raw(stmt(
            &format!("UPDATE campaign_sends SET {col} = coalesce({col}, now()) WHERE id = $1"),
            vec![s.id.into()],
        ))
        .await?;
    }
    tx.execute_raw(stmt(
        "INSERT INTO campaign_events (id, send_id, kind) VALUES ($1, $2, $3)",
        vec![Uuid::now_v7().into(), s.id.into(), kind.into()],
    ))
    .await?;
    let mut suppressed = false;
    if let (Some(email), Some(reason)) = (
        s.email_normalized.as_deref(),
        match what {
            Delivery::HardBounce => Some(suppression::Reason::Bounce),
            Delivery::Complaint => Some(suppression::Reason::Complaint),
            Delivery::SoftBounce => None,
        },
    ) {
        let key = Key::load(tx).await?;
        suppression::add_hash(tx, key.hash(email), AddressKind::Email, reason, actor).await?;
        suppressed = true;
    }
    Ok(DeliveryOutcome {
        send_id: s.id,
        person_id: s.person_id,
        suppressed,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Issue 17, finding 11: a rotated secret broke the tracking links of mails already sent.
    #[test]
    fn tracking_links_signed_before_a_rotation_still_verify() {
        let (old, new) = (
            SecretString::from("old secret".to_owned()),
            SecretString::from("new secret".to_owned()),
        );
        let (tenant, send) = (TenantId(Uuid::now_v7()), Uuid::now_v7());
        let sent = Tracker::new(&old, "https://k.example").token(Hit::Open, tenant, send, "");
        let rotated = Tracker::new(&new, "https://k.example");
        assert!(rotated.verify(Hit::Open, &sent, "").is_err());
        let rotated = rotated.with_previous(std::slice::from_ref(&old));
        assert_eq!(
            rotated.verify(Hit::Open, &sent, "").unwrap(),
            (tenant, send)
        );
        let forged = Tracker::new(&SecretString::from("other".to_owned()), "https://k.example")
            .token(Hit::Open, tenant, send, "");
        assert!(rotated.verify(Hit::Open, &forged, "").is_err());
    }

    #[test]
    fn tokens_resist_tampering() {
        let t = Tracker::new(
            &SecretString::from("s3cret".to_owned()),
            "https://k.example/",
        );
        let (tenant, send) = (TenantId(Uuid::now_v7()), Uuid::now_v7());
        let tok = t.token(Hit::Click, tenant, send, "https://shop.example/a");
        assert_eq!(
            t.verify(Hit::Click, &tok, "https://shop.example/a")
                .unwrap(),
            (tenant, send)
        );
        assert!(t.verify(Hit::Click, &tok, "https://evil.example/").is_err());
        assert!(t.verify(Hit::Open, &tok, "https://shop.example/a").is_err());
        let mut bytes = URL_SAFE_NO_PAD.decode(&tok).unwrap();
        bytes[20] ^= 1;
        assert!(
            t.verify(
                Hit::Click,
                &URL_SAFE_NO_PAD.encode(bytes),
                "https://shop.example/a"
            )
            .is_err()
        );
        assert!(t.verify(Hit::Click, "!!", "").is_err());
        let other = Tracker::new(&SecretString::from("other".to_owned()), "https://k.example");
        assert!(
            other
                .verify(Hit::Click, &tok, "https://shop.example/a")
                .is_err()
        );
    }

    #[test]
    fn instruments_links_and_adds_the_pixel() {
        let t = Tracker::new(&SecretString::from("s".to_owned()), "https://k.example");
        let (tenant, send) = (TenantId(Uuid::nil()), Uuid::nil());
        let html = "<body><a href=\"https://shop.example/?a=1&amp;b=2\">x</a> \
                    <a href=\"mailto:x@y.z\">m</a></body>";
        let out = t.instrument(html, tenant, send);
        assert!(out.contains("https://k.example/t/c/"));
        assert!(out.contains("u=https%3A%2F%2Fshop.example%2F%3Fa%3D1%26b%3D2"));
        assert!(out.contains("href=\"mailto:x@y.z\""));
        assert!(out.contains("/t/o/"));
        assert!(out.ends_with("</body>"));
    }
}
