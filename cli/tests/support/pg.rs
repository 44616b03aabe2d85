//! A schema of a test's own on the PostgreSQL server the suites on PostgreSQL run against
//! (`CODEX_MANAGER_TEST_DATABASE_URL`, which scripts/test.sh sets), for hosts to share.

use sqlx::Connection;

/// A schema of the test's own on the test server, dropped at the end (its connections first: a host killed
/// mid-transaction would hold the drop).
pub struct Schema {
    server: String,
    name: String,
}

impl Schema {
    /// None when no test server is set (the test is then skipped).
    pub async fn create() -> Option<Self> {
        let server = std::env::var("CODEX_MANAGER_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
        let name = format!("cm_e2e_{}_{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&server).await.expect("the test server connects");
        sqlx::raw_sql(&format!("CREATE SCHEMA {name}")).execute(&mut conn).await.expect("schema created");
        Some(Self { server, name })
    }

    /// The host's URL: this schema first on its search path, its connections named after it.
    pub fn url(&self) -> String {
        let sep = if self.server.contains('?') { '&' } else { '?' };
        format!("{}{sep}options[search_path]={name}&application_name={name}", self.server, name = self.name)
    }

    pub async fn drop_now(self) {
        let mut conn = sqlx::AnyConnection::connect(&self.server).await.expect("the test server connects");
        let terminate = format!(
            "SELECT CAST(COUNT(pg_terminate_backend(pid)) AS BIGINT) FROM pg_stat_activity WHERE application_name = '{}' AND pid <> pg_backend_pid()",
            self.name
        );
        sqlx::raw_sql(&terminate).execute(&mut conn).await.expect("connections ended");
        sqlx::raw_sql(&format!("DROP SCHEMA {} CASCADE", self.name)).execute(&mut conn).await.expect("schema dropped");
    }
}
