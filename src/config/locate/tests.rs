use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::*;

fn dirs(vars: &[(&str, &str)], home: Option<&str>) -> UserDirs {
    let vars: Vec<(String, OsString)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    UserDirs::from_vars(
        |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
        home.map(PathBuf::from),
    )
}

#[test]
fn user_folders_follow_the_xdg_variables_else_the_home_folder() {
    let set = dirs(
        &[("XDG_CONFIG_HOME", "/cfg"), ("XDG_DATA_HOME", "/data")],
        Some("/home/u"),
    );
    assert_eq!(set.config.as_deref(), Some(Path::new("/cfg/feedloom")));
    assert_eq!(set.data.as_deref(), Some(Path::new("/data/feedloom")));

    let unset = dirs(&[], Some("/home/u"));
    assert_eq!(
        unset.config.as_deref(),
        Some(Path::new("/home/u/.config/feedloom"))
    );
    assert_eq!(
        unset.data.as_deref(),
        Some(Path::new("/home/u/.local/share/feedloom"))
    );
}

#[test]
fn empty_or_relative_xdg_variables_are_ignored_as_the_specification_asks() {
    let odd = dirs(
        &[("XDG_CONFIG_HOME", ""), ("XDG_DATA_HOME", "relative/data")],
        Some("/home/u"),
    );
    assert_eq!(
        odd.config.as_deref(),
        Some(Path::new("/home/u/.config/feedloom"))
    );
    assert_eq!(
        odd.data.as_deref(),
        Some(Path::new("/home/u/.local/share/feedloom"))
    );
}

#[test]
fn without_variables_or_home_there_is_no_user_folder_and_the_others_remain() {
    let none = dirs(&[], None);
    assert_eq!(none.config, None);
    assert_eq!(
        none.candidates(),
        [
            PathBuf::from("config/feedloom.toml"),
            PathBuf::from("/etc/feedloom/feedloom.toml")
        ]
    );
}

#[test]
fn candidates_are_the_working_directory_then_the_user_then_the_system() {
    assert_eq!(
        dirs(&[("XDG_CONFIG_HOME", "/cfg")], Some("/home/u")).candidates(),
        [
            PathBuf::from("config/feedloom.toml"),
            PathBuf::from("/cfg/feedloom/feedloom.toml"),
            PathBuf::from("/etc/feedloom/feedloom.toml")
        ]
    );
}

#[test]
fn an_explicit_path_wins_even_when_it_does_not_exist() {
    let missing = Path::new("/nonexistent/feedloom.toml");
    assert_eq!(
        find(Some(missing), &dirs(&[], None)),
        Ok(missing.to_owned())
    );
}

#[test]
fn not_found_names_every_place_in_order_and_feedloom_init() {
    let error = NotFound {
        looked: dirs(&[("XDG_CONFIG_HOME", "/cfg")], None).candidates(),
        init_dir: Some(PathBuf::from("/cfg/feedloom")),
    };
    let message = error.to_string();
    let at = |needle: &str| {
        message
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from:\n{message}"))
    };
    let order = [
        at("--config"),
        at("$FEEDLOOM_CONFIG"),
        at("config/feedloom.toml (in the working directory)"),
        at("/cfg/feedloom/feedloom.toml"),
        at("/etc/feedloom/feedloom.toml"),
        at("`feedloom init` writes"),
    ];
    assert!(order.is_sorted(), "{message}");
    assert!(message.contains("to /cfg/feedloom"), "{message}");
}
