//! Migrations of one tenant schema. Statements use unqualified names: the runner sets
//! `search_path` to the tenant schema for the transaction.

use sea_orm_migration::MigrationTrait;

use crate::SqlMigration;

pub(crate) fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(SqlMigration {
            name: "t0001_settings_and_audit",
            up: include_str!("t0001_settings_and_audit.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0002_contacts",
            up: include_str!("t0002_contacts.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0003_compliance",
            up: include_str!("t0003_compliance.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0004_segments",
            up: include_str!("t0004_segments.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0005_search",
            up: include_str!("t0005_search.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0006_campaigns",
            up: include_str!("t0006_campaigns.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0007_web_form_confirmation",
            up: include_str!("t0007_web_form_confirmation.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0008_imports_keep_rows",
            up: include_str!("t0008_imports_keep_rows.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0009_bulk_writes",
            up: include_str!("t0009_bulk_writes.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0010_written_once",
            up: include_str!("t0010_written_once.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0011_restriction",
            up: include_str!("t0011_restriction.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0012_sends_on_record",
            up: include_str!("t0012_sends_on_record.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0013_wake_lock",
            up: include_str!("t0013_wake_lock.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0014_tracking_consent",
            up: include_str!("t0014_tracking_consent.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0015_legal_holds",
            up: include_str!("t0015_legal_holds.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0016_send_decisions",
            up: include_str!("t0016_send_decisions.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0017_recipients_row_check",
            up: include_str!("t0017_recipients_row_check.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0018_search_ranking",
            up: include_str!("t0018_search_ranking.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0019_import_bulk_mode",
            up: include_str!("t0019_import_bulk_mode.sql"),
        }),
        Box::new(SqlMigration {
            name: "t0020_goal_kinds",
            up: include_str!("t0020_goal_kinds.sql"),
        }),
    ]
}
