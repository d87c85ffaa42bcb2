//! Unit tests of the front-matter reader.

use super::*;

fn run(text: &str) -> Result<(FrontMatter, usize), Error> {
    let lines: Vec<&str> = text.lines().collect();
    split(Path::new("seed.md"), &lines)
}

fn line_of(result: Result<(FrontMatter, usize), Error>) -> usize {
    match result {
        Err(Error::FrontMatter { line, .. }) => line,
        other => panic!("expected a front matter error, got {other:?}"),
    }
}

#[test]
fn yaml_style_block_is_read() {
    let (front, body) = run(
        "---\ntitle: \"A Title\"\nurl: https://example.com/a\npublished: 2021-08-23\n---\nBody",
    )
    .unwrap();
    assert_eq!(front.title.as_deref(), Some("A Title"));
    assert_eq!(
        front.url.map(String::from).as_deref(),
        Some("https://example.com/a")
    );
    assert_eq!(front.published, NaiveDate::from_ymd_opt(2021, 8, 23));
    assert_eq!(body, 5);
}

#[test]
fn the_author_is_read() {
    let (front, _) = run("---\nauthor: \"Ann  Hive\"\n---\nBody").unwrap();
    assert_eq!(front.author.as_deref(), Some("Ann Hive"));
}

#[test]
fn toml_style_block_is_read() {
    let (front, _) = run("+++\ntitle = 'T'\npublished = 2021-08-23T10:00:00Z\n+++\n").unwrap();
    assert_eq!(front.title.as_deref(), Some("T"));
    assert_eq!(front.published, NaiveDate::from_ymd_opt(2021, 8, 23));
}

#[test]
fn no_block_means_no_front_matter() {
    assert_eq!(
        run("Headline\n\nBody.").unwrap(),
        (FrontMatter::default(), 0)
    );
}

#[test]
fn errors_name_the_offending_line() {
    assert_eq!(line_of(run("---\ntitle: T\nurl: not a url\n---\n")), 3);
    assert_eq!(line_of(run("---\nurl: ftp://example.com/x\n---\n")), 2);
    assert_eq!(line_of(run("\n---\npublished: 2021-02-30\n---\n")), 3);
    assert_eq!(line_of(run("---\nsubtitle: Me\n---\n")), 2);
    assert_eq!(line_of(run("---\nauthor: A\nauthor: B\n---\n")), 3);
    assert_eq!(line_of(run("---\ntitle: A\ntitle: B\n---\n")), 3);
    assert_eq!(line_of(run("---\ntitle A\n---\n")), 2);
    assert_eq!(line_of(run("---\ntitle: A\n")), 1);
}
