//! The layer map of `src/` (docs/architecture.md mirrors it), checked on the source itself.
//!
//! Every `crate::…` path in a file under `src/` (in `use` lines and inline paths alike, brace
//! groups included; comments and string literals skipped) is an import of the top-level module
//! it names by the top-level module holding the file (`src/http/admin/` counts as its own node,
//! `http::admin`). An outer layer may import an inner one, never the reverse; modules of one
//! layer may import each other as long as the top-level modules form no cycle. A module missing
//! from the map fails too, so that a new module is placed (and documented) when it is added.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Inner layers first. Keep docs/architecture.md ("Layers") the same.
const LAYERS: &[(&str, &[&str])] = &[
    ("core", &["domain", "contest", "upload", "crypto", "i18n", "limits", "metrics", "telemetry", "config", "pow"]),
    ("store", &["store"]),
    (
        "services",
        &["play", "auth", "audit", "awards", "survey", "privacy", "abuse", "report", "import", "referral", "extension"],
    ),
    ("adapters", &["http", "http::admin", "ws", "jobs"]),
    ("entry", &["startup", "cli"]),
];

/// Imports tolerated while issue 13 is under way, as (importer, imported): each must still
/// exist (the list only shrinks) and is left out of the checks. Empty when the tree obeys.
const KNOWN: &[(&str, &str)] = &[];

/// One `crate::` path found in a file.
#[derive(Debug, Clone)]
struct Import {
    from: String,
    to: String,
    file: PathBuf,
    line: usize,
    text: String,
}

impl Import {
    fn show(&self) -> String {
        format!("  {}:{}: {}  ({} -> {})", self.file.display(), self.line, self.text.trim(), self.from, self.to)
    }
}

/// The node of a file: its top-level module, or `http::admin`. None for the crate roots.
fn node_of(relative: &Path) -> Option<String> {
    let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    match parts.as_slice() {
        [one] if one == "lib.rs" || one == "main.rs" => None,
        [one] => Some(one.trim_end_matches(".rs").to_string()),
        [first, second, ..] if first == "http" && (second == "admin" || second == "admin.rs") => {
            Some("http::admin".to_string())
        }
        [first, ..] => Some(first.clone()),
        [] => None,
    }
}

/// The node a path names: `crate::admin::…` is `http::admin`, else its first segment.
fn node_named(segments: &[&str]) -> String {
    match segments {
        ["http", "admin", ..] => "http::admin".to_string(),
        [first, ..] => first.to_string(),
        [] => String::new(),
    }
}

/// The source with comments, string and character literals blanked (newlines kept, so
/// positions and lines stay those of the file).
fn code_only(source: &str) -> Vec<char> {
    let s: Vec<char> = source.chars().collect();
    let mut out = s.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in out.iter_mut().take(to.min(s.len())).skip(from) {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = s[i..].iter().position(|&c| c == '\n').map_or(s.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < s.len() && depth > 0 {
                if s[j] == '/' && s.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if s[j] == '*' && s.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if (c == 'r' || (c == 'b' && next == Some('r'))) && (i == 0 || !ident(s[i - 1])) && {
            let k = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = s[k..].iter().take_while(|&&c| c == '#').count();
            s.get(k + hashes) == Some(&'"')
        } {
            let k = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = s[k..].iter().take_while(|&&c| c == '#').count();
            let mut j = k + hashes + 1;
            while j < s.len()
                && !(s[j] == '"' && s[j + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes)
            {
                j += 1;
            }
            let end = (j + 1 + hashes).min(s.len());
            blank(&mut out, i, end);
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != '"' {
                j += if s[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{…}'), or a lifetime or label ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < s.len() && s[j] != '\'' {
                    j += 1;
                }
                blank(&mut out, i, j + 1);
                i = j + 1;
            } else if s.get(i + 2) == Some(&'\'') {
                blank(&mut out, i, i + 3);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The `crate::` imports of one file, with the line each named module is on.
fn imports_of(file: &Path, display: &Path, from: &str, source: &str) -> Vec<Import> {
    let code = code_only(source);
    let lines: Vec<&str> = source.lines().collect();
    let line_of = |pos: usize| code[..pos].iter().filter(|&&c| c == '\n').count() + 1;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let word_at = |mut j: usize| -> (String, usize) {
        while j < code.len() && code[j].is_whitespace() {
            j += 1;
        }
        let start = j;
        while j < code.len() && ident(code[j]) {
            j += 1;
        }
        (code[start..j].iter().collect(), start)
    };
    // The path segments from `j` on (`a::b::c`), with the position of the first.
    let path_at = |j: usize| -> (Vec<String>, usize) {
        let (first, start) = word_at(j);
        let mut segments = vec![first];
        let mut k = start + segments[0].chars().count();
        loop {
            let mut m = k;
            while m < code.len() && code[m].is_whitespace() {
                m += 1;
            }
            if code.get(m) == Some(&':') && code.get(m + 1) == Some(&':') {
                let (w, at) = word_at(m + 2);
                if w.is_empty() {
                    break;
                }
                k = at + w.chars().count();
                segments.push(w);
            } else {
                break;
            }
        }
        (segments, start)
    };
    let mut found = Vec::new();
    let mut push = |segments: &[String], at: usize| {
        let names: Vec<&str> = segments.iter().map(String::as_str).collect();
        let to = node_named(&names);
        if to.is_empty() || to == "self" || to == from {
            return;
        }
        let line = line_of(at);
        found.push(Import {
            from: from.to_string(),
            to,
            file: display.to_path_buf(),
            line,
            text: lines.get(line - 1).copied().unwrap_or_default().to_string(),
        });
    };
    let needle: Vec<char> = "crate::".chars().collect();
    let mut i = 0;
    while i + needle.len() <= code.len() {
        if code[i..i + needle.len()] == needle[..] && (i == 0 || !(ident(code[i - 1]) || code[i - 1] == ':')) {
            let mut j = i + needle.len();
            while j < code.len() && code[j].is_whitespace() {
                j += 1;
            }
            if code.get(j) == Some(&'{') {
                // A group: the first path of each item at depth one.
                let mut depth = 0;
                let mut item_start = true;
                while j < code.len() {
                    match code[j] {
                        '{' => {
                            depth += 1;
                            item_start = depth == 1;
                        }
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        ',' if depth == 1 => item_start = true,
                        c if item_start && depth == 1 && ident(c) => {
                            let (segments, at) = path_at(j);
                            push(&segments, at);
                            item_start = false;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j;
            } else {
                let (segments, at) = path_at(j);
                if !segments[0].is_empty() {
                    push(&segments, at);
                }
                i = j.max(i + 1);
            }
        } else {
            i += 1;
        }
    }
    let _ = file;
    found
}

/// Every import between nodes under `root` (paths shown relative to `shown_as`).
fn scan(root: &Path, shown_as: &Path) -> Vec<Import> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("read src").map(|e| e.expect("entry").path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    let mut all = Vec::new();
    for file in files {
        let relative = file.strip_prefix(root).expect("under root");
        let Some(from) = node_of(relative) else { continue };
        let source = std::fs::read_to_string(&file).expect("read a source file");
        all.extend(imports_of(&file, &shown_as.join(relative), &from, &source));
    }
    all
}

fn layer_of(node: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, nodes)| nodes.contains(&node))
}

/// The top-level module of a node (`http::admin` is part of `http` for cycles).
fn top(node: &str) -> &str {
    node.split("::").next().unwrap_or(node)
}

/// What is wrong with these imports, as text for a person (empty: nothing).
fn check(imports: &[Import], known: &[(&str, &str)]) -> String {
    let mut report = String::new();
    let tolerated = |i: &Import| known.contains(&(i.from.as_str(), i.to.as_str()));
    let mut unplaced = BTreeSet::new();
    let mut back = Vec::new();
    for i in imports.iter().filter(|i| !tolerated(i)) {
        match (layer_of(&i.from), layer_of(&i.to)) {
            (Some(from), Some(to)) if to > from => back.push(i),
            (None, _) => {
                unplaced.insert(i.from.clone());
            }
            (_, None) => {
                unplaced.insert(i.to.clone());
            }
            _ => {}
        }
    }
    for node in &unplaced {
        let _ = writeln!(report, "module `{node}` is in no layer: place it in LAYERS (and docs/architecture.md)");
    }
    for i in &back {
        let (from, to) = (layer_of(&i.from).unwrap_or(0), layer_of(&i.to).unwrap_or(0));
        let _ = writeln!(report, "back-edge: {} ({}) uses {} ({}):", i.from, LAYERS[from].0, i.to, LAYERS[to].0);
        let _ = writeln!(report, "{}", i.show());
    }
    // Cycles between top-level modules: the strongly connected components of the graph.
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for i in imports.iter().filter(|i| !tolerated(i)) {
        let (a, b) = (top(&i.from), top(&i.to));
        if a != b {
            graph.entry(a).or_default().insert(b);
            graph.entry(b).or_default();
        }
    }
    for component in components(&graph) {
        let _ = writeln!(report, "cycle between {}:", component.iter().copied().collect::<Vec<_>>().join(", "));
        for i in imports.iter().filter(|i| !tolerated(i)) {
            let (a, b) = (top(&i.from), top(&i.to));
            if a != b && component.contains(a) && component.contains(b) {
                let _ = writeln!(report, "{}", i.show());
            }
        }
    }
    report
}

/// The strongly connected components of more than one node (Tarjan).
fn components<'a>(graph: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<BTreeSet<&'a str>> {
    struct Walk<'a, 'g> {
        graph: &'g BTreeMap<&'a str, BTreeSet<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<BTreeSet<&'a str>>,
    }
    impl<'a> Walk<'a, '_> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for &w in &self.graph[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.insert(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for &v in graph.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn src_obeys_the_layer_map() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let imports = scan(&root, Path::new("src"));
    assert!(imports.len() > 100, "the scan found only {} imports", imports.len());
    let report = check(&imports, KNOWN);
    assert!(report.is_empty(), "src/ breaks the layer map (docs/architecture.md):\n{report}");
    let gone: Vec<_> =
        KNOWN.iter().filter(|(from, to)| !imports.iter().any(|i| i.from == *from && i.to == *to)).collect();
    assert!(gone.is_empty(), "KNOWN lists imports that no longer exist, remove them: {gone:?}");
}

#[test]
fn every_layer_names_distinct_modules() {
    let mut seen = BTreeSet::new();
    for (_, nodes) in LAYERS {
        for node in *nodes {
            assert!(seen.insert(*node), "{node} is in two layers");
        }
    }
}

/// A small tree written to a temporary directory, scanned like `src/`.
fn synthetic(files: &[(&str, &str)]) -> (Vec<Import>, String) {
    static TREES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = TREES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("thiluat-architecture-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let imports = scan(&dir, Path::new("src"));
    std::fs::remove_dir_all(&dir).expect("clean up");
    let report = check(&imports, &[]);
    (imports, report)
}

#[test]
fn a_back_edge_fails_with_its_use_line() {
    let (_, report) = synthetic(&[
        ("lib.rs", "pub mod domain;\npub mod http;\n"),
        ("http/mod.rs", "pub mod error;\n"),
        ("domain/mod.rs", "//! Pure.\n\nuse crate::http::ApiError;\n"),
    ]);
    assert!(report.contains("back-edge: domain (core) uses http (adapters)"), "{report}");
    assert!(report.contains("src/domain/mod.rs:3: use crate::http::ApiError;"), "{report}");
    assert!(!report.contains("cycle"), "{report}");
}

#[test]
fn a_cycle_inside_one_layer_fails_with_its_use_lines() {
    let (_, report) = synthetic(&[
        ("privacy.rs", "use crate::{abuse::Case, domain};\n"),
        ("abuse/cases.rs", "fn f() {\n    crate::privacy::erase();\n}\n"),
    ]);
    assert!(report.contains("cycle between abuse, privacy:"), "{report}");
    assert!(report.contains("src/privacy.rs:1: use crate::{abuse::Case, domain};  (privacy -> abuse)"), "{report}");
    assert!(report.contains("src/abuse/cases.rs:2: crate::privacy::erase();"), "{report}");
    assert!(!report.contains("back-edge"), "{report}");
}

#[test]
fn comments_strings_and_groups_are_read_as_rust_reads_them() {
    let (imports, report) = synthetic(&[(
        "store/mod.rs",
        "// crate::http::ApiError in a comment\n\
         /* crate::ws /* nested */ crate::cli */\n\
         const S: &str = \"crate::http\";\n\
         const R: &str = r#\"crate::\"http\"#;\n\
         const C: char = '\"';\n\
         fn f<'a>(x: &'a str) {}\n\
         use crate::{\n    contest::{bank, draw},\n    http::admin::Organiser,\n};\n",
    )]);
    let edges: Vec<(String, usize)> = imports.iter().map(|i| (i.to.clone(), i.line)).collect();
    assert_eq!(edges, vec![("contest".to_string(), 8), ("http::admin".to_string(), 9)], "{report}");
    assert!(report.contains("back-edge: store (store) uses http::admin (adapters)"), "{report}");
    let (_, report) = synthetic(&[("limits.rs", "fn f() {}\n"), ("widgets.rs", "use crate::limits;\n")]);
    assert!(report.contains("module `widgets` is in no layer"), "{report}");
}
