use std::collections::BTreeMap;
use std::path::Path;

use super::*;

#[test]
fn bundled_seeds_are_the_repository_folder_file_for_file() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/seeds");
    let on_disk: BTreeMap<String, String> = fs::read_dir(&folder)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().into_string().unwrap(),
                fs::read_to_string(entry.path()).unwrap(),
            )
        })
        .collect();
    let bundled: BTreeMap<String, String> = BUNDLED_SEEDS
        .iter()
        .map(|(name, body)| (name.to_string(), body.to_string()))
        .collect();
    assert_eq!(bundled, on_disk);
}

#[test]
fn text_changes_only_the_database_and_keeps_every_comment() {
    let text = text("/var/lib/feedloom/feedloom.db");
    let changed: Vec<(&str, &str)> = BUNDLED_CONFIG
        .lines()
        .zip(text.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            "database = \"data/feedloom.db\"",
            "database = \"/var/lib/feedloom/feedloom.db\""
        )]
    );
    assert_eq!(BUNDLED_CONFIG.lines().count(), text.lines().count());
}

#[test]
fn text_quotes_what_toml_needs_quoted() {
    let text = text("C:\\data \"x\".db");
    let config = validate::from_str(&text, Path::new("/etc/feedloom/feedloom.toml")).unwrap();
    assert_eq!(
        config.database.sqlite_path(),
        Some(Path::new("/etc/feedloom/C:\\data \"x\".db"))
    );
}

#[test]
fn write_makes_a_configuration_that_passes_check_config() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new/folder");
    let written = write(&target, defaults::DATABASE).unwrap();
    assert_eq!(written.config, target.join("feedloom.toml"));
    assert_eq!(written.seed_files, BUNDLED_SEEDS.len());
    let checked = super::super::check(&written.config).unwrap();
    assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
    let config = checked.config;
    assert_eq!(config.topic().seeds, target.join("seeds"));
    assert_eq!(
        config.database.sqlite_path(),
        Some(target.join("data/feedloom.db").as_path())
    );
}

#[test]
fn write_refuses_an_existing_file_or_seeds_folder_and_writes_nothing() {
    for existing in ["feedloom.toml", "seeds"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(existing);
        fs::write(&path, "mine").unwrap();
        let error = write(dir.path(), defaults::DATABASE).unwrap_err();
        assert!(
            matches!(&error, InitError::Exists { path: p } if *p == path),
            "{error}"
        );
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only {existing} is there");
        assert_eq!(fs::read_to_string(&path).unwrap(), "mine");
    }
}

#[test]
fn write_refuses_a_database_value_that_does_not_validate() {
    let dir = tempfile::tempdir().unwrap();
    let error = write(dir.path(), "postgres://").unwrap_err();
    assert!(matches!(error, InitError::Config(_)), "{error}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}
