//! Writeback (SPEC §8): resolve markers in a git checkout, commit and push.
//!
//! The pieces: [`settings`] merges flags, a Fleet GitRepo manifest ([`gitrepo`]) and the
//! `commit:` section of imagescan.yaml; [`template`] renders the commit message; [`run`]
//! drives the clone / resolve / commit / push / retry cycle through [`crate::git`];
//! The cycle resolves markers through a
//! [`Resolver`]: [`TreeResolver`] is the pipeline of [`crate::workspace`] over the work
//! tree; tests give their own.

mod change;
pub mod gitrepo;
mod resolver;
pub mod run;
pub mod settings;
pub mod template;

pub use crate::fsutil::write_atomic;
pub use change::{Change, Resolver, template_data};
pub use resolver::TreeResolver;
