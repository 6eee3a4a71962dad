//! The container image fields of an item, with their bytes: every `image` of an entry of a
//! `containers`, `initContainers` or `ephemeralContainers` list, wherever it is in the
//! object — Pods, workload templates (Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! Job, ReplicationController…) and CronJob job templates alike, as kustomize's own
//! `images:` transformer finds them. Image rules replace these scalars' bytes in place.

use std::ops::Range;

use saphyr::{MarkedYaml, YamlData};

use super::item::as_str;
use super::text::{ByteOffsets, double_quoted_end, single_quoted_end};
use crate::marker::ScalarStyle;

/// The list keys whose entries are containers.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Deeper than this, nothing is looked at (container images sit a few levels down).
const MAX_DEPTH: usize = 32;

/// One container image field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageField {
    /// The scalar's bytes in the whole input, quotes included.
    pub range: Range<usize>,
    /// How the scalar is written.
    pub style: ScalarStyle,
    /// Its value.
    pub value: String,
    /// Its field path, e.g. `spec.template.spec.containers[0].image`.
    pub field: String,
}

/// The image fields of a parsed item whose text starts at byte `base` of `input`;
/// `offsets` turns the parser's character positions in the item's text into bytes.
pub fn image_fields(
    node: &MarkedYaml<'_>,
    input: &[u8],
    base: usize,
    offsets: &ByteOffsets,
) -> Vec<ImageField> {
    let mut found = Vec::new();
    let walk = Walk {
        input,
        base,
        offsets,
    };
    walk.node(node, &mut String::new(), false, 0, &mut found);
    found
}

struct Walk<'a> {
    input: &'a [u8],
    base: usize,
    offsets: &'a ByteOffsets,
}

impl Walk<'_> {
    fn node(
        &self,
        node: &MarkedYaml<'_>,
        path: &mut String,
        container: bool,
        depth: usize,
        found: &mut Vec<ImageField>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        match &node.data {
            YamlData::Mapping(map) => {
                for (key, value) in map {
                    let Some(key) = as_str(key) else { continue };
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    let list = CONTAINER_LISTS.contains(&key);
                    self.node(value, path, list, depth + 1, found);
                    path.truncate(len);
                }
            }
            YamlData::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    // Entries of a container list are containers; nothing deeper is.
                    let is_container = container && matches!(item.data, YamlData::Mapping(_));
                    if is_container {
                        self.entry(item, path, depth + 1, found);
                    } else {
                        self.node(item, path, false, depth + 1, found);
                    }
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// A container: its `image` is a field; its other values are walked as usual.
    fn entry(
        &self,
        node: &MarkedYaml<'_>,
        path: &mut String,
        depth: usize,
        found: &mut Vec<ImageField>,
    ) {
        let YamlData::Mapping(map) = &node.data else {
            return;
        };
        for (key, value) in map {
            let Some(key) = as_str(key) else { continue };
            let len = path.len();
            path.push('.');
            path.push_str(key);
            if key == "image" {
                if let Some(field) = self.scalar(value, path) {
                    found.push(field);
                }
            } else {
                self.node(
                    value,
                    path,
                    CONTAINER_LISTS.contains(&key),
                    depth + 1,
                    found,
                );
            }
            path.truncate(len);
        }
    }

    /// The bytes of a string scalar on one line.
    fn scalar(&self, node: &MarkedYaml<'_>, path: &str) -> Option<ImageField> {
        let value = as_str(node)?;
        let start = self.base + self.offsets.byte(node.span.start.index());
        let (end, style) = match self.input.get(start)? {
            b'"' => (
                double_quoted_end(self.input, start),
                ScalarStyle::DoubleQuoted,
            ),
            b'\'' => (
                single_quoted_end(self.input, start),
                ScalarStyle::SingleQuoted,
            ),
            _ => {
                let end = self.base + self.offsets.byte(node.span.end.index());
                (end, ScalarStyle::Plain)
            }
        };
        let bytes = self.input.get(start..end)?;
        // Block scalars and values over several lines are left alone.
        if bytes.contains(&b'\n') || matches!(bytes.first(), Some(b'|' | b'>')) {
            return None;
        }
        Some(ImageField {
            range: start..end,
            style,
            value: value.to_owned(),
            field: path.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::krm::item::parse;
    use crate::krm::resource_list::Format;
    use crate::krm::text::byte_offsets;

    fn fields(text: &str, format: Format) -> Vec<(String, String, ScalarStyle)> {
        let node = parse(text, format).unwrap();
        image_fields(&node, text.as_bytes(), 0, &byte_offsets(text))
            .into_iter()
            .map(|f| {
                assert_eq!(
                    encode_back(&text[f.range.clone()], f.style),
                    f.value,
                    "{}",
                    f.field
                );
                (f.field, f.value, f.style)
            })
            .collect()
    }

    fn encode_back(written: &str, style: ScalarStyle) -> String {
        match style {
            ScalarStyle::Plain => written.to_owned(),
            _ => written[1..written.len() - 1].to_owned(),
        }
    }

    #[test]
    fn container_images_of_every_workload_shape() {
        let cronjob = "- apiVersion: batch/v1\n  kind: CronJob\n  metadata:\n    name: é\n  spec:\n    jobTemplate:\n      spec:\n        template:\n          spec:\n            initContainers:\n            - image: 'busybox:1'\n              name: init\n            containers:\n            - name: main\n              image: \"registry.example.com:5000/team/app:1.0\"\n            - image: nginx # not a marker: kustomize strips comments\n  image: not-a-container\n";
        assert_eq!(
            fields(cronjob, Format::Block),
            [
                (
                    "spec.jobTemplate.spec.template.spec.initContainers[0].image".to_owned(),
                    "busybox:1".to_owned(),
                    ScalarStyle::SingleQuoted
                ),
                (
                    "spec.jobTemplate.spec.template.spec.containers[0].image".to_owned(),
                    "registry.example.com:5000/team/app:1.0".to_owned(),
                    ScalarStyle::DoubleQuoted
                ),
                (
                    "spec.jobTemplate.spec.template.spec.containers[1].image".to_owned(),
                    "nginx".to_owned(),
                    ScalarStyle::Plain
                ),
            ]
        );
        let pod = r#"{"kind": "Pod", "spec": {"ephemeralContainers": [{"image": "debug:1"}], "containers": {"image": "not-a-list"}}}"#;
        assert_eq!(
            fields(pod, Format::Flow),
            [(
                "spec.ephemeralContainers[0].image".to_owned(),
                "debug:1".to_owned(),
                ScalarStyle::DoubleQuoted
            )]
        );
        let block = "- spec:\n    containers:\n    - image: |\n        nginx\n";
        assert!(fields(block, Format::Block).is_empty());
    }
}
