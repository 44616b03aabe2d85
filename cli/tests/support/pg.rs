//! A PostgreSQL schema of a test's own on the test server (`CODEX_MANAGER_TEST_DATABASE_URL`, which scripts/test.sh
//! sets for the suite "Store on PostgreSQL"), dropped at the end (its connections first: a host killed
//! mid-transaction would hold the drop).

use sqlx::Connection;

pub struct Schema {
    pub server: String,
    pub name: String,
}

/// What a test on a server prints when there is none.
pub const SKIPPED: &str = "skipped: CODEX_MANAGER_TEST_DATABASE_URL is not set (scripts/test.sh sets it for the PostgreSQL suite)";

impl Schema {
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

    /// The test's own connection to the hosts' store, to read the rows a test's invariants are about.
    pub async fn connect(&self) -> sqlx::AnyConnection {
        sqlx::AnyConnection::connect(&self.url()).await.expect("the schema connects")
    }

    /// The tables of this schema.
    pub async fn tables(&self) -> Vec<String> {
        let mut conn = sqlx::AnyConnection::connect(&self.server).await.expect("the test server connects");
        sqlx::query_scalar("SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1")
            .bind(&self.name)
            .fetch_all(&mut conn)
            .await
            .expect("the schema's tables")
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
