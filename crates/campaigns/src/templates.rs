//! Snippets ("Textbausteine") and templates, rendered in minijinja's sandbox: no file system,
//! no includes, only the variables of one contact. Unknown variables and syntax errors are
//! refused when a template or snippet is saved; a contact who lacks a value a template prints
//! is skipped with the variable's name, never sent a blank.
//!
//! A render is bounded: [`crate::bound`] refuses templates that could build huge values (on
//! save, and again before compiling), fuel bounds the steps, every text's output is capped
//! ([`crate::bound::OUTPUT_BYTES`]; a rendered snippet at [`crate::bound::VAR_BYTES`]), and
//! [`Renderer::render_off_runtime`] renders on a blocking thread under [`RENDER_TIME_LIMIT`],
//! so a render never holds up the async runtime.

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value as J};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

use crate::bound::{OUTPUT_BYTES, VAR_BYTES};
use crate::error::{Error, Result};
use crate::settings::AddressForm;

/// How long the caller of one render waits for it (the render itself is bounded by fuel and
/// by [`crate::bound`], so a thread it runs on is freed soon after in any case).
pub const RENDER_TIME_LIMIT: Duration = Duration::from_secs(2);

/// Variables a template may use (besides `snippets.<key>` and `custom.<field>`).
pub const VARIABLES: &[&str] = &[
    "greeting",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "street",
    "postal_code",
    "city",
    "company",
    "birthday",
    "custom",
    "snippets",
    "unsubscribe_url",
    "campaign",
    "today",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateChannel {
    Email,
    Letter,
    Phone,
    Social,
}

impl TemplateChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateChannel::Email => "email",
            TemplateChannel::Letter => "letter",
            TemplateChannel::Phone => "phone",
            TemplateChannel::Social => "social",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "email" => TemplateChannel::Email,
            "letter" => TemplateChannel::Letter,
            "phone" => TemplateChannel::Phone,
            "social" => TemplateChannel::Social,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Snippet {
    pub key: String,
    pub body: String,
    pub version: i32,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Template {
    pub id: Uuid,
    pub name: String,
    pub channel: String,
    pub subject: Option<String>,
    pub html: Option<String>,
    pub body: String,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct TemplateDraft {
    pub name: String,
    pub channel: TemplateChannel,
    pub subject: Option<String>,
    pub html: Option<String>,
    pub body: String,
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    // Bounded work per render: a template cannot loop forever or recurse deeply.
    env.set_fuel(Some(50_000));
    env.set_recursion_limit(32);
    env
}

/// Checks one template text: syntax, and that every variable it reads is known (`snippets`
/// must name existing snippets; snippets themselves may not use snippets).
fn check_text(
    field: &str,
    text: &str,
    snippets: &[String],
    allow_snippets: bool,
) -> std::result::Result<(), String> {
    // Before compiling: the compiler folds constant expressions, huge ones too.
    crate::bound::check(text, field)
        .map_err(|r| format!("is refused in line {}: {}", r.line, r.message))?;
    let env = env();
    let t = env
        .template_from_named_str(field, text)
        .map_err(|e| match e.line() {
            Some(line) => format!(
                "has a syntax error in line {line}: {}",
                e.detail().unwrap_or("")
            ),
            None => format!("has a syntax error: {e}"),
        })?;
    for var in t.undeclared_variables(true) {
        let top = var.split('.').next().unwrap_or(&var);
        if !VARIABLES.contains(&top) {
            return Err(format!(
                "uses the unknown variable '{var}' (known: {})",
                VARIABLES.join(", ")
            ));
        }
        if top == "snippets" {
            if !allow_snippets {
                return Err("a snippet cannot use other snippets".into());
            }
            match var.split('.').nth(1) {
                Some(key) if snippets.iter().any(|s| s == key) => {}
                Some(key) => return Err(format!("uses the unknown snippet '{key}'")),
                None => return Err("must name a snippet, as in {{ snippets.key }}".into()),
            }
        }
    }
    Ok(())
}

async fn snippet_keys(tx: &TenantTx) -> Result<Vec<String>> {
    #[derive(FromQueryResult)]
    struct K {
        key: String,
    }
    Ok(
        K::find_by_statement(stmt("SELECT key FROM snippets ORDER BY key", vec![]))
            .all(&**tx)
            .await?
            .into_iter()
            .map(|k| k.key)
            .collect(),
    )
}

pub async fn snippets(tx: &TenantTx) -> Result<Vec<Snippet>> {
    Ok(Snippet::find_by_statement(stmt(
        "SELECT key, body, version, updated_by, updated_at FROM snippets ORDER BY key",
        vec![],
    ))
    .all(&**tx)
    .await?)
}

/// Creates or replaces a snippet.
pub async fn put_snippet(tx: &TenantTx, key: &str, body: &str, actor: &str) -> Result<Snippet> {
    let key = key.trim();
    let valid_key = !key.is_empty()
        && key.len() <= 63
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_key {
        return Err(Error::field(
            "key",
            "must be lower-case letters, digits and _ (starting with a letter), at most 63",
        ));
    }
    if body.chars().count() > 20_000 {
        return Err(Error::field("body", "must be at most 20000 characters"));
    }
    check_text("body", body, &[], false).map_err(|m| Error::field("body", m))?;
    Snippet::find_by_statement(stmt(
        "INSERT INTO snippets (key, body, updated_by) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET body = EXCLUDED.body, version = snippets.version + 1, \
             updated_by = EXCLUDED.updated_by, updated_at = now() \
         RETURNING key, body, version, updated_by, updated_at",
        vec![key.into(), body.into(), actor.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("snippet"))
}

/// Deletes a snippet no live template uses.
pub async fn delete_snippet(tx: &TenantTx, key: &str) -> Result<bool> {
    #[derive(FromQueryResult)]
    struct N {
        name: String,
    }
    let needle = format!("snippets.{key}");
    if let Some(t) = N::find_by_statement(stmt(
        "SELECT name FROM templates WHERE archived_at IS NULL \
           AND (strpos(body, $1) > 0 OR strpos(coalesce(html, ''), $1) > 0 \
                OR strpos(coalesce(subject, ''), $1) > 0) LIMIT 1",
        vec![needle.into()],
    ))
    .one(&**tx)
    .await?
    {
        return Err(Error::Conflict(format!(
            "the snippet is used by the template '{}'",
            t.name
        )));
    }
    Ok(tx
        .execute_raw(stmt(
            "DELETE FROM snippets WHERE key = $1",
            vec![key.into()],
        ))
        .await?
        .rows_affected()
        > 0)
}

const TEMPLATE: &str = "SELECT id, name, channel, subject, html, body, version, archived_at, \
    created_at, updated_at FROM templates";

async fn validate(tx: &TenantTx, d: &TemplateDraft) -> Result<()> {
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::field("name", "must be 1 to 200 characters"));
    }
    if d.channel == TemplateChannel::Email && d.subject.as_deref().is_none_or(str::is_empty) {
        return Err(Error::field("subject", "is required for an email template"));
    }
    if d.channel != TemplateChannel::Email && (d.subject.is_some() || d.html.is_some()) {
        return Err(Error::field(
            "subject",
            "only email templates have a subject and an HTML body",
        ));
    }
    if d.body.trim().is_empty() || d.body.chars().count() > 100_000 {
        return Err(Error::field("body", "must be 1 to 100000 characters"));
    }
    if d.html.as_ref().is_some_and(|h| h.chars().count() > 200_000) {
        return Err(Error::field("html", "must be at most 200000 characters"));
    }
    let keys = snippet_keys(tx).await?;
    let texts = [
        ("subject", d.subject.as_deref()),
        ("html", d.html.as_deref()),
        ("body", Some(d.body.as_str())),
    ];
    for (field, text) in texts {
        if let Some(text) = text {
            check_text(field, text, &keys, true).map_err(|m| Error::field(field, m))?;
        }
    }
    // Email templates are marketing mail: the reader is told at every use, in the text they
    // read, that they may object (UWG §7(3) no. 4, Art. 21(4) GDPR; a List-Unsubscribe header
    // alone tells nobody). Both parts must print the link.
    if d.channel == TemplateChannel::Email {
        for (field, text) in [("body", Some(d.body.as_str())), ("html", d.html.as_deref())] {
            if let Some(text) = text
                && !prints_unsubscribe_link(text)
            {
                return Err(Error::field(
                    field,
                    "must contain the objection link {{ unsubscribe_url }} (UWG §7(3) no. 4)",
                ));
            }
        }
    }
    Ok(())
}

/// Whether a (syntactically valid) template reads `unsubscribe_url`.
fn prints_unsubscribe_link(text: &str) -> bool {
    env()
        .template_from_str(text)
        .is_ok_and(|t| t.undeclared_variables(false).contains("unsubscribe_url"))
}

pub async fn create_template(tx: &TenantTx, d: &TemplateDraft) -> Result<Template> {
    validate(tx, d).await?;
    Template::find_by_statement(stmt(
        &format!(
            "INSERT INTO templates (id, name, channel, subject, html, body) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
            &TEMPLATE["SELECT ".len()..TEMPLATE.len() - " FROM templates".len()]
        ),
        vec![
            Uuid::now_v7().into(),
            d.name.trim().into(),
            d.channel.as_str().into(),
            d.subject.clone().into(),
            d.html.clone().into(),
            d.body.clone().into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("template"))
}

pub async fn update_template(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    d: &TemplateDraft,
) -> Result<Template> {
    let current = get_template(tx, id).await?;
    if current.channel != d.channel.as_str() {
        return Err(Error::field("channel", "cannot change"));
    }
    validate(tx, d).await?;
    Template::find_by_statement(stmt(
        &format!(
            "UPDATE templates SET name = $3, subject = $4, html = $5, body = $6, \
                 version = version + 1, updated_at = now() \
             WHERE id = $1 AND version = $2 RETURNING {}",
            &TEMPLATE["SELECT ".len()..TEMPLATE.len() - " FROM templates".len()]
        ),
        vec![
            id.into(),
            version.into(),
            d.name.trim().into(),
            d.subject.clone().into(),
            d.html.clone().into(),
            d.body.clone().into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::stale("template"))
}

pub async fn get_template(tx: &TenantTx, id: Uuid) -> Result<Template> {
    Template::find_by_statement(stmt(&format!("{TEMPLATE} WHERE id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("template"))
}

/// The templates among `ids` (archived ones too), in one statement.
pub async fn find_templates(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Template>> {
    Ok(Template::find_by_statement(stmt(
        &format!("{TEMPLATE} WHERE id = ANY($1)"),
        vec![kartei_contacts::sql::uuid_array(ids.to_vec())],
    ))
    .all(&**tx)
    .await?)
}

pub async fn templates(tx: &TenantTx) -> Result<Vec<Template>> {
    Ok(Template::find_by_statement(stmt(
        &format!("{TEMPLATE} WHERE archived_at IS NULL ORDER BY name, id"),
        vec![],
    ))
    .all(&**tx)
    .await?)
}

/// What a template knows of a contact.
#[derive(Debug, Clone, Default, FromQueryResult)]
pub struct Contact {
    pub id: Uuid,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub company: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub custom: serde_json::Value,
}

/// The columns of [`Contact`], for `p` = persons.
pub const CONTACT_COLUMNS: &str = "p.id, p.salutation, p.title, p.first_name, p.last_name, \
    p.email, p.street, p.postal_code, p.city, \
    (SELECT o.name FROM person_organizations po JOIN organizations o ON o.id = po.organization_id \
     WHERE po.person_id = p.id AND o.archived_at IS NULL ORDER BY po.is_primary DESC, o.name LIMIT 1) AS company, \
    p.birthday, p.custom";

pub async fn contact(tx: &TenantTx, person_id: Uuid) -> Result<Contact> {
    Contact::find_by_statement(stmt(
        &format!("SELECT {CONTACT_COLUMNS} FROM persons p WHERE p.id = $1"),
        vec![person_id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("person"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Female,
    Male,
    Unknown,
}

fn gender(salutation: Option<&str>) -> Gender {
    let s = salutation.unwrap_or("").trim().to_lowercase();
    if s.starts_with("frau") || s.starts_with("mrs") || s.starts_with("ms") {
        Gender::Female
    } else if s.starts_with("herr") || s.starts_with("mr") {
        Gender::Male
    } else {
        Gender::Unknown
    }
}

/// The opening line in the tenant's form of address; never blank.
pub fn greeting(c: &Contact, form: AddressForm) -> String {
    let first = c
        .first_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let last = c
        .last_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let title = c
        .title
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|t| format!("{t} "))
        .unwrap_or_default();
    let g = gender(c.salutation.as_deref());
    match (form, g, first, last) {
        (AddressForm::Sie, Gender::Female, _, Some(l)) => format!("Sehr geehrte Frau {title}{l},"),
        (AddressForm::Sie, Gender::Male, _, Some(l)) => format!("Sehr geehrter Herr {title}{l},"),
        (AddressForm::Sie, _, Some(f), Some(l)) => format!("Guten Tag {title}{f} {l},"),
        (AddressForm::Sie, _, None, Some(l)) => format!("Guten Tag {title}{l},"),
        (AddressForm::Du, Gender::Female, Some(f), _) => format!("Liebe {f},"),
        (AddressForm::Du, Gender::Male, Some(f), _) => format!("Lieber {f},"),
        (AddressForm::Du, _, Some(f), _) => format!("Hallo {f},"),
        (AddressForm::Du, _, None, Some(l)) => format!("Hallo {l},"),
        (AddressForm::Sie, _, Some(f), None) => format!("Guten Tag {f},"),
        (_, _, None, None) => match form {
            AddressForm::Sie => "Guten Tag,".to_owned(),
            AddressForm::Du => "Hallo,".to_owned(),
        },
    }
}

/// Everything outside the contact a render needs.
#[derive(Debug, Clone)]
pub struct RenderEnv {
    pub form: AddressForm,
    pub campaign: String,
    pub today: NaiveDate,
    pub snippets: BTreeMap<String, String>,
}

impl RenderEnv {
    pub async fn load(tx: &TenantTx, campaign: &str) -> Result<Self> {
        let settings = crate::settings::CampaignSettings::load(tx).await?;
        Ok(RenderEnv {
            form: settings.address_form,
            campaign: campaign.to_owned(),
            today: Utc::now().date_naive(),
            snippets: snippets(tx)
                .await?
                .into_iter()
                .map(|s| (s.key, s.body))
                .collect(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub subject: Option<String>,
    pub html: Option<String>,
    pub text: String,
}

/// Why a contact is skipped instead of rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing(pub String);

/// A template compiled once for many contacts.
pub struct Renderer {
    env: Environment<'static>,
    has_subject: bool,
    has_html: bool,
    /// Variables the texts read, in order, to name the one a contact lacks.
    reads: Vec<String>,
    snippet_reads: Vec<String>,
    renv: RenderEnv,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

impl Renderer {
    pub fn new(t: &Template, renv: RenderEnv) -> Result<Self> {
        let mut env = env();
        let bad = |field: &str, e: minijinja::Error| {
            Error::field(field, format!("does not compile: {e}"))
        };
        // Templates saved before a limit existed are checked here too, before compiling.
        let bounded = |field: &str, text: &str| {
            crate::bound::check(text, field).map_err(|r| {
                Error::field(
                    field,
                    format!("is refused in line {}: {}", r.line, r.message),
                )
            })
        };
        bounded("body", &t.body)?;
        if let Some(s) = &t.subject {
            bounded("subject", s)?;
        }
        if let Some(h) = &t.html {
            bounded("html", h)?;
        }
        env.add_template_owned("body.txt", t.body.clone())
            .map_err(|e| bad("body", e))?;
        if let Some(s) = &t.subject {
            env.add_template_owned("subject.txt", s.clone())
                .map_err(|e| bad("subject", e))?;
        }
        if let Some(h) = &t.html {
            env.add_template_owned("body.html", h.clone())
                .map_err(|e| bad("html", e))?;
        }
        let mut reads = Vec::new();
        let mut snippet_reads = Vec::new();
        for name in ["subject.txt", "body.html", "body.txt"] {
            if let Ok(tpl) = env.get_template(name) {
                for v in tpl.undeclared_variables(true) {
                    if let Some(key) = v.strip_prefix("snippets.") {
                        snippet_reads.push(key.to_owned());
                    } else if !reads.contains(&v) {
                        reads.push(v);
                    }
                }
            }
        }
        for key in &snippet_reads {
            let body = renv
                .snippets
                .get(key)
                .ok_or_else(|| Error::field("body", format!("uses the unknown snippet '{key}'")))?;
            let name = format!("snippet.{key}.txt");
            bounded("snippet", body)?;
            env.add_template_owned(name.clone(), body.clone())
                .map_err(|e| bad("snippet", e))?;
            if let Ok(tpl) = env.get_template(&name) {
                for v in tpl.undeclared_variables(true) {
                    if !reads.contains(&v) {
                        reads.push(v);
                    }
                }
            }
        }
        Ok(Renderer {
            env,
            has_subject: t.subject.is_some(),
            has_html: t.html.is_some(),
            reads,
            snippet_reads,
            renv,
        })
    }

    fn context(&self, c: &Contact, unsubscribe_url: Option<&str>) -> BTreeMap<String, J> {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                m.insert(k.to_owned(), J::from(cut(v, VAR_BYTES).to_owned()));
            }
        };
        put("salutation", c.salutation.as_deref());
        put("title", c.title.as_deref());
        put("first_name", c.first_name.as_deref());
        put("last_name", c.last_name.as_deref());
        put("email", c.email.as_deref());
        put("street", c.street.as_deref());
        put("postal_code", c.postal_code.as_deref());
        put("city", c.city.as_deref());
        put("company", c.company.as_deref());
        put("unsubscribe_url", unsubscribe_url);
        put("campaign", Some(&self.renv.campaign));
        let full = [c.first_name.as_deref(), c.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        put("full_name", Some(&full));
        if let Some(b) = c.birthday {
            m.insert("birthday".into(), J::from(b.format("%d.%m.%Y").to_string()));
        }
        m.insert(
            "today".into(),
            J::from(self.renv.today.format("%d.%m.%Y").to_string()),
        );
        m.insert("greeting".into(), J::from(greeting(c, self.renv.form)));
        let custom: BTreeMap<String, J> = c
            .custom
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(_, v)| {
                        !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty())
                    })
                    .map(|(k, v)| (k.clone(), J::from_serialize(v)))
                    .collect()
            })
            .unwrap_or_default();
        // All custom values together are one variable's worth at most (see `bound`); a
        // contact with more is rendered as if it had none (templates reading one skip it).
        let custom_bytes = serde_json::to_string(&c.custom).map_or(usize::MAX, |s| s.len());
        if custom_bytes <= VAR_BYTES {
            m.insert("custom".into(), J::from(custom));
        }
        m
    }

    fn missing(&self, ctx: &BTreeMap<String, J>) -> Missing {
        for v in &self.reads {
            let mut parts = v.split('.');
            let top = parts.next().unwrap_or(v);
            match ctx.get(top) {
                None => return Missing(v.clone()),
                Some(val) => {
                    if let Some(field) = parts.next()
                        && val
                            .get_attr(field)
                            .map(|x| x.is_undefined())
                            .unwrap_or(true)
                    {
                        return Missing(v.clone());
                    }
                }
            }
        }
        Missing("a value".into())
    }

    /// Renders for one contact; `Err(Missing)` names a value the contact lacks.
    pub fn render(
        &self,
        c: &Contact,
        unsubscribe_url: Option<&str>,
    ) -> Result<std::result::Result<Rendered, Missing>> {
        let mut ctx = self.context(c, unsubscribe_url);
        let fail = |ctx: &BTreeMap<String, J>, e: minijinja::Error| -> Result<Missing> {
            match e.kind() {
                minijinja::ErrorKind::UndefinedError => Ok(self.missing(ctx)),
                minijinja::ErrorKind::WriteFailure => Err(Error::field(
                    "body",
                    "renders too much text (at most 1 MiB per text, 32 KiB per snippet)",
                )),
                _ => Err(Error::field("body", format!("cannot be rendered: {e}"))),
            }
        };
        let mut rendered_snippets = BTreeMap::new();
        for key in &self.snippet_reads {
            let name = format!("snippet.{key}.txt");
            let tpl = self
                .env
                .get_template(&name)
                .map_err(|e| Error::field("snippet", e.to_string()))?;
            match capped(&tpl, &ctx, VAR_BYTES) {
                Ok(s) => {
                    rendered_snippets.insert(key.clone(), J::from(s));
                }
                Err(e) => return Ok(Err(fail(&ctx, e)?)),
            }
        }
        ctx.insert("snippets".into(), J::from(rendered_snippets));
        let run = |name: &str| -> Result<std::result::Result<String, Missing>> {
            let tpl = self
                .env
                .get_template(name)
                .map_err(|e| Error::field("body", e.to_string()))?;
            match capped(&tpl, &ctx, OUTPUT_BYTES) {
                Ok(s) => Ok(Ok(s)),
                Err(e) => Ok(Err(fail(&ctx, e)?)),
            }
        };
        let subject = if self.has_subject {
            match run("subject.txt")? {
                Ok(s) => Some(s.trim().to_owned()),
                Err(m) => return Ok(Err(m)),
            }
        } else {
            None
        };
        let html = if self.has_html {
            match run("body.html")? {
                Ok(s) => Some(s),
                Err(m) => return Ok(Err(m)),
            }
        } else {
            None
        };
        let text = match run("body.txt")? {
            Ok(s) => s,
            Err(m) => return Ok(Err(m)),
        };
        Ok(Ok(Rendered {
            subject,
            html,
            text,
        }))
    }

    /// [`Renderer::render`] on a blocking thread, waiting at most [`RENDER_TIME_LIMIT`].
    pub async fn render_off_runtime(
        self: &Arc<Self>,
        c: Contact,
        unsubscribe_url: Option<String>,
    ) -> Result<std::result::Result<Rendered, Missing>> {
        let me = Arc::clone(self);
        let job = tokio::task::spawn_blocking(move || me.render(&c, unsubscribe_url.as_deref()));
        match tokio::time::timeout(RENDER_TIME_LIMIT, job).await {
            Ok(Ok(rendered)) => rendered,
            Ok(Err(_)) => Err(Error::field("body", "cannot be rendered")),
            Err(_) => Err(Error::field(
                "body",
                format!(
                    "took longer than {} s to render",
                    RENDER_TIME_LIMIT.as_secs()
                ),
            )),
        }
    }
}

/// `v` cut to at most `max` bytes, at a character boundary.
fn cut(v: &str, max: usize) -> &str {
    if v.len() <= max {
        return v;
    }
    let mut end = max;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    &v[..end]
}

/// A writer that refuses to grow past its cap (minijinja then stops with `WriteFailure`).
struct Capped {
    buf: Vec<u8>,
    cap: usize,
}

impl io::Write for Capped {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.buf.len() + b.len() > self.cap {
            return Err(io::Error::other("the render's output cap is reached"));
        }
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Renders `tpl` into at most `cap` bytes.
fn capped(
    tpl: &minijinja::Template<'_, '_>,
    ctx: &BTreeMap<String, J>,
    cap: usize,
) -> std::result::Result<String, minijinja::Error> {
    let mut out = Capped {
        buf: Vec::new(),
        cap,
    };
    tpl.render_captured_to(ctx, &mut out)?;
    Ok(String::from_utf8_lossy(&out.buf).into_owned())
}

/// Renders a template for one contact, as it would be sent (the unsubscribe link is a
/// placeholder: a preview must not mint real links).
pub async fn preview(
    tx: &TenantTx,
    template_id: Uuid,
    person_id: Uuid,
) -> Result<std::result::Result<Rendered, Missing>> {
    let t = get_template(tx, template_id).await?;
    let r = Arc::new(Renderer::new(&t, RenderEnv::load(tx, "Vorschau").await?)?);
    let c = contact(tx, person_id).await?;
    r.render_off_runtime(
        c,
        Some("https://example.invalid/unsubscribe-preview".to_owned()),
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn renv(form: AddressForm) -> RenderEnv {
        RenderEnv {
            form,
            campaign: "Test".into(),
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            snippets: BTreeMap::from([("sig".into(), "Ihr Team, {{ first_name }}".into())]),
        }
    }

    fn template(body: &str) -> Template {
        Template {
            id: Uuid::nil(),
            name: "t".into(),
            channel: "email".into(),
            subject: Some("Hallo {{ first_name }}".into()),
            html: Some("<p>{{ greeting }} {{ last_name }}</p>".into()),
            body: body.into(),
            version: 1,
            archived_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn anna() -> Contact {
        Contact {
            salutation: Some("Frau".into()),
            title: Some("Dr.".into()),
            first_name: Some("Anna".into()),
            last_name: Some("Müller <b>".into()),
            custom: serde_json::json!({}),
            ..Contact::default()
        }
    }

    #[test]
    fn greetings_follow_the_form_of_address() {
        let mut c = anna();
        assert_eq!(
            greeting(&c, AddressForm::Sie),
            "Sehr geehrte Frau Dr. Müller <b>,"
        );
        assert_eq!(greeting(&c, AddressForm::Du), "Liebe Anna,");
        c.salutation = Some("Herr".into());
        c.title = None;
        assert_eq!(
            greeting(&c, AddressForm::Sie),
            "Sehr geehrter Herr Müller <b>,"
        );
        assert_eq!(greeting(&c, AddressForm::Du), "Lieber Anna,");
        c.salutation = None;
        c.first_name = None;
        c.last_name = None;
        assert_eq!(greeting(&c, AddressForm::Sie), "Guten Tag,");
    }

    #[test]
    fn renders_escapes_html_and_names_the_missing_value() {
        let r = Renderer::new(
            &template("{{ greeting }}\n{{ snippets.sig }}"),
            renv(AddressForm::Sie),
        )
        .unwrap();
        let out = r.render(&anna(), None).unwrap().unwrap();
        assert_eq!(out.subject.as_deref(), Some("Hallo Anna"));
        assert_eq!(
            out.html.as_deref(),
            Some("<p>Sehr geehrte Frau Dr. Müller &lt;b&gt;, Müller &lt;b&gt;</p>")
        );
        assert_eq!(
            out.text,
            "Sehr geehrte Frau Dr. Müller <b>,\nIhr Team, Anna"
        );
        let mut c = anna();
        c.first_name = None;
        assert_eq!(
            r.render(&c, None).unwrap(),
            Err(Missing("first_name".into()))
        );
        // A guarded value is fine when missing.
        let r = Renderer::new(
            &template("{% if city %}in {{ city }}{% endif %}ok"),
            renv(AddressForm::Du),
        )
        .unwrap();
        assert_eq!(r.render(&anna(), None).unwrap().unwrap().text, "ok");
    }

    #[test]
    fn checks_syntax_and_variables() {
        assert!(
            check_text("body", "{{ first_name }", &[], true)
                .unwrap_err()
                .contains("syntax")
        );
        assert!(
            check_text("body", "{{ password }}", &[], true)
                .unwrap_err()
                .contains("unknown variable 'password'")
        );
        assert!(
            check_text("body", "{{ snippets.nope }}", &["sig".into()], true)
                .unwrap_err()
                .contains("unknown snippet")
        );
        assert!(
            check_text(
                "body",
                "{{ snippets.sig }} {{ custom.vip }}",
                &["sig".into()],
                true
            )
            .is_ok()
        );
        // The sandbox: no includes, no functions, nothing that builds huge values; templates
        // stored before these rules are refused when compiled for a render.
        for src in [
            "{% include 'x' %}",
            "{% for i in range(100000) %}x{% endfor %}",
            "{{ 'x' * 100000000 }}",
        ] {
            assert!(
                check_text("body", src, &[], true)
                    .unwrap_err()
                    .contains("line 1")
            );
            let e = Renderer::new(&template(src), renv(AddressForm::Sie)).unwrap_err();
            assert!(e.to_string().contains("refused"), "{e}");
        }
    }

    #[test]
    fn a_set_inside_a_loop_stays_inside_it() {
        // The bound (crate::bound) counts a loop body once; that holds only because a `set`
        // in a loop does not outlive its iteration.
        let src = "{% set s = 'x' %}{% for i in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] %}\
                   {% set s = s ~ s %}{% endfor %}{{ s }}";
        let r = Renderer::new(&template(src), renv(AddressForm::Sie)).unwrap();
        assert_eq!(r.render(&anna(), None).unwrap().unwrap().text, "x");
    }

    #[test]
    fn output_is_capped_and_long_values_are_cut() {
        let big = "y".repeat(20_000);
        let list: Vec<u32> = (0..100).collect();
        let mut c = anna();
        c.custom = serde_json::json!({ "s": big, "l": list });
        let r = Renderer::new(
            &template("{% for a in custom.l %}{% for b in custom.l %}{{ custom.s }}{% endfor %}{% endfor %}"),
            renv(AddressForm::Sie),
        )
        .unwrap();
        let e = r.render(&c, None).unwrap_err().to_string();
        assert!(e.contains("too much text"), "{e}");
        // More custom data than one variable may hold: rendered as if there were none.
        c.custom = serde_json::json!({ "s": "z".repeat(40_000) });
        let r = Renderer::new(&template("{{ custom.s }}"), renv(AddressForm::Sie)).unwrap();
        assert_eq!(
            r.render(&c, None).unwrap().unwrap_err(),
            Missing("custom.s".into())
        );
        c.last_name = Some("ü".repeat(20_000));
        let r = Renderer::new(&template("{{ last_name }}"), renv(AddressForm::Sie)).unwrap();
        let text = r.render(&c, None).unwrap().unwrap().text;
        assert!(text.len() <= crate::bound::VAR_BYTES && text.starts_with("üü"));
    }
}
