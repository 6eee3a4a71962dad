//! The KRM function (`imagescan fn`, KRM Functions Specification v1): a `ResourceList`
//! on stdin, the same list on stdout with image references resolved and `results` added.
//!
//! kpt hands the function its package's files as items with their comments, so
//! `$imagescan` markers resolve as in files; kustomize strips every comment first, so
//! the functionConfig also carries image rules (`spec.images`) that set container image
//! fields by image name. Items are read as bytes: only the changed scalars are rewritten,
//! everything else is copied ([`resource_list`] finds the items without building a tree
//! of them); the items' markers can be found while the list is read ([`ItemWindows`]).
//! This module never prints and never reads stdin: the command does.

mod function;
mod images;
mod item;
mod resource_list;
mod results;
mod text;
mod windows;

pub use function::{FunctionError, FunctionOutput, Outcome, run};
pub use images::{ImageField, image_fields};
pub use item::ItemInfo;
pub use resource_list::{Format, ReadError, ResourceList, Section};
pub use results::{File, KrmResult, ResourceRef, Severity};
pub use windows::{ItemWindows, ReadAhead};
