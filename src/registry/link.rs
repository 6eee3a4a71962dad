//! `Link` headers (RFC 8288) of paginated tag lists: finding the `rel="next"` target
//! and resolving it against the URL of the page that carried it.
//!
//! The target is used verbatim: registries (Quay, ECR, Harbor) put opaque cursors in it,
//! so this module never rebuilds `last=`/`n=` itself. Pure code, no I/O.

/// The target of the `rel="next"` link in a `Link` header, if any.
///
/// Accepts several comma-separated links, quoted or bare `rel` values and several
/// space-separated relation types (`rel="next last"`).
pub fn next_link(header: &str) -> Result<Option<&str>, &'static str> {
    let mut rest = header.trim_start();
    while !rest.is_empty() {
        let Some(after_open) = rest.strip_prefix('<') else {
            return Err("expected '<' before a link target");
        };
        let Some(close) = after_open.find('>') else {
            return Err("unterminated '<' in link target");
        };
        let target = &after_open[..close];
        rest = &after_open[close + 1..];
        let mut is_next = false;
        // Parameters up to the next top-level comma; quoted values may hold commas.
        loop {
            rest = rest.trim_start();
            let Some(param) = rest.strip_prefix(';') else {
                break;
            };
            let param = param.trim_start();
            let name_end = param.find(['=', ';', ',']).unwrap_or(param.len());
            let name = param[..name_end].trim();
            rest = &param[name_end..];
            let mut value = "";
            if let Some(v) = rest.strip_prefix('=') {
                let v = v.trim_start();
                if let Some(quoted) = v.strip_prefix('"') {
                    let Some(end) = quoted.find('"') else {
                        return Err("unterminated quoted parameter");
                    };
                    value = &quoted[..end];
                    rest = &quoted[end + 1..];
                } else {
                    let end = v.find([';', ',']).unwrap_or(v.len());
                    value = v[..end].trim();
                    rest = &v[end..];
                }
            }
            if name.eq_ignore_ascii_case("rel")
                && value
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
            {
                is_next = true;
            }
        }
        if is_next {
            return Ok(Some(target));
        }
        rest = rest.trim_start();
        match rest.strip_prefix(',') {
            Some(after) => rest = after.trim_start(),
            None if rest.is_empty() => break,
            None => return Err("unexpected text after a link"),
        }
    }
    Ok(None)
}

/// Resolves a link target against the URL of the page it came from: absolute URLs are
/// kept, `/path` keeps the page's scheme and authority, `?query` keeps its path, and a
/// relative path replaces its last segment (RFC 3986 §5.2, without dot segments, which
/// registries do not send).
pub fn resolve(base: &str, target: &str) -> String {
    if has_scheme(target) {
        return target.to_owned();
    }
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find(['/', '?', '#'])
        .map_or(base.len(), |i| authority_start + i);
    let origin = &base[..path_start];
    if let Some(rest) = target.strip_prefix("//") {
        let scheme = base.find("://").map_or("https", |i| &base[..i]);
        return format!("{scheme}://{rest}");
    }
    if target.starts_with('/') {
        return format!("{origin}{target}");
    }
    let path_end = base[path_start..]
        .find(['?', '#'])
        .map_or(base.len(), |i| path_start + i);
    if target.starts_with('?') {
        return format!("{}{target}", &base[..path_end]);
    }
    let dir_end = base[path_start..path_end]
        .rfind('/')
        .map_or(path_start, |i| path_start + i + 1);
    if dir_end == path_start {
        return format!("{origin}/{target}");
    }
    format!("{}{target}", &base[..dir_end])
}

fn has_scheme(target: &str) -> bool {
    match target.find(':') {
        Some(i) if i > 0 => {
            let scheme = &target[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !target[..i].contains('/')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link() {
        for (header, expected) in [
            (
                r#"</v2/a/tags/list?last=x&n=2>; rel="next""#,
                Some("/v2/a/tags/list?last=x&n=2"),
            ),
            (
                r#"</v2/a/tags/list?c=AbC%3D>;rel=next"#,
                Some("/v2/a/tags/list?c=AbC%3D"),
            ),
            (
                r#"<https://r.example/v2/a/tags/list?c=1>; rel="next""#,
                Some("https://r.example/v2/a/tags/list?c=1"),
            ),
            (
                r#"</first>; rel="prev", </second>; rel="next""#,
                Some("/second"),
            ),
            (r#"</p>; title="a, b; c"; rel="next last""#, Some("/p")),
            (r#"</p>; REL="Next""#, Some("/p")),
            (r#"</p>; rel="prev""#, None),
            ("", None),
            (r#"  </p> ; rel = "next" "#, Some("/p")),
        ] {
            assert_eq!(next_link(header), Ok(expected), "{header:?}");
        }
    }

    #[test]
    fn rejects_malformed_links() {
        for header in [
            r#"/p; rel="next""#,
            r#"</p; rel="next""#,
            r#"</p>; rel="next"#,
            "</p> junk",
        ] {
            assert!(next_link(header).is_err(), "{header:?}");
        }
    }

    #[test]
    fn resolves_targets() {
        let base = "http://127.0.0.1:5000/v2/team/app/tags/list?n=100";
        for (target, expected) in [
            (
                "/v2/team/app/tags/list?last=b&n=100",
                "http://127.0.0.1:5000/v2/team/app/tags/list?last=b&n=100",
            ),
            (
                "https://other.example/v2/x?c=1",
                "https://other.example/v2/x?c=1",
            ),
            ("//mirror:1/v2/x", "http://mirror:1/v2/x"),
            (
                "?cursor=zz",
                "http://127.0.0.1:5000/v2/team/app/tags/list?cursor=zz",
            ),
            (
                "list?cursor=zz",
                "http://127.0.0.1:5000/v2/team/app/tags/list?cursor=zz",
            ),
        ] {
            assert_eq!(resolve(base, target), expected, "{target:?}");
        }
        assert_eq!(resolve("https://h", "x?y"), "https://h/x?y");
        assert_eq!(resolve("https://h/prefix/v2/", "/v2/a"), "https://h/v2/a");
    }
}
