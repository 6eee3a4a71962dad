//! Commit message templates: the subset of Go's `text/template` that commit messages use
//! (Fleet's `imageScanCommit.messageTemplate` is a Go template).
//!
//! Supported: text and `{{ pipeline }}` actions with `{{-` / `-}}` trim markers and
//! `{{/* comments */}}`; `.Field.Chains`, `.`, `$`, `$var.Field`; string (`"…"`, `` `…` ``),
//! integer and boolean literals; pipelines `a | f`; parentheses; `if` / `else if` /
//! `else`, `range` (with `$i, $v :=` declarations and `else`), `with`, `end`; variable
//! declarations `{{ $x := … }}`; functions `len`, `index`, `eq`, `ne`, `lt`, `le`, `gt`,
//! `ge`, `not`, `and`, `or`, `print`, `println`, `printf` (`%s`, `%d`, `%v`, `%q`, `%%`),
//! `join` (Sprig's argument order: `join SEP LIST`). Anything else is a parse error,
//! reported before any git work starts.
//!
//! This module is pure: it must not do I/O.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A template could not be parsed or executed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The source is not a valid template.
    #[error("commit message template: line {line}: {message}")]
    Parse {
        /// 1-based line in the template source.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Executing it failed (unknown field, wrong argument type…).
    #[error("commit message template: {message}")]
    Exec {
        /// What went wrong.
        message: String,
    },
}

/// Template data: what Go's `reflect` would see, made explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `nil`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A slice.
    List(Vec<Value>),
    /// A struct or map: fields by name.
    Map(BTreeMap<String, Value>),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }

    fn write_to(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("<no value>"),
            Value::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Str(s) => out.push_str(s),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.write_to(out);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push_str("map[");
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.write_to(out);
                }
                out.push(']');
            }
        }
    }

    fn display(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

/// A parsed template, ready to execute many times.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
}

#[derive(Debug, Clone)]
struct Pipeline {
    /// `$x := …` or `$i, $v := …`.
    decl: Vec<String>,
    cmds: Vec<Vec<Arg>>,
}

#[derive(Debug, Clone)]
enum Arg {
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

impl Template {
    /// Parses `source`.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let actions = split(source)?;
        let mut parser = Parser {
            items: actions,
            pos: 0,
        };
        let (nodes, end) = parser.block()?;
        if let Some((line, kw)) = end {
            return Err(perr(line, format!("unexpected {{{{{kw}}}}}")));
        }
        Ok(Self { nodes })
    }

    /// Fleet's default message.
    pub fn default_message() -> Self {
        Self::parse(DEFAULT_MESSAGE).expect("the default template parses")
    }

    /// Executes the template over `data` (the value of `.` and `$`).
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        let mut out = String::new();
        let mut vars = vec![("$".to_owned(), data.clone())];
        exec_nodes(&self.nodes, data, &mut vars, &mut out)?;
        Ok(out)
    }
}

/// Fleet's default commit message.
pub const DEFAULT_MESSAGE: &str = "Update from image update automation";

fn perr(line: usize, message: impl Into<String>) -> TemplateError {
    TemplateError::Parse {
        line,
        message: message.into(),
    }
}

fn eerr(message: impl Into<String>) -> TemplateError {
    TemplateError::Exec {
        message: message.into(),
    }
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
                let n = s[start..i]
                    .parse::<i64>()
                    .map_err(|_| perr(line, format!("bad number {:?}", &s[start..i])))?;
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
                    return Err(perr(line, format!("unsupported {keyword:?} action")));
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
                    return Err(perr(line, format!("function {name:?} not defined")));
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

type Vars = Vec<(String, Value)>;

fn exec_nodes(
    nodes: &[Node],
    dot: &Value,
    vars: &mut Vars,
    out: &mut String,
) -> Result<(), TemplateError> {
    let mark = vars.len();
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Action(p) => {
                let v = eval_pipeline(p, dot, vars)?;
                if p.decl.is_empty() {
                    v.write_to(out);
                } else {
                    vars.push((p.decl[0].clone(), v));
                }
            }
            Node::If(p, body, els) => {
                let v = eval_pipeline(p, dot, vars)?;
                let branch = if v.truthy() { body } else { els };
                exec_nodes(branch, dot, vars, out)?;
            }
            Node::With(p, body, els) => {
                let v = eval_pipeline(p, dot, vars)?;
                if v.truthy() {
                    exec_nodes(body, &v, vars, out)?;
                } else {
                    exec_nodes(els, dot, vars, out)?;
                }
            }
            Node::Range(p, body, els) => {
                let v = eval_pipeline(
                    &Pipeline {
                        decl: Vec::new(),
                        cmds: p.cmds.clone(),
                    },
                    dot,
                    vars,
                )?;
                let items: Vec<(Value, Value)> = match v {
                    Value::List(l) => l
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (Value::Int(i as i64), v))
                        .collect(),
                    Value::Map(m) => m.into_iter().map(|(k, v)| (Value::Str(k), v)).collect(),
                    Value::Null => Vec::new(),
                    Value::Int(n) => (0..n.max(0))
                        .map(|i| (Value::Int(i), Value::Int(i)))
                        .collect(),
                    other => {
                        return Err(eerr(format!(
                            "range can't iterate over {}",
                            other.display()
                        )));
                    }
                };
                if items.is_empty() {
                    exec_nodes(els, dot, vars, out)?;
                }
                for (key, item) in items {
                    let inner = vars.len();
                    match p.decl.as_slice() {
                        [v] => vars.push((v.clone(), item.clone())),
                        [k, v] => {
                            vars.push((k.clone(), key));
                            vars.push((v.clone(), item.clone()));
                        }
                        _ => {}
                    }
                    exec_nodes(body, &item, vars, out)?;
                    vars.truncate(inner);
                }
            }
        }
    }
    vars.truncate(mark);
    Ok(())
}

fn eval_pipeline(p: &Pipeline, dot: &Value, vars: &Vars) -> Result<Value, TemplateError> {
    let mut piped: Option<Value> = None;
    for cmd in &p.cmds {
        piped = Some(eval_cmd(cmd, dot, vars, piped)?);
    }
    Ok(piped.unwrap_or(Value::Null))
}

fn eval_cmd(
    cmd: &[Arg],
    dot: &Value,
    vars: &Vars,
    piped: Option<Value>,
) -> Result<Value, TemplateError> {
    if let Some(Arg::Func(name)) = cmd.first() {
        let mut args = cmd[1..]
            .iter()
            .map(|a| eval_arg(a, dot, vars))
            .collect::<Result<Vec<_>, _>>()?;
        args.extend(piped);
        return call(name, args);
    }
    if piped.is_some() {
        return Err(eerr("can't pipe a value into a non-function"));
    }
    eval_arg(&cmd[0], dot, vars)
}

fn eval_arg(arg: &Arg, dot: &Value, vars: &Vars) -> Result<Value, TemplateError> {
    match arg {
        Arg::Field(f) => fields(dot, f),
        Arg::Var(name, f) => {
            let Some((_, v)) = vars.iter().rev().find(|(n, _)| n == name) else {
                return Err(eerr(format!("undefined variable {name}")));
            };
            fields(v, f)
        }
        Arg::Lit(v) => Ok(v.clone()),
        Arg::Func(name) => call(name, Vec::new()),
        Arg::Sub(p, f) => fields(&eval_pipeline(p, dot, vars)?, f),
    }
}

fn fields(v: &Value, chain: &[String]) -> Result<Value, TemplateError> {
    let mut cur = v.clone();
    for name in chain {
        cur = match cur {
            Value::Map(mut m) => match m.remove(name) {
                Some(v) => v,
                None => return Err(eerr(format!("can't evaluate field {name}"))),
            },
            Value::Null => Value::Null,
            other => {
                return Err(eerr(format!(
                    "can't evaluate field {name} in {}",
                    other.display()
                )));
            }
        };
    }
    Ok(cur)
}

fn call(name: &str, args: Vec<Value>) -> Result<Value, TemplateError> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(eerr(format!(
                "wrong number of args for {name}: want {n} got {}",
                args.len()
            )))
        }
    };
    Ok(match name {
        "len" => {
            arity(1)?;
            Value::Int(match &args[0] {
                Value::Str(s) => s.len(),
                Value::List(l) => l.len(),
                Value::Map(m) => m.len(),
                other => return Err(eerr(format!("len of {}", other.display()))),
            } as i64)
        }
        "index" => {
            let mut it = args.into_iter();
            let mut cur = it.next().ok_or_else(|| eerr("index of nothing"))?;
            for key in it {
                cur = match (cur, key) {
                    (Value::List(l), Value::Int(i)) => l
                        .into_iter()
                        .nth(usize::try_from(i).map_err(|_| eerr("index out of range"))?)
                        .ok_or_else(|| eerr(format!("index out of range: {i}")))?,
                    (Value::Map(mut m), Value::Str(k)) => m.remove(&k).unwrap_or(Value::Null),
                    _ => return Err(eerr("can't index item")),
                };
            }
            cur
        }
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
            arity(2)?;
            let ord = match (&args[0], &args[1]) {
                (Value::Int(a), Value::Int(b)) => a.cmp(b),
                (Value::Str(a), Value::Str(b)) => a.cmp(b),
                (a, b) if name == "eq" || name == "ne" => {
                    if a == b {
                        std::cmp::Ordering::Equal
                    } else {
                        std::cmp::Ordering::Less
                    }
                }
                _ => return Err(eerr(format!("incompatible types for {name}"))),
            };
            Value::Bool(match name {
                "eq" => ord.is_eq(),
                "ne" => ord.is_ne(),
                "lt" => ord.is_lt(),
                "le" => ord.is_le(),
                "gt" => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        "not" => {
            arity(1)?;
            Value::Bool(!args[0].truthy())
        }
        "and" => {
            let n = args.len();
            args.into_iter()
                .enumerate()
                .find(|(i, v)| !v.truthy() || *i + 1 == n)
                .map(|(_, v)| v)
                .ok_or_else(|| eerr("and needs arguments"))?
        }
        "or" => {
            let n = args.len();
            args.into_iter()
                .enumerate()
                .find(|(i, v)| v.truthy() || *i + 1 == n)
                .map(|(_, v)| v)
                .ok_or_else(|| eerr("or needs arguments"))?
        }
        "print" | "println" => {
            let mut s = String::new();
            for (i, a) in args.iter().enumerate() {
                // Go's Sprint adds spaces only between operands that are not strings.
                let spaced = name == "println"
                    || (i > 0
                        && !matches!(a, Value::Str(_))
                        && !matches!(args[i - 1], Value::Str(_)));
                if i > 0 && spaced {
                    s.push(' ');
                }
                a.write_to(&mut s);
            }
            if name == "println" {
                s.push('\n');
            }
            Value::Str(s)
        }
        "printf" => {
            let mut it = args.into_iter();
            let Some(Value::Str(format)) = it.next() else {
                return Err(eerr("printf needs a format string"));
            };
            Value::Str(printf(&format, it)?)
        }
        "join" => {
            arity(2)?;
            match (&args[0], &args[1]) {
                (Value::Str(sep), Value::List(l)) => {
                    Value::Str(l.iter().map(Value::display).collect::<Vec<_>>().join(sep))
                }
                _ => return Err(eerr("join wants a separator and a list")),
            }
        }
        other => return Err(eerr(format!("function {other:?} not defined"))),
    })
}

fn printf(format: &str, mut args: impl Iterator<Item = Value>) -> Result<String, TemplateError> {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars
            .next()
            .ok_or_else(|| eerr("printf: format ends with %"))?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args.next().unwrap_or(Value::Null);
        match verb {
            's' | 'v' | 'd' => arg.write_to(&mut out),
            'q' => {
                let _ = write!(out, "{:?}", arg.display());
            }
            other => return Err(eerr(format!("printf: unsupported verb %{other}"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Value {
        let change = |file: &str, old: &str, new: &str| {
            Value::Map(BTreeMap::from([
                ("File".to_owned(), Value::from(file)),
                ("Line".to_owned(), Value::Int(3)),
                ("Scan".to_owned(), Value::from("app")),
                ("Image".to_owned(), Value::from("nginx")),
                ("OldValue".to_owned(), Value::from(old)),
                ("NewValue".to_owned(), Value::from(new)),
            ]))
        };
        Value::Map(BTreeMap::from([
            (
                "Changes".to_owned(),
                Value::List(vec![
                    change("a/deploy.yaml", "nginx:1.25", "nginx:1.26"),
                    change("b.yaml", "1.25", "1.26"),
                ]),
            ),
            ("Scans".to_owned(), Value::List(vec![])),
        ]))
    }

    #[test]
    fn execute_table() {
        let cases = [
            ("plain text", "plain text"),
            ("{{ len .Changes }} changes", "2 changes"),
            (
                "{{ range .Changes }}{{ .File }}:{{ .Line }} {{ .OldValue }} -> {{ .NewValue }}\n{{ end }}",
                "a/deploy.yaml:3 nginx:1.25 -> nginx:1.26\nb.yaml:3 1.25 -> 1.26\n",
            ),
            ("a  {{- \" b \" -}}  c", "a b c"),
            (
                "x\n{{- range .Changes }}\n  - {{ .NewValue }}\n{{- end }}\n",
                "x\n  - nginx:1.26\n  - 1.26\n",
            ),
            (
                "{{ if .Scans }}scans{{ else if .Changes }}changes{{ else }}none{{ end }}",
                "changes",
            ),
            ("{{ if not .Scans }}empty{{ end }}", "empty"),
            (
                "{{ range $i, $c := .Changes }}{{ $i }}={{ $c.Scan }}{{ len $.Changes }};{{ end }}",
                "0=app2;1=app2;",
            ),
            ("{{ range .Scans }}x{{ else }}no scans{{ end }}", "no scans"),
            ("{{ with index .Changes 1 }}{{ .File }}{{ end }}", "b.yaml"),
            (
                "{{ $n := len .Changes }}{{ if eq $n 2 }}two{{ end }}",
                "two",
            ),
            ("{{ printf \"%s has %d\" \"x\" (len .Changes) }}", "x has 2"),
            ("{{ .Changes | len }}", "2"),
            ("{{/* comment */}}a{{- /* c */ -}} b", "ab"),
            ("{{ (index .Changes 0).Image }}", "nginx"),
            ("{{ `raw {{ }}` }}", "raw {{ }}"),
            (
                "{{ if and .Changes (gt (len .Changes) 1) }}many{{ end }}",
                "many",
            ),
        ];
        for (source, want) in cases {
            let t = Template::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            let got = t
                .execute(&data())
                .unwrap_or_else(|e| panic!("{source}: {e}"));
            assert_eq!(got, want, "{source}");
        }
    }

    #[test]
    fn missing_field_is_an_execution_error() {
        let t = Template::parse("{{ .Missing }}").unwrap();
        assert!(matches!(
            t.execute(&data()),
            Err(TemplateError::Exec { .. })
        ));
    }

    #[test]
    fn parse_errors() {
        let cases = [
            ("{{ .Changes ", 1),
            ("{{ range .Changes }}x", 1),
            ("a\n{{ end }}", 2),
            ("{{ if .X }}a{{ else }}b{{ else }}c{{ end }}", 1),
            ("{{ nosuch .X }}", 1),
            ("{{ \"unterminated }}", 1),
            ("{{ .A .B }}", 1),
            ("{{ template \"x\" }}", 1),
            ("{{/* open", 1),
            ("x\n\n{{ ( .A }}", 3),
            ("{{ }}", 1),
        ];
        for (source, line) in cases {
            match Template::parse(source) {
                Err(TemplateError::Parse { line: got, .. }) => assert_eq!(got, line, "{source}"),
                other => panic!("{source}: expected a parse error, got {other:?}"),
            }
        }
    }

    #[test]
    fn default_message() {
        assert_eq!(
            Template::default_message().execute(&data()).unwrap(),
            "Update from image update automation"
        );
    }
}
