//! Registry credentials (SPEC §5): secret directories, Docker config, credential helpers.
