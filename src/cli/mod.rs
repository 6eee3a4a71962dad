//! The command line: clap definitions and one file per subcommand. This layer only
//! orchestrates: it turns arguments into library calls, writes their products to stdout
//! and maps failures to exit codes (SPEC §7). Logs go to stderr.

mod argocd;
mod cache;
mod check;
mod common;
mod exit;
mod function;
mod install_to;
mod log;
mod migrate;
mod post_render;
mod render;
mod resolve;
mod scan;
mod select;
mod workspace;
mod writeback;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use exit::{Classify, CliError, CliResult, Exit};

/// Keeps container image references in GitOps repositories current.
#[derive(Debug, Parser)]
#[command(name = "imagescan", version = env!("IMAGESCAN_VERSION"), about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Say only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Say more on stderr (what each scan selected, from where).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// How stderr messages are written. IMAGESCAN_LOG=error|warn|info|debug sets the level
    /// when neither -q nor -v is given.
    #[arg(long, global = true, value_enum, default_value_t = log::LogFormat::Text)]
    log_format: log::LogFormat,
}

/// Each subcommand's arguments are built only when it is the one run (`defer`): every
/// process builds one command's arguments, not all twelve (~0.1 ms of each start-up,
/// which every Argo CD, kpt and Helm invocation pays). A subcommand's description is
/// the doc comment on its variant here; its `…Args` struct has none, since clap would
/// apply that one last, when it builds the subcommand, in its place.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
enum Command {
    /// Render the Kubernetes objects under DIR with markers resolved, or run CMD
    /// (`-- kubectl kustomize .`) in a resolved copy of DIR.
    Render(render::RenderArgs),
    /// Show (--diff), apply (--write) or check (--check, exit 3) what markers would change.
    Resolve(resolve::ResolveArgs),
    /// Run the scans defined for DIR and show what each selects.
    Scan(scan::ScanArgs),
    /// Resolve the markers of a git checkout, commit what changed and push it.
    Writeback(writeback::WritebackArgs),
    /// Select a tag from tags given on stdin, one a line (the policy engine, no registry).
    Select(select::SelectArgs),
    /// Validate the configuration and the markers with no network; report every problem
    /// with file:line.
    Check(check::CheckArgs),
    /// Inspect (`ls`) or empty (`clear`) the registry cache.
    Cache(cache::CacheArgs),
    /// Move imageScans out of fleet.yaml into imagescan.yaml, byte-exactly otherwise.
    Migrate(migrate::MigrateArgs),
    /// KRM function (kpt, kustomize): a ResourceList on stdin, resolved on stdout.
    #[command(name = "fn")]
    Function(function::FunctionArgs),
    /// Helm post-renderer: Helm's manifests on stdin, markers resolved on stdout.
    PostRender(post_render::PostRenderArgs),
    /// The Argo CD plugin's generate step: resolve the markers of the whole repository in
    /// place, then render the app as Argo CD would (kustomize, Helm, or the directory).
    Argocd(argocd::ArgocdArgs),
    /// Copy this binary to DIR/imagescan (the container image's init step).
    #[command(hide = true)]
    InstallTo(install_to::InstallToArgs),
}

/// Runs the command line given and returns the process exit code.
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                Exit::Invalid
            } else {
                Exit::Success
            };
            // clap prints help and version to stdout, usage errors to stderr.
            let _ = err.print();
            return code.into();
        }
    };
    if let Err(error) = log::init(cli.quiet, cli.verbose, cli.log_format) {
        log::error(error);
        return Exit::Invalid.into();
    }
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(CliError { exit, error }) => {
            log::error(format_args!("{error:#}"));
            exit.into()
        }
    }
}

fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Resolve(args) => resolve::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Writeback(args) => writeback::run(&args),
        Command::Select(args) => select::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Cache(args) => cache::run(&args),
        Command::Migrate(args) => migrate::run(&args),
        Command::Function(args) => function::run(&args),
        Command::PostRender(args) => post_render::run(&args),
        Command::Argocd(args) => argocd::run(&args),
        Command::InstallTo(args) => install_to::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// clap's own checks of the definition (conflicting names, bad defaults, …), on
    /// every subcommand: deferred subcommands are checked only when built, and a run
    /// builds just the one it runs.
    #[test]
    fn every_subcommand_definition_passes_clap_checks() {
        let about = |cli: &clap::Command| -> Vec<(String, String)> {
            cli.get_subcommands()
                .filter(|sub| sub.get_name() != "help")
                .map(|sub| {
                    let about = sub.get_about().map(ToString::to_string);
                    (sub.get_name().to_owned(), about.unwrap_or_default())
                })
                .collect()
        };
        let listed = about(&Cli::command());
        let mut cli = Cli::command();
        cli.build();
        // What `imagescan --help` lists is what `imagescan SUB --help` says.
        assert_eq!(about(&cli), listed);
        assert!(
            listed.iter().all(|(_, about)| !about.is_empty()),
            "{listed:?}"
        );
        let scan = cli.find_subcommand("scan").expect("scan is a subcommand");
        // Built, the deferred arguments are there.
        assert!(
            scan.get_arguments()
                .any(|arg| arg.get_long() == Some("no-digest")),
            "{:?}",
            scan.get_arguments()
                .map(clap::Arg::get_id)
                .collect::<Vec<_>>()
        );
        Cli::command().debug_assert();
    }
}
