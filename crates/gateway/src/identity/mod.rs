//! Identity resolvers: sign-up, login, tokens, the current user, agency users.

mod mutation;
mod query;
pub(crate) mod types;

pub(crate) use mutation::IdentityMutation;
pub(crate) use query::IdentityQuery;

use kartei_auth::identity::{SIGN_UP_LINK_HOURS, SignUpRequest};
use kartei_compliance::mail::Outgoing;

use crate::context::Services;
use crate::error::ApiError;

/// The mail a sign-up request sends: the confirmation link for a free address, a note to the
/// owner for a taken one. Both go out before `signUp` answers, so the two cases look alike to
/// the caller; neither carries text the caller typed (no name, no agency name).
pub(crate) async fn sign_up_mail(s: &Services, found: SignUpRequest) -> async_graphql::Result<()> {
    let login_hint = format!("{}/graphql", s.links.public_url());
    let (to, subject, text, kind) = match found {
        SignUpRequest::Confirm { email, token } => {
            let url = format!("{}/p/sign-up?token={token}", s.links.public_url());
            (
                email,
                "Bitte bestätigen Sie Ihre Registrierung bei Kartei".to_owned(),
                format!(
                    "Guten Tag,\n\nfür diese Adresse wurde ein Kartei-Zugang beantragt. Bitte \
                     bestätigen Sie die Registrierung über diesen Link (gültig \
                     {SIGN_UP_LINK_HOURS} Stunden):\n\n{url}\n\nFrontends nehmen den Wert nach \
                     \"token=\" für confirmSignUp.\n\nWenn Sie nichts beantragt haben, \
                     ignorieren Sie diese E-Mail; ohne Bestätigung wird kein Zugang angelegt.\n"
                ),
                "sign-up",
            )
        }
        SignUpRequest::Taken { email } => (
            email,
            "Registrierung bei Kartei: Sie haben bereits einen Zugang".to_owned(),
            format!(
                "Guten Tag,\n\nfür diese Adresse wurde eben ein neuer Kartei-Zugang beantragt. \
                 Sie haben bereits einen: melden Sie sich an ({login_hint}); haben Sie Ihr \
                 Passwort vergessen, hilft der Administrator Ihrer Agentur.\n\nWenn Sie nichts beantragt haben, ignorieren Sie diese \
                 E-Mail; an Ihrem Zugang hat sich nichts geändert.\n"
            ),
            "sign-up-taken",
        ),
    };
    s.mailer
        .send(&Outgoing {
            to,
            to_name: None,
            subject,
            text,
            html: None,
            // What the mail is, for filters; an automatic mail (RFC 3834).
            headers: vec![
                ("X-Kartei-Mail", kind.to_owned()),
                ("Auto-Submitted", "auto-generated".to_owned()),
            ],
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the sign-up mail could not be sent");
            ApiError::new(
                kartei_core::code::Code::Unavailable,
                "the mail could not be sent; try again in a moment",
            )
            .to_gql()
        })?;
    Ok(())
}
