//! Template parsing: splitting text from `{{ actions }}` (trim markers, comments),
//! tokenising actions, and building the node tree. Pure.

use super::{TemplateError, Value};

#[derive(Debug, Clone)]
pub(super) enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
}

#[derive(Debug, Clone)]
pub(super) struct Pipeline {
    /// `$x := …` or `$i, $v := …`.
    pub(super) decl: Vec<String>,
    pub(super) cmds: Vec<Vec<Arg>>,
}

#[derive(Debug, Clone)]
pub(super) enum Arg {
    /// `.A.B` (empty: `.`).
    Field(Vec<String>),
    /// `$x.A.B` (`$` is the variable named "$").
    Var(String, Vec<String>),
    Lit(Value),
    Func(String),
    Sub(Pipeline, Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(Vec<String>),
    Var(String, Vec<String>),
    Ident(String),
    Lit(Value),
    Pipe,
    Open,
    Close(Vec<String>),
    Declare,
    Comma,
}

fn perr(line: usize, message: impl Into<String>) -> TemplateError {
    TemplateError::Parse {
        line,
        message: message.into(),
    }
}

/// Parses a whole template source into its nodes.
pub(super) fn parse(source: &str) -> Result<Vec<Node>, TemplateError> {
    let mut parser = Parser {
        items: split(source)?,
        pos: 0,
    };
    let (nodes, end) = parser.block()?;
    if let Some((line, kw)) = end {
        return Err(perr(line, format!("unexpected {{{{{kw}}}}}")));
    }
    Ok(nodes)
}

enum Item {
    Text(String),
    Action(usize, Vec<Tok>),
}

/// Splits the source into text and tokenised actions, applying trim markers.
fn split(source: &str) -> Result<Vec<Item>, TemplateError> {
    let mut items = Vec::new();
    let mut rest = source;
    let mut trim_next = false;
    while !rest.is_empty() {
        let offset = source.len() - rest.len();
        let Some(open) = rest.find("{{") else {
            let text = if trim_next { rest.trim_start() } else { rest };
            items.push(Item::Text(text.to_owned()));
            break;
        };
        let line = source[..offset + open].matches('\n').count() + 1;
        let mut text = &rest[..open];
        if trim_next {
            text = text.trim_start();
        }
        let mut inner = &rest[open + 2..];
        if let Some(after) = inner.strip_prefix("- ").or_else(|| {
            inner
                .strip_prefix('-')
                .filter(|a| a.starts_with(['\t', '\n', '\r']))
        }) {
            text = text.trim_end();
            inner = after;
        }
        if !text.is_empty() {
            items.push(Item::Text(text.to_owned()));
        }
        let trimmed = inner.trim_start();
        if let Some(comment) = trimmed.strip_prefix("/*") {
            let Some(end) = comment.find("*/") else {
                return Err(perr(line, "unclosed comment"));
            };
            let after = comment[end + 2..].trim_start();
            if let Some(r) = after.strip_prefix("-}}") {
                trim_next = true;
                rest = r;
            } else if let Some(r) = after.strip_prefix("}}") {
                trim_next = false;
                rest = r;
            } else {
                return Err(perr(line, "comment ends before closing delimiter"));
            }
            continue;
        }
        let (toks, consumed, trim) = lex(inner, line)?;
        trim_next = trim;
        items.push(Item::Action(line, toks));
        rest = &inner[consumed..];
    }
    Ok(items)
}

/// Tokenises one action; returns the tokens, the bytes consumed (through `}}`) and
/// whether a `-}}` asks to trim the following text.
fn lex(s: &str, line: usize) -> Result<(Vec<Tok>, usize, bool), TemplateError> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut toks = Vec::new();
    let ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let chain = |i: &mut usize| {
        let mut fields = Vec::new();
        while *i < b.len() && b[*i] == b'.' && *i + 1 < b.len() && ident_char(b[*i + 1]) {
            let start = *i + 1;
            *i += 1;
            while *i < b.len() && ident_char(b[*i]) {
                *i += 1;
            }
            fields.push(s[start..*i].to_owned());
        }
        fields
    };
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return Err(perr(line, "unclosed action (missing }})"));
        }
        let rest = &s[i..];
        if rest.starts_with("}}") {
            return Ok((toks, i + 2, false));
        }
        if rest.starts_with("-}}") && i > 0 && b[i - 1].is_ascii_whitespace() {
            return Ok((toks, i + 3, true));
        }
        let c = b[i];
        match c {
            b'.' => {
                let fields = chain(&mut i);
                if fields.is_empty() {
                    i += 1;
                }
                toks.push(Tok::Field(fields));
            }
            b'$' => {
                let start = i;
                i += 1;
                while i < b.len() && ident_char(b[i]) {
                    i += 1;
                }
                let name = s[start..i].to_owned();
                let fields = chain(&mut i);
                toks.push(Tok::Var(name, fields));
            }
            b'|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            b'(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b')' => {
                i += 1;
                let fields = chain(&mut i);
                toks.push(Tok::Close(fields));
            }
            b',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            b':' if rest.starts_with(":=") => {
                toks.push(Tok::Declare);
                i += 2;
            }
            b'"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    let Some(&c) = b.get(i) else {
                        return Err(perr(line, "unterminated quoted string"));
                    };
                    match c {
                        b'"' => break,
                        b'\n' => return Err(perr(line, "unterminated quoted string")),
                        b'\\' => {
                            let esc = b.get(i + 1).copied();
                            value.push(match esc {
                                Some(b'n') => '\n',
                                Some(b't') => '\t',
                                Some(b'\\') => '\\',
                                Some(b'"') => '"',
                                _ => return Err(perr(line, "unsupported escape in string")),
                            });
                            i += 2;
                        }
                        _ => {
                            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                            value.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                i += 1;
                toks.push(Tok::Lit(Value::Str(value)));
            }
            b'`' => {
                let Some(end) = s[i + 1..].find('`') else {
                    return Err(perr(line, "unterminated raw string"));
                };
                toks.push(Tok::Lit(Value::Str(s[i + 1..i + 1 + end].to_owned())));
                i += end + 2;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let n = s[start..i].parse::<i64>().map_err(|_| {
                    perr(
                        line,
                        format!("bad number {}", crate::text::quoted(&s[start..i])),
                    )
                })?;
                toks.push(Tok::Lit(Value::Int(n)));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && ident_char(b[i]) {
                    i += 1;
                }
                let word = &s[start..i];
                toks.push(match word {
                    "true" => Tok::Lit(Value::Bool(true)),
                    "false" => Tok::Lit(Value::Bool(false)),
                    "nil" => Tok::Lit(Value::Null),
                    _ => Tok::Ident(word.to_owned()),
                });
            }
            _ => {
                let ch = rest.chars().next().unwrap_or('?');
                return Err(perr(line, format!("unexpected {ch:?} in action")));
            }
        }
    }
}

struct Parser {
    items: Vec<Item>,
    pos: usize,
}

const FUNCS: &[&str] = &[
    "len", "index", "eq", "ne", "lt", "le", "gt", "ge", "not", "and", "or", "print", "println",
    "printf", "join",
];

impl Parser {
    /// Parses nodes until `{{end}}` / `{{else …}}` (returned with its line) or the end.
    #[allow(clippy::type_complexity)]
    fn block(&mut self) -> Result<(Vec<Node>, Option<(usize, String)>), TemplateError> {
        let mut nodes = Vec::new();
        while self.pos < self.items.len() {
            let item = std::mem::replace(&mut self.items[self.pos], Item::Text(String::new()));
            self.pos += 1;
            let (line, toks) = match item {
                Item::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Item::Action(line, toks) => (line, toks),
            };
            let keyword = match toks.first() {
                Some(Tok::Ident(w)) => w.as_str(),
                _ => "",
            };
            match keyword {
                "end" if toks.len() == 1 => return Ok((nodes, Some((line, "end".into())))),
                "else" => {
                    // Keep the rest (`else if …`) for the caller to interpret.
                    self.pos -= 1;
                    self.items[self.pos] = Item::Action(line, toks);
                    return Ok((nodes, Some((line, "else".into()))));
                }
                "if" | "with" | "range" => {
                    let pipe = parse_pipeline(&toks[1..], line, keyword == "range")?;
                    let node = self.control(keyword, pipe, line)?;
                    nodes.push(node);
                }
                "end" | "define" | "template" | "block" | "break" | "continue" => {
                    return Err(perr(
                        line,
                        format!("unsupported {} action", crate::text::quoted(keyword)),
                    ));
                }
                _ => nodes.push(Node::Action(parse_pipeline(&toks, line, false)?)),
            }
        }
        Ok((nodes, None))
    }

    fn control(&mut self, kw: &str, pipe: Pipeline, line: usize) -> Result<Node, TemplateError> {
        let (body, end) = self.block()?;
        let mut els = Vec::new();
        match end {
            None => return Err(perr(line, format!("{{{{{kw}}}}} without {{{{end}}}}"))),
            Some((_, e)) if e == "end" => {}
            Some((else_line, _)) => {
                let Item::Action(_, toks) =
                    std::mem::replace(&mut self.items[self.pos], Item::Text(String::new()))
                else {
                    unreachable!("block() stops on an action")
                };
                self.pos += 1;
                if toks.len() > 1 {
                    // `{{else if X}}` / `{{else with X}}`: a nested control sharing our end.
                    let nested_kw = match &toks[1] {
                        Tok::Ident(w) if w == "if" || w == "with" => w.clone(),
                        _ => return Err(perr(else_line, "unexpected tokens after else")),
                    };
                    let nested = parse_pipeline(&toks[2..], else_line, false)?;
                    els.push(self.control(&nested_kw, nested, else_line)?);
                } else {
                    let (tail, end) = self.block()?;
                    match end {
                        Some((_, e)) if e == "end" => els = tail,
                        Some((l, _)) => return Err(perr(l, "second {{else}}")),
                        None => {
                            return Err(perr(line, format!("{{{{{kw}}}}} without {{{{end}}}}")));
                        }
                    }
                }
            }
        }
        Ok(match kw {
            "if" => Node::If(pipe, body, els),
            "with" => Node::With(pipe, body, els),
            _ => Node::Range(pipe, body, els),
        })
    }
}

fn parse_pipeline(toks: &[Tok], line: usize, range: bool) -> Result<Pipeline, TemplateError> {
    let mut decl = Vec::new();
    let mut toks = toks;
    if let Some(at) = toks.iter().position(|t| *t == Tok::Declare) {
        for (i, t) in toks[..at].iter().enumerate() {
            match t {
                Tok::Var(name, f) if f.is_empty() && i % 2 == 0 => decl.push(name.clone()),
                Tok::Comma if i % 2 == 1 => {}
                _ => return Err(perr(line, "bad variable declaration")),
            }
        }
        if decl.is_empty() || decl.len() > if range { 2 } else { 1 } {
            return Err(perr(line, "bad variable declaration"));
        }
        toks = &toks[at + 1..];
    }
    let (pipe, used) = parse_cmds(toks, line)?;
    if used != toks.len() {
        return Err(perr(line, "unexpected ) in action"));
    }
    if pipe.is_empty() {
        return Err(perr(line, "missing value in action"));
    }
    Ok(Pipeline { decl, cmds: pipe })
}

/// Parses commands separated by `|` until the end or an unmatched `)`.
fn parse_cmds(toks: &[Tok], line: usize) -> Result<(Vec<Vec<Arg>>, usize), TemplateError> {
    let mut cmds = Vec::new();
    let mut cmd = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Pipe => {
                if cmd.is_empty() {
                    return Err(perr(line, "missing command before |"));
                }
                cmds.push(std::mem::take(&mut cmd));
            }
            Tok::Close(_) => break,
            Tok::Open => {
                let (inner, used) = parse_cmds(&toks[i + 1..], line)?;
                i += used + 1;
                let Some(Tok::Close(fields)) = toks.get(i) else {
                    return Err(perr(line, "unclosed ("));
                };
                if inner.is_empty() {
                    return Err(perr(line, "empty ()"));
                }
                cmd.push(Arg::Sub(
                    Pipeline {
                        decl: Vec::new(),
                        cmds: inner,
                    },
                    fields.clone(),
                ));
            }
            Tok::Field(f) => cmd.push(Arg::Field(f.clone())),
            Tok::Var(n, f) => cmd.push(Arg::Var(n.clone(), f.clone())),
            Tok::Lit(v) => cmd.push(Arg::Lit(v.clone())),
            Tok::Ident(name) => {
                if !FUNCS.contains(&name.as_str()) {
                    return Err(perr(
                        line,
                        format!("function {} not defined", crate::text::quoted(name)),
                    ));
                }
                cmd.push(Arg::Func(name.clone()));
            }
            Tok::Declare | Tok::Comma => return Err(perr(line, "unexpected := or ,")),
        }
        i += 1;
    }
    if !cmd.is_empty() {
        cmds.push(cmd);
    } else if !cmds.is_empty() {
        return Err(perr(line, "missing command after |"));
    }
    for c in &cmds[..cmds.len().saturating_sub(0)] {
        if c.len() > 1 && !matches!(c[0], Arg::Func(_)) {
            return Err(perr(line, "can't give argument to non-function"));
        }
    }
    Ok((cmds, i))
}
