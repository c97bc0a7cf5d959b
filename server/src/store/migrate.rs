//! Schema migrations: numbered SQL files under `server/migrations/`, applied in order
//! in one transaction at start and recorded in `schema_version`.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Every migration, by number. Append only: never edit or renumber a migration that
/// has shipped.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (2, include_str!("../../migrations/0002_attachments.sql")),
    (3, include_str!("../../migrations/0003_review.sql")),
    (4, include_str!("../../migrations/0004_team_targets.sql")),
];

/// The newest schema version this build knows.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Applies every migration newer than the database's version; all or nothing.
pub(crate) fn apply(conn: &mut Connection, now: &str) -> Result<i64, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             applied_at TEXT NOT NULL
         );",
    )?;
    let current: i64 =
        tx.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_version", [], |r| r.get(0))?;
    if current > latest() {
        return Err(StoreError::NewerSchema { found: current, known: latest() });
    }
    // Each migration not yet recorded, not only those above the newest recorded: numbers
    // are reserved on separate branches, so one may land below another already applied.
    let applied: Vec<i64> = {
        let mut st = tx.prepare("SELECT version FROM schema_version")?;
        st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    for &(version, sql) in MIGRATIONS.iter().filter(|m| !applied.contains(&m.0)) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
            rusqlite::params![version, now],
        )?;
    }
    tx.commit()?;
    Ok(latest())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_refuse_a_newer_database() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(apply(&mut conn, "2026-01-01T00:00:00Z").unwrap(), latest());
        // A second start changes nothing.
        assert_eq!(apply(&mut conn, "2026-01-02T00:00:00Z").unwrap(), latest());
        let n: i64 =
            conn.query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0)).unwrap();
        assert_eq!(n, MIGRATIONS.len() as i64, "each migration once");
        conn.execute("INSERT INTO schema_version VALUES (999, 'x')", []).unwrap();
        assert!(matches!(
            apply(&mut conn, "2026-01-03T00:00:00Z"),
            Err(StoreError::NewerSchema { found: 999, .. })
        ));
    }

    #[test]
    fn a_migration_numbered_below_the_newest_applied_is_still_applied() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, "2026-01-01T00:00:00Z").unwrap();
        // A database that has 0004 but not 0002 (0002 landed after 0004 was applied).
        conn.execute_batch(
            "DROP INDEX attachments_missing; DROP TABLE attachments;
             DELETE FROM schema_version WHERE version = 2;",
        )
        .unwrap();
        apply(&mut conn, "2026-01-02T00:00:00Z").unwrap();
        let versions: Vec<i64> = conn
            .prepare("SELECT version FROM schema_version ORDER BY version")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(versions, MIGRATIONS.iter().map(|m| m.0).collect::<Vec<_>>());
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM attachments", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }
}
