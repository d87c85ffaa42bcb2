//! The `feedloom` binary: everything lives in the library; see `feedloom::cli`.

fn main() -> std::process::ExitCode {
    feedloom::cli::main()
}
