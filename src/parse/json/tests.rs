//! Unit tests of the JSON Feed reshaping.

use super::*;
use serde_json::json;

#[test]
fn tolerant_reshaping() {
    let mut v = json!({
        "version": "http://jsonfeed.org/version/1",
        "items": [
            {"id": 42, "title": "t", "tags": "one", "author": "Ann", "authors": {"name": "Bob"},
             "attachments": {"url": "http://x/a.mp3", "size_in_bytes": "12"}},
            "junk"
        ]
    });
    let obj = v.as_object_mut().expect("object");
    let notes = normalize(obj);
    assert!(!notes.is_empty());
    assert_eq!(obj["version"], VERSION);
    assert_eq!(obj["title"], "");
    let item = &obj["items"][0];
    assert_eq!(item["id"], "42");
    assert_eq!(item["tags"], json!(["one"]));
    assert_eq!(item["author"], json!({"name": "Ann"}));
    assert_eq!(item["authors"], json!([{"name": "Bob"}]));
    assert_eq!(item["attachments"][0]["size_in_bytes"], 12);
    assert_eq!(
        item["attachments"][0]["mime_type"],
        "application/octet-stream"
    );
    assert_eq!(obj["items"].as_array().map(Vec::len), Some(1));
}

#[test]
fn detection() {
    let feed = json!({"version": "https://jsonfeed.org/version/1.1", "items": []});
    let other = json!({"rss": {"channel": {}}});
    assert!(looks_like_json_feed(feed.as_object().expect("object")));
    assert!(!looks_like_json_feed(other.as_object().expect("object")));
}
