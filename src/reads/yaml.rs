//! Reading the YAML files the walker follows (kustomizations, `Chart.yaml`,
//! `requirements.yaml`): bounded in size, UTF-8, nesting checked before anything is
//! loaded into a tree ([`crate::yaml_depth`]), and only the first document kept, as
//! kustomize and Helm read them. Errors are short reasons for [`super::Unfollowed`].

use std::io::Read as _;
use std::path::Path;

use saphyr::{LoadableYamlNode as _, Scalar, Yaml};

/// A followed file larger than this is not followed (real ones are a few KiB).
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The text of `file`.
pub(super) fn read(file: &Path) -> Result<String, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| {
            bytes.reserve_exact(crate::fsutil::read_capacity(&f, MAX_BYTES));
            f.take(MAX_BYTES + 1).read_to_end(&mut bytes)
        })
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!("larger than {} MiB", MAX_BYTES >> 20));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

/// The first document of `text` (`Null` when there is none); the others are ignored.
pub(super) fn first_document(text: &str) -> Result<Yaml<'_>, String> {
    crate::yaml_depth::check(text).map_err(|deep| format!("{deep} (line {})", deep.line))?;
    let docs = Yaml::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    Ok(docs.into_iter().next().unwrap_or(Yaml::Value(Scalar::Null)))
}
