//! What kind of failure an error is — the one place where a cause is mapped to the exit
//! code SPEC §7 documents. Every library error that reaches a command says its own
//! [`Class`]; the command layer only turns the class into a process exit code, so one
//! cause gives the same code in every command.

/// The kind of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Something outside the user's input failed: a registry, git, the file system, a
    /// full disk (exit 1).
    Operational,
    /// The user's input is wrong: usage, configuration, markers, a file refused (exit 2).
    Invalid,
    /// A command imagescan ran for the user (`render -- CMD`, the tool of a plugin) failed
    /// with this exit code, which is passed on.
    Command(u8),
}

/// An error that knows its [`Class`].
pub trait Classified {
    /// Which kind of failure this is.
    fn class(&self) -> Class;
}
