use super::*;

#[test]
fn a_password_never_shows() {
    let url = PostgresUrl::parse("postgres://feedloom:s3cret@db.internal:5433/feeds").unwrap();
    assert_eq!(
        url.to_string(),
        "postgres://feedloom:***@db.internal:5433/feeds"
    );
    assert!(!format!("{url:?}").contains("s3cret"));
    assert!(url.connect_str().contains("s3cret"));
    let database = Database::Postgres(url);
    assert!(!database.to_string().contains("s3cret"));
    assert!(!format!("{database:?}").contains("s3cret"));

    let url = PostgresUrl::parse("postgresql://db/feeds?sslmode=require&password=s3cret").unwrap();
    let shown = url.to_string();
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("sslmode=require"), "{shown}");
}

#[test]
fn only_postgres_urls_with_a_host_are_accepted() {
    assert!(Database::is_postgres_url("postgres://h/d"));
    assert!(Database::is_postgres_url("PostgreSQL://h/d"));
    assert!(!Database::is_postgres_url("data/feedloom.db"));
    assert!(!Database::is_postgres_url("postgres.db"));
    let no_host = PostgresUrl::parse("postgres:///feeds").unwrap_err();
    assert!(no_host.to_string().contains("no host"), "{no_host}");
    let garbage = PostgresUrl::parse("postgres://u:s3cret@[zz/feeds").unwrap_err();
    assert!(!garbage.to_string().contains("s3cret"), "{garbage}");
}
