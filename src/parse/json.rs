//! JSON Feed tolerance: reshape a `serde_json::Value` into what feed-rs's
//! strict serde model accepts, because one off-type field (a numeric id, a
//! string where an array belongs, an `http://` version URL) otherwise loses
//! the whole feed.

use serde_json::{Map, Value};

/// What feed-rs checks the version against.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// True when the object looks like a JSON Feed rather than some other JSON
/// (an API response, RSS converted to JSON).
pub(crate) fn looks_like_json_feed(obj: &Map<String, Value>) -> bool {
    let version_says_so = obj
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.to_ascii_lowercase().contains("jsonfeed"));
    let has_items = obj
        .get("items")
        .is_some_and(|v| v.is_array() || v.is_object());
    let has_feed_fields = ["title", "home_page_url", "feed_url"]
        .iter()
        .any(|k| obj.contains_key(*k));
    version_says_so || (has_items && (has_feed_fields || obj.contains_key("version")))
}

/// Reshapes a JSON Feed object in place; returns notes on what changed.
pub(crate) fn normalize(obj: &mut Map<String, Value>) -> Vec<String> {
    let mut notes = Vec::new();
    let version_ok = obj
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("https://jsonfeed.org/version/1"));
    if !version_ok {
        notes.push(format!(
            "JSON Feed version {} read as 1.1",
            obj.get("version")
                .map_or_else(|| "(missing)".to_owned(), Value::to_string)
        ));
        obj.insert("version".into(), Value::String(VERSION.into()));
    }
    if !obj.get("title").is_some_and(Value::is_string) {
        let title = obj
            .get("title")
            .and_then(scalar_to_string)
            .unwrap_or_default();
        obj.insert("title".into(), Value::String(title));
    }
    for key in [
        "home_page_url",
        "feed_url",
        "language",
        "description",
        "icon",
        "favicon",
    ] {
        fix_string(obj, key);
    }
    fix_authors(obj);

    let items = match obj.remove("items") {
        Some(Value::Array(items)) => items,
        Some(v @ Value::Object(_)) => {
            notes.push("JSON Feed items was an object, read as a list of one".into());
            vec![v]
        }
        _ => Vec::new(),
    };
    let mut fixed_items = Vec::with_capacity(items.len());
    let mut dropped = 0;
    for item in items {
        match item {
            Value::Object(mut item) => {
                normalize_item(&mut item);
                fixed_items.push(Value::Object(item));
            }
            _ => dropped += 1,
        }
    }
    if dropped > 0 {
        notes.push(format!(
            "dropped {dropped} JSON Feed items that were not objects"
        ));
    }
    obj.insert("items".into(), Value::Array(fixed_items));
    notes
}

fn normalize_item(item: &mut Map<String, Value>) {
    for key in [
        "id",
        "url",
        "external_url",
        "title",
        "content_html",
        "content_text",
        "summary",
        "date_published",
        "date_modified",
        "image",
        "banner_image",
        "language",
    ] {
        fix_string(item, key);
    }
    fix_authors(item);
    match item.remove("tags") {
        Some(Value::Array(tags)) => {
            let tags: Vec<Value> = tags
                .iter()
                .filter_map(scalar_to_string)
                .map(Value::String)
                .collect();
            item.insert("tags".into(), Value::Array(tags));
        }
        Some(v) => {
            if let Some(s) = scalar_to_string(&v) {
                item.insert("tags".into(), Value::Array(vec![Value::String(s)]));
            }
        }
        None => {}
    }
    let attachments = match item.remove("attachments") {
        Some(Value::Array(a)) => a,
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    let attachments: Vec<Value> = attachments
        .into_iter()
        .filter_map(|a| match a {
            Value::Object(mut a) => {
                fix_string(&mut a, "url");
                fix_string(&mut a, "mime_type");
                fix_string(&mut a, "title");
                if !a.get("size_in_bytes").is_some_and(Value::is_u64) {
                    let size = a
                        .get("size_in_bytes")
                        .and_then(scalar_to_string)
                        .and_then(|s| s.parse::<u64>().ok());
                    match size {
                        Some(n) => a.insert("size_in_bytes".into(), Value::from(n)),
                        None => a.remove("size_in_bytes"),
                    };
                }
                if !a.get("duration_in_seconds").is_some_and(Value::is_number) {
                    a.remove("duration_in_seconds");
                }
                if !a.contains_key("url") {
                    return None;
                }
                if !a.contains_key("mime_type") {
                    a.insert(
                        "mime_type".into(),
                        Value::String("application/octet-stream".into()),
                    );
                }
                Some(Value::Object(a))
            }
            _ => None,
        })
        .collect();
    if !attachments.is_empty() {
        item.insert("attachments".into(), Value::Array(attachments));
    }
}

/// `author` must be an object and `authors` a list of objects, each with
/// string `name`/`url`/`avatar`; a bare string is read as a name.
fn fix_authors(obj: &mut Map<String, Value>) {
    if let Some(v) = obj.remove("author") {
        let author = match v {
            Value::Array(mut list) if !list.is_empty() => person(list.swap_remove(0)),
            v => person(v),
        };
        if let Some(a) = author {
            obj.insert("author".into(), a);
        }
    }
    if let Some(v) = obj.remove("authors") {
        let list = match v {
            Value::Array(list) => list.into_iter().filter_map(person).collect(),
            v => person(v).into_iter().collect::<Vec<_>>(),
        };
        obj.insert("authors".into(), Value::Array(list));
    }
}

fn person(v: Value) -> Option<Value> {
    match v {
        Value::Object(mut p) => {
            for key in ["name", "url", "avatar"] {
                fix_string(&mut p, key);
            }
            Some(Value::Object(p))
        }
        v => {
            let name = scalar_to_string(&v)?;
            let mut p = Map::new();
            p.insert("name".into(), Value::String(name));
            Some(Value::Object(p))
        }
    }
}

/// Leaves a string alone, turns a number or bool into its text, removes
/// anything else (null, arrays, objects) so an optional field is just absent.
fn fix_string(obj: &mut Map<String, Value>, key: &str) {
    match obj.get(key) {
        None | Some(Value::String(_)) => {}
        Some(v) => match scalar_to_string(v) {
            Some(s) => {
                obj.insert(key.into(), Value::String(s));
            }
            None => {
                obj.remove(key);
            }
        },
    }
}

fn scalar_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
