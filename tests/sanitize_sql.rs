//! `sanitize::sql`'s public behaviour: LIKE escaping, identifiers (strict pattern and
//! allowlist, quoted per dialect) and sort orders.

use std::borrow::Cow;

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::sql::{
    Dialect, Identifier, LIKE_ESCAPE, MAX_IDENTIFIER_BYTES, SortOrder, escape_like, like_contains, like_prefix,
    like_suffix,
};

fn is_borrowed(cow: Cow<'_, str>) -> bool {
    matches!(cow, Cow::Borrowed(_))
}

// ---- sql ------------------------------------------------------------------------------

#[test]
fn escape_like_escapes_percent_underscore_and_backslash() {
    assert_eq!(LIKE_ESCAPE, '\\');
    assert_eq!(escape_like("%"), r"\%");
    assert_eq!(escape_like("_"), r"\_");
    assert_eq!(escape_like("\\"), r"\\");
    assert_eq!(escape_like(r"100%_sure\"), r"100\%\_sure\\");
    assert_eq!(escape_like(r"\%"), r"\\\%");
    assert_eq!(escape_like("%%__"), r"\%\%\_\_");
}

#[test]
fn escape_like_leaves_other_characters_and_is_borrowed_when_clean() {
    assert!(is_borrowed(escape_like("plain [a-z] ünï 'quote'")));
    assert_eq!(escape_like("ü_ü"), r"ü\_ü");
}

#[test]
fn like_patterns_wrap_the_escaped_value() {
    assert_eq!(like_contains("50%_off"), r"%50\%\_off%");
    assert_eq!(like_prefix("50%"), r"50\%%");
    assert_eq!(like_suffix(r"_\"), r"%\_\\");
    assert_eq!(like_contains(""), "%%");
}

#[test]
fn identifier_accepts_the_strict_pattern() {
    for name in ["_", "a", "A_b9", "_1", "order_items", "user"] {
        assert_eq!(Identifier::new(name).unwrap().as_str(), name);
    }
}

#[test]
fn identifier_accepts_63_bytes_and_refuses_64() {
    assert_eq!(MAX_IDENTIFIER_BYTES, 63);
    assert!(Identifier::new(&"a".repeat(63)).is_ok());
    assert_eq!(Identifier::new(&"a".repeat(64)), Err(SanitizeError::InvalidIdentifier));
}

#[test]
fn identifier_refuses_injection_attempts() {
    for bad in [
        "id; DROP TABLE users",
        "name--",
        "a/*x*/",
        "a'b",
        "a\"b",
        "a`b",
        "users.id",
        "*",
        "1=1",
        "x OR 1=1",
        "a\0",
        "a b",
        "",
        "9lives",
        "a-b",
    ] {
        assert_eq!(Identifier::new(bad), Err(SanitizeError::InvalidIdentifier), "{bad:?}");
    }
}

#[test]
fn identifier_refuses_non_ascii() {
    for bad in ["café", "ｉｄ", "naïve", "ıd", "\u{212A}"] {
        assert_eq!(Identifier::new(bad), Err(SanitizeError::InvalidIdentifier), "{bad}");
    }
}

#[test]
fn identifier_from_allowlist_is_exact_and_case_sensitive() {
    let allowed = ["name", "price", "created_at"];
    assert_eq!(Identifier::from_allowlist("price", &allowed).unwrap().as_str(), "price");
    for bad in ["Price", "PRICE", "price ", " price", "pric", "prices", "price;--"] {
        assert_eq!(
            Identifier::from_allowlist(bad, &allowed),
            Err(SanitizeError::InvalidIdentifier),
            "{bad:?}"
        );
    }
}

#[test]
fn identifier_from_allowlist_refuses_a_listed_name_that_is_not_valid() {
    assert_eq!(
        Identifier::from_allowlist("a; DROP TABLE t", &["a; DROP TABLE t"]),
        Err(SanitizeError::InvalidIdentifier)
    );
}

#[test]
fn identifier_is_quoted_per_dialect() {
    let id = Identifier::new("order").unwrap();
    assert_eq!(id.quoted(Dialect::PostgreSql), r#""order""#);
    assert_eq!(id.quoted(Dialect::Sqlite), r#""order""#);
    assert_eq!(id.quoted(Dialect::MySql), "`order`");
    assert_eq!(id.to_string(), "order");
}

#[test]
fn sort_order_parses_asc_and_desc_in_any_case() {
    for (text, order) in [
        ("asc", SortOrder::Asc),
        ("ASC", SortOrder::Asc),
        ("Asc", SortOrder::Asc),
        ("desc", SortOrder::Desc),
        ("DESC", SortOrder::Desc),
        ("dEsC", SortOrder::Desc),
    ] {
        assert_eq!(text.parse::<SortOrder>(), Ok(order), "{text}");
    }
    assert_eq!(SortOrder::Asc.as_sql(), "ASC");
    assert_eq!(SortOrder::Desc.as_sql(), "DESC");
    assert_eq!(SortOrder::default(), SortOrder::Asc);
}

#[test]
fn sort_order_refuses_anything_else() {
    for bad in [
        "asc ",
        " asc",
        "ascending",
        "desc;--",
        "desc; DROP TABLE x",
        "",
        "1",
        "a",
    ] {
        assert_eq!(
            bad.parse::<SortOrder>().unwrap_err().code(),
            "invalid_sort_order",
            "{bad:?}"
        );
    }
}

#[test]
fn like_escape_clause_is_written_per_dialect() {
    assert_eq!(Dialect::PostgreSql.like_escape_clause(), r"ESCAPE '\'");
    assert_eq!(Dialect::Sqlite.like_escape_clause(), r"ESCAPE '\'");
    assert_eq!(Dialect::MySql.like_escape_clause(), r"ESCAPE '\\'");
}
