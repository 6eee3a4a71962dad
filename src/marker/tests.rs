//! Table-driven tests of the engine as a whole: find, build values, apply.

use super::*;
use crate::diagnostic::Code;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Resolves every marker with scan `app` → `registry.example.com/team/app` 1.5.0,
/// `web` → `nginx` 1.27.1, `num` → `nginx` 1.10, all with DIGEST.
fn resolve(input: &str) -> Result<String, Vec<(usize, Code)>> {
    let markers = find_markers(input.as_bytes()).map_err(|errors| {
        errors
            .iter()
            .map(|e| (e.line, e.code()))
            .collect::<Vec<_>>()
    })?;
    let values: Vec<String> = markers
        .iter()
        .map(|m| {
            let (image, tag) = match m.scan.as_str() {
                "app" => ("registry.example.com/team/app", "1.5.0"),
                "web" => ("nginx", "1.27.1"),
                "num" => ("nginx", "1.10"),
                other => panic!("undefined scan {other}"),
            };
            m.form.value(image, tag, Some(DIGEST)).unwrap()
        })
        .collect();
    let edits: Vec<Edit<'_>> = markers
        .iter()
        .zip(&values)
        .map(|(marker, v)| Edit {
            marker,
            new_value: v,
        })
        .collect();
    let mut out = Vec::new();
    apply(input.as_bytes(), &edits, &mut out).unwrap();
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn line_shapes() {
    let m = r#"# {"$imagescan": "web"}"#;
    let cases: Vec<(String, String)> = vec![
        (
            format!("image: nginx:1.26 {m}\n"),
            format!("image: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("- nginx:1.26 {m}\n"),
            format!("- nginx:1.27.1 {m}\n"),
        ),
        (
            format!("  - image: nginx:1.26 {m}\n"),
            format!("  - image: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("- - nginx:1.26 {m}\n"),
            format!("- - nginx:1.27.1 {m}\n"),
        ),
        (
            format!("image: &img nginx:1.26 {m}\n"),
            format!("image: &img nginx:1.27.1 {m}\n"),
        ),
        (
            format!("image: nginx:1.26\t{m}\n"),
            format!("image: nginx:1.27.1\t{m}\n"),
        ),
        (
            format!("image:   nginx:1.26     {m}   \n"),
            format!("image:   nginx:1.27.1     {m}   \n"),
        ),
        (
            "image: nginx:1.26 #{\"$imagescan\":\"web\"}\n".into(),
            "image: nginx:1.27.1 #{\"$imagescan\":\"web\"}\n".into(),
        ),
        (
            "image: nginx:1.26 #   {  \"$imagescan\" :\t\"web\"  }  \n".into(),
            "image: nginx:1.27.1 #   {  \"$imagescan\" :\t\"web\"  }  \n".into(),
        ),
        (
            format!("\"image\": nginx:1.26 {m}\n"),
            format!("\"image\": nginx:1.27.1 {m}\n"),
        ),
        (
            format!("'image': 'nginx:1.26' {m}\n"),
            format!("'image': 'nginx:1.27.1' {m}\n"),
        ),
        (
            format!("image: \"nginx:1.26\" {m}\n"),
            format!("image: \"nginx:1.27.1\" {m}\n"),
        ),
        // head comments, the target's own comment kept
        (
            format!("{m}\nimage: nginx:1.26\n"),
            format!("{m}\nimage: nginx:1.27.1\n"),
        ),
        (
            format!("  {m}\n  image: nginx:1.26 # pinned\n"),
            format!("  {m}\n  image: nginx:1.27.1 # pinned\n"),
        ),
        // empty values are filled in
        (
            format!("image: {m}\n"),
            format!("image: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("image:\t{m}\n"),
            format!("image: nginx:1.27.1\t{m}\n"),
        ),
        (
            format!("{m}\nimage:\n"),
            format!("{m}\nimage: nginx:1.27.1\n"),
        ),
        (
            format!("image: {m}\nnext: 1\n"),
            format!("image: nginx:1.27.1 {m}\nnext: 1\n"),
        ),
        // CRLF and no final newline
        (
            format!("a: 1\r\nimage: nginx:1.26 {m}\r\nb: 2\r\n"),
            format!("a: 1\r\nimage: nginx:1.27.1 {m}\r\nb: 2\r\n"),
        ),
        (
            format!("{m}\r\nimage: nginx:1.26\r\n"),
            format!("{m}\r\nimage: nginx:1.27.1\r\n"),
        ),
        (
            format!("{m}\r\nimage:\r\n"),
            format!("{m}\r\nimage: nginx:1.27.1\r\n"),
        ),
        (
            format!("image: nginx:1.26 {m}"),
            format!("image: nginx:1.27.1 {m}"),
        ),
        (
            format!("{m}\nimage: nginx"),
            format!("{m}\nimage: nginx:1.27.1"),
        ),
        // a `$imagescan` that is not in a comment is no marker
        (
            "a: \"# {\\\"$imagescan\\\": \\\"web\\\"}\"\n".into(),
            "a: \"# {\\\"$imagescan\\\": \\\"web\\\"}\"\n".into(),
        ),
        (
            "a: b#{\"$imagescan\":\"web\"}\n".into(),
            "a: b#{\"$imagescan\":\"web\"}\n".into(),
        ),
        // block scalar content is never edited, whatever it looks like
        (
            format!("s: |\n  image: nginx:1.26 {m}\n  {m}\n\n  x: 1\nimage: nginx:1.26 {m}\n"),
            format!("s: |\n  image: nginx:1.26 {m}\n  {m}\n\n  x: 1\nimage: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("a:\n  s: >-2\n    image: x {m}\n  image: x {m}\n"),
            format!("a:\n  s: >-2\n    image: x {m}\n  image: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("- |\n  - x {m}\n- x {m}\n"),
            format!("- |\n  - x {m}\n- nginx:1.27.1 {m}\n"),
        ),
        (
            format!("--- |\nimage: x {m}\n---\nimage: x {m}\n"),
            format!("--- |\nimage: x {m}\n---\nimage: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("s: | # note\n  {m}\nimage: x {m}\n"),
            format!("s: | # note\n  {m}\nimage: nginx:1.27.1 {m}\n"),
        ),
        // a comment less indented than the block's content ends it
        (
            format!("a:\n  s: |\n      deep\n    {m}\n  b: x\n"),
            format!("a:\n  s: |\n      deep\n    {m}\n  b: nginx:1.27.1\n"),
        ),
        // an indentation indicator fixes the content indentation
        (
            format!("s: |2\n     first\n   {m}\nimage: x {m}\n"),
            format!("s: |2\n     first\n   {m}\nimage: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("- |1\n  x\n {m}\n- x {m}\n"),
            format!("- |1\n  x\n {m}\n- nginx:1.27.1 {m}\n"),
        ),
        // not a header: `|` in a value or in a comment
        (
            format!("a: x | y\nimage: x {m}\n"),
            format!("a: x | y\nimage: nginx:1.27.1 {m}\n"),
        ),
        (
            format!("a: x # |\n  image: x {m}\n"),
            format!("a: x # |\n  image: nginx:1.27.1 {m}\n"),
        ),
        // multi-document
        (
            format!("---\nimage: x {m}\n---\nimage: y {m}\n...\n"),
            format!("---\nimage: nginx:1.27.1 {m}\n---\nimage: nginx:1.27.1 {m}\n...\n"),
        ),
        // Helm template syntax elsewhere does not matter
        (
            format!(
                "{{{{- if .Values.on }}}}\nimage: x {m}\n  {{{{ toYaml . | nindent 2 }}}}\n{{{{- end }}}}\n"
            ),
            format!(
                "{{{{- if .Values.on }}}}\nimage: nginx:1.27.1 {m}\n  {{{{ toYaml . | nindent 2 }}}}\n{{{{- end }}}}\n"
            ),
        ),
    ];
    for (input, want) in cases {
        assert_eq!(
            resolve(&input).as_deref(),
            Ok(want.as_str()),
            "input:\n{input}"
        );
    }
}

#[test]
fn forms() {
    let cases = [
        ("web", "nginx:1.27.1".to_owned()),
        ("web:name", "nginx".to_owned()),
        ("web:tag", "1.27.1".to_owned()),
        ("web:digest", format!("nginx:1.27.1@{DIGEST}")),
        ("web:tag-digest", format!("1.27.1@{DIGEST}")),
        ("web:digest-only", DIGEST.to_owned()),
    ];
    for (marker, value) in cases {
        let input = format!("v: old # {{\"$imagescan\": \"{marker}\"}}\n");
        let want = format!("v: {value} # {{\"$imagescan\": \"{marker}\"}}\n");
        assert_eq!(resolve(&input).unwrap(), want, "{marker}");
    }
    // The plain form over a digest-pinned value drops the digest.
    let input = format!("image: nginx:1.0@{DIGEST} # {{\"$imagescan\": \"web\"}}\n");
    assert_eq!(
        resolve(&input).unwrap(),
        "image: nginx:1.27.1 # {\"$imagescan\": \"web\"}\n"
    );
}

#[test]
fn quoting() {
    let cases = [
        // plain values that would not read back as strings are double-quoted
        (
            "tag: 1.9 # {\"$imagescan\": \"num:tag\"}\n",
            "tag: \"1.10\" # {\"$imagescan\": \"num:tag\"}\n",
        ),
        (
            "tag: # {\"$imagescan\": \"num:tag\"}\n",
            "tag: \"1.10\" # {\"$imagescan\": \"num:tag\"}\n",
        ),
        (
            "tag: 1.4.0 # {\"$imagescan\": \"app:tag\"}\n",
            "tag: 1.5.0 # {\"$imagescan\": \"app:tag\"}\n",
        ),
        // quoted values keep their quotes
        (
            "tag: '1.9' # {\"$imagescan\": \"num:tag\"}\n",
            "tag: '1.10' # {\"$imagescan\": \"num:tag\"}\n",
        ),
        (
            "tag: \"1.9\" # {\"$imagescan\": \"num:tag\"}\n",
            "tag: \"1.10\" # {\"$imagescan\": \"num:tag\"}\n",
        ),
        (
            "tag: \"x\" # {\"$imagescan\": \"app:tag\"}\n",
            "tag: \"1.5.0\" # {\"$imagescan\": \"app:tag\"}\n",
        ),
        (
            "tag: !!str 1.9 # {\"$imagescan\": \"num:tag\"}\n",
            "tag: !!str \"1.10\" # {\"$imagescan\": \"num:tag\"}\n",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(resolve(input).as_deref(), Ok(want), "{input}");
    }
}

#[test]
fn errors_name_lines_and_codes() {
    let cases: [(&str, Vec<(usize, Code)>); 17] = [
        (
            "a: 1\nimage: x # {\"$imagescan\": \"web:bogus\"}\n",
            vec![(2, Code::UnknownForm)],
        ),
        (
            "image: x # {\"$imagescan\": web}\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # {\"$imagescan\": \"web\"\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # $imagescan: web\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # [\"$imagescan\"]\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # {\"$imagescan\": 1}\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # {\"$imagescan\": \"web\", \"x\": 1}\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # {\"$imagescan\": \"\"}\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # {\"$imagescan\": \":tag\"}\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "image: x # {\"$imagescan\": \"web\"} trailing\n",
            vec![(1, Code::MalformedMarker)],
        ),
        (
            "spec: # {\"$imagescan\": \"web\"}\n  image: x\n",
            vec![(1, Code::MarkerWithoutScalar)],
        ),
        (
            "spec: # {\"$imagescan\": \"web\"}\n\n  # c\n- a\n",
            vec![(1, Code::MarkerWithoutScalar)],
        ),
        (
            "a: | # {\"$imagescan\": \"web\"}\n  x\n",
            vec![(1, Code::MarkerWithoutScalar)],
        ),
        (
            "a: [x] # {\"$imagescan\": \"web\"}\n",
            vec![(1, Code::MarkerWithoutScalar)],
        ),
        (
            "# {\"$imagescan\": \"web\"}\n\nimage: x\n",
            vec![(1, Code::MarkerWithoutScalar)],
        ),
        (
            "# {\"$imagescan\": \"web\"}\nimage: x # {\"$imagescan\": \"web:tag\"}\n",
            vec![(2, Code::DuplicateMarker)],
        ),
        (
            "a: x # {\"$imagescan\": \"web:nope\"}\nb: *r # {\"$imagescan\": \"web\"}\nc: ok # {\"$imagescan\": \"web\"}\nd: {x # {\"$imagescan\"\n",
            vec![
                (1, Code::UnknownForm),
                (2, Code::MarkerWithoutScalar),
                (4, Code::MalformedMarker),
            ],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(resolve(input), Err(want), "{input}");
    }
}

#[test]
fn markers_report_lines_values_and_styles() {
    let text = "a: 1\n# {\"$imagescan\": \"web:tag\"}\ntag: 'it''s' # kept\nd: \"x\\\"y\" # {\"$imagescan\": \"app\"}\ne: # {\"$imagescan\": \"app:digest-only\"}\n";
    let markers = find_markers(text.as_bytes()).unwrap();
    let got: Vec<_> = markers
        .iter()
        .map(|m| {
            (
                m.line,
                m.comment_line,
                m.scan.as_str(),
                m.form,
                m.style,
                m.value.as_str(),
                &text[m.span.clone()],
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                3,
                2,
                "web",
                Form::Tag,
                ScalarStyle::SingleQuoted,
                "it's",
                "'it''s'"
            ),
            (
                4,
                4,
                "app",
                Form::Full,
                ScalarStyle::DoubleQuoted,
                "x\"y",
                "\"x\\\"y\""
            ),
            (5, 5, "app", Form::DigestOnly, ScalarStyle::Empty, "", ""),
        ]
    );
}

#[test]
fn unchanged_values_are_no_change_and_keep_bytes() {
    // A plain `1.10` already there stays as written: equal values are not rewritten.
    let text = b"tag: 1.10 # {\"$imagescan\": \"num:tag\"}\nimage: nginx:1.26 # {\"$imagescan\": \"web\"}\n";
    let markers = find_markers(text).unwrap();
    let edits = [
        Edit {
            marker: &markers[0],
            new_value: "1.10",
        },
        Edit {
            marker: &markers[1],
            new_value: "nginx:1.27",
        },
    ];
    let mut out = Vec::new();
    let changes = apply(text, &edits, &mut out).unwrap();
    assert_eq!(out, b"tag: 1.10 # {\"$imagescan\": \"num:tag\"}\nimage: nginx:1.27 # {\"$imagescan\": \"web\"}\n");
    assert_eq!(
        changes,
        [Change {
            line: 2,
            scan: "web".into(),
            form: Form::Full,
            old_value: "nginx:1.26".into(),
            new_value: "nginx:1.27".into()
        }]
    );
    let mut same = Vec::new();
    assert!(apply(text, &edits[..1], &mut same).unwrap().is_empty());
    assert_eq!(same, text);
}

#[test]
fn undefined_scans_become_diagnostics() {
    let text = b"a: 1\n# {\"$imagescan\": \"nope:tag\"}\ntag: x\n";
    let markers = find_markers(text).unwrap();
    let error = MarkerError::undefined_scan(&markers[0]);
    let diagnostic = error.to_diagnostic("charts/app/values.yaml");
    assert_eq!(
        diagnostic.to_string(),
        "charts/app/values.yaml:2: marker names scan \"nope\", which no imagescan.yaml or fleet.yaml \
         for this file defines [undefined-scan]"
    );
}

#[test]
fn overlapping_edits_are_refused() {
    let text = b"image: x # {\"$imagescan\": \"web\"}\n";
    let markers = find_markers(text).unwrap();
    let edits = [
        Edit {
            marker: &markers[0],
            new_value: "a",
        },
        Edit {
            marker: &markers[0],
            new_value: "b",
        },
    ];
    let mut out = Vec::new();
    assert_eq!(
        apply(text, &edits, &mut out),
        Err(OverlappingEdits { line: 1 })
    );
    assert!(out.is_empty());
}

#[test]
fn no_marker_means_no_allocation_and_nothing_found() {
    let found = find_markers(b"a: 1\nb: imagescan\n").unwrap();
    assert!(found.is_empty());
    assert_eq!(found.capacity(), 0);
}

#[test]
fn many_markers_and_long_lines_stay_linear() {
    // 20,000 markers in one deeply indented block, and a 1 MB line: both finish because
    // every pass moves forward (a quadratic pass would take minutes here).
    let mut text = String::from("root:\n");
    for i in 0..20_000 {
        text.push_str(&format!("  k{i}: x # {{\"$imagescan\": \"web\"}}\n"));
    }
    text.push_str("  long: ");
    text.push_str(&"a".repeat(1 << 20));
    text.push_str(" # {\"$imagescan\": \"web:tag\"}\n");
    let markers = find_markers(text.as_bytes()).unwrap();
    assert_eq!(markers.len(), 20_001);
    assert_eq!(markers[20_000].line, 20_002);
    assert_eq!(markers[20_000].value.len(), 1 << 20);
}

/// A small deterministic generator (no dependency): xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() % items.len()]
    }
}

/// Random files assembled from tricky fragments: finding never panics, and when it
/// succeeds, applying values and finding again reads every new value back at the same
/// line, and applying the same values a second time changes nothing.
#[test]
fn random_files_round_trip() {
    let indents = ["", "  ", "    ", "- ", "  - ", "- - ", "\t"];
    let keys = [
        "image: ",
        "\"q k\": ",
        "'s k': ",
        "k: &a ",
        "k: !!str ",
        "newTag:",
        "k:\t",
        "",
    ];
    let values = [
        "nginx:1.0",
        "'x'",
        "\"x\"",
        "\"a\\\"b\"",
        "'it''s'",
        "",
        "|",
        ">-",
        "[a]",
        "{a: 1}",
        "*a",
        "a: b",
        "1.10",
        "a#b",
        "\"open",
        "{{ .V }}",
    ];
    let comments = [
        "",
        " # {\"$imagescan\": \"web\"}",
        "\t#{\"$imagescan\":\"web:tag\"}",
        " # {\"$imagescan\": \"web:digest-only\"}",
        " # {\"$imagescan\": \"web:bogus\"}",
        " # {\"$imagescan\": web}",
        " # plain comment",
        " # $imagescan",
    ];
    let extra = [
        "",
        "---",
        "...",
        "# {\"$imagescan\": \"web\"}",
        "  # {\"$imagescan\": \"web:name\"}",
        "",
        "  text",
    ];
    let new_values = [
        "nginx:1.27.1",
        "1.10",
        "it's",
        "a \"b\" \\ c",
        "a: b",
        "- x",
        "x #y",
        "yes",
        "~",
        "",
        "sha256:abc",
        " lead",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    for round in 0..20_000 {
        let mut text = String::new();
        for _ in 0..(1 + rng.next() % 8) {
            if rng.next().is_multiple_of(4) {
                text.push_str(rng.pick(&extra));
            } else {
                text.push_str(rng.pick(&indents));
                text.push_str(rng.pick(&keys));
                text.push_str(rng.pick(&values));
                text.push_str(rng.pick(&comments));
            }
            text.push_str(if round % 3 == 0 { "\r\n" } else { "\n" });
        }
        if round % 5 == 0 {
            text.pop();
        }
        let Ok(markers) = find_markers(text.as_bytes()) else {
            continue;
        };
        let chosen: Vec<&str> = markers.iter().map(|_| rng.pick(&new_values)).collect();
        let edits: Vec<Edit<'_>> = markers
            .iter()
            .zip(&chosen)
            .map(|(marker, v)| Edit {
                marker,
                new_value: v,
            })
            .collect();
        let mut out = Vec::new();
        apply(text.as_bytes(), &edits, &mut out).unwrap();
        let again = find_markers(&out)
            .unwrap_or_else(|e| panic!("{text:?} -> {:?}: {e:?}", String::from_utf8_lossy(&out)));
        let read_back: Vec<(usize, &str)> =
            again.iter().map(|m| (m.line, m.value.as_str())).collect();
        let written: Vec<(usize, &str)> = markers
            .iter()
            .zip(&chosen)
            // An empty new value over an empty scalar writes nothing, as it should.
            .map(|(m, v)| {
                (
                    m.line,
                    if v.is_empty() && m.value.is_empty() {
                        ""
                    } else {
                        v
                    },
                )
            })
            .collect();
        assert_eq!(
            read_back,
            written,
            "{text:?} -> {:?}",
            String::from_utf8_lossy(&out)
        );
        // Outside the values, every byte is the same (an inserted value brings one space).
        let (mut at_in, mut at_out) = (0, 0);
        for ((before, after), v) in markers.iter().zip(&again).zip(&chosen) {
            let mut kept = text.as_bytes()[at_in..before.span.start].to_vec();
            if before.style == ScalarStyle::Empty && !v.is_empty() {
                kept.push(b' ');
            }
            assert_eq!(kept, &out[at_out..after.span.start], "{text:?}");
            (at_in, at_out) = (before.span.end, after.span.end);
        }
        assert_eq!(&text.as_bytes()[at_in..], &out[at_out..], "{text:?}");
        let edits: Vec<Edit<'_>> = again
            .iter()
            .zip(&chosen)
            .map(|(marker, v)| Edit {
                marker,
                new_value: v,
            })
            .collect();
        let mut twice = Vec::new();
        assert!(apply(&out, &edits, &mut twice).unwrap().is_empty());
        assert_eq!(twice, out);
        checked += usize::from(!markers.is_empty());
    }
    assert!(checked > 1000, "only {checked} files had markers");
}

/// Arbitrary bytes built from YAML's special characters never make the finder panic, and
/// whatever it finds can be applied and found again.
#[test]
fn arbitrary_bytes_never_panic() {
    let pieces: [&[u8]; 24] = [
        b"$imagescan",
        b"{\"$imagescan\": \"web\"}",
        b"\n",
        b"\r\n",
        b"\r",
        b"#",
        b" ",
        b"\t",
        b"\"",
        b"'",
        b":",
        b"- ",
        b"|",
        b">2",
        b"---",
        b"\\",
        b"{",
        b"}",
        b"&a",
        b"!t",
        b"x",
        "é".as_bytes(),
        b"\xff\xfe",
        b"\xEF\xBB\xBF",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..20_000 {
        let mut text = Vec::new();
        for _ in 0..rng.next() % 40 {
            text.extend_from_slice(pieces[rng.next() % pieces.len()]);
        }
        if let Ok(markers) = find_markers(&text) {
            let edits: Vec<Edit<'_>> = markers
                .iter()
                .map(|marker| Edit {
                    marker,
                    new_value: "a'\"b",
                })
                .collect();
            let mut out = Vec::new();
            apply(&text, &edits, &mut out).unwrap();
            let again = find_markers(&out).unwrap();
            assert_eq!(
                again.len(),
                markers.len(),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}
