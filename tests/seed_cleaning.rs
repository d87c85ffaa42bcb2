//! Seeds given as text files from other sites and languages, through the
//! binary: `poll` imports a folder of them and `export` shows the article
//! alone.

use serde_json::Value;

use crate::support::feedloom;

const SEED_FR: &str = "\
Menu
Accueil
Se connecter

Le conseil municipal adopte un plan contre les inondations

Le conseil municipal a adopté mardi soir un plan de protection contre les crues, après deux ans de débats sur le quartier du port.

Partager
Faire un don

Les travaux doivent commencer au printemps et durer trois ans, selon le calendrier publié par la mairie sur son site

Cet article a été initialement publié par Le Courrier du Port. Republié avec autorisation.

12 commentaires
Jean_Dupont
il y a 3 heures
Quelle honte, ce conseil gaspille notre argent depuis des années.
Répondre
";

#[test]
fn poll_imports_a_foreign_seed_and_export_shows_the_article_alone() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    std::fs::create_dir(&seeds).unwrap();
    std::fs::write(seeds.join("port.txt"), SEED_FR).unwrap();
    let config = dir.path().join("feedloom.toml");
    std::fs::write(
        &config,
        "database = \"feedloom.db\"\nlisten = \"127.0.0.1:0\"\n\n\
         [topic]\ntitle = \"Ports\"\nseeds = \"seeds\"\nthreshold = 0.0\n",
    )
    .unwrap();

    let poll = feedloom(&config, &["poll"]);
    let out = String::from_utf8_lossy(&poll.stdout);
    assert!(
        poll.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&poll.stderr)
    );
    assert!(out.contains("seeds: 1 imported"), "{out}");

    let export = feedloom(&config, &["export", "--format", "json"]);
    assert!(export.status.success());
    let feed: Value = serde_json::from_slice(&export.stdout).unwrap();
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let seed = &items[0];
    assert_eq!(
        seed["title"],
        "Le conseil municipal adopte un plan contre les inondations"
    );
    let text = seed["content_text"].as_str().unwrap();
    for kept in [
        "Le conseil municipal a adopté mardi soir",
        // The last paragraph, before the republishing notice, unterminated.
        "publié par la mairie sur son site",
    ] {
        assert!(text.contains(kept), "{kept:?} missing from {text:?}");
    }
    let lower = text.to_lowercase();
    for gone in [
        "accueil",
        "se connecter",
        "partager",
        "faire un don",
        "initialement publié",
        "commentaires",
        "jean_dupont",
        "quelle honte",
        "répondre",
    ] {
        assert!(!lower.contains(gone), "{gone:?} in {text:?}");
    }
}
