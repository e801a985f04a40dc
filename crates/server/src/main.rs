//! `kartei`: parses the command line and hands over to the application.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use kartei_core::id::TenantId;
use kartei_core::validate::{Name, Slug};
use kartei_server::settings::Settings;
use kartei_server::{Application, connect_db, demo, demo_data, services, telemetry, worker};
use kartei_tenancy::migrate::{self, Progress};
use kartei_tenancy::tenants::{self, TENANT_COLUMNS, TenantStatus, stmt};
use sea_orm::{ConnectionTrait, TransactionTrait};

#[global_allocator]
static ALLOCATOR: kartei_server::Allocator = kartei_server::Allocator {};

#[derive(Parser)]
#[command(
    name = "kartei",
    version,
    about = "Kartei: multi-tenant CRM and marketing-compliance backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (migrates first unless --no-migrate).
    Serve {
        #[arg(long)]
        no_migrate: bool,
    },
    /// Bring the platform schema and every tenant schema up to date.
    Migrate,
    /// Load the configuration (defaults, `KARTEI_CONFIG`, variables) and print its effective
    /// non-secret values; fails on unknown keys and wrong types, as `serve` would.
    CheckConfig,
    /// Administer tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Print the GraphQL schema (SDL), as checked in at frontend-schema/schema.graphql.
    ExportSchema {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Run background jobs (imports, double opt-in mails, retention, the daily analytics) until
    /// stopped.
    Worker,
    /// Recompute one tenant's analytics now: lifecycle rules, ABC analysis and the membership
    /// of every dynamic segment (the worker does this daily).
    Analytics {
        #[arg(long)]
        tenant: TenantId,
    },
    /// Contact search administration.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Seed a demo agency with two client tenants and print how to log in; with
    /// `--contacts N`, fill the first tenant with N realistic German contacts.
    Demo {
        #[arg(long)]
        contacts: Option<u64>,
    },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Rebuild one tenant's index from its data (fresh index, then an atomic switch), then
    /// apply the changes made meanwhile.
    Reindex {
        #[arg(long)]
        tenant: TenantId,
    },
    /// Create every tenant's index where it is missing and bring its settings up to date,
    /// waiting for the engine as long as that takes (idempotent; the worker does it at
    /// start-up too).
    Setup,
    /// Show how far one tenant's index is behind (outbox lag), and the last error.
    Status {
        #[arg(long)]
        tenant: TenantId,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// List all tenants of all agencies.
    List,
    /// Create a tenant owned by an existing agency user.
    Create {
        #[arg(long)]
        owner_email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        slug: Option<String>,
    },
    Rename {
        #[arg(long)]
        id: TenantId,
        #[arg(long)]
        name: String,
    },
    Suspend {
        #[arg(long)]
        id: TenantId,
    },
    Resume {
        #[arg(long)]
        id: TenantId,
    },
    /// Drop the tenant's schema and all its data (audited). Needs the slug to confirm.
    Delete {
        #[arg(long)]
        id: TenantId,
        #[arg(long)]
        confirm_slug: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::ExportSchema { out } = &cli.command {
        let sdl = kartei_gateway::sdl();
        match out {
            Some(path) => std::fs::write(path, sdl)?,
            None => print!("{sdl}"),
        }
        return Ok(());
    }
    let settings = Settings::load()?;
    telemetry::init(&settings.log.format, &settings.log.level);
    match cli.command {
        Command::Serve { no_migrate } => {
            if !no_migrate {
                run_migrations(&settings).await?;
            }
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "kartei serving; GraphQL at /graphql");
            app.run_until_stopped().await?;
        }
        Command::Migrate => run_migrations(&settings).await?,
        Command::CheckConfig => {
            println!("configuration ok");
            println!("http.public_url = {}", settings.http.public_url);
            println!("http.bind = {}", settings.http.bind);
            println!(
                "database.max_connections = {}",
                settings.database.max_connections
            );
            println!("worker.concurrency = {}", settings.worker.concurrency);
            println!("mail.from = {}", settings.mail.from);
            println!(
                "search = {}",
                settings
                    .search
                    .meilisearch_url
                    .as_deref()
                    .unwrap_or("in-database")
            );
            println!("graphql.graphiql = {}", settings.graphql.graphiql);
            println!("log.format = {}", settings.log.format);
        }
        Command::Tenant { command } => tenant_command(&settings, command).await?,
        Command::Worker => {
            run_migrations(&settings).await?;
            let db = connect_db(&settings).await?;
            if let Some(bind) = &settings.worker.metrics_bind {
                let db = db.clone();
                let server = actix_web::HttpServer::new(move || {
                    actix_web::App::new()
                        .app_data(actix_web::web::Data::new(db.clone()))
                        .route("/metrics", actix_web::web::get().to(worker_metrics))
                })
                .workers(1)
                .disable_signals()
                .bind(bind)
                .with_context(|| format!("worker.metrics_bind {bind}"))?
                .run();
                tokio::spawn(server);
                tracing::info!(%bind, "worker metrics at /metrics");
            }
            let opts = worker::WorkerOptions::from_settings(&settings.worker);
            let ctx = std::sync::Arc::new(kartei_server::worker_ctx(&settings, db)?);
            tokio::select! {
                () = worker::run(ctx, opts) => {}
                _ = tokio::signal::ctrl_c() => eprintln!("worker stopping; running jobs resume from their checkpoints"),
            }
        }
        Command::Analytics { tenant } => {
            let db = connect_db(&settings).await?;
            let tx = db.begin_tenant(tenant).await?;
            let now = chrono::Utc::now();
            let t = std::time::Instant::now();
            eprintln!("analytics for tenant {tenant}: lifecycle rules ...");
            let changes = kartei_segments::lifecycle::run(&tx, now).await?;
            println!(
                "lifecycle ({:.1?}): {} became dormant, {} woke up, {} became ex-customers, {} became customers",
                t.elapsed(),
                changes.became_dormant,
                changes.woke_up,
                changes.became_ex_customer,
                changes.became_customer
            );
            let t = std::time::Instant::now();
            eprintln!("ABC analysis ...");
            let report = kartei_segments::abc::run(&tx, now.date_naive(), "cli").await?;
            println!("ABC ({:.1?}): {} customers", t.elapsed(), report.customers);
            for c in &report.classes {
                println!(
                    "  {}: {} customers, {:.1} % of value ({} downgraded)",
                    c.class,
                    c.customers,
                    c.value_share * 100.0,
                    c.downgraded
                );
            }
            let t = std::time::Instant::now();
            eprintln!("segment membership ...");
            let segments = kartei_segments::segments::refresh_all(&tx, now, "cli").await?;
            tx.commit().await?;
            println!("segments refreshed ({:.1?}): {segments}", t.elapsed());
        }
        Command::Search { command } => search_command(&settings, command).await?,
        Command::Demo { contacts } => {
            run_migrations(&settings).await?;
            let (db, auth) = services(&settings).await?;
            let info = demo::seed(&db, &auth).await?;
            if let Some(n) = contacts {
                let tenant = demo::first_tenant(&db).await?;
                let report =
                    demo_data::fill(&db, tenant, n, &|msg| eprintln!("demo: {msg}")).await?;
                let consents = demo_data::consents(&db, tenant).await?;
                if consents > 0 {
                    eprintln!("demo: {consents} consent events with proof");
                }
                let segments = demo_data::segments(&db, tenant).await?;
                if segments > 0 {
                    eprintln!(
                        "demo: {segments} example segments; lifecycle and ABC analysis computed"
                    );
                }
                eprintln!("demo: tenant {tenant} now has {} persons", report.persons);
            }
            let url = &settings.http.public_url;
            eprintln!(
                "{}\n\nDemo agency ready.\n  admin:  {} / {}\n  member: {} / {}\n  GraphiQL: {url}/graphql\n",
                if info.created {
                    "Seeded the demo agency."
                } else {
                    "Demo agency already present."
                },
                demo::ADMIN_EMAIL,
                demo::PASSWORD,
                demo::MEMBER_EMAIL,
                demo::PASSWORD,
            );
        }
        Command::ExportSchema { .. } => {}
    }
    Ok(())
}

async fn run_migrations(settings: &Settings) -> anyhow::Result<()> {
    let db = connect_db(settings).await?;
    let report = migrate::all(&db, |p| match p {
        Progress::Platform { applied } => {
            eprintln!("migrate: platform: {applied} migration(s) applied");
        }
        Progress::Tenant {
            index,
            total,
            schema,
            applied,
        } => eprintln!("migrate: [{index}/{total}] {schema}: {applied} migration(s) applied"),
        Progress::TenantFailed {
            index,
            total,
            schema,
            error,
        } => eprintln!("migrate: [{index}/{total}] {schema}: FAILED: {error}"),
    })
    .await?;
    eprintln!(
        "migrate: done; {} tenant schema(s), {} changed, {} migration(s) applied, {} failed",
        report.tenants_total,
        report.tenants_changed,
        report.migrations_applied,
        report.failed.len()
    );
    if !report.failed.is_empty() {
        anyhow::bail!(
            "{} tenant schema(s) failed to migrate; rerun to resume",
            report.failed.len()
        );
    }
    Ok(())
}

async fn tenant_command(settings: &Settings, command: TenantCommand) -> anyhow::Result<()> {
    let (db, auth) = services(settings).await?;
    let conn = db.platform();
    match command {
        TenantCommand::List => {
            let sql = format!("SELECT {TENANT_COLUMNS} FROM platform.tenants ORDER BY created_at");
            for t in tenants::query_tenants(conn, &sql, vec![]).await? {
                println!("{}\t{}\t{}\t{}", t.id, t.slug, t.status.as_str(), t.name);
            }
        }
        TenantCommand::Create {
            owner_email,
            name,
            slug,
        } => {
            let row = conn
                .query_one_raw(stmt(
                    "SELECT id, agency_id FROM platform.users WHERE email_normalized = $1",
                    vec![owner_email.trim().to_lowercase().into()],
                ))
                .await?
                .context("no user with that email")?;
            let owner = kartei_core::id::UserId(row.try_get("", "id")?);
            let agency = kartei_core::id::AgencyId(row.try_get("", "agency_id")?);
            let name = Name::parse(&name, 200)?;
            let slug = match slug {
                Some(s) => Slug::parse(&s)?,
                None => Slug::from_name(name.as_str())?,
            };
            let t = auth.create_tenant_for(owner, agency, &name, &slug).await?;
            println!("{}", t.id);
        }
        TenantCommand::Rename { id, name } => {
            let t = tenants::rename(conn, id, &Name::parse(&name, 200)?).await?;
            println!("{}\t{}", t.id, t.name);
        }
        TenantCommand::Suspend { id } => {
            tenants::set_status(conn, id, TenantStatus::Suspended).await?;
            auth.access_changed().await;
        }
        TenantCommand::Resume { id } => {
            tenants::set_status(conn, id, TenantStatus::Active).await?;
        }
        TenantCommand::Delete { id, confirm_slug } => {
            let t = tenants::get(conn, id).await?.context("no such tenant")?;
            anyhow::ensure!(
                t.slug == confirm_slug,
                "--confirm-slug must equal the slug '{}'",
                t.slug
            );
            let txn = conn.begin().await?;
            tenants::delete(&txn, id).await?;
            kartei_tenancy::audit::record_platform(
                &txn,
                t.agency_id,
                Some(id),
                "cli",
                "tenant.deleted",
                serde_json::json!({"name": t.name, "slug": t.slug}),
            )
            .await?;
            txn.commit().await?;
            auth.access_changed().await;
            if let Err(e) = kartei_server::search(settings)?
                .backend()
                .drop_tenant(id)
                .await
            {
                eprintln!("warning: the tenant's search index was not dropped: {e}");
            }
            eprintln!("deleted tenant {id} and schema {}", t.schema_name);
        }
    }
    Ok(())
}

async fn search_command(settings: &Settings, command: SearchCommand) -> anyhow::Result<()> {
    let db = connect_db(settings).await?;
    let search = kartei_server::search(settings)?;
    match command {
        SearchCommand::Setup => {
            eprintln!("setting up the {} indexes ...", search.backend_name());
            let progress = |done: usize, total: usize, tenant: TenantId, changed: bool| {
                let what = if changed { "updated" } else { "current" };
                eprintln!("  {done} / {total} tenants: {tenant} {what}");
            };
            let changed = search.setup_all(&db, &progress).await?;
            println!("search setup done: {changed} index(es) created or updated");
        }
        SearchCommand::Reindex { tenant } => {
            eprintln!(
                "reindexing tenant {tenant} into {} ...",
                search.backend_name()
            );
            let last = std::sync::atomic::AtomicU64::new(0);
            let progress = |p: kartei_search::reindex::Progress| {
                let step = (p.total / 20).max(1);
                let prev = last.load(std::sync::atomic::Ordering::Relaxed);
                if p.done == p.total || p.done >= prev + step {
                    last.store(p.done, std::sync::atomic::Ordering::Relaxed);
                    eprintln!("  {} / {} documents", p.done, p.total);
                }
            };
            let r =
                kartei_search::reindex::reindex(&db, tenant, search.backend(), &progress).await?;
            let secs = r.took.as_secs_f64().max(0.001);
            println!(
                "reindexed {} documents in {:.1?} ({:.0} documents/s)",
                r.documents,
                r.took,
                r.documents as f64 / secs
            );
            eprintln!("applying changes made meanwhile ...");
            let d = kartei_search::outbox::drain_until_empty(
                &db,
                tenant,
                search.backend(),
                std::time::Duration::from_secs(600),
            )
            .await?;
            println!("outbox: {d:?}");
        }
        SearchCommand::Status { tenant } => {
            let tx = db.begin_tenant(tenant).await?;
            let s = kartei_search::outbox::status(&tx).await?;
            tx.commit().await?;
            println!("backend:          {}", search.backend_name());
            println!("pending changes:  {}", s.pending);
            println!("lag:              {:.1} s", s.lag_seconds);
            println!("last drained:     {:?}", s.last_drained_at);
            println!("drained in total: {}", s.drained_total);
            println!("documents (db):   {}", s.documents);
            println!("failures:         {}", s.failures);
            if let Some(e) = s.last_error {
                println!("last error:       {e} ({:?})", s.last_error_at);
            }
        }
    }
    Ok(())
}

async fn worker_metrics(
    db: actix_web::web::Data<kartei_tenancy::db::Db>,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(kartei_gateway::metrics::render(&db).await)
}
