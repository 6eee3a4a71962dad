//! Template execution: walks the node tree over a [`Value`], with Go's scoping of `.`
//! and `$variables`, and the built-in functions. Pure.

use std::fmt::Write as _;

use super::parse::{Arg, Node, Pipeline};
use super::{TemplateError, Value};

fn eerr(message: impl Into<String>) -> TemplateError {
    TemplateError::Exec {
        message: message.into(),
    }
}

type Vars = Vec<(String, Value)>;

pub(super) fn exec_nodes(
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
