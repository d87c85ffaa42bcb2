//! Whole-article tests: the real seeds and invented scrapes from other kinds
//! of sites, to show the cleaning is not tuned to the five seeds.

use super::*;

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/seeds")
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn clean_txt(raw: &str) -> SeedArticle {
    match clean(Path::new("invented.txt"), raw) {
        Ok(article) => article,
        Err(e) => panic!("cleaning failed: {e}"),
    }
}

/// Fails naming the paragraph when any paragraph contains a forbidden piece.
fn assert_absent(article: &SeedArticle, forbidden: &[&str]) {
    for paragraph in &article.paragraphs {
        let lower = paragraph.to_lowercase();
        for bad in forbidden {
            assert!(
                !lower.contains(&bad.to_lowercase()),
                "{:?} survived in paragraph {paragraph:?}",
                bad
            );
        }
    }
}

fn assert_first_last(article: &SeedArticle, first: &str, last: &str) {
    let (Some(f), Some(l)) = (article.paragraphs.first(), article.paragraphs.last()) else {
        panic!("no paragraphs in {}", article.path.display());
    };
    assert!(f.starts_with(first), "first paragraph is {f:?}");
    assert!(l.starts_with(last), "last paragraph is {l:?}");
}

/// Chrome seen across the real seeds; none of it is article text.
const SEED_CHROME: &[&str] = &[
    "Main menu",
    "Latest News",
    "Trending",
    "Exit mobile version",
    "Support SouthFront",
    "full-size image",
    "2,500 $",
    "Published",
    "Read more",
    "appeared first on",
    "With inputs from",
    "Edited by",
    "Getty Images",
];

/// The reader-comment section of seed 001, in pieces: its furniture, its
/// usernames and the words of its comments.
const SEED_001_COMMENTS: &[&str] = &[
    "jew",
    "Arch Bungle",
    "Ivan Freely",
    "comment",
    "Notify of",
    "Newest Most Voted",
    "Inline Feedbacks",
    "Last edited",
    "smartest",
    "SANE",
    "apex predator",
    "vagina",
    "caravan",
    "hold that record",
    "Great idea",
    "Would love your thoughts",
];

struct Expected {
    file: &'static str,
    title: &'static str,
    published: Option<NaiveDate>,
    paragraphs: usize,
    first: &'static str,
    last: &'static str,
}

fn expected_seeds() -> [Expected; 5] {
    [
        Expected {
            file: "000_4629beeac711faa9.txt",
            title: "The Russian president calls the withdrawal of NATO forces from Afghanistan an 'escape'",
            published: None,
            paragraphs: 6,
            first: "Russian President Vladimir Putin described the withdrawal",
            last: "The summit of the leaders of the Shanghai Organization was launched",
        },
        Expected {
            file: "001_00ff577f5a1c40e0.txt",
            title: "Vladimir Putin And Xi Jinping Discussed Afghanistan, Agreed on Countering Terrorism",
            published: None,
            paragraphs: 15,
            first: "Russian President Vladimir Putin discussed the situation in Afghanistan",
            last: "“They think they can send them without visas to our neighbors",
        },
        Expected {
            file: "002_a88aa390d9645a1d.txt",
            title: "Russia Will Not Interfere In Afghanistan’s Domestic Affairs: Vladimir Putin",
            published: None,
            paragraphs: 14,
            first: "MOSCOW — The President of Russia, Vladimir Putin, said that",
            last: "The northern province of Panjshir is the only pocket of resistance",
        },
        Expected {
            file: "003_969414e8ff3677b6.txt",
            title: "Moscow-led security bloc agrees to step up interaction due to instability in Afghanistan",
            published: date(2021, 8, 23),
            paragraphs: 8,
            first: "DUSHANBE, August 23. /TASS/. Member-state leaders of the Collective",
            last: "On August 15, Taliban fighters swept into Kabul without encountering",
        },
        Expected {
            file: "004_7f4121f5e820f056.txt",
            title: "Top Russian official says it’s time to consider resuming SCO-Afghanistan relations",
            published: None,
            paragraphs: 9,
            first: "Russian Security Council Secretary Sergey Shoigu says it is time",
            last: "He added that despite official claims of non-recognition",
        },
    ]
}

fn real_seeds() -> Vec<SeedArticle> {
    let results = match load_dir(&seeds_dir()) {
        Ok(results) => results,
        Err(e) => panic!("cannot load seeds: {e}"),
    };
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("seed failed: {e}")))
        .collect()
}

#[test]
fn real_seeds_yield_headline_date_and_body() {
    let seeds = real_seeds();
    let expected = expected_seeds();
    assert_eq!(seeds.len(), expected.len());
    for (article, want) in seeds.iter().zip(&expected) {
        assert_eq!(
            article.path.file_name().and_then(|n| n.to_str()),
            Some(want.file)
        );
        assert_eq!(article.title, want.title, "{}", want.file);
        assert_eq!(article.published, want.published, "{}", want.file);
        assert_eq!(article.url, None, "{}", want.file);
        assert_eq!(article.paragraphs.len(), want.paragraphs, "{}", want.file);
        assert_first_last(article, want.first, want.last);
        assert_ne!(article.paragraphs[0], article.title, "{}", want.file);
        assert!(
            article.paragraphs.iter().all(|p| p != &article.title),
            "{}: headline repeated in the body",
            want.file
        );
        assert_absent(article, SEED_CHROME);
    }
}

#[test]
fn seed_001_loses_every_line_of_its_comment_section() {
    let seeds = real_seeds();
    let article = &seeds[1];
    assert_absent(article, SEED_001_COMMENTS);
    let last = article
        .paragraphs
        .last()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(last.ends_with("is it?”"), "last paragraph is {last:?}");
}

#[test]
fn seed_002_keeps_short_quotes_and_drops_its_caption() {
    let seeds = real_seeds();
    let article = &seeds[2];
    assert!(article
        .paragraphs
        .contains(&"“You know how difficult and alarming the situation in Afghanistan currently is,” said Putin.".to_owned()));
    assert_absent(
        article,
        &[
            "on Tuesday said that Moscow",
            "Zenger",
            "inputs from",
            "Saptak",
        ],
    );
}

#[test]
fn seed_003_deck_is_not_doubled() {
    let seeds = real_seeds();
    let deck_starts = seeds[3]
        .paragraphs
        .iter()
        .filter(|p| p.starts_with("The summit’s participants highlighted"))
        .count();
    assert_eq!(deck_starts, 1);
}

/// A WordPress blog: cookie banner, byline, share buttons, related posts and
/// a threaded comment section whose comments are full sentences.
const WORDPRESS: &str = "\
We use cookies to give you the best experience on our website. By continuing to browse, you agree to our use of cookies.
Accept
Skip to content
Home
World
Politics

Harbour Town Council Approves New Sea Wall After Winter Storms

By Jane Doe
March 3, 2020

The harbour town council voted on Tuesday to build a new sea wall, ending two years of debate over how to protect the old quarter from winter storms.

The wall will run for nearly a kilometre along the eastern shore and is expected to cost about 40 million euros, most of it from regional funds.

“We cannot wait for another winter like the last one,” the mayor told reporters after the vote.

Opponents said the design would cut the beach off from the town and urged the council to consider dunes instead.

Construction is due to start in the spring and last three years.

Share this:
Twitter
Facebook
Like this:
Like Loading...

Related

Storm damage bill tops 10 million
Fishermen fear for harbour access

23 Comments

John Smith says:
March 4, 2020 at 9:15 am

This is the best decision the council has made in years, and frankly it should have been taken long ago when the first storms hit the old quarter.

Reply

Mary Jones says:
March 4, 2020 at 11:02 am

I disagree completely with the previous commenter, because the dunes would have been cheaper and far better for the beach and the wildlife that lives there.

Reply

Leave a Reply

Your email address will not be published. Required fields are marked *
";

#[test]
fn wordpress_blog_keeps_article_and_cuts_comments() {
    let article = clean_txt(WORDPRESS);
    assert_eq!(
        article.title,
        "Harbour Town Council Approves New Sea Wall After Winter Storms"
    );
    assert_eq!(article.published, date(2020, 3, 3));
    assert_eq!(article.paragraphs.len(), 5);
    assert_first_last(
        &article,
        "The harbour town council voted on Tuesday",
        "Construction is due to start",
    );
    assert_absent(
        &article,
        &[
            "cookies",
            "Jane Doe",
            "Share this",
            "Twitter",
            "Like this",
            "Loading",
            "Storm damage",
            "Comments",
            "John Smith",
            "best decision",
            "previous commenter",
            "Reply",
            "email address",
        ],
    );
}

/// A forum-like thread without any "Leave a reply" heading: only usernames,
/// timestamps and "Reply" links mark it, and its comments are long prose.
const LONG_PROSE_COMMENTS: &str = "\
Menu
Search

Regional Rail Line Reopens After Two-Year Closure

The regional rail line between the two valley towns reopened on Saturday after a two-year closure for track renewal and bridge repairs.

Trains will run every half hour on weekdays and every hour at weekends, the operator said in a statement.

Local businesses had complained that the closure cut their trade by a third, and several shops on the station road closed for good.

Alice Walker
3 hours ago

Honestly I think this whole project was a scandal from start to finish, and the operator should be ashamed of how long it took to repair a few bridges that were built more than a century ago by people with far fewer tools than we have today.

Reply

Bob Stone
2 hours ago

The trains were already late this morning, which tells you everything you need to know about how the line will be run from now on, and I expect the timetable to be cut again before the end of the year when the money runs out.

Reply
";

#[test]
fn long_prose_comments_are_cut_by_their_furniture() {
    let article = clean_txt(LONG_PROSE_COMMENTS);
    assert_eq!(
        article.title,
        "Regional Rail Line Reopens After Two-Year Closure"
    );
    assert_eq!(article.paragraphs.len(), 3);
    assert_first_last(
        &article,
        "The regional rail line between",
        "Local businesses had complained",
    );
    assert_absent(
        &article,
        &[
            "Alice",
            "Bob Stone",
            "scandal",
            "ashamed",
            "timetable to be cut",
            "Reply",
            "ago",
        ],
    );
}

/// A news brief of one-sentence paragraphs, with a mid-article ad and a
/// newsletter box at the end.
const SHORT_PARAGRAPHS: &str = "\
Breaking News
Subscribe

Fire Closes Main Road Through Hill Village

Firefighters were called to the hill village at dawn.

The main road was closed for six hours.

No one was hurt.

Advertisement

“We were lucky,” said one resident.

Yes.

The cause of the fire is not yet known.

Sign up for our free newsletter to get the latest local news delivered straight to your inbox every morning.
Enter your email
Subscribe
";

#[test]
fn short_one_sentence_paragraphs_are_kept() {
    let article = clean_txt(SHORT_PARAGRAPHS);
    assert_eq!(article.title, "Fire Closes Main Road Through Hill Village");
    assert_eq!(
        article.paragraphs,
        [
            "Firefighters were called to the hill village at dawn.",
            "The main road was closed for six hours.",
            "No one was hurt.",
            "“We were lucky,” said one resident.",
            "Yes.",
            "The cause of the fire is not yet known.",
        ]
    );
}

/// A wire story: dateline with the agency, a timestamp widget, and the
/// agency's reporting credits and standards blurb after the body.
const WIRE_STORY: &str = "\
World
Europe

Ministers Agree Grain Export Corridor After Late-Night Talks

August 5, 2022 4:12 PM GMT Updated 3 hours ago

BRUSSELS, Aug 5 (Reuters) - European ministers agreed on Friday to open a new grain export corridor after talks that ran late into the night.

The corridor will allow up to two million tonnes of grain a month to leave through land routes, officials said.

Several ministers said more money would be needed to upgrade rail links at the border.

Reporting by Jane Doe in Brussels; Editing by John Roe

Our Standards: The Thomson Reuters Trust Principles.
";

#[test]
fn wire_story_dateline_and_credits() {
    let article = clean_txt(WIRE_STORY);
    assert_eq!(
        article.title,
        "Ministers Agree Grain Export Corridor After Late-Night Talks"
    );
    assert_eq!(article.published, date(2022, 8, 5));
    assert_eq!(article.paragraphs.len(), 3);
    assert_first_last(
        &article,
        "BRUSSELS, Aug 5 (Reuters)",
        "Several ministers said",
    );
    assert_absent(&article, &["Reporting by", "Our Standards", "Updated"]);
}

/// A hard-wrapped text dump with a breadcrumb, a subheading, an image credit
/// and a trailing box of related stories with one-sentence teasers.
const HARD_WRAPPED: &str = "\
Home > Science > Climate

Glacier Retreat Speeds Up in the Southern Alps

(Photo: Jane Doe/Alpine Survey)

Scientists measuring the glaciers of the southern Alps say the ice is
retreating faster than at any time since records began, with some tongues
losing more than fifty metres in a single summer.

The survey team used drones and ground markers to track the ice edge over
five years, and found the losses accelerating after each hot summer.

What happens next

The researchers expect several small glaciers to disappear within a
decade unless summers become cooler, which they consider unlikely.

Related articles

Snow line moves higher
Researchers report that the winter snow line has moved up by a hundred metres.
Ski resorts adapt
Resorts are investing in snow-making as seasons grow shorter.
";

#[test]
fn hard_wrapped_text_is_joined_and_related_box_dropped() {
    let article = clean_txt(HARD_WRAPPED);
    assert_eq!(
        article.title,
        "Glacier Retreat Speeds Up in the Southern Alps"
    );
    assert_eq!(
        article.paragraphs,
        [
            "Scientists measuring the glaciers of the southern Alps say the ice is retreating faster than at any time since records began, with some tongues losing more than fifty metres in a single summer.",
            "The survey team used drones and ground markers to track the ice edge over five years, and found the losses accelerating after each hot summer.",
            "What happens next",
            "The researchers expect several small glaciers to disappear within a decade unless summers become cooler, which they consider unlikely.",
        ]
    );
}

/// A Disqus-embedded page: the widget's own furniture after the body.
const DISQUS: &str = "\
Tech Daily

Open-Source Maintainers Warn of Burnout as Demands Grow

Maintainers of widely used open-source libraries say the demands on their time keep growing while funding stays flat.

A survey of more than a thousand maintainers found that most work on their projects unpaid and in the evenings.

Many said they had considered walking away from projects used by large companies.

Also read: Why companies should pay for the code they use

Comments
Community
Login
Sort by Best
Join the discussion…
Dev_Guy • 2 years ago
Companies take and take and never give anything back to the people who write the software they depend on every day.
Reply
";

#[test]
fn disqus_comments_are_cut() {
    let article = clean_txt(DISQUS);
    assert_eq!(
        article.title,
        "Open-Source Maintainers Warn of Burnout as Demands Grow"
    );
    assert_eq!(article.paragraphs.len(), 3);
    assert_absent(
        &article,
        &[
            "Also read",
            "Dev_Guy",
            "take and take",
            "Sort by",
            "Comments",
        ],
    );
}

#[test]
fn front_matter_wins_over_detection() {
    let raw = "---\ntitle: Curated Title\nurl: https://example.com/story\npublished: 2021-09-01\n---\n\
               Main menu\n\nDetected Headline Of The Story\n\nWorld August 23, 2021, 17:36\n\n\
               Curated Title\n\nThe body of the story is this paragraph, which is long enough to count.\n";
    let article = match clean(Path::new("fm.txt"), raw) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(article.title, "Curated Title");
    assert_eq!(
        article.url.as_ref().map(Url::as_str),
        Some("https://example.com/story")
    );
    assert_eq!(article.published, date(2021, 9, 1));
    assert_eq!(
        article.paragraphs,
        ["The body of the story is this paragraph, which is long enough to count."]
    );
}

#[test]
fn markdown_seeds_lose_their_markup() {
    let raw = "+++\nurl = \"https://example.com/md\"\n+++\n\n# The *Markdown* Headline\n\n\
               The first paragraph has **bold** and _emphasis_ and a\n[link](https://example.com) that wraps.\n\n\
               ![chart](chart.png)\n\n## A Subheading\n\nThe second paragraph is plain text and ends here.\n";
    let article = match clean(Path::new("story.md"), raw) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(article.title, "The Markdown Headline");
    assert_eq!(
        article.paragraphs,
        [
            "The first paragraph has bold and emphasis and a link that wraps.",
            "A Subheading",
            "The second paragraph is plain text and ends here.",
        ]
    );
}

#[test]
fn only_chrome_is_an_empty_seed() {
    let result = clean(
        Path::new("chrome.txt"),
        "Main menu\nHome\n\nShare this:\nTwitter\n",
    );
    assert!(matches!(result, Err(Error::Empty { .. })), "{result:?}");
}

#[test]
fn load_dir_reads_txt_and_md_sorted_and_isolates_bad_files()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let body =
        "A Headline For Testing\n\nThe body paragraph is long enough to be taken for prose.\n";
    fs::write(dir.path().join("b.md"), body)?;
    fs::write(dir.path().join("a.txt"), body)?;
    fs::write(
        dir.path().join("c.txt"),
        format!("---\ntitle: T\npublished: 2021-13-01\n---\n{body}"),
    )?;
    fs::write(dir.path().join(".hidden.txt"), body)?;
    fs::write(dir.path().join("notes.html"), body)?;
    fs::create_dir(dir.path().join("sub.txt"))?;

    let results = load_dir(dir.path())?;
    let names: Vec<String> = results
        .iter()
        .map(|r| match r {
            Ok(a) => a
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[0], "a.txt");
    assert_eq!(names[1], "b.md");
    assert!(
        names[2].ends_with(
            "c.txt:3: bad front matter: bad date `2021-13-01`: expected YYYY-MM-DD or RFC 3339"
        ),
        "{}",
        names[2]
    );
    Ok(())
}

#[test]
fn missing_folder_is_a_read_dir_error() {
    let result = load_dir(Path::new("/nonexistent/feedloom/seeds"));
    assert!(matches!(result, Err(Error::ReadDir { .. })));
}

#[test]
fn legacy_encodings_are_decoded() {
    // "café" in windows-1252.
    let text = decode(b"Un caf\xe9 pour tous les habitants du village ce matin.");
    assert!(text.contains("café"), "{text}");
}

#[test]
fn brief_of_tiny_paragraphs_still_loses_its_comments() {
    let raw = "\
Storm Warning Lifted

The warning ended.

Roads are open.

Schools reopen Monday.

John says:
The council should have warned people much earlier, because many families had already left their homes in a panic that night.
Reply
";
    let article = clean_txt(raw);
    assert_eq!(article.title, "Storm Warning Lifted");
    assert_eq!(
        article.paragraphs,
        [
            "The warning ended.",
            "Roads are open.",
            "Schools reopen Monday."
        ]
    );
}

/// The cleaned text of a seed, as a reader gets it: headline, date and
/// paragraphs, one per line.
fn cleaned_text(article: &SeedArticle) -> String {
    let mut text = format!("{}\n{:?}\n", article.title, article.published);
    for paragraph in &article.paragraphs {
        text.push_str(paragraph);
        text.push('\n');
    }
    text
}

/// SHA-256 of each bundled seed's cleaned text, recorded before the cleaner
/// was generalised (issue 21). Any change to what the five seeds yield fails
/// here and prints the new text, so it is seen and justified, never slipped
/// in by a rule meant for other sites.
const BUNDLED_SEED_DIGESTS: [(&str, &str); 5] = [
    (
        "000_4629beeac711faa9.txt",
        "e5e8b265b9a62936c40191efa63152ef52e6070c9eb23b1c1c14b92365b0aca4",
    ),
    (
        "001_00ff577f5a1c40e0.txt",
        "51df1f82fd24234945886fea0864278bbd41da00bf8c00b380eb65b43ec0f9a3",
    ),
    (
        "002_a88aa390d9645a1d.txt",
        "f780c52b304894b67778485c7680a11ad5af92dc24260781598d2e8bd8a5e4c9",
    ),
    (
        "003_969414e8ff3677b6.txt",
        "aa66e593b3df6cf2706bff25f880ce8d6594d03857ae771c2f8fe3497f92a099",
    ),
    (
        "004_7f4121f5e820f056.txt",
        "78c27913a100cc6bc4be6184934260cde3792dedc5e68d391591cdae8a1a7922",
    ),
];

#[test]
fn bundled_seeds_clean_to_their_pinned_text() {
    use sha2::{Digest, Sha256};
    let seeds = real_seeds();
    assert_eq!(seeds.len(), BUNDLED_SEED_DIGESTS.len());
    let mut changed = Vec::new();
    for (article, (file, digest)) in seeds.iter().zip(BUNDLED_SEED_DIGESTS) {
        let name = article.path.file_name().and_then(|n| n.to_str());
        assert_eq!(name, Some(file));
        let text = cleaned_text(article);
        let got: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if got != digest {
            changed.push(format!("{file}: {got}\n{text}"));
        }
    }
    assert!(
        changed.is_empty(),
        "cleaned seeds changed:\n{}",
        changed.join("\n")
    );
}

/// The article's paragraphs must be exactly `want`, in order.
fn assert_paragraphs(article: &SeedArticle, want: &[&str]) {
    assert_eq!(article.paragraphs, want, "{}", article.title);
}

const RIVER_1: &str =
    "The river rose by two metres overnight and flooded the lower town, officials said on Monday.";
const RIVER_2: &str =
    "Residents were evacuated to the school gym, where volunteers served hot meals until dawn.";

#[test]
fn republishing_notice_ends_the_article_but_keeps_the_paragraph_before_it() {
    // The last paragraph ends in a link, without a full stop.
    let unterminated = format!(
        "Flood Waters Reach The Lower Town\n\n{RIVER_1}\n\n{RIVER_2}\n\n\
         The full list of closed roads is published on the county website at roads.example.org\n\n\
         This article was originally published by The Conversation. Republished under licence.\n\n\
         Share\nTweet\nLike this:\n"
    );
    let article = clean_txt(&unterminated);
    assert_paragraphs(
        &article,
        &[
            RIVER_1,
            RIVER_2,
            "The full list of closed roads is published on the county website at roads.example.org",
        ],
    );
    // The notice glued to the paragraph on one line.
    let glued = format!(
        "Flood Waters Reach The Lower Town\n\n{RIVER_1}\n\n{RIVER_2} \
         This article was originally published by The Conversation. Republished under licence.\n"
    );
    assert_paragraphs(&clean_txt(&glued), &[RIVER_1, RIVER_2]);
    // Hard-wrapped, the notice wrapped into the last paragraph's block.
    let wrapped = "Flood Waters Reach The Lower Town\n\n\
         The river rose by two metres overnight and flooded the lower town, officials\n\
         said on Monday after a night of heavy rain across the whole of the valley.\n\n\
         The last paragraph explains what happens next with the dams upstream and who\n\
         will pay for the repairs to the embankments this summer, the mayor said. This\n\
         article was first published in Le Monde and is republished with permission.\n";
    let article = clean_txt(wrapped);
    assert_eq!(article.paragraphs.len(), 2, "{:?}", article.paragraphs);
    assert!(article.paragraphs[1].ends_with("the mayor said."));
    assert_absent(&article, &["Le Monde", "republished"]);
}

#[test]
fn text_after_a_notice_is_not_the_article() {
    // A notice, then a reader's remark that reads like prose: gone with it.
    let raw = format!(
        "Flood Waters Reach The Lower Town\n\n{RIVER_1}\n\n{RIVER_2}\n\n\
         Dieser Artikel erschien zuerst bei der Süddeutschen Zeitung.\n\n\
         What a terrible piece, the author clearly knows nothing about rivers at all.\n"
    );
    let article = clean_txt(&raw);
    assert_paragraphs(&article, &[RIVER_1, RIVER_2]);
}

#[test]
fn notice_in_the_lede_does_not_cut_the_article() {
    // A notice near the top with more article below it is left to the
    // other rules (it is a trailer, so dropped), and the article goes on.
    let raw = format!(
        "Flood Waters Reach The Lower Town\n\n{RIVER_1}\n\n\
         This story was originally published on 3 March and updated on 5 March.\n\n\
         {RIVER_2}\n\nThe dams upstream held, and engineers will inspect them again this week.\n\n\
         Insurers said claims would be paid within a month, and the county promised grants.\n"
    );
    let article = clean_txt(&raw);
    assert_eq!(article.paragraphs.len(), 4, "{:?}", article.paragraphs);
}

/// A French news page: menu, cookie banner, share and donation widgets,
/// a "read also" cross-link, related articles and a comment section.
const FRENCH: &str = "\
Nous utilisons des cookies pour améliorer votre expérience. En poursuivant votre navigation, vous acceptez leur utilisation.
Tout accepter
Tout refuser
Menu
Accueil
Rechercher
Se connecter
S'abonner

Le conseil municipal adopte un plan contre les inondations

Le conseil municipal a adopté mardi soir un plan de protection contre les crues, après deux ans de débats sur le quartier du port.

Partager
Faire un don

Le plan prévoit une digue de près d'un kilomètre le long de la rive est, pour un coût d'environ quarante millions d'euros.

« Nous ne pouvons pas attendre un autre hiver comme le dernier », a déclaré le maire à l'issue du vote.

Lire aussi : Les tempêtes de l'hiver ont coûté dix millions

Les travaux doivent commencer au printemps et durer trois ans.

Articles liés
Les pêcheurs inquiets pour l'accès au port
La dune, une solution oubliée ?

12 commentaires
Jean_Dupont
il y a 3 heures
Quelle honte, ce conseil ne sert à rien et gaspille notre argent depuis des années.
Répondre
Marie L.
il y a 2 heures
Je suis d'accord, c'est un scandale absolu et tout le monde le sait.
Répondre
";

#[test]
fn french_page_keeps_the_article_and_loses_its_chrome_and_comments() {
    let article = clean_txt(FRENCH);
    assert_eq!(
        article.title,
        "Le conseil municipal adopte un plan contre les inondations"
    );
    assert_paragraphs(
        &article,
        &[
            "Le conseil municipal a adopté mardi soir un plan de protection contre les crues, après deux ans de débats sur le quartier du port.",
            "Le plan prévoit une digue de près d'un kilomètre le long de la rive est, pour un coût d'environ quarante millions d'euros.",
            "« Nous ne pouvons pas attendre un autre hiver comme le dernier », a déclaré le maire à l'issue du vote.",
            "Les travaux doivent commencer au printemps et durer trois ans.",
        ],
    );
}

/// A German page: cookie banner, menu, share and donation buttons, a
/// newsletter box, related articles and a comment section.
const GERMAN: &str = "\
Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten.
Alle akzeptieren
Einstellungen
Menü
Startseite
Suche
Anmelden
Abonnieren

Stadtrat beschließt neuen Hochwasserschutz für die Altstadt

Der Stadtrat hat am Dienstagabend nach zwei Jahren Streit einen neuen Hochwasserschutz für die Altstadt beschlossen.

Teilen
Jetzt spenden

Die Mauer soll fast einen Kilometer lang werden und rund vierzig Millionen Euro kosten, die größtenteils vom Land kommen.

„Wir können nicht auf den nächsten Winter warten“, sagte die Bürgermeisterin nach der Abstimmung.

Lesen Sie auch: Sturmschäden kosten die Stadt zehn Millionen

Die Bauarbeiten sollen im Frühjahr beginnen und drei Jahre dauern.

Melden Sie sich für unseren Newsletter an und erhalten Sie die wichtigsten Nachrichten jeden Morgen.

Mehr zum Thema
Fischer fürchten um den Hafen
Dünen statt Mauern?

Kommentare (23)
Hans_M
vor 3 Stunden
Eine reine Geldverschwendung, der Stadtrat hat wieder einmal versagt und niemand wird dafür geradestehen.
Antworten
Petra K.
vor 2 Stunden
Völlig richtig, das ist ein Skandal und alle wissen es seit Jahren.
Antworten
";

#[test]
fn german_page_keeps_the_article_and_loses_its_chrome_and_comments() {
    let article = clean_txt(GERMAN);
    assert_eq!(
        article.title,
        "Stadtrat beschließt neuen Hochwasserschutz für die Altstadt"
    );
    assert_paragraphs(
        &article,
        &[
            "Der Stadtrat hat am Dienstagabend nach zwei Jahren Streit einen neuen Hochwasserschutz für die Altstadt beschlossen.",
            "Die Mauer soll fast einen Kilometer lang werden und rund vierzig Millionen Euro kosten, die größtenteils vom Land kommen.",
            "„Wir können nicht auf den nächsten Winter warten“, sagte die Bürgermeisterin nach der Abstimmung.",
            "Die Bauarbeiten sollen im Frühjahr beginnen und drei Jahre dauern.",
        ],
    );
}

/// A Spanish page with its chrome and comments.
const SPANISH: &str = "\
Utilizamos cookies propias y de terceros. Si continúa navegando, consideramos que acepta su uso.
Aceptar todo
Rechazar todo
Menú
Portada
Buscar
Iniciar sesión
Suscríbete

El ayuntamiento aprueba un nuevo dique para el casco antiguo

El ayuntamiento aprobó el martes por la noche la construcción de un nuevo dique, tras dos años de debate sobre el barrio del puerto.

Compartir
Haz una donación

El dique tendrá casi un kilómetro de longitud y costará unos cuarenta millones de euros, en su mayoría fondos regionales.

«No podemos esperar otro invierno como el último», dijo la alcaldesa tras la votación.

Lee también: Los temporales costaron diez millones a la ciudad

Las obras comenzarán en primavera y durarán tres años.

Noticias relacionadas
Los pescadores temen por el puerto
¿Dunas en lugar de muros?

Comentarios (8)
pepe_garcia
hace 3 horas
Un despilfarro total, este ayuntamiento no sabe lo que hace y nunca lo ha sabido.
Responder
Lucía M.
hace 2 horas
Totalmente de acuerdo, es una vergüenza y todos lo sabemos desde hace años.
Responder
";

#[test]
fn spanish_page_keeps_the_article_and_loses_its_chrome_and_comments() {
    let article = clean_txt(SPANISH);
    assert_eq!(
        article.title,
        "El ayuntamiento aprueba un nuevo dique para el casco antiguo"
    );
    assert_paragraphs(
        &article,
        &[
            "El ayuntamiento aprobó el martes por la noche la construcción de un nuevo dique, tras dos años de debate sobre el barrio del puerto.",
            "El dique tendrá casi un kilómetro de longitud y costará unos cuarenta millones de euros, en su mayoría fondos regionales.",
            "«No podemos esperar otro invierno como el último», dijo la alcaldesa tras la votación.",
            "Las obras comenzarán en primavera y durarán tres años.",
        ],
    );
}

/// A Russian page with its chrome and comments.
const RUSSIAN: &str = "\
Мы используем файлы cookie, чтобы сайт работал лучше. Продолжая пользоваться сайтом, вы соглашаетесь с этим.
Принять все
Меню
Главная
Поиск
Войти
Подписаться

Городской совет утвердил строительство новой дамбы

Городской совет во вторник вечером утвердил строительство новой дамбы после двух лет споров о защите старого порта.

Поделиться
Поддержать

Дамба протянется почти на километр вдоль восточного берега и обойдется примерно в сорок миллионов евро.

«Мы не можем ждать еще одной такой зимы», заявила мэр после голосования.

Читайте также: Зимние штормы обошлись городу в десять миллионов

Строительство начнется весной и продлится три года.

Похожие статьи
Рыбаки боятся за доступ к порту
Дюны вместо стен?

Комментарии (15)
ivan_petrov
3 часа назад
Пустая трата денег, этот совет ничего не умеет и никогда не умел.
Ответить
Мария К.
2 часа назад
Полностью согласна, это позор, и все об этом давно знают.
Ответить
";

#[test]
fn russian_page_keeps_the_article_and_loses_its_chrome_and_comments() {
    let article = clean_txt(RUSSIAN);
    assert_eq!(
        article.title,
        "Городской совет утвердил строительство новой дамбы"
    );
    assert_paragraphs(
        &article,
        &[
            "Городской совет во вторник вечером утвердил строительство новой дамбы после двух лет споров о защите старого порта.",
            "Дамба протянется почти на километр вдоль восточного берега и обойдется примерно в сорок миллионов евро.",
            "«Мы не можем ждать еще одной такой зимы», заявила мэр после голосования.",
            "Строительство начнется весной и продлится три года.",
        ],
    );
}

/// A thread with no heading and no word the lists know (Polish): names,
/// times and vote counters alone mark it, and its comments are long prose.
const SHAPE_ONLY_THREAD: &str = "\
Flood Waters Reach The Lower Town

The river rose by two metres overnight and flooded the lower town, officials said on Monday.

Residents were evacuated to the school gym, where volunteers served hot meals until dawn.

The dams upstream held, and engineers will inspect them again this week before the next storm.

kasia_77
2h
To jest skandal, władze miasta wiedziały o zagrożeniu od lat i nic nie zrobiły, a teraz udają zaskoczenie.
↑ 12
Tomek B
3h
Nie zgadzam się, urzędnicy zrobili wszystko co mogli przy tak ogromnej ilości deszczu w jedną noc.
↑ 3
";

#[test]
fn comment_thread_without_known_words_is_cut_by_its_shape() {
    let article = clean_txt(SHAPE_ONLY_THREAD);
    assert_eq!(article.paragraphs.len(), 3, "{:?}", article.paragraphs);
    assert_absent(&article, &["kasia", "skandal", "Tomek", "zgadzam", "↑"]);
}

/// An interview, a list and a quote-heavy passage after the lede: short
/// lines that are the article, not a thread.
#[test]
fn interviews_lists_and_quotes_survive() {
    let raw = "\
Ten Questions For The Flood Engineer

The engineer who designed the new dams spoke to us about the night the river rose over the banks.

Q: When did you know the dams would hold?
A: Around two in the morning, when the level stopped rising.
Q: What failed?
A: Nothing failed. The old walls were simply too low.

What the town will build:
A higher wall
Two pumping stations
A new warning siren

“It was close.”

“Too close.”

The works are expected to start in the spring and to last about three years in all.
";
    let article = clean_txt(raw);
    let text = article.paragraphs.join("\n");
    for kept in [
        "Q: When did you know the dams would hold?",
        "A: Nothing failed. The old walls were simply too low.",
        "“Too close.”",
        "The works are expected to start in the spring",
    ] {
        assert!(text.contains(kept), "{kept:?} lost from {text}");
    }
}
