fn main() -> std::process::ExitCode {
    thiluat::cli::main()
}
