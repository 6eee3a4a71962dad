//! Fuzz target: the Go-template parser of commit messages; templates that parse are
//! executed against commit-message-shaped data.
#![no_main]

use std::collections::BTreeMap;

use imagescan::writeback::template::{Template, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = Template::parse(source) else {
        return;
    };
    let mut image = BTreeMap::new();
    image.insert("Name".to_owned(), Value::from("registry.example/team/app"));
    image.insert(
        "NewTags".to_owned(),
        Value::List(vec![Value::from("1.2.3"), Value::Int(7), Value::Bool(true)]),
    );
    let mut root = BTreeMap::new();
    root.insert("Images".to_owned(), Value::List(vec![Value::Map(image)]));
    root.insert("Count".to_owned(), Value::Int(1));
    root.insert("Nothing".to_owned(), Value::Null);
    let _ = template.execute(&Value::Map(root));
});
