//! Topic relevance report: precision, recall and F1 of feedloom's scorer and
//! of the plain keyword baseline on the labelled sets (tests/topic), the
//! misclassified stories with their scores and top terms, and the scoring
//! throughput.
//!
//! `cargo bench --bench topic` prints the report;
//! `cargo bench --bench topic -- --tune` searches weights and threshold on
//! the development set only and prints the best settings (how the defaults
//! were chosen).

use std::path::Path;
use std::time::{Duration, Instant};

use feedloom::topic::eval::{
    BASELINE_KEYWORDS, Classifier, KeywordBaseline, LabelledStory, Metrics, evaluate, load_jsonl,
};
use feedloom::topic::{Background, DEFAULT_THRESHOLD, Document, Scorer, Weights};

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = load_seeds(&root.join("config/seeds"))?;
    let seed_docs: Vec<Document<'_>> = seeds
        .iter()
        .map(|(title, text)| Document { title, text })
        .collect();
    let dev = load_jsonl(&root.join("tests/topic/dev.jsonl"))?;
    let test = load_jsonl(&root.join("tests/topic/test.jsonl"))?;
    let background = Background::builtin();

    if std::env::args().any(|a| a == "--tune") {
        tune(&seed_docs, &background, &dev);
        return Ok(());
    }

    let scorer = Scorer::new(
        &seed_docs,
        &background,
        DEFAULT_THRESHOLD,
        Vec::new(),
        Vec::new(),
    );
    let baseline = KeywordBaseline::new(&scorer, BASELINE_KEYWORDS);
    let all: Vec<LabelledStory> = dev.iter().chain(&test).cloned().collect();
    let sets: [(&str, &[LabelledStory]); 3] = [("dev", &dev), ("test", &test), ("all", &all)];

    println!(
        "seeds: {}; threshold {DEFAULT_THRESHOLD}; baseline: any of {} keywords {:?}\n",
        seeds.len(),
        BASELINE_KEYWORDS,
        baseline.keywords()
    );
    println!(
        "{:<9} | {:<4} | {:>9} | {:>6} | {:>5} | tp fp fn tn",
        "method", "set", "precision", "recall", "F1"
    );
    println!("{}", "-".repeat(58));
    let methods: [(&str, &dyn Classifier); 2] = [("feedloom", &scorer), ("keywords", &baseline)];
    for (name, classifier) in methods {
        for (set, stories) in sets {
            row(name, set, &evaluate(classifier, stories));
        }
    }

    // What a teaser feed carries: the headline and the first sentence.
    // `full_text = true` gives the scorer the whole story instead (the rows
    // above); these rows are what it judges without it.
    let teasers: Vec<LabelledStory> = all
        .iter()
        .map(|story| LabelledStory {
            text: teaser(&story.text),
            ..story.clone()
        })
        .collect();
    let words = |stories: &[LabelledStory]| {
        stories
            .iter()
            .map(|s| s.text.split_whitespace().count())
            .sum::<usize>()
            / stories.len().max(1)
    };
    println!(
        "\nteasers (headline and first sentence, {} words on average against {}):",
        words(&teasers),
        words(&all)
    );
    for (name, classifier) in methods {
        row(name, "all", &evaluate(classifier, &teasers));
    }

    println!("\nfeedloom's misclassified stories (all):");
    for id in evaluate(&scorer, &all).misses {
        let Some(story) = all.iter().find(|s| s.id == id) else {
            continue;
        };
        let e = scorer.explain(&story.document(), 3);
        let terms: Vec<String> = e
            .top_terms
            .iter()
            .map(|c| format!("{} {:.3}", c.term, c.weight))
            .collect();
        println!(
            "  {:<12} {:<5} labelled {:<5} score {:.3}  {}",
            story.id,
            story.kind,
            if story.on_topic { "on" } else { "off" },
            e.verdict.score,
            terms.join(", ")
        );
    }

    throughput(&scorer, &all);
    Ok(())
}

/// The first sentence of the first paragraph (at least eight words, at
/// most forty), as a teaser feed's description usually is.
fn teaser(text: &str) -> String {
    let first = text.split("\n\n").next().unwrap_or("");
    let words: Vec<&str> = first.split_whitespace().collect();
    let end = words
        .iter()
        .enumerate()
        .skip(7)
        .find(|(_, w)| w.ends_with(['.', '!', '?']))
        .map_or(words.len(), |(i, _)| i + 1)
        .min(40);
    words[..end.min(words.len())].join(" ")
}

fn row(method: &str, set: &str, m: &Metrics) {
    println!(
        "{method:<9} | {set:<4} | {:>9.3} | {:>6.3} | {:>5.3} | {} {} {} {}",
        m.precision, m.recall, m.f1, m.tp, m.fp, m.fn_, m.tn
    );
}

fn load_seeds(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut seeds = Vec::new();
    for seed in feedloom::seeds::load_dir(dir)? {
        let seed = seed?;
        seeds.push((seed.title, seed.paragraphs.join("\n\n")));
    }
    Ok(seeds)
}

/// Stories per second over the labelled stories (repeated for at least a
/// second), and the time for one story of about 1,000 words.
fn throughput(scorer: &Scorer, stories: &[LabelledStory]) {
    let docs: Vec<Document<'_>> = stories.iter().map(LabelledStory::document).collect();
    let words: usize = docs.iter().map(|d| d.text.split_whitespace().count()).sum();
    let start = Instant::now();
    let mut scored = 0usize;
    while start.elapsed() < Duration::from_secs(1) {
        for doc in &docs {
            std::hint::black_box(scorer.score(doc));
            scored += 1;
        }
    }
    let rate = scored as f64 / start.elapsed().as_secs_f64();
    println!(
        "\nthroughput: {rate:.0} stories/s (labelled stories, {} words on average)",
        words / docs.len().max(1)
    );

    let long: String = docs
        .iter()
        .flat_map(|d| d.text.split_whitespace())
        .take(1000)
        .collect::<Vec<_>>()
        .join(" ");
    let doc = Document {
        title: "A long story",
        text: &long,
    };
    let runs = 1000;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(scorer.score(&doc));
    }
    println!(
        "one 1,000-word story: {:.1} µs",
        start.elapsed().as_secs_f64() * 1e6 / f64::from(runs)
    );
}

/// Grid search on the development set: every weighting, every threshold;
/// best F1, ties broken by the widest margin (the middle of the best
/// threshold range).
fn tune(seeds: &[Document<'_>], background: &Background, dev: &[LabelledStory]) {
    let mut results = Vec::new();
    for entity in [1.0, 1.5, 2.0, 3.0] {
        for bigram in [0.0, 0.25, 0.5, 1.0] {
            for coverage_needed in [1, 2, 3, 4, 5] {
                for strong_terms in [20, 40, 80] {
                    let weights = Weights {
                        entity,
                        bigram,
                        coverage_needed,
                        strong_terms,
                    };
                    let scorer =
                        Scorer::with_weights(seeds, background, 0.0, vec![], vec![], weights);
                    let scores: Vec<(f64, bool)> = dev
                        .iter()
                        .map(|s| (scorer.score(&s.document()).score, s.on_topic))
                        .collect();
                    let (f1, lo, hi) = best_threshold(&scores);
                    results.push((f1, hi - lo, (lo + hi) / 2.0, weights));
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
    for (f1, width, threshold, w) in results.iter().take(15) {
        println!("F1 {f1:.3} threshold {threshold:.3} (range {width:.3}) {w:?}");
    }
    let default = results
        .iter()
        .find(|r| r.3 == Weights::default())
        .map(|r| (r.0, r.2));
    println!("defaults (F1, threshold): {default:?}");

    let scorer = Scorer::new(seeds, background, DEFAULT_THRESHOLD, vec![], vec![]);
    for k in [1, 2, 3, 5, 10, 20, 40, 80] {
        let m = evaluate(&KeywordBaseline::new(&scorer, k), dev);
        println!("keyword baseline, {k} keywords: dev F1 {:.3}", m.f1);
    }
}

/// The best F1 over thresholds and the range of thresholds that reach it.
fn best_threshold(scores: &[(f64, bool)]) -> (f64, f64, f64) {
    let mut cuts: Vec<f64> = scores.iter().map(|s| s.0).collect();
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let f1_at = |t: f64| {
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for &(score, on) in scores {
            match (score >= t, on) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                _ => {}
            }
        }
        if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fn_)
        }
    };
    let mut best: (f64, f64, f64) = (0.0, 0.0, 0.0);
    for (i, &cut) in cuts.iter().enumerate() {
        let f1 = f1_at(cut);
        // Any threshold above the previous score and up to this one gives
        // the same verdicts.
        let lower = if i == 0 { 0.0 } else { cuts[i - 1] };
        if f1 > best.0 + 1e-12 || ((f1 - best.0).abs() <= 1e-12 && cut - lower > best.2 - best.1) {
            best = (f1, lower, cut);
        }
    }
    best
}
