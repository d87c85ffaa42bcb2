//! ARCHITECTURE.md's invariants as tests over the crate's own source, in the
//! manner of rust-analyzer's `tidy` tests: a rule written only in prose is
//! broken by the first refactor that does not reread it.
//!
//! The scanner is std only and deliberately small. It blanks comments and
//! literals (what a comment or a string says is not what the code does),
//! drops `#[cfg(test)]` items (tests may use anything: a `Store`, `poll`,
//! spawned tasks), marks the files those items declare as tests, and reads
//! what is left as tokens: identifiers, `::` and single punctuation. Paths are
//! taken from `use` trees (groups expanded, across lines) and from
//! expressions; `crate::`, `self::` and `super::` paths are resolved to
//! absolute module paths. Every check is a function over a tree of
//! `(path under src/, text)`, so each one is also shown to fail on a small
//! fake tree below.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

/// The stages (ARCHITECTURE.md, "Code map"): each does one step of the flow
/// and is called by the drivers, never the other way round.
#[rustfmt::skip]
const STAGES: &[&str] = &[
    "article", "cluster", "config", "discover", "error", "fetch", "guard", "memory", "normalize", "opml",
    "parse", "publish", "schedule", "seeds", "store", "text", "topic",
];
/// The modules that run the stages: the orchestrator and its users.
const DRIVERS: &[&str] = &["cli", "daemon", "metrics", "poll", "scoring", "server"];
/// What no stage may import.
const STAGE_MAY_NOT_IMPORT: &[&str] = &["poll", "cli", "daemon", "server"];
/// A production file longer than this is split, unless it is listed below.
const MAX_LINES: usize = 600;
/// (path under src/, why it is one uniform thing) for files over MAX_LINES.
const LONG_FILES: &[(&str, &str)] = &[];
/// (path under src/, why) for the files that may start an OS thread of
/// their own (`std::thread`'s `spawn`): one its owner joins when dropped,
/// so no work outlives what started it. No task, no signal (a file that
/// names `tokio` is not exempt).
const OWN_THREADS: &[(&str, &str)] = &[(
    "store/sqlite/band_index.rs",
    "the band mover: a second SQLite connection that works while the writer \
     holds the first; the store joins it when dropped",
)];

type Tree = [(PathBuf, String)];

#[derive(Clone, Debug)]
struct Token {
    text: String,
    line: usize,
}

/// A `#[cfg(test)] mod name;` (or `{ … }`, `inline`) in a production file.
struct TestMod {
    line: usize,
    name: String,
    inline: bool,
}

/// One source file as the checks see it.
struct Source {
    path: PathBuf,
    /// Module path (`publish/html/mod.rs` is `[publish, html]`); None for
    /// `main.rs`, the binary, a crate of its own.
    module: Option<Vec<String>>,
    /// Declared by a `#[cfg(test)] mod`, or below one.
    test: bool,
    /// Production code: comments, literals and `#[cfg(test)]` items removed.
    tokens: Vec<Token>,
    /// String literals (contents, line).
    strings: Vec<(usize, String)>,
    test_mods: Vec<TestMod>,
    /// Lines outside `#[cfg(test)]` items.
    lines: usize,
}

/// A path named in production code: as written, and resolved to an absolute
/// module path when it starts with `crate`, `self` or `super`.
struct Named {
    line: usize,
    written: Vec<String>,
    absolute: Option<Vec<String>>,
}

impl Source {
    /// The top-level module (`lib` and `main` for the crate roots).
    fn top(&self) -> String {
        let first = self
            .path
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy());
        first.unwrap_or_default().trim_end_matches(".rs").to_owned()
    }

    fn at(&self, line: usize) -> String {
        format!("src/{}:{line}", self.path.display())
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where the comment or literal starting at `i` ends (exclusive), and the
/// range of a string literal's contents. None: no comment or literal there.
/// `'` opens a char literal only if it is `'x'` or `'\…'`: else a lifetime.
fn literal_end(c: &[char], i: usize) -> Option<(usize, Option<(usize, usize)>)> {
    let at = |k: usize, s: &str| s.chars().enumerate().all(|(n, x)| c.get(k + n) == Some(&x));
    let find = |from: usize, done: &dyn Fn(usize) -> bool| (from..c.len()).find(|&k| done(k));
    if at(i, "//") {
        return Some((find(i, &|k| c[k] == '\n').unwrap_or(c.len()), None));
    }
    if at(i, "/*") {
        let (mut depth, mut k) = (0usize, i);
        while k < c.len() {
            let step = if at(k, "/*") || at(k, "*/") { 2 } else { 1 };
            depth = if at(k, "/*") {
                depth + 1
            } else if at(k, "*/") {
                depth - 1
            } else {
                depth
            };
            k += step;
            if depth == 0 {
                break;
            }
        }
        return Some((k, None));
    }
    let prefix_ok = |k: usize| k == 0 || !is_ident(c[k - 1]);
    let raw = c[i] == 'r' && (prefix_ok(i) || (matches!(c[i - 1], 'b' | 'c') && prefix_ok(i - 1)));
    let hashes = c[i + 1..].iter().take_while(|&&x| x == '#').count();
    if raw && c.get(i + 1 + hashes) == Some(&'"') {
        let open = i + 2 + hashes;
        let close = find(open, &|k| {
            c[k] == '"' && (1..=hashes).all(|n| c.get(k + n) == Some(&'#'))
        });
        let close = close.unwrap_or(c.len());
        return Some(((close + 1 + hashes).min(c.len()), Some((open, close))));
    }
    if c[i] == '"' {
        let mut k = i + 1;
        while k < c.len() && c[k] != '"' {
            k += if c[k] == '\\' { 2 } else { 1 };
        }
        return Some(((k + 1).min(c.len()), Some((i + 1, k.min(c.len())))));
    }
    if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
        return Some((
            find(i + 3, &|k| c[k] == '\'').map_or(c.len(), |k| k + 1),
            None,
        ));
    }
    if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
        return Some((i + 3, None));
    }
    None
}

/// Blanks comments and literals, keeping line breaks so lines still count.
fn strip(text: &str) -> (String, Vec<(usize, String)>) {
    let c: Vec<char> = text.chars().collect();
    let (mut code, mut strings, mut line, mut i) = (String::new(), Vec::new(), 1, 0);
    while i < c.len() {
        let Some((end, contents)) = literal_end(&c, i) else {
            line += usize::from(c[i] == '\n');
            code.push(c[i]);
            i += 1;
            continue;
        };
        if let Some((from, to)) = contents {
            strings.push((line, c[from..to].iter().collect()));
        }
        for &x in &c[i..end] {
            line += usize::from(x == '\n');
            code.push(if x == '\n' { '\n' } else { ' ' });
        }
        i = end;
    }
    (code, strings)
}

fn tokenize(code: &str) -> Vec<Token> {
    let c: Vec<char> = code.chars().collect();
    let (mut tokens, mut line, mut i) = (Vec::new(), 1, 0);
    while i < c.len() {
        let start = i;
        if c[i].is_whitespace() {
            line += usize::from(c[i] == '\n');
            i += 1;
            continue;
        }
        if is_ident(c[i]) {
            i += c[i..].iter().take_while(|&&x| is_ident(x)).count();
        } else {
            i += if c[i] == ':' && c.get(i + 1) == Some(&':') {
                2
            } else {
                1
            };
        }
        tokens.push(Token {
            text: c[start..i].iter().collect(),
            line,
        });
    }
    tokens
}

fn starts(t: &[Token], i: usize, seq: &[&str]) -> bool {
    seq.iter()
        .enumerate()
        .all(|(n, s)| t.get(i + n).is_some_and(|x| x.text == *s))
}

/// The index of the bracket that closes the one at `open`.
fn group_end(t: &[Token], open: usize) -> usize {
    let mut depth = 0i64;
    for (k, token) in t.iter().enumerate().skip(open) {
        match token.text.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return k;
        }
    }
    t.len().saturating_sub(1)
}

/// The end of the item starting at `i`: its `;` or the `}` of its body.
fn item_end(t: &[Token], i: usize) -> usize {
    let mut depth = 0i64;
    for (k, token) in t.iter().enumerate().skip(i) {
        match token.text.as_str() {
            "(" | "[" => depth += 1,
            ")" | "]" => depth -= 1,
            "{" if depth == 0 => return group_end(t, k),
            ";" if depth == 0 => return k,
            _ => {}
        }
    }
    t.len().saturating_sub(1)
}

const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];

/// Removes `#[cfg(test)]` items; returns what is left, the test modules
/// declared, and the lines (first, last) each removed item spans.
fn split_tests(t: &[Token]) -> (Vec<Token>, Vec<TestMod>, Vec<(usize, usize)>) {
    let (mut kept, mut mods, mut removed, mut i) = (Vec::new(), Vec::new(), Vec::new(), 0);
    while i < t.len() {
        if !starts(t, i, &CFG_TEST) {
            kept.push(t[i].clone());
            i += 1;
            continue;
        }
        let mut j = i + CFG_TEST.len();
        while starts(t, j, &["#", "["]) || starts(t, j, &["pub"]) {
            let group = starts(t, j, &["#"]) || starts(t, j + 1, &["("]);
            j = if group {
                group_end(t, j + 1) + 1
            } else {
                j + 1
            };
        }
        if starts(t, j, &["mod"]) && j + 2 < t.len() {
            let (line, name, inline) = (t[j].line, t[j + 1].text.clone(), t[j + 2].text == "{");
            mods.push(TestMod { line, name, inline });
        }
        let end = item_end(t, j);
        removed.push((t[i].line, t[end].line));
        i = end + 1;
    }
    (kept, mods, removed)
}

fn module_of(path: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    match last.as_str() {
        "main.rs" if parts.is_empty() => return None,
        "lib.rs" if parts.is_empty() => {}
        "mod.rs" => {}
        _ => parts.push(last.trim_end_matches(".rs").to_owned()),
    }
    Some(parts)
}

fn load(tree: &Tree) -> Vec<Source> {
    let mut sources: Vec<Source> = tree
        .iter()
        .map(|(path, text)| {
            let (code, mut strings) = strip(text);
            let tokens = tokenize(&code);
            let test = starts(&tokens, 0, &["#", "!", "[", "cfg", "(", "test", ")", "]"]);
            let (tokens, test_mods, removed) = split_tests(&tokens);
            strings.retain(|(l, _)| !removed.iter().any(|(a, b)| (a..=b).contains(&l)));
            let test_lines: usize = removed.iter().map(|(a, b)| b - a + 1).sum();
            let lines = text.lines().count().saturating_sub(test_lines);
            let module = module_of(path);
            Source {
                path: path.clone(),
                module,
                test,
                tokens,
                strings,
                test_mods,
                lines,
            }
        })
        .collect();
    let test_modules: Vec<Vec<String>> = sources
        .iter()
        .filter_map(|s| Some((s.module.as_ref()?, &s.test_mods)))
        .flat_map(|(m, mods)| {
            mods.iter()
                .map(|t| [m.clone(), vec![t.name.clone()]].concat())
        })
        .collect();
    for s in &mut sources {
        let under = |m: &Vec<String>| test_modules.iter().any(|t| m.starts_with(t));
        s.test |= s.module.as_ref().is_some_and(under);
    }
    sources
}

/// Parses one `use` tree at `i` (`a::b`, `a::{b, c::*}`, `a as b`), pushing
/// each leaf path with the line of its last segment.
fn use_tree(t: &[Token], i: &mut usize, prefix: Vec<String>, out: &mut Vec<(usize, Vec<String>)>) {
    let (mut path, mut line) = (prefix, t.get(*i).map_or(0, |x| x.line));
    while let Some(token) = t.get(*i) {
        match token.text.as_str() {
            "::" => *i += 1,
            "{" => {
                *i += 1;
                while t.get(*i).is_some_and(|x| x.text != "}") {
                    let before = *i;
                    use_tree(t, i, path.clone(), out);
                    *i += usize::from(starts(t, *i, &[","]) || *i == before);
                }
                *i += 1;
                return;
            }
            "as" => {
                *i += 2;
                break;
            }
            x if x == "*" || x.starts_with(is_ident) => {
                (line, *i) = (token.line, *i + 1);
                path.push(x.to_owned());
            }
            _ => break,
        }
    }
    out.push((line, path));
}

fn resolve(here: &[String], path: &[String]) -> Option<Vec<String>> {
    let supers = path.iter().take_while(|s| *s == "super").count();
    let (mut absolute, rest) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (here.to_vec(), &path[1..]),
        "super" if supers <= here.len() => (here[..here.len() - supers].to_vec(), &path[supers..]),
        _ => return None,
    };
    absolute.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(absolute)
}

/// Every path the production code of `s` names. Inline `mod x { … }` blocks
/// are followed so that `super::` inside them resolves correctly.
fn names(s: &Source) -> Vec<Named> {
    let (t, mut out, mut inline, mut depth, mut i) = (&s.tokens, Vec::new(), Vec::new(), 0, 0);
    while i < t.len() {
        let mut found = Vec::new();
        match t[i].text.as_str() {
            "{" => depth += 1,
            "}" => {
                if inline.last().is_some_and(|&(_, d)| d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            "mod" if starts(t, i + 2, &["{"]) => {
                inline.push((t[i + 1].text.clone(), depth + 1));
                i += 1;
            }
            "use" => {
                i += 1;
                use_tree(t, &mut i, Vec::new(), &mut found);
                i -= 1;
            }
            x if x.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && starts(t, i + 1, &["::"]) =>
            {
                let mut path = vec![x.to_owned()];
                while starts(t, i + 1, &["::"])
                    && t.get(i + 2).is_some_and(|x| x.text.starts_with(is_ident))
                {
                    path.push(t[i + 2].text.clone());
                    i += 2;
                }
                found.push((t[i].line, path));
            }
            _ => {}
        }
        for (line, written) in found.into_iter().filter(|(_, p)| !p.is_empty()) {
            let here = s
                .module
                .as_ref()
                .map(|m| [m.clone(), inline.iter().map(|(n, _)| n.clone()).collect()].concat());
            let absolute = here.and_then(|h| resolve(&h, &written));
            out.push(Named {
                line,
                written,
                absolute,
            });
        }
        i += 1;
    }
    out
}

fn production(tree: &Tree) -> Vec<Source> {
    load(tree).into_iter().filter(|s| !s.test).collect()
}

/// Occurrences of `idents` in production code outside the `allowed` modules.
fn forbidden_idents(tree: &Tree, allowed: &[&str], idents: &[&str], rule: &str) -> Vec<String> {
    let sources = production(tree);
    let outside = sources
        .iter()
        .filter(|s| !allowed.contains(&s.top().as_str()));
    outside
        .flat_map(|s| {
            let hits = s
                .tokens
                .iter()
                .filter(|t| idents.contains(&t.text.as_str()));
            hits.map(move |t| format!("{}: {rule}: `{}`", s.at(t.line), t.text))
        })
        .collect()
}

/// Paths outside the `allowed` modules that contain `pair` as written or resolved.
fn forbidden_paths(tree: &Tree, allowed: &[&str], pair: [&str; 2], rule: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in production(tree)
        .iter()
        .filter(|s| !allowed.contains(&s.top().as_str()))
    {
        for n in names(s) {
            let has = |p: &[String]| p.windows(2).any(|w| w[0] == pair[0] && w[1] == pair[1]);
            if has(&n.written) || n.absolute.as_deref().is_some_and(has) {
                out.push(format!(
                    "{}: {rule}: `{}`",
                    s.at(n.line),
                    n.written.join("::")
                ));
            }
        }
    }
    out
}

#[rustfmt::skip]
const SQL: &[&str] = &[
    "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "CREATE TABLE", "CREATE INDEX",
    "CREATE TRIGGER", "DROP ", "ALTER TABLE", "PRAGMA ",
];

fn check_sql(tree: &Tree) -> Vec<String> {
    let rule = "only `store` writes SQL";
    let mut out = forbidden_idents(tree, &["store"], &["rusqlite"], rule);
    for s in production(tree).iter().filter(|s| s.top() != "store") {
        for (line, text) in s
            .strings
            .iter()
            .filter(|(_, t)| SQL.iter().any(|k| t.trim_start().starts_with(k)))
        {
            out.push(format!("{}: {rule}: SQL text {text:?}", s.at(*line)));
        }
    }
    out
}

fn check_network(tree: &Tree) -> Vec<String> {
    let http = "only `fetch` makes HTTP requests";
    let dns = "only `fetch` resolves DNS";
    let mut out = forbidden_idents(tree, &["fetch"], &["reqwest"], http);
    out.extend(forbidden_idents(
        tree,
        &["fetch"],
        &["to_socket_addrs", "lookup_host"],
        dns,
    ));
    out
}

fn check_layers(tree: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    for s in &production(tree) {
        let from = s.top();
        for n in names(s) {
            let Some(to) = n.absolute.as_ref().and_then(|a| a.first()) else {
                continue;
            };
            let rule =
                if STAGES.contains(&from.as_str()) && STAGE_MAY_NOT_IMPORT.contains(&to.as_str()) {
                    "no stage imports `poll`, `cli`, `daemon` or `server`"
                } else if from == "server" && to == "daemon" {
                    "`server` does not import `daemon`"
                } else if from != "cli" && to == "cli" {
                    "nothing imports `cli`"
                } else {
                    continue;
                };
            out.push(format!(
                "{}: {rule}: `{from}` names `{}`",
                s.at(n.line),
                n.written.join("::")
            ));
        }
    }
    out
}

fn check_backend(tree: &Tree) -> Vec<String> {
    let rule = "only `store` names a backend";
    let mut out = forbidden_idents(tree, &["store"], &["rusqlite"], rule);
    out.extend(forbidden_paths(tree, &["store"], ["store", "Store"], rule));
    out
}

fn check_tasks(tree: &Tree) -> Vec<String> {
    let rule = "only `daemon` spawns tasks and handles signals";
    let mut out = forbidden_idents(
        tree,
        &["daemon"],
        &["spawn", "spawn_local", "ctrl_c", "signal_hook"],
        rule,
    );
    out.extend(forbidden_paths(
        tree,
        &["daemon"],
        ["tokio", "signal"],
        rule,
    ));
    let own_thread = |s: &Source| {
        OWN_THREADS.iter().any(|(p, _)| Path::new(p) == s.path)
            && s.tokens.iter().any(|t| t.text == "thread")
            && !s.tokens.iter().any(|t| t.text == "tokio")
    };
    let exempt: Vec<String> = production(tree)
        .iter()
        .filter(|s| own_thread(s))
        .map(|s| format!("src/{}:", s.path.display()))
        .collect();
    out.retain(|v| !(v.ends_with("`spawn`") && exempt.iter().any(|p| v.starts_with(p.as_str()))));
    out
}

/// The stages that only transform what they are given: no filesystem, no
/// network, no other process. (`seeds` reads the folder it is given, and
/// only reads: see [`check_io`].)
#[rustfmt::skip]
const PURE: &[&str] = &[
    "article", "cluster", "discover", "guard", "normalize", "opml", "parse", "publish", "schedule", "text",
];
/// Paths that reach the filesystem or another process.
#[rustfmt::skip]
const IO: &[[&str; 2]] = &[
    ["std", "fs"], ["tokio", "fs"], ["std", "process"], ["tokio", "process"],
];
/// What reaches the network (`std::net`'s address types are plain values).
#[rustfmt::skip]
const NET: &[&str] = &[
    "TcpStream", "TcpListener", "TcpSocket", "UdpSocket", "UnixStream", "UnixListener",
    "UnixDatagram", "lookup_host", "to_socket_addrs",
];
/// Calls that write, move or delete files.
#[rustfmt::skip]
const FILE_WRITES: &[[&str; 2]] = &[
    ["fs", "write"], ["fs", "rename"], ["fs", "remove_file"], ["fs", "copy"],
    ["fs", "create_dir_all"], ["fs", "create_dir"], ["File", "create"], ["fs", "OpenOptions"],
];
/// The modules that write files: the configuration (`config::edit`), a new
/// one (`config::init`), the probes of `check-config` (`config::check`), the
/// database's folder, the manual pages `feedloom man --dir` writes, and
/// the seed files `feedloom seeds add` writes and `seeds rm` removes.
#[rustfmt::skip]
const FILE_WRITERS: &[&[&str]] = &[
    &["config", "edit"], &["config", "init"], &["config", "check"], &["store"], &["cli", "man"],
    &["cli", "seeds"],
];

fn check_io(tree: &Tree) -> Vec<String> {
    let has = |path: &[String], pair: &[&str; 2]| {
        path.windows(2).any(|w| w[0] == pair[0] && w[1] == pair[1])
    };
    let mut out = Vec::new();
    for s in &production(tree) {
        let pure = PURE.contains(&s.top().as_str());
        let writer = s.module.as_ref().is_some_and(|m| {
            FILE_WRITERS
                .iter()
                .any(|w| m.starts_with(&w.iter().map(|x| x.to_string()).collect::<Vec<_>>()))
        });
        for n in names(s) {
            if pure && IO.iter().any(|pair| has(&n.written, pair)) {
                out.push(format!(
                    "{}: `{}` does no I/O beyond reading what it is given: `{}`",
                    s.at(n.line),
                    s.top(),
                    n.written.join("::")
                ));
            } else if !writer && FILE_WRITES.iter().any(|pair| has(&n.written, pair)) {
                out.push(format!(
                    "{}: only `config::edit` writes the configuration file (`config::init` a new one, `config::check` its probes, `store` its folder, `cli::man` manual pages): `{}`",
                    s.at(n.line),
                    n.written.join("::")
                ));
            }
        }
        if pure {
            for t in s.tokens.iter().filter(|t| NET.contains(&t.text.as_str())) {
                out.push(format!(
                    "{}: `{}` does no I/O beyond reading what it is given: `{}`",
                    s.at(t.line),
                    s.top(),
                    t.text
                ));
            }
        }
        if !writer {
            for t in s.tokens.iter().filter(|t| t.text == "OpenOptions") {
                out.push(format!(
                    "{}: only `config::edit` writes the configuration file (`config::init` a new one, `config::check` its probes, `store` its folder, `cli::man` manual pages): `OpenOptions`",
                    s.at(t.line)
                ));
            }
        }
    }
    out
}

fn check_classified(tree: &Tree) -> Vec<String> {
    let tops: BTreeSet<String> = load(tree)
        .iter()
        .map(Source::top)
        .filter(|t| t != "lib" && t != "main")
        .collect();
    let listed = |t: &str| usize::from(STAGES.contains(&t)) + usize::from(DRIVERS.contains(&t));
    let mut out: Vec<String> = (tops.iter().filter(|t| listed(t) != 1))
        .map(|t| {
            format!(
                "src/{t}: every top-level module is a stage or a driver: `{t}` is in {} lists",
                listed(t)
            )
        })
        .collect();
    for gone in STAGES.iter().chain(DRIVERS).filter(|m| !tops.contains(**m)) {
        out.push(format!(
            "src/{gone}: every listed module exists: no module `{gone}`"
        ));
    }
    out
}

type Edges = BTreeMap<(String, String), String>;

/// The dependencies among the children of the module `parent` (of the crate
/// root: among the top-level modules), each with its first `file:line`.
/// Child A depends on child B when a production file in A's subtree names a
/// path into B's. What the parent's own file defines is no node: children
/// using it, and it using them, is the module tree, not a cycle.
fn dependencies(sources: &[Source], parent: &[String]) -> Edges {
    let child = |m: &[String]| {
        (m.len() > parent.len() && m.starts_with(parent)).then(|| m[parent.len()].clone())
    };
    let nodes: BTreeSet<String> = sources
        .iter()
        .filter_map(|s| child(s.module.as_ref()?))
        .collect();
    let mut edges = Edges::new();
    for s in sources {
        let Some(from) = s.module.as_deref().and_then(child) else {
            continue;
        };
        for n in names(s) {
            let to = n.absolute.as_deref().and_then(child);
            if let Some(to) = to.filter(|to| nodes.contains(to) && *to != from) {
                edges
                    .entry((from.clone(), to))
                    .or_insert_with(|| s.at(n.line));
            }
        }
    }
    edges
}

/// A shortest cycle through `u` (breadth first from `u` back to it), if any.
fn shortest_cycle<'a>(edges: &'a Edges, u: &'a str) -> Option<Vec<&'a str>> {
    let (mut prev, mut queue) = (BTreeMap::new(), VecDeque::from([u]));
    while let Some(x) = queue.pop_front() {
        for (_, y) in edges.keys().filter(|(a, _)| a == x) {
            if y == u {
                let mut cycle = vec![x, u];
                while let Some(&p) = prev.get(cycle[0]) {
                    cycle.insert(0, p);
                }
                return Some(cycle);
            }
            if !prev.contains_key(y.as_str()) {
                prev.insert(y.as_str(), x);
                queue.push_back(y);
            }
        }
    }
    None
}

/// One cycle per node not yet in a reported one: the modules in order, and
/// the `file:line` that makes each step.
fn cycles(sources: &[Source], parent: &[String]) -> Vec<String> {
    let edges = dependencies(sources, parent);
    let what = match parent {
        [] => "top-level modules".to_owned(),
        _ => format!("the files of `{}`", parent.join("::")),
    };
    let (mut done, mut out) = (BTreeSet::new(), Vec::new());
    for (u, _) in edges.keys() {
        let Some(cycle) = shortest_cycle(&edges, u).filter(|_| !done.contains(u.as_str())) else {
            continue;
        };
        done.extend(cycle.iter().copied());
        let at = |w: &[&str]| &edges[&(w[0].to_owned(), w[1].to_owned())];
        let hops: Vec<String> = cycle
            .windows(2)
            .map(|w| format!("{} → {} at {}", w[0], w[1], at(w)))
            .collect();
        let path = cycle.join(" → ");
        out.push(format!(
            "{}: no cycles between {what}: {path} ({})",
            at(&cycle),
            hops.join("; ")
        ));
    }
    out
}

fn check_module_cycles(tree: &Tree) -> Vec<String> {
    cycles(&production(tree), &[])
}

fn check_file_cycles(tree: &Tree) -> Vec<String> {
    let sources = production(tree);
    let modules: BTreeSet<Vec<String>> = sources
        .iter()
        .filter_map(|s| s.module.clone())
        .filter(|m| !m.is_empty())
        .collect();
    modules.iter().flat_map(|m| cycles(&sources, m)).collect()
}

fn check_test_layout(tree: &Tree) -> Vec<String> {
    let rule = "unit tests sit in the module's `tests.rs`, declared `#[cfg(test)] mod tests;`";
    let mut out = Vec::new();
    for s in load(tree).into_iter().filter(|s| !s.test) {
        let name = s
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with("_tests.rs") {
            out.push(format!(
                "{}: {rule}: `{name}` is not declared as a test module",
                s.at(1)
            ));
        }
        for m in s.test_mods.iter().filter(|m| m.inline || m.name != "tests") {
            let how = if m.inline {
                "inline `{ … }`"
            } else {
                "not named `tests`"
            };
            out.push(format!(
                "{}: {rule}: test module `{}` is {how}",
                s.at(m.line),
                m.name
            ));
        }
    }
    out
}

fn check_file_length(tree: &Tree) -> Vec<String> {
    let listed = |s: &Source| LONG_FILES.iter().any(|(p, _)| Path::new(p) == s.path);
    let long = production(tree)
        .into_iter()
        .filter(|s| s.lines > MAX_LINES && !listed(s));
    long.map(|s| {
        format!(
            "{}: no production file over {MAX_LINES} lines: {} lines outside tests",
            s.at(1),
            s.lines
        )
    })
    .collect()
}

/// The crate's `src/`, every `.rs` file, paths relative to it.
fn real_tree() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (mut files, mut dirs) = (Vec::new(), vec![root.clone()]);
    while let Some(dir) = dirs.pop() {
        let entries =
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
            let (path, kind) = (entry.path(), entry.file_type());
            let kind = kind.unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
            if kind.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                files.push((
                    path.strip_prefix(&root)
                        .expect("a file under src/")
                        .to_path_buf(),
                    text,
                ));
            }
        }
    }
    files.sort();
    files
}

fn assert_holds(violations: Vec<String>) {
    assert!(
        violations.is_empty(),
        "{} broken (see ARCHITECTURE.md, Invariants):\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn architecture_only_store_writes_sql() {
    assert_holds(check_sql(&real_tree()));
}

#[test]
fn architecture_only_fetch_makes_http_requests_and_resolves_dns() {
    assert_holds(check_network(&real_tree()));
}

#[test]
fn architecture_no_stage_imports_poll_cli_daemon_or_server() {
    assert_holds(check_layers(&real_tree()));
}

#[test]
fn architecture_only_store_names_a_backend() {
    assert_holds(check_backend(&real_tree()));
}

#[test]
fn architecture_only_daemon_spawns_tasks_and_handles_signals() {
    assert_holds(check_tasks(&real_tree()));
}

#[test]
fn architecture_pure_stages_do_no_io_and_only_config_edit_writes_the_configuration() {
    assert_holds(check_io(&real_tree()));
}

#[test]
fn architecture_lists_every_top_level_module_as_a_stage_or_a_driver() {
    assert_holds(check_classified(&real_tree()));
}

#[test]
fn architecture_has_no_cycles_between_top_level_modules() {
    assert_holds(check_module_cycles(&real_tree()));
}

#[test]
fn architecture_has_no_cycles_between_the_files_of_a_module() {
    assert_holds(check_file_cycles(&real_tree()));
}

#[test]
fn architecture_keeps_unit_tests_in_each_modules_tests_file() {
    assert_holds(check_test_layout(&real_tree()));
}

#[test]
fn architecture_has_no_production_file_over_600_lines() {
    assert_holds(check_file_length(&real_tree()));
}

fn fake(files: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), (*t).to_owned()))
        .collect()
}

/// Asserts that `found` is exactly one report per expected `file:line`.
fn reports(found: Vec<String>, expected: &[&str]) {
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for at in expected {
        assert!(
            found.iter().any(|f| f.starts_with(&format!("{at}:"))),
            "no report at {at}: {found:#?}"
        );
    }
}

#[test]
fn invariants_scanner_ignores_comments_literals_and_tests() {
    let text = r##"// crate::poll::x
/* a /* nested */ crate::poll */ use crate::{
    text::collapse,
    cluster::{self, Fingerprint as F},
};
fn f<'a>(_: &'a str) { let _ = (r#"crate::poll "q" "#, '"', '\'', '\\', b'"'); crate::text::x() }
#[cfg(test)]
#[allow(unused)]
mod tests { use crate::poll; }
"##;
    let tree = fake(&[
        ("parse/mod.rs", text),
        ("parse/tests.rs", "use crate::poll;"),
    ]);
    assert_holds(check_layers(&tree));
    let sources = load(&tree);
    assert!(
        sources[1].test,
        "parse/tests.rs is declared by #[cfg(test)] mod tests"
    );
    let found: Vec<(usize, String)> = names(&sources[0])
        .into_iter()
        .map(|n| (n.line, n.absolute.unwrap_or_default().join("::")))
        .collect();
    let expected = [
        (3, "text::collapse"),
        (4, "cluster"),
        (4, "cluster::Fingerprint"),
        (6, "text::x"),
    ];
    assert_eq!(found, expected.map(|(l, p)| (l, p.to_owned())));
    assert_eq!(
        sources[0].lines, 6,
        "the 3 lines of the test module are not counted"
    );
}

#[test]
fn invariants_sql_outside_store_is_reported() {
    let tree = fake(&[
        (
            "store/mod.rs",
            "use rusqlite::Connection;\nconst Q: &str = \"SELECT 1\";",
        ),
        (
            "poll.rs",
            "fn f() {\n    rusqlite::Connection::open_in_memory();\n}\n#[cfg(test)]\nmod tests { const Q: &str = \"SELECT 1\"; }",
        ),
        ("parse.rs", "const Q: &str = r\"DELETE FROM stories\";"),
    ]);
    reports(check_sql(&tree), &["src/poll.rs:2", "src/parse.rs:1"]);
}

#[test]
fn invariants_http_and_dns_outside_fetch_are_reported() {
    let tree = fake(&[
        ("fetch.rs", "use reqwest::Client;"),
        ("fetch/resolve.rs", "fn f() { tokio::net::lookup_host(h); }"),
        ("guard.rs", "fn f() { tokio::net::lookup_host(h); }"),
        ("parse/mod.rs", "\nuse reqwest::Client;"),
        ("normalize.rs", "fn f() { a.to_socket_addrs(); }"),
    ]);
    reports(
        check_network(&tree),
        &["src/guard.rs:1", "src/parse/mod.rs:2", "src/normalize.rs:1"],
    );
}

#[test]
fn invariants_stage_importing_a_driver_is_reported() {
    let tree = fake(&[
        ("parse.rs", "use crate::poll::X;"),
        (
            "seeds/extract.rs",
            "fn f() { super::super::daemon::run(); }",
        ),
        ("server.rs", "use crate::{publish, daemon};"),
        (
            "scoring.rs",
            "use crate::cli::Args;\nuse crate::poll::lock;",
        ),
        ("cli/feeds.rs", "use crate::cli::x;\nuse super::Args;"),
    ]);
    let expected = [
        "src/parse.rs:1",
        "src/seeds/extract.rs:1",
        "src/server.rs:1",
        "src/scoring.rs:1",
    ];
    reports(check_layers(&tree), &expected);
}

#[test]
fn invariants_store_type_outside_store_is_reported() {
    let tree = fake(&[
        ("store/retention.rs", "use super::Store;"),
        (
            "poll.rs",
            "use crate::store::{self, Store};\nenum E { Store(store::Error) }\nfn f() { E::Store(e); }",
        ),
        ("server.rs", "fn f() {\n    store::Store::open(p);\n}"),
    ]);
    reports(check_backend(&tree), &["src/poll.rs:1", "src/server.rs:2"]);
}

#[test]
fn invariants_spawns_and_signals_outside_daemon_are_reported() {
    let tree = fake(&[
        (
            "daemon/mod.rs",
            "use tokio::signal::unix::signal;\nfn f() { tokio::spawn(x); tracker.spawn(y); }",
        ),
        (
            "poll.rs",
            "fn f() {\n    tokio::task::spawn_blocking(f);\n    tokio::spawn(x);\n}",
        ),
        ("server.rs", "fn f() { tracker.spawn(y); }"),
        ("fetch.rs", "use tokio::{net, signal};"),
        // The one file that may start a thread of its own, as it does; and
        // the same file once it also spawns a task.
        (
            "store/sqlite/band_index.rs",
            "fn f() { std::thread::Builder::new().spawn(g); }",
        ),
    ]);
    reports(
        check_tasks(&tree),
        &["src/poll.rs:3", "src/server.rs:1", "src/fetch.rs:1"],
    );
    let tree = fake(&[(
        "store/sqlite/band_index.rs",
        "fn f() { std::thread::Builder::new().spawn(g); tokio::spawn(x); }",
    )]);
    reports(
        check_tasks(&tree),
        &[
            "src/store/sqlite/band_index.rs:1",
            "src/store/sqlite/band_index.rs:1",
        ],
    );
}

#[test]
fn invariants_unlisted_top_level_module_is_reported() {
    let mut tree = fake(&[("lib.rs", ""), ("main.rs", ""), ("newstage.rs", "")]);
    tree.extend(
        STAGES
            .iter()
            .chain(DRIVERS)
            .map(|m| (PathBuf::from(format!("{m}.rs")), String::new())),
    );
    reports(check_classified(&tree), &["src/newstage"]);
}

#[test]
fn invariants_cycle_between_top_level_modules_is_reported() {
    let tree = fake(&[
        ("normalize/mod.rs", "use crate::cluster::Fingerprint;"),
        ("cluster.rs", "\nfn f() { crate::store::x(); }"),
        ("store/mod.rs", "mod cluster;"),
        (
            "store/cluster.rs",
            "fn f() {\n    crate::normalize::hash();\n}",
        ),
        ("poll.rs", "use crate::normalize;"),
    ]);
    let found = check_module_cycles(&tree);
    reports(found.clone(), &["src/cluster.rs:2"]);
    assert!(
        found[0].contains("cluster → store → normalize → cluster"),
        "{found:?}"
    );
    assert!(
        found[0].contains("src/store/cluster.rs:2") && found[0].contains("src/normalize/mod.rs:1"),
        "{found:?}"
    );
}

#[test]
fn invariants_cycle_between_files_of_a_module_is_reported() {
    let tree = fake(&[
        (
            "seeds.rs",
            "mod classify;\nmod dateline;\npub struct Error;\nfn f() { classify::x(); }",
        ),
        (
            "seeds/classify.rs",
            "fn f() { super::dateline::is_date_line(); }\nuse super::Error;",
        ),
        ("seeds/dateline.rs", "\nuse super::classify::word_count;"),
        ("seeds/front_matter.rs", "use super::Error;"),
    ]);
    let found = check_file_cycles(&tree);
    reports(found.clone(), &["src/seeds/classify.rs:1"]);
    assert!(found[0].contains("src/seeds/dateline.rs:2"), "{found:?}");
}

#[test]
fn invariants_misplaced_unit_tests_are_reported() {
    let tree = fake(&[
        (
            "parse/mod.rs",
            "#[cfg(test)]\nmod hostile_tests;\n#[cfg(test)]\nmod tests;",
        ),
        ("parse/hostile_tests.rs", "use super::*;"),
        ("parse/tests.rs", "mod more { }"),
        (
            "fetch.rs",
            "fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n}",
        ),
        ("store/x_tests.rs", ""),
    ]);
    reports(
        check_test_layout(&tree),
        &[
            "src/parse/mod.rs:2",
            "src/fetch.rs:3",
            "src/store/x_tests.rs:1",
        ],
    );
}

#[test]
fn invariants_long_production_file_is_reported() {
    let tests = format!("#[cfg(test)]\nmod tests {{{}}}\n", "\n".repeat(100));
    let tree = fake(&[
        ("poll.rs", &"fn f() {}\n".repeat(601)),
        ("server.rs", &("fn f() {}\n".repeat(599) + &tests)),
    ]);
    reports(check_file_length(&tree), &["src/poll.rs:1"]);
}

#[test]
fn invariants_io_in_a_pure_stage_and_file_writes_outside_the_writers_are_reported() {
    let tree = fake(&[
        (
            "config/edit/disk.rs",
            "fn f() { std::fs::rename(a, b); let _ = OpenOptions::new(); }",
        ),
        ("seeds.rs", "use std::fs;\nfn f() { fs::read(p); }"),
        ("parse/mod.rs", "\nuse std::fs::File;"),
        ("guard.rs", "use std::net::IpAddr;"),
        (
            "publish/atom.rs",
            "fn f() { let s = tokio::net::TcpStream::connect(a); }",
        ),
        ("cli/mod.rs", "fn f() { std::fs::write(p, b); }"),
        (
            "seeds/extract.rs",
            "fn f() {\n let _ = std::fs::OpenOptions::new(); }",
        ),
    ]);
    reports(
        check_io(&tree),
        &[
            "src/parse/mod.rs:2",
            "src/publish/atom.rs:1",
            "src/cli/mod.rs:1",
            "src/seeds/extract.rs:2",
            "src/seeds/extract.rs:2",
        ],
    );
}
