//! YAML documents as `serde_json::Value`s, through saphyr (YAML 1.2 core schema), so that
//! tests compare and deserialize rendered manifests and configuration files the way
//! Kubernetes clients do (`sigs.k8s.io/yaml` turns YAML into JSON first).

use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Number, Value};

/// Every document of a YAML stream; empty and `null` documents are dropped.
pub fn load_all(text: &str) -> Result<Vec<Value>, String> {
    let docs = YamlOwned::load_from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for doc in &docs {
        let value = to_json(doc)?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

/// The one document of a YAML file.
pub fn load_one(text: &str) -> Value {
    let mut docs = load_all(text).expect("valid YAML");
    assert_eq!(docs.len(), 1, "one YAML document expected");
    docs.remove(0)
}

fn to_json(node: &YamlOwned) -> Result<Value, String> {
    Ok(match node {
        YamlOwned::Value(scalar) => scalar_to_json(scalar)?,
        YamlOwned::Representation(text, _, _) => Value::String(text.clone()),
        YamlOwned::Sequence(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        YamlOwned::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match to_json(key)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                if out.insert(key.clone(), to_json(value)?).is_some() {
                    return Err(format!("duplicate key {key:?}"));
                }
            }
            Value::Object(out)
        }
        YamlOwned::Tagged(_, inner) => to_json(inner)?,
        YamlOwned::Alias(_) => return Err("YAML aliases are not supported here".into()),
        YamlOwned::BadValue => return Err("invalid YAML scalar".into()),
    })
}

fn scalar_to_json(scalar: &ScalarOwned) -> Result<Value, String> {
    Ok(match scalar {
        ScalarOwned::Null => Value::Null,
        ScalarOwned::Boolean(b) => Value::Bool(*b),
        ScalarOwned::Integer(i) => Value::Number((*i).into()),
        ScalarOwned::FloatingPoint(f) => {
            Value::Number(Number::from_f64(f.0).ok_or_else(|| format!("{f} has no JSON form"))?)
        }
        ScalarOwned::String(s) => Value::String(s.clone()),
    })
}
