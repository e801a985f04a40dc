//! Migrations of schema `platform`. Every statement names `platform.` explicitly.

use sea_orm_migration::MigrationTrait;

use crate::SqlMigration;

pub(crate) fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(SqlMigration {
            name: "p0001_identity_and_tenants",
            up: include_str!("p0001_identity_and_tenants.sql"),
        }),
        Box::new(SqlMigration {
            name: "p0002_jobs",
            up: include_str!("p0002_jobs.sql"),
        }),
        Box::new(SqlMigration {
            name: "p0003_search",
            up: include_str!("p0003_search.sql"),
        }),
        Box::new(SqlMigration {
            name: "p0004_sign_up_requests",
            up: include_str!("p0004_sign_up_requests.sql"),
        }),
        Box::new(SqlMigration {
            name: "p0005_job_takeovers",
            up: include_str!("p0005_job_takeovers.sql"),
        }),
    ]
}
