//! Tests of `config::edit` and `config::check` on real files.

use std::fs;
use std::path::{Path, PathBuf};

use url::Url;

use super::*;
use crate::config::{Error, check, load};

/// The shipped file: comments on every key, the hardest case to preserve.
fn shipped() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/feedloom.toml");
    fs::read_to_string(path).unwrap()
}

fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedloom.toml");
    fs::write(&path, text).unwrap();
    (dir, path)
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

/// `text` without lines `from..to` (1-based, inclusive-exclusive).
fn without(text: &str, from: usize, to: usize) -> Vec<&str> {
    text.lines()
        .enumerate()
        .filter(|(i, _)| !(from - 1..to - 1).contains(i))
        .map(|(_, l)| l)
        .collect()
}

/// 1-based line number of the first line equal to `line`.
fn line_of(text: &str, line: &str) -> usize {
    text.lines().position(|l| l == line).unwrap() + 1
}

#[test]
fn add_appends_in_neighbour_style_and_keeps_everything_else() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    let feed = NewFeed {
        title: Some("Asia Desk".into()),
        schedule: Some("0 */30 * * * *".into()),
        category: Some("Central Asia".into()),
        ..NewFeed::new(url("https://example.org/asia.xml"))
    };
    let edited = add_feed(&path, &feed).unwrap();
    let after = fs::read_to_string(&path).unwrap();
    let expected = format!(
        "{before}\n[[feeds]]\nurl = \"https://example.org/asia.xml\"\ntitle = \"Asia Desk\"\ncategory = \"Central Asia\"\nschedule = \"0 */30 * * * *\"\n"
    );
    assert_eq!(after, expected);
    assert_eq!(
        edited.to_string(),
        "added 'Asia Desk' https://example.org/asia.xml, schedule 0 */30 * * * *, category 'Central Asia'"
    );
    assert_eq!(
        edited.line,
        line_of(&after, "url = \"https://example.org/asia.xml\"")
    );
    let config = load(&path).unwrap();
    let last = config.feeds.last().unwrap();
    assert_eq!(last.category.as_deref(), Some("Central Asia"));
}

#[test]
fn add_copies_key_spacing_and_entry_spacing() {
    let text = "[topic]\ntitle = \"T\"\n\n\n[[feeds]]\n  url   = \"https://a.example/\"\n";
    let (_dir, path) = setup(text);
    let edited = add_feed(
        &path,
        &NewFeed {
            enabled: false,
            ..NewFeed::new(url("https://b.example/"))
        },
    )
    .unwrap();
    let after = fs::read_to_string(&path).unwrap();
    assert_eq!(
        after,
        format!("{text}\n\n[[feeds]]\n  url   = \"https://b.example/\"\n  enabled   = false\n")
    );
    assert_eq!(
        edited.to_string(),
        "added https://b.example/, schedule 0 */15 * * * * (global), disabled"
    );
}

#[test]
fn add_to_a_file_without_feeds_and_before_later_tables() {
    let (_dir, path) = setup("[topic]\ntitle = \"T\"\n");
    add_feed(&path, &NewFeed::new(url("https://a.example/"))).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[topic]\ntitle = \"T\"\n\n[[feeds]]\nurl = \"https://a.example/\"\n"
    );

    // Entries followed by another table: the new one goes after the last entry.
    let text = "[[feeds]]\nurl = \"https://a.example/\"\n\n[topic]\ntitle = \"T\"\n";
    let (_dir, path) = setup(text);
    add_feed(&path, &NewFeed::new(url("https://b.example/"))).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[[feeds]]\nurl = \"https://a.example/\"\n\n[[feeds]]\nurl = \"https://b.example/\"\n\n[topic]\ntitle = \"T\"\n"
    );
}

#[test]
fn duplicate_is_refused_naming_the_line() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    // Another case of host and a fragment: the same feed.
    let err = add_feed(
        &path,
        &NewFeed::new(url("https://EURASIANET.org/rss.xml#x")),
    )
    .unwrap_err();
    let line = line_of(&before, "url = \"https://eurasianet.org/rss.xml\"");
    match &err {
        EditError::Duplicate {
            line: l, existing, ..
        } => {
            assert_eq!(*l, line);
            assert_eq!(existing.as_deref(), Some("Eurasianet"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&format!(":{line}: ")), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), before);
}

#[test]
fn batch_add_skips_duplicates_and_reports_them() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    let feeds = [
        NewFeed::new(url("https://tass.com/rss/v2.xml")),
        NewFeed {
            category: Some("Wires".into()),
            ..NewFeed::new(url("https://new.example/a"))
        },
        NewFeed::new(url("https://new.example/a#again")),
        NewFeed::new(url("https://new.example/b")),
    ];
    let outcome = add_feeds(&path, &feeds).unwrap();
    assert_eq!(outcome.added.len(), 2);
    assert_eq!(outcome.skipped.len(), 2);
    assert!(outcome.skipped[0].reason.contains("already listed on line"));
    assert!(outcome.skipped[1].reason.contains("twice"));
    assert_eq!(
        outcome.to_string(),
        "added 2 feeds, skipped 2 (already listed)"
    );
    let after = fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(&before));
    assert_eq!(load(&path).unwrap().feeds.len(), 9);
}

#[test]
fn set_title_and_schedule_change_only_their_lines() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    let change = FeedChange {
        title: Some("The Diplomat".into()),
        schedule: Some("0 30 * * * *".into()),
        ..FeedChange::default()
    };
    let edited = change_feed(
        &path,
        SelectorArg::parse("https://thediplomat.com/regions/central-asia/feed/").as_selector(),
        &change,
    )
    .unwrap();
    let after = fs::read_to_string(&path).unwrap();
    let expected = before
        .replace(
            "title = \"The Diplomat: Central Asia\"",
            "title = \"The Diplomat\"",
        )
        .replace("schedule = \"0 0 * * * *\"", "schedule = \"0 30 * * * *\"");
    assert_ne!(expected, before);
    assert_eq!(after, expected);
    assert_eq!(
        edited.to_string(),
        "changed 'The Diplomat' https://thediplomat.com/regions/central-asia/feed/: title 'The Diplomat: Central Asia' → 'The Diplomat', schedule 0 0 * * * * → 0 30 * * * *"
    );
}

#[test]
fn set_keeps_a_trailing_comment_and_appends_a_new_key_after_the_last() {
    let text = "[topic]\ntitle = \"T\"\n\n[[feeds]]\nurl = \"https://a.example/\"\ntitle = \"A\"  # short\n\n[[feeds]]\nurl = \"https://b.example/\"\n";
    let (_dir, path) = setup(text);
    let change = FeedChange {
        title: Some("Alpha".into()),
        schedule: Some("0 0 * * * *".into()),
        ..FeedChange::default()
    };
    change_feed(&path, Selector::Title("a"), &change).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[topic]\ntitle = \"T\"\n\n[[feeds]]\nurl = \"https://a.example/\"\ntitle = \"Alpha\"  # short\nschedule = \"0 0 * * * *\"\n\n[[feeds]]\nurl = \"https://b.example/\"\n"
    );
}

#[test]
fn disable_and_enable_change_only_their_entry() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    // The last entry has `enabled = true` written: it is changed in place.
    let edited = set_enabled(&path, Selector::Title("Al Jazeera"), false).unwrap();
    assert_eq!(edited.action, Action::Disabled);
    assert_eq!(
        edited.to_string(),
        "disabled 'Al Jazeera' https://www.aljazeera.com/xml/rss/all.xml"
    );
    let after = fs::read_to_string(&path).unwrap();
    let n = before.matches("enabled = true").count();
    assert_eq!(n, 1);
    assert_eq!(after, before.replace("enabled = true", "enabled = false"));

    // An entry without the key: appended after its last key.
    let edited = set_enabled(&path, Selector::Title("amu tv"), false).unwrap();
    assert_eq!(edited.action, Action::Disabled);
    let after2 = fs::read_to_string(&path).unwrap();
    let title_line = line_of(&after, "title = \"Amu TV\"");
    let mut expected: Vec<&str> = after.lines().collect();
    expected.insert(title_line, "enabled = false");
    assert_eq!(after2.lines().collect::<Vec<_>>(), expected);
    assert!(after2.ends_with('\n'));

    // Already disabled: nothing written.
    let edited = set_enabled(&path, Selector::Title("Amu TV"), false).unwrap();
    assert_eq!(edited.action, Action::Unchanged);
    assert_eq!(fs::read_to_string(&path).unwrap(), after2);

    // And back on: the value changes, the line stays.
    let edited = set_enabled(&path, Selector::Title("Amu TV"), true).unwrap();
    assert_eq!(edited.action, Action::Enabled);
    let after3 = fs::read_to_string(&path).unwrap();
    let mut expected: Vec<&str> = after.lines().collect();
    expected.insert(title_line, "enabled = true");
    assert_eq!(after3.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn remove_takes_the_entry_and_its_attached_comment_only() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    let edited = remove_feed(
        &path,
        Selector::Url(&url("https://www.aljazeera.com/xml/rss/all.xml")),
    )
    .unwrap();
    assert_eq!(
        edited.to_string(),
        "removed 'Al Jazeera' https://www.aljazeera.com/xml/rss/all.xml"
    );
    let after = fs::read_to_string(&path).unwrap();
    // The entry is the last four lines (header, url, title, comment, key) and
    // the blank line before it.
    let header = line_of(
        &before,
        "url = \"https://www.aljazeera.com/xml/rss/all.xml\"",
    ) - 1;
    let total = before.lines().count();
    assert_eq!(
        after.lines().collect::<Vec<_>>(),
        without(&before, header - 1, total + 1)
    );

    // A middle entry.
    let edited = remove_feed(&path, Selector::Title("Eurasianet")).unwrap();
    assert_eq!(edited.action, Action::Removed);
    let after2 = fs::read_to_string(&path).unwrap();
    let header = line_of(&after, "url = \"https://eurasianet.org/rss.xml\"") - 1;
    assert_eq!(
        after2.lines().collect::<Vec<_>>(),
        without(&after, header - 1, header + 3)
    );
}

#[test]
fn removing_the_first_entry_keeps_the_section_comment() {
    let text = "[topic]\ntitle = \"T\"\n\n# The feeds.\n# More about them.\n\n# About A.\n[[feeds]]\nurl = \"https://a.example/\"\n\n[[feeds]]\nurl = \"https://b.example/\"\n";
    let (_dir, path) = setup(text);
    remove_feed(&path, Selector::Url(&url("https://a.example/"))).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[topic]\ntitle = \"T\"\n\n# The feeds.\n# More about them.\n\n[[feeds]]\nurl = \"https://b.example/\"\n"
    );
    // The last one: the section comment moves to the end of the file.
    remove_feed(&path, Selector::Url(&url("https://b.example/"))).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[topic]\ntitle = \"T\"\n\n# The feeds.\n# More about them.\n"
    );
}

#[test]
fn shipped_first_entry_removal_keeps_the_key_list() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    remove_feed(&path, Selector::Title("TASS (English)")).unwrap();
    let after = fs::read_to_string(&path).unwrap();
    let url_line = line_of(&before, "url = \"https://tass.com/rss/v2.xml\"");
    // Header, url, title and the blank line after the entry go.
    assert_eq!(
        after.lines().collect::<Vec<_>>(),
        without(&before, url_line - 1, url_line + 3)
    );
}

fn mtime(path: &Path) -> std::time::SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn an_invalid_file_is_refused_and_left_untouched() {
    let text = shipped().replace("per_host = 2", "per_hots = 2");
    let (_dir, path) = setup(&text);
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let err = add_feed(&path, &NewFeed::new(url("https://new.example/"))).unwrap_err();
    let EditError::Config(Error::Invalid { problems, .. }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, line_of(&text, "per_hots = 2"));
    let shown = crate::error::error_chain(&err);
    assert!(shown.contains("did you mean `per_host`"), "{shown}");
    assert!(
        shown.contains("nothing changed; fix these first"),
        "{shown}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    assert_eq!(mtime(&path), old);
    for result in [
        remove_feed(&path, Selector::Title("Amu TV")),
        set_enabled(&path, Selector::Title("Amu TV"), false),
    ] {
        assert!(matches!(
            result,
            Err(EditError::Config(Error::Invalid { .. }))
        ));
    }
    assert_eq!(mtime(&path), old);
}

#[test]
fn an_edit_that_would_be_invalid_writes_nothing() {
    let before = shipped();
    let (_dir, path) = setup(&before);
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let change = FeedChange {
        schedule: Some("*/15 * * * *".into()),
        ..FeedChange::default()
    };
    let err = change_feed(&path, Selector::Title("KabulNow"), &change).unwrap_err();
    let EditError::WouldBeInvalid { problems, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(problems[0].key, "feeds[5].schedule");
    assert!(
        err.to_string().contains("seconds field is missing"),
        "{err}"
    );
    let err = add_feed(
        &path,
        &NewFeed {
            title: Some("  ".into()),
            ..NewFeed::new(url("https://new.example/"))
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("empty title"), "{err}");
    let err = add_feed(
        &path,
        &NewFeed {
            category: Some("".into()),
            ..NewFeed::new(url("https://new.example/"))
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("empty category"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), before);
    assert_eq!(mtime(&path), old);
    // No temp file left behind.
    let names: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[cfg(unix)]
#[test]
fn permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path) = setup(&shipped());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    add_feed(&path, &NewFeed::new(url("https://new.example/"))).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    fs::set_permissions(&path, fs::Permissions::from_mode(0o604)).unwrap();
    remove_feed(&path, Selector::Url(&url("https://new.example/"))).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
        0o604
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_file_is_edited_where_it_is() {
    let (dir, path) = setup(&shipped());
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    add_feed(&link, &NewFeed::new(url("https://new.example/"))).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("https://new.example/")
    );
}

#[test]
fn concurrent_edits_all_land() {
    let (_dir, path) = setup(&shipped());
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                add_feed(
                    &path,
                    &NewFeed::new(url(&format!("https://c{i}.example/feed"))),
                )
                .map(|_| ())
                .map_err(|e| e.to_string())
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    let config = load(&path).unwrap();
    assert_eq!(config.feeds.len(), 7 + 8);
    for i in 0..8 {
        let u = format!("https://c{i}.example/feed");
        assert!(config.feeds.iter().any(|f| f.url.as_str() == u), "{u} lost");
    }
}

#[test]
fn selectors_that_miss_or_are_ambiguous() {
    let text = "[topic]\ntitle = \"T\"\n\n[[feeds]]\nurl = \"https://a.example/\"\ntitle = \"News\"\n\n[[feeds]]\nurl = \"https://b.example/\"\ntitle = \"news\"\n";
    let (_dir, path) = setup(text);
    let err = remove_feed(&path, Selector::Title("News")).unwrap_err();
    match &err {
        EditError::Ambiguous { matches, .. } => assert_eq!(
            matches,
            &vec![
                (url("https://a.example/"), 5),
                (url("https://b.example/"), 9)
            ]
        ),
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("https://a.example/ (line 5)"), "{message}");
    let err = remove_feed(&path, Selector::Title("Nothing")).unwrap_err();
    assert!(matches!(err, EditError::NotFound { .. }));
    assert!(err.to_string().contains("feedloom feeds ls"), "{err}");
    let err = set_enabled(&path, Selector::Url(&url("https://c.example/")), false).unwrap_err();
    assert!(err.to_string().contains("no feed in"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    // A URL selector matches the canonical form.
    let edited = remove_feed(
        &path,
        SelectorArg::parse("HTTPS://A.example:443/#top").as_selector(),
    )
    .unwrap();
    assert_eq!(edited.url, url("https://a.example/"));
}

#[test]
fn selector_arg_parsing() {
    assert_eq!(
        SelectorArg::parse("https://a.example/x"),
        SelectorArg::Url(url("https://a.example/x"))
    );
    assert_eq!(
        SelectorArg::parse("Amu TV"),
        SelectorArg::Title("Amu TV".into())
    );
    assert_eq!(
        SelectorArg::parse("mailto:a@b.c"),
        SelectorArg::Title("mailto:a@b.c".into())
    );
}

#[test]
fn category_round_trips_and_is_validated() {
    let text = "[topic]\ntitle = \"T\"\n\n[[feeds]]\nurl = \"https://a.example/\"\ncategory = \" Wires \"\n\n[[feeds]]\nurl = \"https://b.example/\"\ncategory = \"\"\n";
    match crate::config::from_str(text, Path::new("f.toml")) {
        Err(Error::Invalid { problems, .. }) => {
            assert_eq!(problems.len(), 1);
            assert_eq!((problems[0].line, problems[0].column), (10, 12));
            assert_eq!(problems[0].key, "feeds[1].category");
        }
        other => panic!("{other:?}"),
    }
    let (_dir, path) = setup(&text.replace("category = \"\"", "category = \"Local\""));
    let config = load(&path).unwrap();
    assert_eq!(config.feeds[0].category.as_deref(), Some("Wires"));
    assert_eq!(config.feeds[1].category.as_deref(), Some("Local"));
    let edited = add_feed(
        &path,
        &NewFeed {
            category: Some("Asia/Central".into()),
            ..NewFeed::new(url("https://c.example/"))
        },
    )
    .unwrap();
    assert_eq!(edited.category.as_deref(), Some("Asia/Central"));
    assert_eq!(
        load(&path).unwrap().feeds[2].category.as_deref(),
        Some("Asia/Central")
    );
    // A typo gets a did-you-mean.
    let typo =
        "[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"https://a.example/\"\ncategroy = \"x\"\n";
    match crate::config::from_str(typo, Path::new("f.toml")) {
        Err(Error::Invalid { problems, .. }) => {
            assert!(
                problems[0].message.contains("did you mean `category`"),
                "{problems:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

fn check_problems(path: &Path) -> Vec<crate::config::Problem> {
    match check(path) {
        Err(Error::Invalid { problems, .. }) => problems,
        other => panic!("{other:?}"),
    }
}

#[test]
fn check_passes_a_runnable_config() {
    let (dir, path) = setup("[topic]\ntitle = \"T\"\n");
    fs::create_dir(dir.path().join("seeds")).unwrap();
    let checked = check(&path).unwrap();
    assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
    let config = checked.config;
    // Nothing created: neither the database nor its folder, nor a probe.
    assert!(
        !config
            .database
            .sqlite_path()
            .unwrap()
            .parent()
            .unwrap()
            .exists()
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
}

fn check_warnings(path: &Path) -> Vec<crate::config::Problem> {
    match check(path) {
        Ok(checked) => checked.warnings,
        other => panic!("{other:?}"),
    }
}

/// A seeds folder the daemon cannot read is a warning (it polls without
/// seeds), in the words the poll uses.
#[test]
fn check_warns_of_a_missing_seeds_folder_at_its_key_or_the_topic() {
    let (dir, path) = setup("[topic]\ntitle = \"T\"\nseeds = \"articles\"\n");
    let problems = check_warnings(&path);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (
            problems[0].line,
            problems[0].column,
            problems[0].key.as_str()
        ),
        (3, 9, "topic.seeds")
    );
    let expected = crate::config::seeds_problem(&dir.path().join("articles")).unwrap();
    assert_eq!(problems[0].message, format!("warning: {expected}"));
    assert!(
        expected.contains("does not exist") && expected.contains("polls the feeds"),
        "{expected}"
    );

    // Defaulted: reported at [topic]; a file where the folder should be.
    fs::write(&path, "database = \"db/x.db\"\n\n[topic]\ntitle = \"T\"\n").unwrap();
    fs::write(dir.path().join("seeds"), "").unwrap();
    let problems = check_warnings(&path);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (3, 1));
    assert!(problems[0].message.contains("not a folder"), "{problems:?}");
    assert!(
        problems[0].message.contains("(the default)"),
        "{problems:?}"
    );
}

#[test]
fn check_reports_a_database_folder_that_cannot_be_created() {
    let (dir, path) =
        setup("# Where.\ndatabase = \"blocker/data/feedloom.db\"\n[topic]\ntitle = \"T\"\n");
    fs::create_dir(dir.path().join("seeds")).unwrap();
    fs::write(dir.path().join("blocker"), "a file").unwrap();
    let problems = check_problems(&path);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (
            problems[0].line,
            problems[0].column,
            problems[0].key.as_str()
        ),
        (2, 12, "database")
    );
    assert!(problems[0].message.contains("is a file"), "{problems:?}");
}

/// Permission bits do not stop root, so the unwritable folder is one no one
/// can write to: /proc.
#[cfg(target_os = "linux")]
#[test]
fn check_reports_an_unwritable_database_folder_and_both_problems_at_once() {
    let (_dir, path) =
        setup("database = \"/proc/feedloom.db\"\n[topic]\ntitle = \"T\"\nseeds = \"nope\"\n");
    let problems = check_problems(&path);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        (
            problems[0].line,
            problems[0].column,
            problems[0].key.as_str()
        ),
        (1, 12, "database")
    );
    assert!(problems[0].message.contains("not writable"), "{problems:?}");
    assert_eq!(
        (problems[1].line, problems[1].key.as_str()),
        (4, "topic.seeds")
    );
    assert!(problems[1].message.starts_with("warning: "), "{problems:?}");
}

#[cfg(unix)]
#[test]
fn check_reports_a_chmod_read_only_folder_unless_privileged() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = setup("database = \"ro/feedloom.db\"\n[topic]\ntitle = \"T\"\n");
    fs::create_dir(dir.path().join("seeds")).unwrap();
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    // Whether this process can write there anyway (root) decides what
    // check must say; both branches assert.
    let probe = ro.join("probe");
    let privileged = fs::write(&probe, "").is_ok();
    let _ = fs::remove_file(&probe);
    let result = check(&path);
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    if privileged {
        assert!(result.is_ok(), "{result:?}");
    } else {
        let Err(Error::Invalid { problems, .. }) = result else {
            panic!("{result:?}");
        };
        assert_eq!((problems[0].line, problems[0].column), (1, 12));
        assert!(problems[0].message.contains("not writable"));
    }
}

#[test]
fn check_warns_of_each_topics_missing_seeds_folder() {
    let (dir, path) = setup(
        "[topic]\ntitle = \"T\"\n\n[[topics]]\nslug = \"a\"\ntitle = \"A\"\n\n[[topics]]\nslug = \"b\"\ntitle = \"B\"\nseeds = \"b-seeds\"\n",
    );
    fs::create_dir(dir.path().join("seeds")).unwrap();
    let problems = check_warnings(&path);
    let found: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.key.as_str())).collect();
    assert_eq!(
        found,
        [(4, "topics[0].seeds"), (11, "topics[1].seeds")],
        "{problems:#?}"
    );
    assert!(
        problems[0]
            .message
            .contains("seeds/a (the default) does not exist"),
        "{problems:?}"
    );
    fs::create_dir(dir.path().join("seeds/a")).unwrap();
    fs::create_dir(dir.path().join("b-seeds")).unwrap();
    assert!(check_warnings(&path).is_empty());
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let text = "# feeds\r\ndatabase = \"f.db\"\r\n\r\n[topic]\r\ntitle = \"T\"\r\n\r\n[[feeds]]\r\nurl = \"https://a.example/\"\r\nenabled = true\r\n";
    let (_dir, path) = setup(text);
    set_enabled(&path, Selector::Url(&url("https://a.example/")), false).unwrap();
    let after = fs::read_to_string(&path).unwrap();
    assert_eq!(after, text.replace("enabled = true", "enabled = false"));
    add_feed(&path, &NewFeed::new(url("https://b.example/"))).unwrap();
    let after = fs::read_to_string(&path).unwrap();
    assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");
}

#[test]
fn a_feed_added_allowing_its_private_name_lists_the_name_under_fetch_in_one_write() {
    let text = shipped();
    let (_dir, path) = setup(&text);
    let feed = NewFeed::new(url("http://rsshub.lan:1200/telegram/channel/x"));
    add_feed_allowing(&path, &feed, Some("rsshub.lan")).unwrap();
    let after = fs::read_to_string(&path).unwrap();
    let config = load(&path).unwrap();
    assert!(config.fetch.allow_private.allows_name("rsshub.lan"));
    assert!(config.feeds.iter().any(|f| f.url == feed.url));
    // The key goes right after [fetch]'s last key; every other line stays.
    let added = line_of(&after, "allow_private = [\"rsshub.lan\"]");
    assert_eq!(
        after.lines().nth(added - 2),
        Some("max_redirects = 5"),
        "{after}"
    );
    let untouched: Vec<&str> = without(&after, added, added + 1);
    let before: Vec<&str> = text.lines().collect();
    assert_eq!(untouched[..before.len()], before[..], "{after}");

    // A second name joins the same list.
    let other = NewFeed::new(url("http://nas.home.arpa/feed"));
    add_feed_allowing(&path, &other, Some("nas.home.arpa")).unwrap();
    let config = load(&path).unwrap();
    assert!(config.fetch.allow_private.allows_name("rsshub.lan"));
    assert!(config.fetch.allow_private.allows_name("nas.home.arpa"));
}

#[test]
fn a_name_to_allow_in_a_file_without_a_fetch_table_is_refused_writing_nothing() {
    let text = "database = \"f.db\"\n\n[topic]\ntitle = \"T\"\n";
    let (_dir, path) = setup(text);
    let feed = NewFeed::new(url("http://rsshub.lan/feed"));
    let error = add_feed_allowing(&path, &feed, Some("rsshub.lan")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("nothing added") && message.contains("allow_private = [\"rsshub.lan\"]"),
        "{message}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn full_text_is_read_validated_and_set_keeping_a_trailing_comment() {
    let text = "[topic]\ntitle = \"T\"\n\n[[feeds]]\nurl = \"https://a.example/\"\nfull_text = true\n\n[[feeds]]\nurl = \"https://b.example/\"\ntitle = \"B\"  # teasers only\n";
    let config = crate::config::from_str(text, Path::new("f.toml")).unwrap();
    assert!(config.feeds[0].full_text);
    assert!(!config.feeds[1].full_text, "off unless asked");
    // Not a boolean: named by its key, line and column.
    let wrong = text.replace("full_text = true", "full_text = \"yes\"");
    match crate::config::from_str(&wrong, Path::new("f.toml")) {
        Err(Error::Invalid { problems, .. }) => {
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].line, 6, "{problems:?}");
            assert!(problems[0].key.contains("full_text"), "{problems:?}");
        }
        other => panic!("{other:?}"),
    }
    let (_dir, path) = setup(text);
    let on = FeedChange {
        full_text: Some(true),
        ..FeedChange::default()
    };
    let edited = change_feed(&path, Selector::Title("b"), &on).unwrap();
    assert_eq!(
        edited.to_string(),
        "changed 'B' https://b.example/: full_text false → true"
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text.replace("# teasers only\n", "# teasers only\nfull_text = true\n")
    );
    let off = FeedChange {
        full_text: Some(false),
        ..FeedChange::default()
    };
    change_feed(&path, Selector::Title("b"), &off).unwrap();
    change_feed(&path, Selector::Url(&url("https://a.example/")), &off).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text.replace("full_text = true\n", "")
    );
}
