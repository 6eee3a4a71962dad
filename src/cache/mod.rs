//! The shared on-disk cache of registry results (SPEC §6).
