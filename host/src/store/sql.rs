//! Queries built at run time (optional filters, lists of values) with numbered placeholders (`$1`, `$2`, …), which
//! both engines read. sqlx's `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL does not.

use std::fmt::Write;

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Arguments, Encode, Type};

pub(crate) struct Sql<'a> {
    text: String,
    args: AnyArguments<'a>,
    binds: usize,
}

impl<'a> Sql<'a> {
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), args: AnyArguments::default(), binds: 0 }
    }

    pub fn push(&mut self, text: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.text, "{text}");
        self
    }

    /// A placeholder for `value`.
    pub fn push_bind<T: 'a + Encode<'a, Any> + Type<Any>>(&mut self, value: T) -> &mut Self {
        self.binds += 1;
        let _ = write!(self.text, "${}", self.binds);
        // Encoding into Any's buffer only copies the value: it cannot fail for the types the store binds.
        self.args.add(value).expect("a value the store binds encodes");
        self
    }

    /// Placeholders for `values`, separated by commas (for `IN (…)`).
    pub fn push_binds<T: 'a + Encode<'a, Any> + Type<Any>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.push_bind(value);
        }
        self
    }

    pub fn build(&mut self) -> Query<'_, Any, AnyArguments<'_>> {
        sqlx::query_with(&self.text, std::mem::take(&mut self.args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.push_bind(1i64).push(" AND b IN (").push_binds(["x", "y"]).push(")");
        assert_eq!(q.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
    }
}
