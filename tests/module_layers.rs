//! The library's modules form one-way layers: the check of issue 13 ("no module
//! cycle"), run by `cargo test --test module_layers`.
//!
//! Data flow one way, from the leaves up to the reports:
//!
//! ```text
//! error ─> spelling ─> distribution, level, measure, printed, weighted ─> data ─> effect
//!       ─> heterogeneity ─> model ─> profile ─> analysis, builder ─> audit ─> report
//!       ─> command ─> (the binary)
//! ```
//!
//! The test reads every `src/**/*.rs` but the binary, drops comments, string and char
//! literals, collects each `crate::<module>` path (grouped imports `crate::{a, b}`
//! included, root re-exports such as `crate::Error` resolved through `src/lib.rs`) and
//! each `super::` path that leaves its top-level module, and asserts that every
//! reference between two top-level modules goes to a lower layer (which also rules out
//! every cycle) and, separately, that the graph has no cycle. A failure prints the
//! offending edges with file and line. Doc-comment links to later layers are fine
//! (they are comments); code references are not.
//!
//! `heterogeneity` sits below `model`: a fit reports heterogeneity statistics, and
//! both take their kernels from `weighted`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use modules of lower layers only; modules of
/// one layer do not use one another.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["spelling"],
    &["distribution", "level", "measure", "printed", "weighted"],
    &["data"],
    &["effect"],
    &["heterogeneity"],
    &["model"],
    &["profile"],
    &["analysis", "builder"],
    &["audit"],
    &["report"],
    &["command"],
];

/// Back edges known and being removed elsewhere: (file under `src/`, from, to, why).
/// Each must still occur (the test fails once it is gone, so that the exception is
/// deleted with it).
const KNOWN_EXCEPTIONS: &[(&str, &str, &str, &str)] = &[];

/// One reference from a file to another top-level module.
#[derive(Debug, Clone)]
struct Reference {
    file: String,
    line: usize,
    from: String,
    to: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a Rust source with comments, string literals and char literals blanked
/// out (newlines kept, so that byte offsets keep their line numbers).
fn code_only(source: &str) -> String {
    let b = source.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        if c == b'/' && next == b'/' {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if c == b'/' && next == b'*' {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    out.extend(b"  ");
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    out.extend(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if c == b'r' && (next == b'"' || next == b'#') && !ident_byte(prev(b, i)) {
            // A raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let body = j + 1;
            let end = b[body..]
                .windows(closing.len())
                .position(|w| w == closing.as_slice())
                .map_or(b.len(), |p| body + p + closing.len());
            for &x in &b[i..end] {
                blank(&mut out, x);
            }
            i = end;
        } else if c == b'"' {
            blank(&mut out, c);
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    blank(&mut out, b[i]);
                    i += 1;
                }
                if i < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            if i < b.len() {
                out.push(b' ');
                i += 1;
            }
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}', or a multi-byte char), not a lifetime.
            let end = if next == b'\\' {
                b[i + 2..]
                    .iter()
                    .position(|&x| x == b'\'')
                    .map(|p| i + 2 + p + 1)
            } else {
                let len = source[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + len) == Some(&b'\'')).then_some(i + 2 + len)
            };
            match end {
                Some(end) => {
                    for &x in &b[i..end] {
                        blank(&mut out, x);
                    }
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(
        out.into_iter()
            .map(|x| if x < 128 { x } else { b' ' })
            .collect(),
    )
    .expect("ASCII")
}

fn prev(b: &[u8], i: usize) -> u8 {
    if i == 0 {
        b' '
    } else {
        b[i - 1]
    }
}

fn ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The identifier at `i` (empty when none).
fn ident_at(code: &str, i: usize) -> &str {
    let rest = &code[i..];
    let len = rest.bytes().take_while(|&c| ident_byte(c)).count();
    &rest[..len]
}

fn skip_space(code: &str, mut i: usize) -> usize {
    while code.as_bytes().get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The first identifiers of the items of a brace group starting at `open` (`{`):
/// `{a::X, b::{Y, Z}, self}` gives a, b, self.
fn group_heads(code: &str, open: usize) -> Vec<&str> {
    let b = code.as_bytes();
    let (mut depth, mut i, mut heads, mut expect) = (0, open, Vec::new(), true);
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                expect = depth == 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect = true,
            c if expect && depth == 1 && ident_byte(c) => {
                heads.push(ident_at(code, i));
                expect = false;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// The module path of a file under `src/`: `model/tau2/likelihood.rs` is
/// [model, tau2, likelihood], `model/mod.rs` [model], `heterogeneity.rs` [heterogeneity].
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// Names the crate root re-exports (`pub use error::{Error, Result}` in `src/lib.rs`),
/// with their module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let code = code_only(lib);
    let mut names = BTreeMap::new();
    for (at, _) in code.match_indices("pub use ") {
        let start = at + "pub use ".len();
        let module = ident_at(&code, start).to_string();
        let end = code[start..].find(';').map_or(code.len(), |p| start + p);
        let items = &code[start + module.len()..end];
        for name in items.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if !name.is_empty() && name != "self" {
                names.insert(name.to_string(), module.clone());
            }
        }
    }
    names
}

/// Every reference of `code` (the file `relative`) to another top-level module.
fn references(
    relative: &Path,
    code: &str,
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Vec<Reference> {
    let file_path = module_path(relative);
    let from = file_path[0].clone();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut push = |at: usize, target: &str| {
        let to = reexports.get(target).map_or(target, String::as_str);
        if modules.contains(to) && to != from {
            found.push(Reference {
                file: relative.display().to_string(),
                line: line_of(at),
                from: from.clone(),
                to: to.to_string(),
            });
        }
    };
    // Inline modules (`mod tests { ... }`) deepen the path `super::` is relative to.
    let b = code.as_bytes();
    let (mut depth, mut inline): (usize, Vec<(usize, String)>) = (0, Vec::new());
    let mut i = 0;
    while i < b.len() {
        let at_word = !ident_byte(prev(b, i)) && prev(b, i) != b'$';
        if b[i] == b'{' {
            depth += 1;
        } else if b[i] == b'}' {
            depth = depth.saturating_sub(1);
            while inline.last().is_some_and(|(d, _)| *d > depth) {
                inline.pop();
            }
        } else if at_word && code[i..].starts_with("mod ") {
            let name_at = skip_space(code, i + 3);
            let name = ident_at(code, name_at);
            let after = skip_space(code, name_at + name.len());
            if b.get(after) == Some(&b'{') {
                inline.push((depth + 1, name.to_string()));
            }
        } else if at_word && code[i..].starts_with("crate::") {
            let j = skip_space(code, i + "crate::".len());
            if b.get(j) == Some(&b'{') {
                for head in group_heads(code, j) {
                    push(i, head);
                }
            } else {
                push(i, ident_at(code, j));
            }
            i = j;
            continue;
        } else if at_word && code[i..].starts_with("super::") {
            let mut path = file_path.clone();
            path.extend(inline.iter().map(|(_, n)| n.clone()));
            let mut j = i;
            while code[j..].starts_with("super::") {
                path.pop();
                j = skip_space(code, j + "super::".len());
            }
            match path.first() {
                Some(top) => push(i, &top.clone()),
                None if b.get(j) == Some(&b'{') => {
                    for head in group_heads(code, j) {
                        push(i, head);
                    }
                }
                None => push(i, ident_at(code, j)),
            }
            i = j;
            continue;
        }
        i += 1;
    }
    found
}

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module '{module}' is in no layer: add it to LAYERS"))
}

/// A cycle of the graph, if any (depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = stack.iter().position(|n| n == next).expect("on the stack");
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            if let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn modules_follow_the_layers_and_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let relative = |p: &Path| p.strip_prefix(&src).expect("under src").to_path_buf();
    let files: Vec<PathBuf> = files
        .iter()
        .map(|p| relative(p))
        .filter(|r| !r.starts_with("bin") && r != Path::new("lib.rs"))
        .collect();
    let modules: BTreeSet<String> = files.iter().map(|r| module_path(r)[0].clone()).collect();
    for m in &modules {
        layer_of(m);
    }
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let reexports = root_reexports(&lib);

    let mut all = Vec::new();
    for r in &files {
        let text = std::fs::read_to_string(src.join(r)).expect("a source file");
        all.extend(references(r, &code_only(&text), &modules, &reexports));
    }
    let is_known = |e: &Reference| {
        KNOWN_EXCEPTIONS
            .iter()
            .any(|(file, from, to, _)| e.file == *file && e.from == *from && e.to == *to)
    };
    for (file, from, to, why) in KNOWN_EXCEPTIONS {
        assert!(
            all.iter()
                .any(|e| e.file == *file && e.from == *from && e.to == *to),
            "the known exception {from} -> {to} in src/{file} ({why}) no longer occurs: \
             remove it from KNOWN_EXCEPTIONS"
        );
    }
    let edges: Vec<&Reference> = all.iter().filter(|e| !is_known(e)).collect();

    let upward: Vec<String> = edges
        .iter()
        .filter(|e| layer_of(&e.to) >= layer_of(&e.from))
        .map(|e| format!("  {} -> {} (src/{}:{})", e.from, e.to, e.file, e.line))
        .collect();
    assert!(
        upward.is_empty(),
        "references to the same or a higher layer (layers, lowest first: {LAYERS:?}):\n{}",
        upward.join("\n")
    );

    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &edges {
        graph
            .entry(e.from.clone())
            .or_default()
            .insert(e.to.clone());
    }
    assert_eq!(find_cycle(&graph), None, "a module cycle");
    // The scan sees the references it must: the pooling layer uses its kernels.
    assert!(graph["model"].contains("weighted") && graph["report"].contains("model"));
}

#[test]
fn the_scan_reads_code_not_comments_or_strings() {
    let modules: BTreeSet<String> = ["data", "model", "effect", "error"]
        .map(String::from)
        .into();
    let reexports = BTreeMap::from([("Error".to_string(), "error".to_string())]);
    let source = "//! See [`crate::model`].\n\
                  use crate::{data::X, error::Y};\n\
                  /* crate::effect */ let s = \"crate::model\"; let c = '\"';\n\
                  fn f() -> crate::Error { super::super::model::g() }\n\
                  mod tests { use super::*; }\n";
    let refs = references(
        Path::new("effect/generic.rs"),
        &code_only(source),
        &modules,
        &reexports,
    );
    let seen: Vec<(&str, usize)> = refs.iter().map(|r| (r.to.as_str(), r.line)).collect();
    assert_eq!(
        seen,
        [("data", 2), ("error", 2), ("error", 4), ("model", 4)]
    );
}
