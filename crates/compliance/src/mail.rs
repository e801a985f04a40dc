//! Outgoing mail: SMTP (lettre, pooled, rustls) when `SMTP_URL` is set, otherwise a log-only
//! mailer for a single-machine demo (the message is written to the log, nothing leaves).

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::error::{Error, Result};

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Log {
        from: Mailbox,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
            Mailer::Log { from } => write!(f, "Mailer::Log(from {from})"),
        }
    }
}

/// One message to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Extra headers such as `List-Unsubscribe`.
    pub headers: Vec<(&'static str, String)>,
}

impl Mailer {
    /// `smtp_url` like `smtp://host:25`, `smtp://user:pass@host:587?tls=required` or
    /// `smtps://host:465`; `None` logs messages instead of sending them.
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| Error::field("mail.from", format!("is not a mailbox: {e}")))?;
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| Error::field("SMTP_URL", format!("is not usable: {e}")))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Ok(Mailer::Smtp { transport, from })
            }
            None => Ok(Mailer::Log { from }),
        }
    }

    pub fn from(&self) -> &Mailbox {
        match self {
            Mailer::Smtp { from, .. } | Mailer::Log { from } => from,
        }
    }

    fn build(&self, m: &Outgoing) -> Result<Message> {
        let to = Mailbox::new(
            m.to_name.clone(),
            m.to.parse()
                .map_err(|e| Error::Mail(format!("bad recipient: {e}")))?,
        );
        let mut b = Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(m.subject.clone());
        for (name, value) in &m.headers {
            b = b.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(name),
                value.clone(),
            ));
        }
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(m.text.clone());
        let built = match &m.html {
            Some(html) => b.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html.clone()),
                ),
            ),
            None => b.singlepart(text),
        };
        built.map_err(|e| Error::Mail(e.to_string()))
    }

    /// Sends and returns the message id.
    pub async fn send(&self, m: &Outgoing) -> Result<String> {
        let msg = self.build(m)?;
        let id = msg
            .headers()
            .get_raw("Message-ID")
            .map(str::to_owned)
            .unwrap_or_default();
        match self {
            Mailer::Smtp { transport, .. } => {
                transport
                    .send(msg)
                    .await
                    .map_err(|e| Error::Mail(e.to_string()))?;
            }
            Mailer::Log { .. } => {
                tracing::info!(
                    to = %m.to, subject = %m.subject, body = %m.text,
                    "mail (no SMTP_URL configured: logged, not sent)"
                );
            }
        }
        Ok(id)
    }
}
