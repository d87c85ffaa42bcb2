use clap::CommandFactory;

use super::Cli;

/// Every subcommand, argument and option says what it is for in `--help`
/// (and so in the man page and the completions built from the same tree).
#[test]
fn every_argument_and_command_has_help() {
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            let sub_path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                missing.push(sub_path.clone());
            }
            walk(sub, &sub_path, missing);
        }
    }
    let mut command = Cli::command();
    command.build();
    let mut missing = Vec::new();
    walk(&command, "feedloom", &mut missing);
    assert!(
        missing.is_empty(),
        "arguments or commands without help:\n{}",
        missing.join("\n")
    );
    // The walk sees the arguments it must judge.
    let feeds = command.find_subcommand("feeds").expect("feeds");
    let set = feeds.find_subcommand("set").expect("feeds set");
    let ids: Vec<&str> = set.get_arguments().map(|a| a.get_id().as_str()).collect();
    for id in ["feed", "title", "schedule", "category", "global_schedule"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
}
