//! Agencies and users: sign-up, login, refresh with rotation, logout, password change, and
//! turning a bearer credential into a [`Principal`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use kartei_core::id::{AgencyId, SessionId, UserId};
use kartei_core::validate::{EmailAddress, FieldErrors, Name, check_password};
use kartei_tenancy::error::is_unique_violation;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::password;
use crate::ratelimit::Decision;
use crate::store::Rotation;
use crate::{Auth, Principal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgencyRole {
    Admin,
    Member,
}

impl AgencyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyRole::Admin => "admin",
            AgencyRole::Member => "member",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub agency_id: AgencyId,
    pub email: String,
    pub display_name: String,
    pub agency_role: AgencyRole,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, FromQueryResult)]
struct UserRow {
    id: Uuid,
    agency_id: Uuid,
    email: String,
    display_name: String,
    agency_role: String,
    created_at: DateTime<Utc>,
    password_hash: String,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id),
            agency_id: AgencyId(r.agency_id),
            email: r.email,
            display_name: r.display_name,
            agency_role: if r.agency_role == "admin" {
                AgencyRole::Admin
            } else {
                AgencyRole::Member
            },
            created_at: r.created_at,
        }
    }
}

const USER_COLUMNS: &str =
    "id, agency_id, email, display_name, agency_role, created_at, password_hash";

#[derive(Debug, Clone, FromQueryResult)]
pub struct Agency {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A fresh pair of tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user_id: UserId,
}

#[derive(Debug, Clone)]
pub struct SignUp {
    pub agency_name: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub display_name: String,
    pub email: String,
    pub password: String,
    pub agency_admin: bool,
}

/// How long a sign-up confirmation link works.
pub const SIGN_UP_LINK_HOURS: i32 = 24;

/// What [`Auth::request_sign_up`] found; the API answers both alike.
#[derive(Debug, Clone)]
pub enum SignUpRequest {
    /// The address is free: mail it this single-use token.
    Confirm { email: String, token: String },
    /// The address has an account: tell its owner.
    Taken { email: String },
}

/// Where a request came from, for per-IP limits.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: String,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn new_refresh_token(sid: SessionId) -> String {
    let secret: [u8; 32] = rand::random();
    format!("{}.{}", sid.0.simple(), URL_SAFE_NO_PAD.encode(secret))
}

fn validate_new_user(
    errors: &mut FieldErrors,
    display_name: &str,
    email: &str,
    password: &str,
) -> (Option<Name>, Option<EmailAddress>) {
    let name = errors.check("displayName", Name::parse(display_name, 200));
    let email = errors.check("email", EmailAddress::parse(email));
    errors.check(
        "password",
        check_password(password, email.as_ref().map(EmailAddress::as_str)),
    );
    (name, email)
}

/// What [`Auth::authenticate_rated`] found: the principal (none without credentials, an error
/// for bad ones), the rate decision, and for a user's session the access epoch under which
/// [`Auth::authorize`] may use a remembered grant.
#[derive(Debug)]
pub struct Authenticated {
    pub principal: Option<Result<Principal>>,
    pub decision: Decision,
    pub access_epoch: Option<String>,
}

impl Auth {
    /// Spends one of the principal's template previews (RATE_LIMITED when none is left).
    pub async fn spend_preview(&self, principal: &Principal) -> Result<()> {
        self.limit(
            format!("preview:{}", principal.rate_key()),
            self.limits.previews,
        )
        .await
    }

    /// Spends one subscription of each of its throttles (`keys`: mailbox, domain, form).
    pub async fn spend_subscription(&self, mailbox: &str, domain: &str, form: &str) -> Result<()> {
        let l = &self.limits;
        self.limit(mailbox.to_owned(), l.doi_per_mailbox).await?;
        self.limit(domain.to_owned(), l.doi_per_domain).await?;
        self.limit(form.to_owned(), l.doi_per_form).await
    }

    async fn limit(&self, key: String, limit: crate::ratelimit::Limit) -> Result<()> {
        let d = self.store.rate(&key, limit).await?;
        if d.allowed {
            Ok(())
        } else {
            Err(Error::RateLimited(d))
        }
    }

    /// Asks for a new agency: checks the input, then either stores the request under a
    /// single-use token (the caller mails the confirmation link) or, when the address has an
    /// account already, says so (the caller mails its owner). The caller answers both alike,
    /// so the API does not tell whether an address has an account; the work done (a password
    /// hash, one write or one read, a mail) is alike too.
    pub async fn request_sign_up(&self, input: SignUp, client: &Client) -> Result<SignUpRequest> {
        let (agency_name, name, email) = self.check_sign_up(&input, client).await?;
        // One address gets few mails, however often it is entered.
        self.limit(
            format!("signup:email:{}", sha256_hex(&email.normalized())),
            self.limits.doi_per_mailbox,
        )
        .await?;
        let hash = password::hash(input.password).await?;
        #[derive(FromQueryResult)]
        struct Taken {
            #[allow(dead_code)]
            id: Uuid,
        }
        let taken = Taken::find_by_statement(stmt(
            "SELECT id FROM platform.users WHERE email_normalized = $1",
            vec![email.normalized().into()],
        ))
        .one(self.db.platform())
        .await?;
        if taken.is_some() {
            return Ok(SignUpRequest::Taken {
                email: email.as_str().to_owned(),
            });
        }
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        self.db
            .platform()
            .execute_raw(stmt(
                "INSERT INTO platform.sign_up_requests \
                   (id, email, agency_name, display_name, password_hash, token_hash, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(hours => $7))",
                vec![
                    Uuid::now_v7().into(),
                    email.as_str().into(),
                    agency_name.as_str().into(),
                    name.as_str().into(),
                    hash.into(),
                    sha256_hex(&token).into(),
                    SIGN_UP_LINK_HOURS.into(),
                ],
            ))
            .await?;
        Ok(SignUpRequest::Confirm {
            email: email.as_str().to_owned(),
            token,
        })
    }

    /// Uses a sign-up confirmation token: creates the agency and its admin as requested. No
    /// session is opened here ([`Self::open_session`] does, for a caller that hands the
    /// tokens out). An unknown, used or expired token is TOKEN_INVALID.
    pub async fn confirm_sign_up(&self, token: &str) -> Result<User> {
        #[derive(FromQueryResult)]
        struct Request {
            id: Uuid,
            email: String,
            agency_name: String,
            display_name: String,
            password_hash: String,
        }
        let invalid = || Error::TokenInvalid("this sign-up link is unknown, used or expired");
        if token.is_empty() || token.len() > 200 {
            return Err(invalid());
        }
        let txn = self.db.platform().begin().await?;
        let request = Request::find_by_statement(stmt(
            "SELECT id, email, agency_name, display_name, password_hash \
             FROM platform.sign_up_requests \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE",
            vec![sha256_hex(token).into()],
        ))
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
        let email = EmailAddress::parse(&request.email).map_err(|_| invalid())?;
        let name = Name::parse(&request.display_name, 200).map_err(|_| invalid())?;
        let agency = AgencyId::new();
        txn.execute_raw(stmt(
            "INSERT INTO platform.agencies (id, name) VALUES ($1, $2)",
            vec![agency.0.into(), request.agency_name.into()],
        ))
        .await?;
        let user = insert_user(
            &txn,
            agency,
            &name,
            &email,
            &request.password_hash,
            AgencyRole::Admin,
        )
        .await
        .map_err(|e| match e {
            // Registered in the meantime (another request for the same address won).
            Error::Conflict(_) => Error::Conflict(
                "this address has an account already; log in or reset the password".into(),
            ),
            e => e,
        })?;
        txn.execute_raw(stmt(
            "UPDATE platform.sign_up_requests SET used_at = now() WHERE id = $1",
            vec![request.id.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(user)
    }

    /// Opens a session for a user who just proved who they are (a confirmed sign-up).
    pub async fn open_session(&self, user: &User) -> Result<Tokens> {
        self.start_session(user.id).await
    }

    /// The checks of every sign-up: each field (all errors at once), then the per-IP limit.
    async fn check_sign_up(
        &self,
        input: &SignUp,
        client: &Client,
    ) -> Result<(Name, Name, EmailAddress)> {
        let mut errors = FieldErrors::new();
        let agency_name = errors.check("agencyName", Name::parse(&input.agency_name, 200));
        let (name, email) = validate_new_user(
            &mut errors,
            &input.display_name,
            &input.email,
            &input.password,
        );
        let (Some(agency_name), Some(name), Some(email), true) =
            (agency_name, name, email, errors.is_empty())
        else {
            return Err(Error::Invalid(errors));
        };
        self.limit(format!("signup:ip:{}", client.ip), self.limits.login_per_ip)
            .await?;
        Ok((agency_name, name, email))
    }

    /// Creates an agency and its first user (an agency admin) at once, and logs that user in:
    /// for operators (`kartei demo`), not the public API (which confirms by mail first).
    pub async fn sign_up(&self, input: SignUp, client: &Client) -> Result<(User, Tokens)> {
        let (agency_name, name, email) = self.check_sign_up(&input, client).await?;
        let hash = password::hash(input.password).await?;
        let txn = self.db.platform().begin().await?;
        let agency = AgencyId::new();
        txn.execute_raw(stmt(
            "INSERT INTO platform.agencies (id, name) VALUES ($1, $2)",
            vec![agency.0.into(), agency_name.as_str().into()],
        ))
        .await?;
        let user = insert_user(&txn, agency, &name, &email, &hash, AgencyRole::Admin).await?;
        txn.commit().await?;
        let tokens = self.start_session(user.id).await?;
        Ok((user, tokens))
    }

    /// Adds a user to the caller's agency; agency admins only.
    pub async fn create_user(&self, principal: &Principal, input: NewUser) -> Result<User> {
        let admin = self.agency_admin(principal).await?;
        let mut errors = FieldErrors::new();
        let (name, email) = validate_new_user(
            &mut errors,
            &input.display_name,
            &input.email,
            &input.password,
        );
        let (Some(name), Some(email), true) = (name, email, errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        let hash = password::hash(input.password).await?;
        let role = if input.agency_admin {
            AgencyRole::Admin
        } else {
            AgencyRole::Member
        };
        insert_user(
            self.db.platform(),
            admin.agency_id,
            &name,
            &email,
            &hash,
            role,
        )
        .await
    }

    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &Client,
    ) -> Result<(User, Tokens)> {
        let normalized = email.trim().to_lowercase();
        // Every attempt counts per IP (against spraying) and per account and IP (against
        // guessing one password). Per account alone only from clients that never logged into
        // it: that bounds guessing from many addresses, while a stranger's failures cannot
        // lock the owner out of the places they log in from.
        self.limit(format!("login:ip:{}", client.ip), self.limits.login_per_ip)
            .await?;
        self.limit(
            format!("login:acct-ip:{normalized}:{}", client.ip),
            self.limits.login_per_account,
        )
        .await?;
        let known = format!("login:known:{normalized}:{}", client.ip);
        if !self.store.marked(&known).await? {
            self.limit(
                format!("login:acct:{normalized}"),
                self.limits.login_per_account,
            )
            .await?;
        }
        let row = UserRow::find_by_statement(stmt(
            &format!("SELECT {USER_COLUMNS} FROM platform.users WHERE email_normalized = $1"),
            vec![normalized.into()],
        ))
        .one(self.db.platform())
        .await?;
        let ok = password::verify(
            password.to_owned(),
            row.as_ref().map(|r| r.password_hash.clone()),
        )
        .await?;
        match row {
            Some(row) if ok => {
                let user = User::from(row);
                self.store.mark(&known, self.refresh_ttl).await?;
                let tokens = self.start_session(user.id).await?;
                tracing::info!(user_id = %user.id, "login");
                Ok((user, tokens))
            }
            _ => Err(Error::Unauthenticated("invalid email or password")),
        }
    }

    async fn start_session(&self, user: UserId) -> Result<Tokens> {
        let sid = SessionId::new();
        let refresh = new_refresh_token(sid);
        self.store
            .session_create(
                &sid.0.to_string(),
                &user.0.to_string(),
                &sha256_hex(&refresh),
                self.refresh_ttl,
                self.session_max_age,
            )
            .await?;
        Ok(Tokens {
            access_token: self.jwt.issue(user, sid)?,
            refresh_token: refresh,
            expires_in: self.jwt.ttl().as_secs(),
            user_id: user,
        })
    }

    /// Exchanges a refresh token for a new pair. Presenting a token that was already
    /// exchanged revokes the whole session (every token descended from that login).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens> {
        const BAD: Error = Error::Unauthenticated("invalid or expired refresh token");
        let (sid_hex, _) = refresh_token.split_once('.').ok_or(BAD)?;
        let sid = Uuid::try_parse(sid_hex)
            .ok()
            .filter(|_| sid_hex.len() == 32)
            .map(SessionId)
            .ok_or(BAD)?;
        let next = new_refresh_token(sid);
        let outcome = self
            .store
            .session_rotate(
                &sid.0.to_string(),
                &sha256_hex(refresh_token),
                &sha256_hex(&next),
                self.refresh_ttl,
            )
            .await?;
        match outcome {
            Rotation::Rotated(uid) => {
                let user = Uuid::parse_str(&uid).map(UserId).map_err(|_| BAD)?;
                Ok(Tokens {
                    access_token: self.jwt.issue(user, sid)?,
                    refresh_token: next,
                    expires_in: self.jwt.ttl().as_secs(),
                    user_id: user,
                })
            }
            Rotation::Reused => {
                tracing::warn!(session_id = %sid, "refresh token reuse; session family revoked");
                Err(Error::Unauthenticated(
                    "refresh token was already used; the session has been revoked",
                ))
            }
            Rotation::Unknown => Err(BAD),
        }
    }

    /// Resolves `Authorization: Bearer …`: an API key (`kk_…`) or an access JWT whose session
    /// is still alive (so logout takes effect at once, not when the token expires).
    pub async fn authenticate(&self, bearer: &str) -> Result<Principal> {
        if bearer.starts_with(crate::apikeys::KEY_PREFIX) {
            return self.verify_api_key(bearer).await;
        }
        let claims = self.jwt.verify(bearer)?;
        let sid = claims.sid.to_string();
        match self.store.session_user(&sid).await? {
            Some(uid) if uid == claims.sub.to_string() => Ok(Principal::User {
                user_id: UserId(claims.sub),
                session_id: SessionId(claims.sid),
            }),
            _ => Err(Error::Unauthenticated("session has ended; log in again")),
        }
    }

    /// [`Auth::authenticate`] together with the request's rate limit, the checks every API
    /// request starts with. A user's token costs one store round trip for both. The request
    /// counts under the principal's key when `bearer` is valid (whatever tenant it addresses:
    /// nothing the client chooses freely, such as a tenant header, may pick the bucket), and
    /// under `anon_key` with the anonymous limit when there is none or it is not valid.
    /// The outer error is a store or database outage; the inner one is a bad credential.
    /// A user's answer also carries the access epoch for [`Auth::authorize`].
    pub async fn authenticate_rated(
        &self,
        bearer: Option<&str>,
        anon_key: &str,
    ) -> Result<Authenticated> {
        let user_key = |p: &Principal| format!("api:{}", p.rate_key());
        let anon = (anon_key, self.limits.anonymous);
        let principal = match bearer {
            None => None,
            Some(b) if b.starts_with(crate::apikeys::KEY_PREFIX) => {
                Some(self.verify_api_key(b).await)
            }
            Some(b) => match self.jwt.verify(b) {
                Err(e) => Some(Err(e)),
                Ok(claims) => {
                    let p = Principal::User {
                        user_id: UserId(claims.sub),
                        session_id: SessionId(claims.sid),
                    };
                    let uid = claims.sub.to_string();
                    let checked = self
                        .store
                        .session_rate(
                            &claims.sid.to_string(),
                            &uid,
                            (&user_key(&p), self.limits.api),
                            anon,
                        )
                        .await?;
                    let principal = match checked.owner {
                        Some(o) if o == uid => Ok(p),
                        _ => Err(Error::Unauthenticated("session has ended; log in again")),
                    };
                    return Ok(Authenticated {
                        principal: Some(principal),
                        decision: checked.decision,
                        access_epoch: Some(checked.access_epoch),
                    });
                }
            },
        };
        if let Some(Err(e @ Error::Unavailable(_))) = principal {
            return Err(e);
        }
        let decision = match &principal {
            Some(Ok(p)) => self.store.rate(&user_key(p), self.limits.api).await?,
            _ => self.store.rate(anon.0, anon.1).await?,
        };
        Ok(Authenticated {
            principal,
            decision,
            access_epoch: None,
        })
    }

    pub async fn logout(&self, principal: &Principal) -> Result<()> {
        match principal {
            Principal::User {
                user_id,
                session_id,
            } => {
                self.store
                    .session_delete(&session_id.0.to_string(), &user_id.0.to_string())
                    .await
            }
            Principal::ApiKey { .. } => Err(Error::Forbidden(
                "API keys have no session; revoke the key instead".into(),
            )),
        }
    }

    /// Ends every session of the user, this one included; returns how many.
    pub async fn logout_everywhere(&self, principal: &Principal) -> Result<u64> {
        let user = self.require_user(principal)?;
        self.store
            .sessions_revoke_all(&user.0.to_string(), None)
            .await
    }

    /// Changes the password and ends every other session of the user.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<u64> {
        let Principal::User {
            user_id,
            session_id,
        } = principal
        else {
            return Err(Error::Forbidden("only users have passwords".into()));
        };
        let row = self.user_row(*user_id).await?;
        if !password::verify(current.to_owned(), Some(row.password_hash.clone())).await? {
            return Err(Error::invalid("currentPassword", "is not correct"));
        }
        if let Err(e) = check_password(new, Some(&row.email)) {
            return Err(Error::invalid("newPassword", e.to_string()));
        }
        let hash = password::hash(new.to_owned()).await?;
        self.db
            .platform()
            .execute_raw(stmt(
                "UPDATE platform.users SET password_hash = $2, password_changed_at = now() \
                 WHERE id = $1",
                vec![user_id.0.into(), hash.into()],
            ))
            .await?;
        self.store
            .sessions_revoke_all(&user_id.0.to_string(), Some(&session_id.0.to_string()))
            .await
    }

    async fn user_row(&self, id: UserId) -> Result<UserRow> {
        UserRow::find_by_statement(stmt(
            &format!("SELECT {USER_COLUMNS} FROM platform.users WHERE id = $1"),
            vec![id.0.into()],
        ))
        .one(self.db.platform())
        .await?
        .ok_or(Error::Unauthenticated("user no longer exists"))
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        Ok(self.user_row(id).await?.into())
    }

    /// The users among `ids` that `tenant`'s members may see by name and email: its members
    /// and its agency's admins. Anyone else (a user of another agency whose id was typed into
    /// an owner field, a member who has left) is not returned. One statement, on `conn`
    /// (the request's transaction).
    pub async fn users_visible_in(
        conn: &impl ConnectionTrait,
        tenant: kartei_core::id::TenantId,
        ids: &[Uuid],
    ) -> Result<Vec<User>> {
        let ids = sea_orm::Value::Array(
            sea_orm::sea_query::ArrayType::Uuid,
            Some(Box::new(
                ids.iter().map(|u| sea_orm::Value::Uuid(Some(*u))).collect(),
            )),
        );
        let cols = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = UserRow::find_by_statement(stmt(
            &format!(
                "SELECT {cols} FROM platform.users u JOIN platform.tenants t ON t.id = $2 \
                 WHERE u.id = ANY($1) AND ( \
                   EXISTS (SELECT 1 FROM platform.memberships m WHERE m.tenant_id = t.id AND m.user_id = u.id) \
                   OR (u.agency_id = t.agency_id AND u.agency_role = 'admin'))"
            ),
            vec![ids, tenant.0.into()],
        ))
        .all(conn)
        .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    pub async fn agency(&self, id: AgencyId) -> Result<Agency> {
        Agency::find_by_statement(stmt(
            "SELECT id, name, created_at FROM platform.agencies WHERE id = $1",
            vec![id.0.into()],
        ))
        .one(self.db.platform())
        .await?
        .ok_or(Error::NotFound("agency"))
    }

    pub(crate) fn require_user(&self, principal: &Principal) -> Result<UserId> {
        principal
            .user_id()
            .ok_or_else(|| Error::Forbidden("this operation needs a user, not an API key".into()))
    }

    /// The calling user, who must be an admin of their agency.
    pub(crate) async fn agency_admin(&self, principal: &Principal) -> Result<User> {
        let user = self.user(self.require_user(principal)?).await?;
        if user.agency_role != AgencyRole::Admin {
            return Err(Error::Forbidden("only agency admins may do this".into()));
        }
        Ok(user)
    }
}

async fn insert_user(
    conn: &impl ConnectionTrait,
    agency: AgencyId,
    name: &Name,
    email: &EmailAddress,
    hash: &str,
    role: AgencyRole,
) -> Result<User> {
    let row = UserRow::find_by_statement(stmt(
        &format!(
            "INSERT INTO platform.users \
               (id, agency_id, email, email_normalized, display_name, password_hash, agency_role) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {USER_COLUMNS}"
        ),
        vec![
            UserId::new().0.into(),
            agency.0.into(),
            email.as_str().into(),
            email.normalized().into(),
            name.as_str().into(),
            hash.into(),
            role.as_str().into(),
        ],
    ))
    .one(conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::Conflict("a user with this email already exists".into())
        } else {
            Error::from(e)
        }
    })?
    .ok_or(Error::Internal("insert returned no row".into()))?;
    Ok(row.into())
}
