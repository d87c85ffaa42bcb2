//! What a new user and a package meet: where `feedloom` finds its
//! configuration without `--config`, `feedloom init`, the manual pages and
//! the shell completions. Every run has its own working directory, home and
//! XDG folders, so nothing of the machine's own configuration is seen
//! (except `/etc/feedloom`, which is read-only to the tests: see
//! `config_lookup_without_any_file_…`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::repo_path;

/// A sandbox: a working directory and a home folder of its own.
struct Sandbox {
    _root: tempfile::TempDir,
    root: PathBuf,
    cwd: PathBuf,
    home: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let root_dir = tempfile::tempdir().unwrap();
        let root = root_dir.path().to_owned();
        let cwd = root.join("work");
        let home = root.join("home");
        fs::create_dir_all(&cwd).unwrap();
        fs::create_dir_all(&home).unwrap();
        Self {
            _root: root_dir,
            root,
            cwd,
            home,
        }
    }

    /// `feedloom ARGS` in the sandbox, with `vars` set and every other
    /// variable that steers the lookup removed.
    fn run(&self, vars: &[(&str, &Path)], args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_feedloom"));
        command
            .args(args)
            .current_dir(&self.cwd)
            .env("HOME", &self.home);
        for name in [
            "FEEDLOOM_CONFIG",
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "FEEDLOOM_LOG",
            "RUST_LOG",
            "FEEDLOOM_DATABASE_URL",
        ] {
            command.env_remove(name);
        }
        for (name, value) in vars {
            command.env(name, value);
        }
        command.output().unwrap()
    }

    /// `feedloom init DIR` (DIR under the sandbox's root).
    fn init(&self, dir: &Path) -> PathBuf {
        let output = self.run(&[], &["init", dir.to_str().unwrap()]);
        assert_succeeded(&output);
        dir.join("feedloom.toml")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}

/// The file `check-config` checked: its line starts with the path.
#[track_caller]
fn checked(output: &Output) -> String {
    assert_succeeded(output);
    let text = stdout(output);
    text.split(": OK: ")
        .next()
        .unwrap_or_else(|| panic!("no OK line in {text}"))
        .to_owned()
}

#[test]
fn config_lookup_takes_the_flag_then_the_variable_then_the_working_directory_then_the_user_folder()
{
    let sandbox = Sandbox::new();
    let flag = sandbox.init(&sandbox.root.join("flag"));
    let variable = sandbox.init(&sandbox.root.join("variable"));
    sandbox.init(&sandbox.cwd.join("config"));
    let xdg = sandbox.root.join("xdg");
    let in_xdg = sandbox.init(&xdg.join("feedloom"));
    let in_home = sandbox.init(&sandbox.home.join(".config/feedloom"));
    let all = [
        ("FEEDLOOM_CONFIG", variable.as_path()),
        ("XDG_CONFIG_HOME", xdg.as_path()),
    ];
    let flag_arg = ["--config", flag.to_str().unwrap(), "check-config"];

    assert_eq!(
        checked(&sandbox.run(&all, &flag_arg)),
        flag.to_str().unwrap()
    );
    assert_eq!(
        checked(&sandbox.run(&all, &["check-config"])),
        variable.to_str().unwrap()
    );
    assert_eq!(
        checked(&sandbox.run(&all[1..], &["check-config"])),
        "config/feedloom.toml"
    );
    fs::remove_dir_all(sandbox.cwd.join("config")).unwrap();
    assert_eq!(
        checked(&sandbox.run(&all[1..], &["check-config"])),
        in_xdg.to_str().unwrap()
    );
    // XDG_CONFIG_HOME unset: ~/.config.
    assert_eq!(
        checked(&sandbox.run(&[], &["check-config"])),
        in_home.to_str().unwrap()
    );
    // Every command uses the file found, not only check-config.
    let listed = sandbox.run(&[], &["feeds", "ls", "--json"]);
    assert_succeeded(&listed);
    assert!(stdout(&listed).contains("https://tass.com/rss/v2.xml"));
}

#[test]
fn config_lookup_without_any_file_lists_every_place_and_how_to_make_one() {
    let sandbox = Sandbox::new();
    let xdg = sandbox.root.join("xdg");
    let output = sandbox.run(&[("XDG_CONFIG_HOME", &xdg)], &["check-config"]);
    let system = Path::new("/etc/feedloom/feedloom.toml");
    if system.exists() {
        // feedloom is installed here (the Debian package): the last place
        // is taken, which is what this lookup is for.
        assert_eq!(checked(&output), system.to_str().unwrap());
        return;
    }
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    let user_file = xdg.join("feedloom/feedloom.toml");
    let places = [
        "--config PATH",
        "$FEEDLOOM_CONFIG",
        "config/feedloom.toml (in the working directory)",
        user_file.to_str().unwrap(),
        "/etc/feedloom/feedloom.toml",
        "`feedloom init` writes a commented configuration and a seeds folder to",
    ];
    let positions: Vec<usize> = places
        .iter()
        .map(|place| {
            message
                .find(place)
                .unwrap_or_else(|| panic!("{place:?} missing from:\n{message}"))
        })
        .collect();
    assert!(positions.is_sorted(), "out of order:\n{message}");
    assert!(
        message.contains(&format!("to {}", xdg.join("feedloom").display())),
        "{message}"
    );
}

#[test]
fn config_named_by_the_variable_but_missing_is_an_error_not_a_fallback() {
    let sandbox = Sandbox::new();
    sandbox.init(&sandbox.cwd.join("config"));
    let missing = sandbox.root.join("missing.toml");
    let output = sandbox.run(&[("FEEDLOOM_CONFIG", &missing)], &["check-config"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains(&format!("cannot read config file {}", missing.display())),
        "{}",
        stderr(&output)
    );
}

/// Every file under `dir`, by name, with its text.
fn files(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().into_string().unwrap(),
                fs::read_to_string(entry.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn init_writes_the_bundled_configuration_and_seeds_and_check_config_passes() {
    let sandbox = Sandbox::new();
    let dir = sandbox.root.join("site");
    let output = sandbox.run(&[], &["init", dir.to_str().unwrap()]);
    assert_succeeded(&output);
    let config = dir.join("feedloom.toml");
    assert!(
        stdout(&output).contains(&format!(
            "feedloom --config {} check-config",
            config.display()
        )),
        "{}",
        stdout(&output)
    );

    // The repository's file, commented as it is, its database beside it.
    let bundled = fs::read_to_string(repo_path("config/feedloom.toml")).unwrap();
    assert_eq!(fs::read_to_string(&config).unwrap(), bundled);
    assert_eq!(files(&dir.join("seeds")), files(&repo_path("config/seeds")));

    let check = sandbox.run(&[], &["--config", config.to_str().unwrap(), "check-config"]);
    assert_succeeded(&check);
    assert!(
        stdout(&check).contains(&format!(
            "database {}",
            dir.join("data/feedloom.db").display()
        )),
        "{}",
        stdout(&check)
    );

    // Never over what is there.
    fs::write(&config, "# mine\n").unwrap();
    let again = sandbox.run(&[], &["init", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains(&format!("{} already exists", config.display())),
        "{}",
        stderr(&again)
    );
    assert_eq!(fs::read_to_string(&config).unwrap(), "# mine\n");
}

#[test]
fn init_without_a_folder_writes_where_feedloom_looks_with_the_database_in_the_data_folder() {
    let sandbox = Sandbox::new();
    let data = sandbox.root.join("data-home");
    let vars = [("XDG_DATA_HOME", data.as_path())];
    assert_succeeded(&sandbox.run(&vars, &["init"]));
    let check = sandbox.run(&vars, &["check-config"]);
    let config = sandbox.home.join(".config/feedloom/feedloom.toml");
    assert_eq!(checked(&check), config.to_str().unwrap());
    assert!(
        stdout(&check).contains(&format!(
            "database {}",
            data.join("feedloom/feedloom.db").display()
        )),
        "{}",
        stdout(&check)
    );
    let written = fs::read_to_string(&config).unwrap();
    assert!(
        written.contains(&format!(
            "database = \"{}\"",
            data.join("feedloom/feedloom.db").display()
        )),
        "{written}"
    );

    // A database elsewhere, by hand.
    let other = sandbox.root.join("other");
    let output = sandbox.run(
        &[],
        &[
            "init",
            other.to_str().unwrap(),
            "--database",
            "/srv/loom.db",
        ],
    );
    assert_succeeded(&output);
    let text = fs::read_to_string(other.join("feedloom.toml")).unwrap();
    assert!(text.contains("database = \"/srv/loom.db\""), "{text}");
}

/// The commands `feedloom --help` (or `feedloom SUB --help`) lists, but
/// `help`.
fn commands(sandbox: &Sandbox, args: &[&str]) -> Vec<String> {
    let output = sandbox.run(&[], args);
    assert_succeeded(&output);
    let text = stdout(&output);
    let names: Vec<String> = text
        .split("Commands:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no commands in:\n{text}"))
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(!names.is_empty(), "{text}");
    names
}

#[test]
fn man_page_names_every_command_and_the_folder_has_a_page_for_each() {
    let sandbox = Sandbox::new();
    let top = commands(&sandbox, &["--help"]);
    assert!(top.contains(&"init".to_owned()) && top.contains(&"completions".to_owned()));

    let output = sandbox.run(&[], &["man"]);
    assert_succeeded(&output);
    let page = stdout(&output);
    assert!(page.contains(".TH feedloom 1"), "{page}");
    for name in &top {
        // roff escapes the dashes.
        let reference = format!("feedloom\\-{}(1)", name.replace('-', "\\-"));
        assert!(page.contains(&reference), "{reference} missing");
    }

    let dir = sandbox.root.join("man1");
    let output = sandbox.run(&[], &["man", "--dir", dir.to_str().unwrap()]);
    assert_succeeded(&output);
    let mut expected = vec!["feedloom.1".to_owned()];
    for name in &top {
        expected.push(format!("feedloom-{name}.1"));
    }
    for parent in ["feeds", "opml", "seeds", "store"] {
        for name in commands(&sandbox, &[parent, "--help"]) {
            expected.push(format!("feedloom-{parent}-{name}.1"));
        }
    }
    expected.sort();
    let mut written: Vec<String> = files(&dir).into_keys().collect();
    written.sort();
    assert_eq!(written, expected);
    let init_page = fs::read_to_string(dir.join("feedloom-init.1")).unwrap();
    assert!(init_page.contains("\\-\\-database"), "{init_page}");
}

#[test]
fn completions_for_bash_zsh_and_fish_name_every_command() {
    let sandbox = Sandbox::new();
    let top = commands(&sandbox, &["--help"]);
    for (shell, marker) in [
        ("bash", "complete -F _feedloom"),
        ("zsh", "#compdef feedloom"),
        ("fish", "complete -c feedloom"),
    ] {
        let output = sandbox.run(&[], &["completions", shell]);
        assert_succeeded(&output);
        let script = stdout(&output);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for name in &top {
            assert!(script.contains(name.as_str()), "{shell}: {name} missing");
        }
    }
    let unknown = sandbox.run(&[], &["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn bash_completion_parses_and_registers_for_feedloom() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&[], &["completions", "bash"]);
    assert_succeeded(&output);
    let script = sandbox.root.join("feedloom.bash");
    fs::write(&script, &output.stdout).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert_succeeded(&syntax);
    let registered = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p feedloom",
            script.display()
        ))
        .output()
        .unwrap();
    assert_succeeded(&registered);
    assert!(
        stdout(&registered).contains("_feedloom"),
        "{}",
        stdout(&registered)
    );
}
