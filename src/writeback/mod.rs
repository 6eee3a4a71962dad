//! Writeback (SPEC §8): resolve markers in a git checkout, commit and push.
//!
//! The pieces: [`settings`] merges flags, a Fleet GitRepo manifest ([`gitrepo`]) and the
//! `commit:` section of imagescan.yaml; [`template`] renders the commit message; [`run`]
//! drives the clone / resolve / commit / push / retry cycle through [`crate::git`];
//! [`migrate`] moves `imageScans` out of fleet.yaml. Resolving markers is not done here:
//! the caller gives a [`Resolver`] that rewrites files (with [`write_atomic`]) and reports
//! each [`Change`].

mod change;
pub mod gitrepo;
pub mod run;
pub mod settings;
pub mod template;

pub use crate::fsutil::write_atomic;
pub use change::{Change, Resolver, template_data};
