//! Writeback (SPEC §8): resolve markers in a git checkout, commit and push.
