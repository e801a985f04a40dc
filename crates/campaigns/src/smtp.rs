//! A small SMTP client for campaign sends on lettre's connection API, so that the send ledger
//! can be updated between the last byte of a message body and the final dot that makes the
//! server accept it: a message whose dot was never written is safe to send again after a
//! crash; one whose dot was written is not. Connections are reused for many messages.

use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    None,
    Opportunistic,
    Required,
    Wrapper,
}

/// Where campaign mail goes, from an `SMTP_URL` such as `smtp://host:25`,
/// `smtp://user:pass@host:587?tls=required` or `smtps://host:465`.
#[derive(Clone)]
pub struct SmtpTarget {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<(String, String)>,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpTarget({}:{}, {:?})", self.host, self.port, self.tls)
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl SmtpTarget {
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |m: &str| Error::field("SMTP_URL", m.to_owned());
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("needs a scheme"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h,
                Some(p.parse::<u16>().map_err(|_| bad("has a bad port"))?),
            ),
            None => (hostport, None),
        };
        if host.is_empty() {
            return Err(bad("needs a host"));
        }
        let mut tls = match scheme {
            "smtp" => Tls::None,
            "smtps" => Tls::Wrapper,
            _ => return Err(bad("must be smtp:// or smtps://")),
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("tls", "required")) if tls != Tls::Wrapper => tls = Tls::Required,
                Some(("tls", "opportunistic")) if tls != Tls::Wrapper => tls = Tls::Opportunistic,
                Some(("tls", "none")) if tls != Tls::Wrapper => tls = Tls::None,
                _ => {
                    return Err(bad(
                        "has an unknown option (tls=required|opportunistic|none)",
                    ));
                }
            }
        }
        let credentials = userinfo.map(|u| match u.split_once(':') {
            Some((user, pass)) => (decode(user), decode(pass)),
            None => (decode(u), String::new()),
        });
        Ok(SmtpTarget {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: port.unwrap_or(if tls == Tls::Wrapper { 465 } else { 25 }),
            tls,
            credentials,
            timeout: Duration::from_secs(30),
        })
    }

    pub async fn connect(&self) -> Result<Conn> {
        let hello = ClientId::default();
        let params = || {
            TlsParameters::new(self.host.clone())
                .map_err(|e| Error::Mail(format!("TLS setup failed: {e}")))
        };
        let wrapper = if self.tls == Tls::Wrapper {
            Some(params()?)
        } else {
            None
        };
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.host.as_str(), self.port),
            Some(self.timeout),
            &hello,
            wrapper,
            None,
        )
        .await
        .map_err(|e| {
            Error::Mail(format!(
                "cannot connect to {}:{}: {e}",
                self.host, self.port
            ))
        })?;
        let can = conn.can_starttls();
        match self.tls {
            Tls::Required => conn
                .starttls(params()?, &hello)
                .await
                .map_err(|e| Error::Mail(format!("STARTTLS failed: {e}")))?,
            Tls::Opportunistic if can => conn
                .starttls(params()?, &hello)
                .await
                .map_err(|e| Error::Mail(format!("STARTTLS failed: {e}")))?,
            _ => {}
        }
        if let Some((user, pass)) = &self.credentials {
            conn.auth(
                &[Mechanism::Plain, Mechanism::Login],
                &Credentials::new(user.clone(), pass.clone()),
            )
            .await
            .map_err(|e| Error::Mail(format!("authentication failed: {e}")))?;
        }
        Ok(Conn(conn))
    }
}

/// The message as lettre writes it: the body, and when lettre asks for more after flushing
/// it, the `before_dot` hook; lettre writes the final dot as soon as the parts run out.
struct Parts<'a, F: FnOnce()> {
    body: Option<&'a [u8]>,
    before_dot: Option<F>,
}

impl<'a, F: FnOnce()> Iterator for Parts<'a, F> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if let Some(body) = self.body.take() {
            return Some(body);
        }
        if let Some(hook) = self.before_dot.take() {
            hook();
        }
        None
    }
}

/// One SMTP session.
pub struct Conn(AsyncSmtpConnection);

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Conn(..)")
    }
}

/// How a send failed: permanently (the recipient is refused; do not retry) or not.
#[derive(Debug, Clone)]
pub enum Failure {
    Permanent(String),
    Transient(String),
}

fn failure(e: lettre::transport::smtp::Error) -> Failure {
    if e.is_permanent() {
        Failure::Permanent(e.to_string())
    } else {
        Failure::Transient(e.to_string())
    }
}

impl Conn {
    pub fn is_broken(&self) -> bool {
        self.0.has_broken()
    }

    /// MAIL FROM, RCPT TO and DATA: afterwards the server waits for the body.
    pub async fn envelope(
        &mut self,
        from: &Address,
        to: &Address,
        body_is_ascii: bool,
    ) -> std::result::Result<(), Failure> {
        let mut options = Vec::new();
        // An internationalized address (RFC 6531) needs a server that offers SMTPUTF8; one
        // that does not is never sent such an address (the send fails with this reason).
        if !(from.to_string().is_ascii() && to.to_string().is_ascii()) {
            if !self
                .0
                .server_info()
                .supports_feature(Extension::SmtpUtfEight)
            {
                return Err(Failure::Permanent(
                    "the address has non-ASCII characters and the server does not offer \
                     SMTPUTF8 (RFC 6531)"
                        .into(),
                ));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !body_is_ascii {
            if !self
                .0
                .server_info()
                .supports_feature(Extension::EightBitMime)
            {
                return Err(Failure::Permanent(
                    "the server does not accept 8-bit messages".into(),
                ));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        self.0
            .command(Mail::new(Some(from.clone()), options))
            .await
            .map_err(failure)?;
        self.0
            .command(Rcpt::new(to.clone(), vec![]))
            .await
            .map_err(failure)?;
        self.0.command(Data).await.map_err(failure)?;
        Ok(())
    }

    /// Writes the body, then calls `before_dot`, then writes the final dot; the server's reply
    /// confirms it took the message. The dot is what makes a server accept a message, so
    /// `before_dot` runs at the last moment a sender can still record "handed over" without
    /// the server having it: after the last body byte has been flushed and right before the
    /// five bytes of the dot, with no network wait in between. It does not run when writing
    /// the body fails (the server then discards the incomplete message).
    pub async fn body(
        &mut self,
        message: &[u8],
        before_dot: impl FnOnce() + Send,
    ) -> std::result::Result<(), Failure> {
        let parts = Parts {
            body: Some(message),
            before_dot: Some(before_dot),
        };
        self.0.message_iter(parts).await.map_err(failure)?;
        Ok(())
    }

    /// Ends an envelope whose body will not be sent (the server discards it).
    pub async fn abort(mut self) {
        self.0.abort().await;
    }

    pub async fn quit(mut self) {
        let _ = self.0.quit().await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let t = SmtpTarget::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.tls),
            ("127.0.0.1", 2525, Tls::None)
        );
        let t = SmtpTarget::parse("smtp://u%40x:p%3Aw@mail.example:587?tls=required").unwrap();
        assert_eq!(t.tls, Tls::Required);
        assert_eq!(t.credentials, Some(("u@x".into(), "p:w".into())));
        assert_eq!(SmtpTarget::parse("smtps://mail.example").unwrap().port, 465);
        assert!(SmtpTarget::parse("http://x").is_err());
        assert!(SmtpTarget::parse("smtp://x?tls=maybe").is_err());
    }
}
