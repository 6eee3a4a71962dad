//! Errors of the registry client.
//!
//! STUB: the registry work fills this in.

/// A failure talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Placeholder variant until the client lands.
    #[error("registry {host} is not reachable")]
    Unreachable {
        /// The API host.
        host: String,
    },
}
