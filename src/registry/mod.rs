//! The registry client (SPEC §5): the only HTTP code in imagescan.

mod error;

pub use error::RegistryError;
