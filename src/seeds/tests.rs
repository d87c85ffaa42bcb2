//! Whole-article tests: the real seeds and invented scrapes.

use super::*;

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/seeds")
}

#[test]
fn dump_seeds() {
    for r in load_dir(&seeds_dir()).unwrap() {
        let a = r.unwrap();
        println!(
            "=== {:?}\nTITLE: {}\nDATE: {:?}\nN: {}",
            a.path.file_name(),
            a.title,
            a.published,
            a.paragraphs.len()
        );
        for p in &a.paragraphs {
            println!("  | {p}");
        }
    }
}
