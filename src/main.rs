fn main() -> std::process::ExitCode {
    handoff_eval::cli::run()
}
