//! Select, merge, close over references, and assemble: indexed sources in, description text out.

use super::index::{to_pointer, Block, Group, Index, Ref};
use super::recipe::{Recipe, Selector};
use super::Problem;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};

/// A source read and indexed, with the name problems give it.
pub struct Source {
    pub file: String,
    pub index: Index,
}

/// What a cut made, besides its text.
#[derive(Debug, Default)]
pub struct Stats {
    pub paths: usize,
    pub operations: usize,
    /// Component entries per section, in output order.
    pub components: Vec<(String, usize)>,
}

pub struct Cut {
    pub text: String,
    pub stats: Stats,
    pub warnings: Vec<Problem>,
}

/// One definition of a keyed block (a path item as cut, a component, a tag) in one source.
struct Def<'a> {
    src: usize,
    line: usize,
    text: Cow<'a, str>,
    refs: Vec<&'a Ref>,
    /// Security scheme names its operations require.
    security: Vec<(&'a str, usize)>,
    /// Operations selected in it (0 for a component or a tag).
    operations: usize,
    /// The selected operations' operationIds: id, line, pointer.
    ids: Vec<(&'a str, usize, String)>,
}

/// Keyed definitions in first-seen order.
struct Defs<'a> {
    order: Vec<String>,
    by_key: HashMap<String, Vec<Def<'a>>>,
}

impl<'a> Defs<'a> {
    fn new() -> Self {
        Defs { order: Vec::new(), by_key: HashMap::new() }
    }

    fn add(&mut self, key: &str, def: Def<'a>) {
        match self.by_key.get_mut(key) {
            Some(defs) => defs.push(def),
            None => {
                self.order.push(key.to_string());
                self.by_key.insert(key.to_string(), vec![def]);
            }
        }
    }
}

/// Which selector values matched anything, to report those that matched nothing.
#[derive(Default)]
struct Hits {
    include: Vec<bool>,
    exclude: Vec<bool>,
    ids: Vec<bool>,
    tags: Vec<bool>,
    methods: Vec<bool>,
}

/// Cuts and merges the sources as the recipe says.
pub fn cut(recipe: &Recipe, sources: &[Source]) -> Result<Cut, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut hits = Hits {
        include: vec![false; recipe.include_paths.len()],
        exclude: vec![false; recipe.exclude_paths.len()],
        ids: vec![false; recipe.operation_ids.len()],
        tags: vec![false; recipe.tags.len()],
        methods: vec![false; recipe.methods.len()],
    };
    let mut paths = Defs::new();
    let mut used_tags: HashSet<&str> = HashSet::new();
    for (src, source) in sources.iter().enumerate() {
        for group in &source.index.paths {
            if let Some(def) = select_path_item(recipe, src, &source.index, group, &mut hits, &mut used_tags) {
                paths.add(&group.key, def);
            }
        }
    }
    problems.extend(unmatched_selectors(recipe, &hits));
    if paths.order.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: recipe.file.clone(),
            line: None,
            pointer: None,
            message: "the selectors together select no operation; loosen them".to_string(),
        });
    }
    let kept_paths = merge_defs(&paths, sources, |key| to_pointer(&["paths".to_string(), key.to_string()]), &mut problems);
    let warnings = repeated_operation_ids(sources, &kept_paths);
    let components = close_components(recipe, sources, &kept_paths, &mut problems);
    let tags = merge_tags(recipe, sources, &used_tags, &mut problems);
    if !problems.is_empty() {
        // In file and line order, whatever order the maps were walked in.
        problems.sort_by(|a, b| (&a.file, a.line, &a.pointer).cmp(&(&b.file, b.line, &b.pointer)));
        return Err(problems);
    }
    let stats = Stats {
        paths: kept_paths.len(),
        operations: kept_paths.iter().map(|(_, d)| d.operations).sum(),
        components: components.iter().map(|s| (s.key.clone(), s.entries.len())).collect(),
    };
    let text = assemble(sources, &kept_paths, &components, &tags);
    Ok(Cut { text, stats, warnings })
}

/// Whether the operation in `block` is selected (the path already matched or not), counting
/// which selectors it matched.
fn select_operation(recipe: &Recipe, block: &Block, path_hit: bool, hits: &mut Hits) -> bool {
    let Some(op) = &block.op else { return false };
    let id = op.operation_id.as_ref().map(|(id, _)| id.as_str());
    let by_id = mark_hits(&recipe.operation_ids, &mut hits.ids, |s| Some(s.value.as_str()) == id);
    let by_tag = mark_hits(&recipe.tags, &mut hits.tags, |s| op.tags.iter().any(|t| s.value.matches(t)));
    let by_method = mark_hits(&recipe.methods, &mut hits.methods, |s| s.value == block.key);
    path_hit && by_id && by_tag && by_method
}

/// Marks every selector `matches` accepts; true when the list is empty or one matched.
fn mark_hits<T>(selectors: &[Selector<T>], hits: &mut [bool], matches: impl Fn(&Selector<T>) -> bool) -> bool {
    let mut any = selectors.is_empty();
    for (selector, hit) in selectors.iter().zip(hits.iter_mut()) {
        if matches(selector) {
            *hit = true;
            any = true;
        }
    }
    any
}

/// The path item as the cut holds it (its own lines, its other keys, its selected operations), or
/// None when none of its operations is selected.
fn select_path_item<'a>(
    recipe: &Recipe,
    src: usize,
    index: &'a Index,
    group: &'a Group,
    hits: &mut Hits,
    used_tags: &mut HashSet<&'a str>,
) -> Option<Def<'a>> {
    let included = mark_hits(&recipe.include_paths, &mut hits.include, |s| s.value.matches(&group.key));
    // An empty exclude list excludes nothing (mark_hits would say "matched").
    let excluded = !recipe.exclude_paths.is_empty() && mark_hits(&recipe.exclude_paths, &mut hits.exclude, |s| s.value.matches(&group.key));
    let path_hit = included && !excluded;
    let mut text = String::from(index.slice(&group.head));
    let mut def =
        Def { src, line: group.line, text: Cow::Borrowed(""), refs: Vec::new(), security: Vec::new(), operations: 0, ids: Vec::new() };
    for child in &group.children {
        let selected = select_operation(recipe, child, path_hit, hits);
        if let Some(op) = &child.op {
            if !selected {
                continue;
            }
            def.operations += 1;
            used_tags.extend(op.tags.iter().map(String::as_str));
            def.security.extend(op.security.iter().map(|(name, line)| (name.as_str(), *line)));
            if let Some((id, line)) = &op.operation_id {
                let pointer = to_pointer(&["paths".to_string(), group.key.clone(), child.key.clone(), "operationId".to_string()]);
                def.ids.push((id.as_str(), *line, pointer));
            }
        }
        push_block(&mut text, index.slice(&child.span));
        def.refs.extend(child.refs.iter());
    }
    def.text = Cow::Owned(text);
    (def.operations > 0).then_some(def)
}

/// Appends a block, ending it with a line break so the next one starts a line.
fn push_block(text: &mut String, block: &str) {
    text.push_str(block);
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

/// A problem for every selector value that matched nothing in any source.
fn unmatched_selectors(recipe: &Recipe, hits: &Hits) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut report = |name: &str, line: Option<usize>, what: &str| {
        problems.push(Problem {
            file: recipe.file.clone(),
            line,
            pointer: None,
            message: format!("{name} matches no {what} in the sources; correct it or remove it"),
        });
    };
    for (s, _) in recipe.include_paths.iter().zip(&hits.include).filter(|(_, h)| !**h) {
        report(&s.name, s.line, "path");
    }
    for (s, _) in recipe.exclude_paths.iter().zip(&hits.exclude).filter(|(_, h)| !**h) {
        report(&s.name, s.line, "path");
    }
    for (s, _) in recipe.operation_ids.iter().zip(&hits.ids).filter(|(_, h)| !**h) {
        report(&s.name, s.line, "operation's operationId");
    }
    for (s, _) in recipe.tags.iter().zip(&hits.tags).filter(|(_, h)| !**h) {
        report(&s.name, s.line, "operation's tag");
    }
    for (s, _) in recipe.methods.iter().zip(&hits.methods).filter(|(_, h)| !**h) {
        report(&s.name, s.line, "operation");
    }
    problems
}

/// The first definition of each key, after checking that every other definition of it is the
/// same text (trailing whitespace aside); a different one is a problem naming both places.
fn merge_defs<'d, 'a>(
    defs: &'d Defs<'a>,
    sources: &[Source],
    pointer: impl Fn(&str) -> String,
    problems: &mut Vec<Problem>,
) -> Vec<(&'d str, &'d Def<'a>)> {
    let mut kept = Vec::with_capacity(defs.order.len());
    for key in &defs.order {
        let Some(all) = defs.by_key.get(key) else {
            continue;
        };
        let Some(first) = all.first() else { continue };
        if let Some(other) = all.iter().skip(1).find(|d| !same_text(&d.text, &first.text)) {
            problems.push(conflict(sources, &pointer(key), first, other));
        }
        kept.push((key.as_str(), first));
    }
    kept
}

/// Equal but for whitespace at the ends of lines and blank lines at the end.
fn same_text(a: &str, b: &str) -> bool {
    a.trim_end().lines().map(str::trim_end).eq(b.trim_end().lines().map(str::trim_end))
}

fn file_of(sources: &[Source], src: usize) -> &str {
    sources.get(src).map_or("?", |s| s.file.as_str())
}

fn conflict(sources: &[Source], pointer: &str, first: &Def<'_>, other: &Def<'_>) -> Problem {
    Problem {
        file: file_of(sources, other.src).to_string(),
        line: Some(other.line),
        pointer: Some(pointer.to_string()),
        message: format!(
            "differs from the same key in {}:{}; one merged description holds one of each: make the sources agree, or cut them into separate descriptions",
            file_of(sources, first.src),
            first.line
        ),
    }
}

/// Warnings for an operationId on two operations of the cut (the generator numbers their names).
fn repeated_operation_ids(sources: &[Source], kept: &[(&str, &Def<'_>)]) -> Vec<Problem> {
    let mut first_seen: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut warnings = Vec::new();
    for (_, def) in kept {
        for (id, line, pointer) in &def.ids {
            match first_seen.get(id) {
                Some(&(first_src, first_line)) => warnings.push(Problem {
                    file: file_of(sources, def.src).to_string(),
                    line: Some(*line),
                    pointer: Some(pointer.clone()),
                    message: format!(
                        "operationId `{id}` is also at {}:{first_line}; the generator numbers the names",
                        file_of(sources, first_src)
                    ),
                }),
                None => {
                    first_seen.insert(id, (def.src, *line));
                }
            }
        }
    }
    warnings
}

/// A component a `$ref` names: (section, name), or why the reference cannot be followed.
fn component_of(target: &str) -> Result<(String, String), &'static str> {
    let Some(fragment) = target.strip_prefix('#') else {
        return Err("leaves the file: slice makes one self-contained description; copy the target into a source, or add the file it names to `sources` and refer to it with `#/components/...`");
    };
    let mut tokens = fragment.strip_prefix("/components/").unwrap_or("").split('/');
    match (tokens.next(), tokens.next()) {
        (Some(section), Some(name)) if !section.is_empty() && !name.is_empty() => {
            Ok((section.to_string(), name.replace("~1", "/").replace("~0", "~")))
        }
        _ => Err("does not name a component (`#/components/SECTION/NAME`), the only references slice follows"),
    }
}

/// A component's (section, name).
type ComponentKey = (String, String);

/// Every component definition of every source, by (section, name), in source order; and the
/// sections in the order first seen.
fn component_defs(sources: &[Source]) -> (Vec<String>, HashMap<ComponentKey, Vec<Def<'_>>>) {
    let mut section_order: Vec<String> = Vec::new();
    let mut defs: HashMap<ComponentKey, Vec<Def<'_>>> = HashMap::new();
    for (src, source) in sources.iter().enumerate() {
        for section in &source.index.sections {
            if !section_order.contains(&section.key) {
                section_order.push(section.key.clone());
            }
            for entry in &section.children {
                let def = Def {
                    src,
                    line: entry.line,
                    text: Cow::Borrowed(source.index.slice(&entry.span)),
                    refs: entry.refs.iter().collect(),
                    security: Vec::new(),
                    operations: 0,
                    ids: Vec::new(),
                };
                defs.entry((section.key.clone(), entry.key.clone())).or_default().push(def);
            }
        }
    }
    (section_order, defs)
}

/// The transitive closure of references over the sources' components.
struct Closure<'s, 'a> {
    sources: &'s [Source],
    defs: &'s HashMap<ComponentKey, Vec<Def<'a>>>,
    wanted: HashSet<ComponentKey>,
    queue: VecDeque<ComponentKey>,
    /// Missing targets already reported, so one missing schema is one error.
    missing: HashSet<String>,
    problems: Vec<Problem>,
}

impl Closure<'_, '_> {
    /// Wants a component: checks that its copies agree and queues it; a missing one is reported
    /// at `from` (the source and the reference), or at the recipe when there is none.
    fn want(&mut self, key: ComponentKey, from: (usize, &Ref)) {
        if self.wanted.contains(&key) {
            return;
        }
        let pointer = to_pointer(&["components".to_string(), key.0.clone(), key.1.clone()]);
        let Some(all) = self.defs.get(&key) else {
            if self.missing.insert(pointer.clone()) {
                let (src, r) = from;
                self.problems.push(Problem {
                    file: file_of(self.sources, src).to_string(),
                    line: Some(r.line),
                    pointer: Some(r.pointer.clone()).filter(|p| !p.is_empty()),
                    message: format!(
                        "refers to `{pointer}`, which no source defines; the description is incomplete: take a complete copy of it"
                    ),
                });
            }
            return;
        };
        if let Some(first) = all.first() {
            if let Some(other) = all.iter().skip(1).find(|d| !same_text(&d.text, &first.text)) {
                self.problems.push(conflict(self.sources, &pointer, first, other));
            }
        }
        self.wanted.insert(key.clone());
        self.queue.push_back(key);
    }

    /// Wants what a `$ref` in source `src` names, or reports why it cannot be followed.
    fn follow(&mut self, src: usize, r: &Ref) {
        match component_of(&r.target) {
            Ok(key) => self.want(key, (src, r)),
            Err(why) => self.problems.push(Problem {
                file: file_of(self.sources, src).to_string(),
                line: Some(r.line),
                pointer: Some(r.pointer.clone()),
                message: format!("`$ref: {}` {why}", r.target),
            }),
        }
    }

    /// Wants the security scheme a requirement at `line` of source `src` names.
    fn want_scheme(&mut self, src: usize, name: &str, line: usize) {
        let at = Ref { target: String::new(), line, pointer: String::new() };
        self.want(("securitySchemes".to_string(), name.to_string()), (src, &at));
    }

    /// Follows the references of everything queued until nothing new is wanted.
    fn close(&mut self) {
        while let Some(key) = self.queue.pop_front() {
            let Some(def) = self.defs.get(&key).and_then(|all| all.first()) else {
                continue;
            };
            for r in &def.refs {
                self.follow(def.src, r);
            }
        }
    }
}

/// The components the cut holds, per section in the sources' order, each entry the first
/// definition's text: everything when the recipe has no selector, else the transitive closure of
/// the selected path items' references and of the security schemes they and the first source's
/// top-level `security` require.
fn close_components(recipe: &Recipe, sources: &[Source], kept_paths: &[(&str, &Def<'_>)], problems: &mut Vec<Problem>) -> Vec<OutSection> {
    let (section_order, defs) = component_defs(sources);
    let mut closure =
        Closure { sources, defs: &defs, wanted: HashSet::new(), queue: VecDeque::new(), missing: HashSet::new(), problems: Vec::new() };
    if recipe.takes_everything() {
        for (key, all) in &defs {
            if let Some(first) = all.first() {
                let at = Ref { target: String::new(), line: first.line, pointer: String::new() };
                closure.want(key.clone(), (first.src, &at));
            }
        }
    }
    for (_, def) in kept_paths {
        for r in &def.refs {
            closure.follow(def.src, r);
        }
        for (name, line) in &def.security {
            closure.want_scheme(def.src, name, *line);
        }
    }
    if let Some(first) = sources.first() {
        for (name, line) in &first.index.security {
            closure.want_scheme(0, name, *line);
        }
    }
    closure.close();
    problems.append(&mut closure.problems);
    order_components(sources, &section_order, &closure.wanted)
}

/// A section of the output's `components`: its key line and its entries' blocks.
pub struct OutSection {
    key: String,
    head: String,
    entries: Vec<String>,
}

/// The wanted components in the sources' order: sections as first seen, entries by the source
/// that first defines them (whose text they take), then by position there.
fn order_components(sources: &[Source], section_order: &[String], wanted: &HashSet<(String, String)>) -> Vec<OutSection> {
    let mut out: Vec<OutSection> =
        section_order.iter().map(|s| OutSection { key: s.clone(), head: String::new(), entries: Vec::new() }).collect();
    let mut placed: HashSet<(&str, &str)> = HashSet::new();
    for source in sources {
        for section in &source.index.sections {
            let Some(target) = out.iter_mut().find(|s| s.key == section.key) else {
                continue;
            };
            if target.head.is_empty() {
                push_block(&mut target.head, source.index.slice(&section.head));
            }
            for entry in &section.children {
                if wanted.contains(&(section.key.clone(), entry.key.clone())) && placed.insert((section.key.as_str(), entry.key.as_str())) {
                    let mut text = String::new();
                    push_block(&mut text, source.index.slice(&entry.span));
                    target.entries.push(text);
                }
            }
        }
    }
    out.retain(|s| !s.entries.is_empty());
    out
}

/// The top-level `tags` items the selected operations name (all of them when the recipe has no
/// selector), merged across sources by name; None when no source has a `tags` list.
fn merge_tags(recipe: &Recipe, sources: &[Source], used: &HashSet<&str>, problems: &mut Vec<Problem>) -> Option<(String, Vec<String>)> {
    let (first, head) = sources.iter().find_map(|s| s.index.tags_head.as_ref().map(|h| (s, h)))?;
    let mut defs = Defs::new();
    for (src, source) in sources.iter().enumerate() {
        for tag in source.index.tags.iter().filter(|t| recipe.takes_everything() || used.contains(t.key.as_str())) {
            let mut text = String::new();
            push_block(&mut text, source.index.slice(&tag.span));
            defs.add(
                &tag.key,
                Def { src, line: tag.line, text: Cow::Owned(text), refs: Vec::new(), security: Vec::new(), operations: 0, ids: Vec::new() },
            );
        }
    }
    let kept = merge_defs(&defs, sources, |name| format!("#/tags (name: {name})"), problems);
    let items: Vec<String> = kept.into_iter().map(|(_, d)| d.text.to_string()).collect();
    let mut head_text = String::new();
    push_block(&mut head_text, first.index.slice(head));
    (!items.is_empty()).then_some((head_text, items))
}

/// The description: the first source's top-level blocks in its order, with `paths`,
/// `components` and `tags` made of what was selected, merged and closed over.
fn assemble(sources: &[Source], paths: &[(&str, &Def<'_>)], components: &[OutSection], tags: &Option<(String, Vec<String>)>) -> String {
    let mut text = String::new();
    let Some(first) = sources.first() else {
        return text;
    };
    let mut done = (false, false, false);
    for block in &first.index.top {
        match block.key.as_str() {
            "paths" => done.0 = push_paths(&mut text, first, paths),
            "components" => done.1 = push_components(&mut text, first, components),
            "tags" => done.2 = push_tags(&mut text, tags),
            _ => push_block(&mut text, first.index.slice(&block.span)),
        }
    }
    if !done.0 {
        push_paths(&mut text, first, paths);
    }
    if !done.1 {
        push_components(&mut text, first, components);
    }
    if !done.2 {
        push_tags(&mut text, tags);
    }
    text
}

fn push_paths(text: &mut String, first: &Source, paths: &[(&str, &Def<'_>)]) -> bool {
    push_block(text, first.index.paths_head.as_ref().map_or("paths:\n", |h| first.index.slice(h)));
    for (_, def) in paths {
        push_block(text, &def.text);
    }
    true
}

fn push_components(text: &mut String, first: &Source, components: &[OutSection]) -> bool {
    if components.is_empty() {
        return true;
    }
    push_block(text, first.index.components_head.as_ref().map_or("components:\n", |h| first.index.slice(h)));
    for section in components {
        push_block(text, &section.head);
        for entry in &section.entries {
            text.push_str(entry);
        }
    }
    true
}

fn push_tags(text: &mut String, tags: &Option<(String, Vec<String>)>) -> bool {
    if let Some((head, items)) = tags {
        text.push_str(head);
        items.iter().for_each(|item| text.push_str(item));
    }
    true
}
