use super::*;

#[test]
fn probe() {
    let mut paths: Vec<_> = std::fs::read_dir("tests/corpus/opml").unwrap().collect();
    paths.clear();
    for entry in walk("tests/corpus/opml") {
        let bytes = std::fs::read(&entry).unwrap();
        match read(&bytes) {
            Ok(s) => println!("{entry}: title={:?} feeds={} invalid={:?} cats={:?}", s.title, s.feeds.len(), s.invalid, s.feeds.iter().filter_map(|f| f.category.clone()).collect::<std::collections::BTreeSet<_>>()),
            Err(e) => println!("{entry}: ERR {e}"),
        }
    }
}

fn walk(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(p.to_str().unwrap())); } else if !p.to_str().unwrap().contains("LICENSE") { out.push(p.to_str().unwrap().to_owned()); }
    }
    out.sort();
    out
}
