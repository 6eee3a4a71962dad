//! Table-driven tests of the engine as a whole: find, build values, apply.

use super::*;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Resolves every marker with scan `app` → `registry.example.com/team/app` 1.5.0,
/// `web` → `nginx` 1.27.1, `num` → `nginx` 1.10, all with DIGEST.
fn resolve(input: &str) -> Result<String, Vec<(usize, &'static str)>> {
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
    let cases: [(&str, Vec<(usize, &str)>); 17] = [
        (
            "a: 1\nimage: x # {\"$imagescan\": \"web:bogus\"}\n",
            vec![(2, "unknown-form")],
        ),
        (
            "image: x # {\"$imagescan\": web}\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # {\"$imagescan\": \"web\"\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # $imagescan: web\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # [\"$imagescan\"]\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # {\"$imagescan\": 1}\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # {\"$imagescan\": \"web\", \"x\": 1}\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # {\"$imagescan\": \"\"}\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # {\"$imagescan\": \":tag\"}\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "image: x # {\"$imagescan\": \"web\"} trailing\n",
            vec![(1, "malformed-marker")],
        ),
        (
            "spec: # {\"$imagescan\": \"web\"}\n  image: x\n",
            vec![(1, "marker-without-scalar")],
        ),
        (
            "spec: # {\"$imagescan\": \"web\"}\n\n  # c\n- a\n",
            vec![(1, "marker-without-scalar")],
        ),
        (
            "a: | # {\"$imagescan\": \"web\"}\n  x\n",
            vec![(1, "marker-without-scalar")],
        ),
        (
            "a: [x] # {\"$imagescan\": \"web\"}\n",
            vec![(1, "marker-without-scalar")],
        ),
        (
            "# {\"$imagescan\": \"web\"}\n\nimage: x\n",
            vec![(1, "marker-without-scalar")],
        ),
        (
            "# {\"$imagescan\": \"web\"}\nimage: x # {\"$imagescan\": \"web:tag\"}\n",
            vec![(2, "duplicate-marker")],
        ),
        (
            "a: x # {\"$imagescan\": \"web:nope\"}\nb: *r # {\"$imagescan\": \"web\"}\nc: ok # {\"$imagescan\": \"web\"}\nd: {x # {\"$imagescan\"\n",
            vec![
                (1, "unknown-form"),
                (2, "marker-without-scalar"),
                (4, "malformed-marker"),
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
