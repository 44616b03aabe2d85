//! Keyset paging: the one cursor format of the host's own lists (sessions, turn records, jobs).
//!
//! A cursor names the last row of a page by its sort key and id (`<ms>.<id>`), so the next page starts right after
//! it whatever was added or removed meanwhile. Clients treat it as opaque; a cursor the host did not give out is the
//! client's mistake (422 `invalid_cursor`), the same code app-server's own lists answer with.

use super::error::{ErrorCode, ErrorKind, ServiceError, ServiceResult};

/// The cursor of the page after the row with this sort key and id.
pub(super) fn encode(sort_key: i64, id: &str) -> String {
    format!("{sort_key}.{id}")
}

/// The sort key and id a cursor names.
pub(super) fn decode(cursor: &str) -> ServiceResult<(i64, String)> {
    cursor
        .split_once('.')
        .and_then(|(key, id)| Some((key.parse().ok()?, id)))
        .filter(|(_, id)| !id.is_empty())
        .map(|(key, id)| (key, id.to_string()))
        .ok_or_else(invalid_cursor)
}

pub(crate) fn invalid_cursor() -> ServiceError {
    ServiceError::new(
        ErrorKind::Invalid,
        ErrorCode::InvalidCursor,
        "`cursor` is not one this list gave out: pass `nextCursor` from the previous page, or leave it out",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_names_the_row_it_was_made_from() {
        assert_eq!(decode(&encode(1_733_000_000_000, "0193-abc.def")).unwrap(), (1_733_000_000_000, "0193-abc.def".to_string()));
    }

    #[test]
    fn anything_else_is_invalid_cursor() {
        for bad in ["", "abc", "12", "12.", "x.id", ".id", "99999999999999999999.id"] {
            assert_eq!(decode(bad).unwrap_err().code, ErrorCode::InvalidCursor, "{bad:?}");
        }
    }
}
