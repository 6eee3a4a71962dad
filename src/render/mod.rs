//! Render (SPEC §7): the manifests of a directory with markers resolved.
