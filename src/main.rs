//! The `imagescan` binary: parse the command line, run it, map the result to an exit code.

fn main() -> std::process::ExitCode {
    imagescan::cli::main(std::env::args_os())
}
