//! One item of a ResourceList: parsing its bytes (only for the items a message or an
//! image rule needs), what identifies it (`resourceRef`, the file kpt read it from), and
//! which line of that file a line of the item was.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::resource_list::Format;
use crate::yaml_depth::TooDeep;

/// kpt's annotation naming the file an item was read from (and the legacy spelling).
const PATH_ANNOTATIONS: [&str; 2] = [
    "internal.config.kubernetes.io/path",
    "config.kubernetes.io/path",
];
/// How both spellings of [`PATH_ANNOTATIONS`] end: a text without it has neither.
pub const PATH_ANNOTATION_END: &[u8] = b"config.kubernetes.io/path";

/// kpt's annotation naming the directory of the package an item was read from (absolute):
/// `kpt fn render` gives a package's pipeline its subpackages' items too, each with a
/// path relative to its own package.
const PACKAGE_ANNOTATION: &str = "internal.config.kubernetes.io/package-path";

/// kpt's annotation giving the item's position among its file's documents.
const INDEX_ANNOTATIONS: [&str; 2] = [
    "internal.config.kubernetes.io/index",
    "config.kubernetes.io/index",
];

/// Annotation keys kpt and kustomize add to items: their lines are not in the user's file.
fn is_added_annotation(key: &str) -> bool {
    key.starts_with("internal.config.kubernetes.io/")
        || key.starts_with("config.kubernetes.io/index")
        || key.starts_with("config.kubernetes.io/path")
        || key.starts_with("config.k8s.io/id")
        || key.starts_with("kustomize.config.k8s.io/")
}

/// What identifies an item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemInfo {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// The file kpt read it from, relative to its package.
    pub path: Option<String>,
    /// The directory of its package, as kpt gave it.
    pub package: Option<String>,
    /// Its position among that file's documents (0-based).
    pub index: Option<usize>,
}

/// Parses one item's text (a block item starts with its `- `); `None` when it does not
/// parse as one mapping, or nests deeper than imagescan reads ([`parse_bounded`]).
pub fn parse(text: &str, format: Format) -> Option<MarkedYaml<'_>> {
    parse_bounded(text, format).ok().flatten()
}

/// [`parse`], telling an item nested deeper than imagescan reads ([`crate::yaml_depth`]:
/// loading such a tree would overflow the stack) from one that is not a mapping.
pub fn parse_bounded(text: &str, format: Format) -> Result<Option<MarkedYaml<'_>>, TooDeep> {
    crate::yaml_depth::check(text)?;
    Ok(parse_tree(text, format))
}

fn parse_tree(text: &str, format: Format) -> Option<MarkedYaml<'_>> {
    let mut docs = MarkedYaml::load_from_str(text).ok()?;
    let doc = docs.drain(..).next()?;
    let node = match (format, doc.data) {
        (Format::Block, YamlData::Sequence(mut items)) if items.len() == 1 => items.pop()?,
        (Format::Flow, data) => MarkedYaml {
            span: doc.span,
            data,
        },
        _ => return None,
    };
    matches!(node.data, YamlData::Mapping(_)).then_some(node)
}

/// The value at `key` of a mapping node.
pub fn get<'a, 'i>(node: &'a MarkedYaml<'i>, key: &str) -> Option<&'a MarkedYaml<'i>> {
    let YamlData::Mapping(map) = &node.data else {
        return None;
    };
    map.iter()
        .find_map(|(k, v)| (as_str(k) == Some(key)).then_some(v))
}

/// A string scalar's value.
pub fn as_str<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a str> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s),
        _ => None,
    }
}

impl ItemInfo {
    /// The identity of a parsed item.
    pub fn of(node: &MarkedYaml<'_>) -> Self {
        let string = |n: Option<&MarkedYaml<'_>>| n.and_then(as_str).map(str::to_owned);
        let metadata = get(node, "metadata");
        let annotations = metadata.and_then(|m| get(m, "annotations"));
        let annotation = |keys: [&str; 2]| {
            keys.iter()
                .find_map(|k| string(annotations.and_then(|a| get(a, k))))
        };
        ItemInfo {
            api_version: string(get(node, "apiVersion")).unwrap_or_default(),
            kind: string(get(node, "kind")).unwrap_or_default(),
            name: string(metadata.and_then(|m| get(m, "name"))).unwrap_or_default(),
            namespace: string(metadata.and_then(|m| get(m, "namespace"))),
            path: annotation(PATH_ANNOTATIONS),
            package: string(annotations.and_then(|a| get(a, PACKAGE_ANNOTATION))),
            index: annotation(INDEX_ANNOTATIONS).and_then(|i| i.parse().ok()),
        }
    }

    /// The item with its file named from `root`, the outermost package's directory
    /// ([`root_package`]), when its own package is below it: `sub/job.yaml`, not the
    /// `job.yaml` that kpt gives for a subpackage's file.
    #[must_use]
    pub fn within(mut self, root: Option<&str>) -> Self {
        let below = match (self.package.as_deref(), root) {
            (Some(package), Some(root)) => package
                .strip_prefix(root)
                .and_then(|rest| rest.strip_prefix('/'))
                .filter(|rest| !rest.is_empty()),
            _ => None,
        };
        if let (Some(below), Some(path)) = (below, &self.path) {
            self.path = Some(format!("{below}/{path}"));
        }
        self
    }

    /// How messages name the item: its file and document when known, else kind/name.
    pub fn describe(&self) -> String {
        match (&self.path, self.index) {
            (Some(path), Some(index)) if index > 0 => {
                format!("{path} (document {})", index + 1)
            }
            (Some(path), _) => path.clone(),
            (None, _) => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// The directory of the outermost package whose items are in `text` (a ResourceList as
/// kpt writes it): the shortest package path among its items' annotations. Read from the
/// text, without parsing the items, only when a message names an item.
pub fn root_package(text: &[u8]) -> Option<String> {
    let key = PACKAGE_ANNOTATION.as_bytes();
    memchr::memmem::find_iter(text, key)
        .filter_map(|at| {
            let rest = text[at + key.len()..].strip_prefix(b": ")?;
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let value = std::str::from_utf8(&rest[..end]).ok()?;
            let docs = saphyr::Yaml::load_from_str(value).ok()?;
            docs.first()?.as_str().map(str::to_owned)
        })
        .min_by_key(String::len)
}

/// The line of the user's file that line `line` (1-based) of a block item was: kpt
/// writes the file's document indented under `- ` and adds its own annotations (and the
/// `annotations:` key when the document had none); those lines are not counted.
pub fn original_line(item: &[u8], line: usize) -> usize {
    let lines: Vec<&[u8]> = item.split(|&b| b == b'\n').take(line).collect();
    let indent = |l: &[u8]| l.iter().take_while(|&&b| b == b' ').count();
    let key = |l: &[u8]| -> String {
        let t = String::from_utf8_lossy(l.trim_ascii());
        let t = t.trim_start_matches("- ");
        t.split(':')
            .next()
            .unwrap_or_default()
            .trim_matches(|c| c == '"' || c == '\'')
            .to_owned()
    };
    let mut added = 0;
    let mut i = 0;
    while i + 1 < lines.len() {
        let l = lines[i];
        if key(l) == "annotations" && l.trim_ascii().ends_with(b":") {
            let own = indent(l);
            let block: Vec<&[u8]> = lines[i + 1..]
                .iter()
                .take_while(|b| indent(b) > own)
                .copied()
                .collect();
            let internal = block
                .iter()
                .filter(|b| is_added_annotation(&key(b)))
                .count();
            // Lines below the target may belong to the block too: look at the whole item.
            let all_internal = item
                .split(|&b| b == b'\n')
                .skip(i + 1)
                .take_while(|b| indent(b) > own)
                .all(|b| is_added_annotation(&key(b)));
            added += internal + usize::from(all_internal);
            i += 1 + block.len();
            continue;
        }
        i += 1;
    }
    line.saturating_sub(added).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KPT_ITEM: &str = "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n    annotations:\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: 'apps/deploy.yaml'\n      internal.config.kubernetes.io/index: '2'\n  spec:\n    image: x # m\n";

    #[test]
    fn identity_of_an_item() {
        let node = parse(KPT_ITEM, Format::Block).unwrap();
        let info = ItemInfo::of(&node);
        assert_eq!(
            info,
            ItemInfo {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: "web".into(),
                namespace: None,
                path: Some("apps/deploy.yaml".into()),
                package: None,
                index: Some(2),
            }
        );
        assert_eq!(info.describe(), "apps/deploy.yaml (document 3)");
        let json = parse(
            r#"{"kind": "Pod", "metadata": {"name": "p"}}"#,
            Format::Flow,
        )
        .unwrap();
        assert_eq!(ItemInfo::of(&json).describe(), "Pod/p");
        assert!(parse("- a\n- b\n", Format::Block).is_none());
    }

    #[test]
    fn subpackage_files_are_named_from_the_outermost_package() {
        let item = |package: &str, path: &str| {
            format!(
                "- kind: Job\n  metadata:\n    name: j\n    annotations:\n      internal.config.kubernetes.io/package-path: {package}\n      internal.config.kubernetes.io/path: '{path}'\n"
            )
        };
        let list = format!(
            "items:\n{}{}{}",
            item("'/w/pkg/sub'", "job.yaml"),
            item("\"/w/pkg\"", "app.yaml"),
            item("/w/pkg/sub/deeper", "x.yaml"),
        );
        let root = root_package(list.as_bytes());
        assert_eq!(root.as_deref(), Some("/w/pkg"));
        let named = |package: &str, path: &str| {
            let text = item(package, path);
            ItemInfo::of(&parse(&text, Format::Block).unwrap())
                .within(root.as_deref())
                .describe()
        };
        assert_eq!(named("'/w/pkg/sub'", "job.yaml"), "sub/job.yaml");
        assert_eq!(named("/w/pkg/sub/deeper", "x.yaml"), "sub/deeper/x.yaml");
        assert_eq!(named("'/w/pkg'", "app.yaml"), "app.yaml");
        // Not below the root (or no root): as kpt named it.
        assert_eq!(named("'/w/pkgs/other'", "o.yaml"), "o.yaml");
        assert_eq!(
            ItemInfo::of(&parse(&item("'/w/pkg/sub'", "job.yaml"), Format::Block).unwrap())
                .within(None)
                .describe(),
            "job.yaml"
        );
        assert_eq!(root_package(KPT_ITEM.as_bytes()), None);
    }

    #[test]
    fn lines_kpt_added_are_not_counted() {
        // The document had no annotations: kpt added the key and three lines.
        assert_eq!(original_line(KPT_ITEM.as_bytes(), 10), 6);
        assert_eq!(original_line(KPT_ITEM.as_bytes(), 4), 4);
        let own = "- kind: A\n  metadata:\n    annotations:\n      team: x\n      config.kubernetes.io/index: '0'\n  image: y\n";
        assert_eq!(original_line(own.as_bytes(), 6), 5);
    }
}
