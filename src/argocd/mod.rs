//! Argo CD's config-management plugin contract, as pure data: what the plugin server
//! hands `imagescan argocd` in its environment ([`ArgoEnv`]: the app, the build
//! variables, the plugin parameters), which kind of app the app path holds and the tool
//! that renders it the way Argo CD itself would ([`AppKind`], [`plan`]), and where the
//! repository Argo CD unpacked begins ([`repository_root`]). Resolving and running are
//! [`crate::workspace`]'s; printing is the command line's.
//!
//! Read from argoproj/argo-cd (commit 37ee0097cf85): reposerver/repository/repository.go
//! (`newEnv`, `getPluginEnvs`, `helmTemplate`), util/helm/cmd.go (`template`),
//! util/app/discovery/discovery.go (app types), pkg/apis/application/v1alpha1/types.go
//! (`ApplicationSourcePluginParameters.Environ`).

mod env;
mod error;
mod kind;
mod params;
mod root;

pub use env::{ArgoEnv, Parameter, ParameterValue};
pub use error::ArgoError;
pub use kind::{AppKind, Plan, kind_of, plan};
pub use params::AppParameters;
pub use root::{AppLocation, locate, repository_root};

#[cfg(test)]
mod tests;
