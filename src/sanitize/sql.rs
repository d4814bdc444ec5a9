//! SQL helpers for what cannot be a bind parameter: LIKE patterns, table and column
//! names, and sort direction.
//!
//! **Values are never escaped into SQL text.** Pass every value as a bind
//! parameter; the database then never parses it as SQL. There is deliberately no
//! function here that quotes a value for string concatenation. With sqlx:
//!
//! ```ignore
//! // A value: always a parameter ($1 in PostgreSQL, ? in MySQL and SQLite).
//! let orders = sqlx::query_as::<_, Order>("SELECT * FROM orders WHERE customer = $1")
//!     .bind(&customer_name)
//!     .fetch_all(&pool)
//!     .await?;
//!
//! // A search term: escaped for LIKE, then still bound as a parameter.
//! let hits = sqlx::query_as::<_, Order>(r"SELECT * FROM orders WHERE note LIKE $1 ESCAPE '\'")
//!     .bind(like_contains(&search))
//!     .fetch_all(&pool)
//!     .await?;
//! ```
//!
//! Only identifiers and keywords are written into SQL text, and only after they have
//! been checked:
//!
//! ```
//! use portcullis::sanitize::sql::{Dialect, Identifier, SortOrder, like_contains};
//!
//! // ?sort=created_at&order=desc&q=50%_off from the query string:
//! let column = Identifier::from_allowlist("created_at", &["id", "created_at", "total"])?;
//! let order: SortOrder = "desc".parse()?;
//! let sql = format!(
//!     "SELECT id, total FROM orders WHERE note LIKE $1 {} ORDER BY {} {}",
//!     Dialect::PostgreSql.like_escape_clause(),
//!     column.quoted(Dialect::PostgreSql),
//!     order.as_sql(),
//! );
//! assert_eq!(sql, r#"SELECT id, total FROM orders WHERE note LIKE $1 ESCAPE '\' ORDER BY "created_at" DESC"#);
//! assert_eq!(like_contains("50%_off"), r"%50\%\_off%"); // bound as $1
//! assert!(Identifier::from_allowlist("id; DROP TABLE orders", &["id"]).is_err());
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```

use std::borrow::Cow;

use super::SanitizeError;

/// The escape character [`escape_like`] uses: a backslash. Say so in the query with
/// [`Dialect::like_escape_clause`].
pub const LIKE_ESCAPE: char = '\\';

/// The longest identifier [`Identifier::new`] accepts: 63 bytes, PostgreSQL's limit
/// (NAMEDATALEN − 1; MySQL allows 64, SQLite more).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// An SQL dialect, for identifier quoting and the LIKE escape clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// PostgreSQL: identifiers in `"…"`.
    PostgreSql,
    /// MySQL and MariaDB: identifiers in `` `…` ``.
    MySql,
    /// SQLite: identifiers in `"…"`.
    Sqlite,
}

impl Dialect {
    /// The `ESCAPE` clause that makes [`LIKE_ESCAPE`] the escape character, as this
    /// dialect's string literal syntax needs it written.
    ///
    /// ```
    /// use portcullis::sanitize::sql::Dialect;
    ///
    /// assert_eq!(Dialect::PostgreSql.like_escape_clause(), r"ESCAPE '\'");
    /// assert_eq!(Dialect::MySql.like_escape_clause(), r"ESCAPE '\\'"); // MySQL literals use \ escapes
    /// ```
    pub fn like_escape_clause(self) -> &'static str {
        match self {
            // PostgreSQL with standard_conforming_strings (the default since 9.1)
            // and SQLite take backslashes in literals as they are.
            Dialect::PostgreSql | Dialect::Sqlite => r"ESCAPE '\'",
            Dialect::MySql => r"ESCAPE '\\'",
        }
    }
}

/// Escapes `%`, `_` and `\` so that `value` matches only itself in a LIKE or ILIKE
/// pattern, with [`LIKE_ESCAPE`] (`\`) as the escape character. The result is a
/// *parameter value*: bind it; never splice it into SQL text.
///
/// ```
/// use portcullis::sanitize::sql::escape_like;
///
/// assert_eq!(escape_like(r"100%_sure\"), r"100\%\_sure\\");
/// assert!(matches!(escape_like("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
///
/// SQL Server's `[` sets are not escaped: it is not a supported dialect.
pub fn escape_like(value: &str) -> Cow<'_, str> {
    if !value.contains(['%', '_', '\\']) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// A LIKE pattern matching values that contain `value`: `%value%`, escaped.
///
/// ```
/// use portcullis::sanitize::sql::like_contains;
///
/// assert_eq!(like_contains("a_b"), r"%a\_b%");
/// ```
pub fn like_contains(value: &str) -> String {
    format!("%{}%", escape_like(value))
}

/// A LIKE pattern matching values that start with `value`: `value%`, escaped.
///
/// ```
/// use portcullis::sanitize::sql::like_prefix;
///
/// assert_eq!(like_prefix("50%"), r"50\%%");
/// ```
pub fn like_prefix(value: &str) -> String {
    format!("{}%", escape_like(value))
}

/// A LIKE pattern matching values that end with `value`: `%value`, escaped.
///
/// ```
/// use portcullis::sanitize::sql::like_suffix;
///
/// assert_eq!(like_suffix(".txt"), "%.txt");
/// ```
pub fn like_suffix(value: &str) -> String {
    format!("%{}", escape_like(value))
}

/// A table or column name that has been checked, to be written into SQL text with
/// [`quoted`](Self::quoted).
///
/// ```
/// use portcullis::sanitize::sql::{Dialect, Identifier};
///
/// let table = Identifier::new("order_items")?;
/// assert_eq!(table.quoted(Dialect::MySql), "`order_items`");
/// assert!(Identifier::new("orders--").is_err());
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier(String);

impl Identifier {
    /// Accepts `name` if it matches `[A-Za-z_][A-Za-z0-9_]*` and is at most
    /// [`MAX_IDENTIFIER_BYTES`] long. Prefer [`from_allowlist`](Self::from_allowlist)
    /// for names from a request: a valid name may still be a table the caller must
    /// not see.
    ///
    /// Quoted identifiers are case-sensitive in PostgreSQL and SQLite: `Orders`
    /// quoted is not the table `orders`.
    ///
    /// # Errors
    ///
    /// [`SanitizeError::InvalidIdentifier`].
    pub fn new(name: &str) -> Result<Self, SanitizeError> {
        let bytes = name.as_bytes();
        let valid = bytes.len() <= MAX_IDENTIFIER_BYTES
            && bytes.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if valid {
            Ok(Identifier(name.to_owned()))
        } else {
            Err(SanitizeError::InvalidIdentifier)
        }
    }

    /// Accepts `name` only if it is exactly one of `allowed`, which must itself be a
    /// valid name for [`new`](Self::new).
    ///
    /// # Errors
    ///
    /// [`SanitizeError::InvalidIdentifier`] when `name` is not on the list (or the
    /// listed name is not a valid identifier).
    ///
    /// ```
    /// use portcullis::sanitize::sql::Identifier;
    ///
    /// let sortable = ["name", "price"];
    /// assert_eq!(Identifier::from_allowlist("price", &sortable)?.as_str(), "price");
    /// assert!(Identifier::from_allowlist("Price", &sortable).is_err());
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn from_allowlist(name: &str, allowed: &[&str]) -> Result<Self, SanitizeError> {
        match allowed.iter().find(|candidate| **candidate == name) {
            Some(candidate) => Self::new(candidate),
            None => Err(SanitizeError::InvalidIdentifier),
        }
    }

    /// The name, unquoted.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name quoted for `dialect`: `"name"` (PostgreSQL, SQLite) or `` `name` ``
    /// (MySQL). Quoting also keeps reserved words (`order`, `user`) usable as names.
    ///
    /// ```
    /// use portcullis::sanitize::sql::{Dialect, Identifier};
    ///
    /// assert_eq!(Identifier::new("user")?.quoted(Dialect::PostgreSql), r#""user""#);
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn quoted(&self, dialect: Dialect) -> String {
        let quote = match dialect {
            Dialect::PostgreSql | Dialect::Sqlite => '"',
            Dialect::MySql => '`',
        };
        // The pattern admits no quote characters; doubling them anyway keeps this
        // correct on its own (SQL:2016 §5.2 delimited identifiers).
        let mut out = String::with_capacity(self.0.len() + 2);
        out.push(quote);
        for c in self.0.chars() {
            if c == quote {
                out.push(quote);
            }
            out.push(c);
        }
        out.push(quote);
        out
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A sort direction from a fixed set, parsed from `asc` or `desc` (any case).
///
/// ```
/// use portcullis::sanitize::sql::SortOrder;
///
/// assert_eq!("DESC".parse::<SortOrder>()?.as_sql(), "DESC");
/// assert!("desc; DROP TABLE x".parse::<SortOrder>().is_err());
/// assert_eq!(SortOrder::default(), SortOrder::Asc);
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

impl SortOrder {
    /// The SQL keyword: `ASC` or `DESC`.
    pub fn as_sql(self) -> &'static str {
        match self {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        }
    }
}

impl std::str::FromStr for SortOrder {
    type Err = SanitizeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("asc") {
            Ok(SortOrder::Asc)
        } else if text.eq_ignore_ascii_case("desc") {
            Ok(SortOrder::Desc)
        } else {
            Err(SanitizeError::InvalidSortOrder)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_pattern_edges() {
        assert!(Identifier::new("_").is_ok());
        assert!(Identifier::new(&"a".repeat(MAX_IDENTIFIER_BYTES)).is_ok());
        for bad in [
            "",
            "1a",
            "a-b",
            "a b",
            "a\"b",
            "a`b",
            "a.b",
            "é",
            &"a".repeat(MAX_IDENTIFIER_BYTES + 1),
        ] {
            assert_eq!(Identifier::new(bad), Err(SanitizeError::InvalidIdentifier), "{bad:?}");
        }
    }

    #[test]
    fn quoting_doubles_quote_characters() {
        let odd = Identifier(r#"a"b`c"#.to_owned());
        assert_eq!(odd.quoted(Dialect::PostgreSql), r#""a""b`c""#);
        assert_eq!(odd.quoted(Dialect::MySql), "`a\"b``c`");
    }

    #[test]
    fn allowlist_entries_must_be_valid_names() {
        assert!(Identifier::from_allowlist("a b", &["a b"]).is_err());
    }
}
