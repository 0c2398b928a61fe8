//! The crate's layers hold: every `crate::` path in `src/` points to the same layer or a lower
//! one, and no module imports, through any chain, a module that imports it back.
//!
//! The layers, from the bottom: the vocabulary at the root (what a message, a completion, a type,
//! a mode and an error are; the pure stream parsers), then the stages an extraction flows
//! through: `request/`, `response/` (beside `transport`, the seam that carries a request body),
//! `engine/` and `client/`. A new module gets its layer in [`LAYERS`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and its layer; a module may use its own layer and those below.
const LAYERS: &[(&str, u8)] = &[
    ("type_cache", 0),
    ("validation", 0),
    ("message", 0),
    ("media", 0),
    ("responses", 0),
    ("capability", 0),
    ("content_filter", 0),
    ("completion", 0),
    ("error", 0),
    ("event", 0),
    ("mode", 0),
    ("instructor", 0),
    ("schema", 0),
    ("stream", 0),
    ("request", 1),
    ("response", 2),
    ("transport", 2),
    ("engine", 3),
    ("client", 4),
    ("testing", 4),
];

/// A source file: its module path (`request::body`) and its text without comments and tests.
struct Module {
    path: String,
    code: String,
    /// `a/mod.rs` re-exporting its own children is a folder's front door, not a dependency.
    is_folder: bool,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_path(src: &Path, file: &Path) -> String {
    let rel = file
        .strip_prefix(src)
        .expect("under src/")
        .with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|p| p != "mod" && p != "lib")
        .collect();
    parts.join("::")
}

/// The code a build of the library sees: no comments, no `#[cfg(test)]` modules at the end.
fn library_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(cut) => &text[..cut],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn modules() -> Vec<Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .iter()
        .map(|f| Module {
            path: module_path(&src, f),
            code: library_code(&std::fs::read_to_string(f).expect("a readable source file")),
            is_folder: f.file_name().is_some_and(|n| n == "mod.rs"),
        })
        .collect()
}

/// Every path a `use crate::..` names (braces expanded) and every inline `crate::a::b` path.
fn crate_paths(code: &str) -> Vec<(String, bool)> {
    let mut paths = Vec::new();
    let use_re = regex::Regex::new(r"(?s)\b(pub(?:\([a-z]+\))?\s+)?use\s+crate::(.*?);").unwrap();
    let mut rest = code.to_owned();
    for cap in use_re.captures_iter(code) {
        let reexport = cap.get(1).is_some();
        expand(&cap[2], "", &mut |p| paths.push((p, reexport)));
        rest = rest.replace(&cap[0], "");
    }
    let inline_re = regex::Regex::new(r"(?:^|[^$\w])crate::((?:\w+::)*\w+)").unwrap();
    for cap in inline_re.captures_iter(&rest) {
        paths.push((cap[1].to_owned(), false));
    }
    paths
}

/// Every path a `use super::..` names, made absolute from `module`'s parent.
fn super_paths(code: &str, module: &str) -> Vec<String> {
    let parent = module.rsplit_once("::").map(|(p, _)| p).unwrap_or("");
    let prefix = if parent.is_empty() {
        String::new()
    } else {
        format!("{parent}::")
    };
    let use_re = regex::Regex::new(r"(?s)\buse\s+super::(.*?);").unwrap();
    let mut paths = Vec::new();
    for cap in use_re.captures_iter(code) {
        expand(&cap[1], &prefix, &mut |p| paths.push(p));
    }
    paths
}

/// `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str, prefix: &str, out: &mut dyn FnMut(String)) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        out(format!("{prefix}{path}"));
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.rfind('}').expect("a closing brace")];
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&inner[start..i], &head, out);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner[start..].trim().is_empty() {
        expand(&inner[start..], &head, out);
    }
}

/// The module a path lands in: its longest prefix that is a module.
fn resolve<'a>(path: &str, known: &'a BTreeSet<String>) -> Option<&'a String> {
    let segments: Vec<&str> = path.split("::").filter(|s| *s != "self").collect();
    (1..=segments.len())
        .rev()
        .find_map(|n| known.get(&segments[..n].join("::")))
}

fn layer(module: &str) -> u8 {
    let top = module.split("::").next().unwrap_or(module);
    LAYERS
        .iter()
        .find(|(name, _)| *name == top)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module `{module}` has no layer: add it to LAYERS"))
}

/// Each module and the modules it uses (the crate root, `lib.rs`, re-exports everything).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let known: BTreeSet<String> = modules.iter().map(|m| m.path.clone()).collect();
    let mut edges = BTreeMap::new();
    for m in modules.iter().filter(|m| !m.path.is_empty()) {
        let mut targets = BTreeSet::new();
        let relative = super_paths(&m.code, &m.path)
            .into_iter()
            .map(|p| (p, false));
        for (path, reexport) in crate_paths(&m.code).into_iter().chain(relative) {
            let target = resolve(&path, &known).unwrap_or_else(|| {
                panic!(
                    "`{}` uses `crate::{path}` through the crate root: name the module that \
                     defines it, so its layer shows",
                    m.path
                )
            });
            let own_child = target.starts_with(&format!("{}::", m.path));
            if *target != m.path && !(m.is_folder && reexport && own_child) {
                targets.insert(target.clone());
            }
        }
        edges.insert(m.path.clone(), targets);
    }
    edges
}

#[test]
fn imports_never_run_up_a_layer() {
    let mut upward = Vec::new();
    for (from, targets) in graph() {
        for to in targets {
            if layer(&to) > layer(&from) {
                upward.push(format!(
                    "{from} (layer {}) -> {to} (layer {})",
                    layer(&from),
                    layer(&to)
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_import_circles() {
    let graph = graph();
    // Depth-first search; a module met again while still on the path closes a circle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            circles.push(circle.join(" -> "));
            return;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_checker_sees_imports() {
    // The checks above pass vacuously if nothing is read: the engine must be seen using the
    // request stage, and a brace group must expand.
    let graph = graph();
    assert!(graph["engine::attempts"].contains("request::body"));
    let mut paths = Vec::new();
    expand("a::{b, c::{d, e as f}}", "", &mut |p| paths.push(p));
    assert_eq!(paths, ["a::b", "a::c::d", "a::c::e"]);
}
