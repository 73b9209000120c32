//! What an operation's name is made of, beyond its operationId (issue 18): Microsoft's encoded
//! words decoded, an OData action or function named as its path calls it, and operations that
//! share an operationId told apart by the words of their paths rather than by a number.

use super::operations::odata_operation_segment;
use super::*;

/// Microsoft's Graph operationIds spell five short words as codes (`getByIds` is written
/// `getGraphBPreId`, `memberOf` is `memberGraphOPre`, and `onAttributeCollection`
/// `onGraphAPretributeCollection`): each code and the word it stands for.
const GRAPH_WORD_CODES: &[(&str, &str)] =
    &[("GraphBPre", "By"), ("GraphWPre", "With"), ("GraphFPre", "For"), ("GraphOPre", "Of"), ("GraphAPre", "At")];

/// `id` with Microsoft's word codes (see [`GRAPH_WORD_CODES`]) read back as the words they stand for.
pub(super) fn decode_graph_words(id: &str) -> String {
    GRAPH_WORD_CODES.iter().fold(id.to_string(), |id, (code, word)| id.replace(code, word))
}

/// The OData action or function an operation calls, by the name its path gives it: both are
/// namespaced; a function is called with parentheses (`…/microsoft.graph.getActivitiesByInterval()`,
/// any method), an action is a POST (`…/microsoft.graph.getByIds`). A GET of a namespaced segment
/// without parentheses is a type cast (`…/microsoft.graph.group`), and `users(userPrincipalName='…')`
/// (no namespace) an alternate key: neither is a call.
pub(super) fn called_odata_name(path: &str, method: Method) -> Option<&str> {
    let last = path.rsplit('/').next()?;
    let (callee, called) = match last.split_once('(') {
        Some((callee, _)) => (callee, true),
        None => (last, false),
    };
    let name = odata_operation_segment(path)?;
    (callee.contains('.') && (called || method == Method::Post)).then_some(name)
}

/// The id an OData service's operation is named from: where its path calls an action or a
/// function, the operationId's last part is replaced by that name as the path spells it
/// (Microsoft's ids singularize and abbreviate it: `directoryObject_getGraphBPreId` for
/// `…/microsoft.graph.getByIds`); then Microsoft's word codes are decoded.
pub(super) fn odata_naming_id(id: &str, path: &str, method: Method) -> String {
    let id = match called_odata_name(path, method) {
        Some(name) => {
            let stem = id.rfind(['.', '_']).map_or("", |at| &id[..=at]);
            format!("{stem}{name}")
        }
        None => id.to_string(),
    };
    decode_graph_words(&id)
}

/// Words a path qualifies a name with, where operations share an operationId: placed `before`
/// the name (words of the path's literal segments), or `after` it (`with` and the arguments of a
/// function call, `by` and path parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct PathQualifier {
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// One word of a path, by what it tells about the operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PathWord {
    /// A literal segment (`calendars`), an OData name without its namespace, `$count` as `count`.
    Literal(String),
    /// An argument of a function call: `startDateTime` in `…ByInterval(startDateTime='{…}')`.
    Argument(String),
    /// A path parameter's name (`group-id`).
    Param(String),
}

/// Which of a path's words may tell operations apart: first literals and call arguments; where
/// those leave some alike, path parameters too; then the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Literals,
    Params,
    Method,
}

fn path_words(path: &str) -> Vec<PathWord> {
    let mut words = Vec::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')).filter(|p| !p.contains(['{', '}'])) {
            words.push(PathWord::Param(param.to_string()));
            continue;
        }
        let (name, args) = match segment.split_once('(') {
            Some((name, args)) => (name, Some(args.trim_end_matches(')'))),
            None => (segment, None),
        };
        let name = name.rsplit('.').next().unwrap_or(name).trim_start_matches('$');
        if !name.is_empty() {
            words.push(PathWord::Literal(name.to_string()));
        }
        for arg in args.into_iter().flat_map(|a| a.split(',')) {
            let key = arg.split('=').next().unwrap_or(arg).trim();
            if !key.is_empty() && !key.contains(['{', '}', '\'']) {
                words.push(PathWord::Argument(key.to_string()));
            }
        }
    }
    words
}

/// For each operation, the words of its path that tell it apart from the others with the same
/// naming id (`same[i]`: a key equal for operations named from the same text). Operations alone
/// with their id get none. Within a group, an operation's qualifier is the words of its path
/// beyond those every member has (a word counted as often as the member with the fewest of it):
/// `calendars` for `/users/{user-id}/calendars/{calendar-id}/events/{event-id}` beside
/// `calendar` for `/users/{user-id}/calendar/events/{event-id}`, and nothing for
/// `…/children/{term-id}/relations` beside `children` for `…/children/{term-id}/children/{term-id1}/relations`.
/// Parameters are counted only where literals and call arguments leave two members alike, the
/// method only where those do too.
pub(super) fn path_qualifiers(ops: &[Operation], same: &[String]) -> Vec<PathQualifier> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, key) in same.iter().enumerate() {
        groups.entry(key.as_str()).or_default().push(i);
    }
    let mut out = vec![PathQualifier::default(); ops.len()];
    for group in groups.into_values().filter(|g| g.len() > 1) {
        let members: Vec<&Operation> = group.iter().filter_map(|i| ops.get(*i)).collect();
        let words: Vec<Vec<PathWord>> = members.iter().map(|op| path_words(&op.path_template)).collect();
        let for_tier = |tier| -> Vec<PathQualifier> { members.iter().zip(&words).map(|(op, w)| qualify(op, w, &words, tier)).collect() };
        let all_distinct = |q: &Vec<PathQualifier>| q.iter().collect::<BTreeSet<_>>().len() == q.len();
        // The first tier that tells every member apart; where none does, the literals alone, the
        // shortest, and `assign_unique` numbers what they leave alike.
        let chosen = [Tier::Literals, Tier::Params, Tier::Method]
            .into_iter()
            .map(for_tier)
            .find(all_distinct)
            .unwrap_or_else(|| for_tier(Tier::Literals));
        for (i, q) in group.iter().zip(chosen) {
            if let Some(slot) = out.get_mut(*i) {
                *slot = q;
            }
        }
    }
    out
}

/// One member's qualifier within its group, counting the words `tier` admits.
fn qualify(op: &Operation, own: &[PathWord], all: &[Vec<PathWord>], tier: Tier) -> PathQualifier {
    let admitted = |w: &PathWord| !matches!(w, PathWord::Param(_)) || tier >= Tier::Params;
    let counts = |words: &[PathWord]| {
        let mut c: BTreeMap<PathWord, usize> = BTreeMap::new();
        for w in words.iter().filter(|w| admitted(w)) {
            *c.entry(w.clone()).or_default() += 1;
        }
        c
    };
    let every: Vec<BTreeMap<PathWord, usize>> = all.iter().map(|w| counts(w)).collect();
    let shared = |w: &PathWord| every.iter().map(|c| c.get(w).copied().unwrap_or(0)).min().unwrap_or(0);
    let mut seen: BTreeMap<&PathWord, usize> = BTreeMap::new();
    let mut q = PathQualifier::default();
    let (mut with, mut by) = (Vec::new(), Vec::new());
    for w in own.iter().filter(|w| admitted(w)) {
        let n = seen.entry(w).or_default();
        *n += 1;
        if *n <= shared(w) {
            continue;
        }
        match w {
            PathWord::Literal(s) => q.before.push(s.clone()),
            PathWord::Argument(s) => with.push(s.clone()),
            PathWord::Param(s) => by.push(s.clone()),
        }
    }
    if !with.is_empty() {
        q.after.push("with".to_string());
        q.after.extend(with);
    }
    if !by.is_empty() {
        q.after.push("by".to_string());
        q.after.extend(by);
    }
    if tier == Tier::Method {
        q.after.push(op.method.as_str().to_ascii_lowercase());
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The snake_case names the generator gives the operations of `paths` (YAML under `paths:`),
    /// in the description's order; `odata` adds an `x-ms-` extension, which makes the
    /// description an OData (Graph) one.
    fn names_of(paths: &str, odata: bool) -> Vec<String> {
        let ext = if odata { "x-ms-generated-by: test\n" } else { "" };
        let text = format!("openapi: 3.0.1\ninfo: {{title: t, version: '1'}}\n{ext}paths:\n{paths}");
        let mut doc = crate::load::load_spec(&text).unwrap_or_else(|d| panic!("{d:?}"));
        let (api, _) = lower_api(&mut doc);
        api.operations.into_iter().map(|op| op.fn_name).collect()
    }

    /// An operation under `path` with `id`, answering 204.
    fn op(path: &str, method: &str, id: &str) -> String {
        let params: String = path
            .split(['{', '}'])
            .skip(1)
            .step_by(2)
            .map(|p| format!("        - {{name: {p}, in: path, required: true, schema: {{type: string}}}}\n"))
            .collect();
        let params = if params.is_empty() { String::new() } else { format!("      parameters:\n{params}") };
        format!("  \"{path}\":\n    {method}:\n      operationId: {id}\n{params}      responses:\n        '204': {{description: ok}}\n")
    }

    #[test]
    fn microsoft_word_codes_are_decoded() {
        assert_eq!(decode_graph_words("user.drive.item_GetCreatedGraphBPreUser"), "user.drive.item_GetCreatedByUser");
        assert_eq!(decode_graph_words("connector.memberGraphOPre_ListGraphWPreTeamGraphFPreX"), "connector.memberOf_ListWithTeamForX");
        assert_eq!(decode_graph_words("flowAsOnGraphAPretributeCollection"), "flowAsOnAttributeCollection");
        assert_eq!(decode_graph_words("Graph_BPre"), "Graph_BPre", "only the exact codes");
    }

    #[test]
    fn actions_and_functions_are_named_as_their_paths_call_them() {
        assert_eq!(
            odata_naming_id("directoryObject_getGraphBPreId", "/directoryObjects/microsoft.graph.getByIds", Method::Post),
            "directoryObject_getByIds"
        );
        assert_eq!(odata_naming_id("user_delta", "/users/microsoft.graph.delta()", Method::Get), "user_delta");
        assert_eq!(
            odata_naming_id(
                "site_getActivitiesGraphBPreInterval",
                "/sites/{site-id}/microsoft.graph.getActivitiesByInterval(startDateTime='{startDateTime}')",
                Method::Get
            ),
            "site_getActivitiesByInterval"
        );
        // A GET of a namespaced segment is a cast: the operationId (decoded) is kept.
        assert_eq!(
            odata_naming_id("place_ListPlaceAsRoomList", "/places/microsoft.graph.roomList", Method::Get),
            "place_ListPlaceAsRoomList"
        );
        assert_eq!(called_odata_name("/places/microsoft.graph.roomList", Method::Get), None);
        assert_eq!(called_odata_name("/a/b.c", Method::Post), Some("c"));
        assert_eq!(called_odata_name("/users(userPrincipalName='{upn}')", Method::Get), None, "an alternate key");
    }

    #[test]
    fn path_words_read_literals_arguments_and_parameters() {
        use PathWord::*;
        let words = path_words("/sites/{site-id}/microsoft.graph.getByPath(path='{path}')/items/$count");
        assert_eq!(
            words,
            vec![
                Literal("sites".into()),
                Param("site-id".into()),
                Literal("getByPath".into()),
                Argument("path".into()),
                Literal("items".into()),
                Literal("count".into())
            ]
        );
    }

    #[test]
    fn a_repeated_operation_id_is_named_apart_by_its_path_not_a_number() {
        let paths = [
            op("/users/{user-id}/calendar/events/{event-id}", "get", "user.calendar_GetEvent"),
            op("/users/{user-id}/calendars/{calendar-id}/events/{event-id}", "get", "user.calendar_GetEvent"),
            op("/sets/{set-id}/children/{term-id}/relations", "get", "set.child_ListRelation"),
            op("/sets/{set-id}/children/{term-id}/children/{term-id1}/relations", "get", "set.child_ListRelation"),
            op("/sites/{site-id}/microsoft.graph.getActivitiesByInterval()", "get", "site_getActivitiesGraphBPreInterval"),
            op(
                "/sites/{site-id}/microsoft.graph.getActivitiesByInterval(startDateTime='{startDateTime}',interval='{interval}')",
                "get",
                "site_getActivitiesGraphBPreInterval",
            ),
            op("/groups/{group-id}/microsoft.graph.validateProperties", "post", "group_validateProperty"),
            op("/groups/microsoft.graph.validateProperties", "post", "group_validateProperty"),
            op("/directoryObjects/microsoft.graph.getByIds", "post", "directoryObject_getGraphBPreId"),
        ]
        .concat();
        assert_eq!(
            names_of(&paths, true),
            [
                "calendar_get_event",
                "calendars_get_event",
                "list_relation",
                "children_list_relation",
                "get_activities_by_interval",
                "get_activities_by_interval_with_start_date_time_interval",
                "validate_properties_by_group_id",
                "validate_properties",
                "get_by_ids",
            ]
        );
    }

    #[test]
    fn only_what_nothing_tells_apart_is_numbered() {
        // Same path, same method: no word differs.
        let paths = [op("/a", "get", "a_Get"), op("/a/", "get", "a_Get")].concat();
        assert_eq!(names_of(&paths, false), ["a_get", "a_get2"]);
        // Same words, different methods.
        let put = op("/a", "put", "a_Do");
        let put = put.split_once('\n').map_or("", |(_, methods)| methods);
        let paths = [op("/a", "get", "a_Do").as_str(), put].concat();
        assert_eq!(names_of(&paths, false), ["do_get", "do_put"]);
    }

    #[test]
    fn a_plain_description_keeps_its_operation_ids() {
        // No OData dialect: a path ending `x.y` is not an action, and no id is rewritten from it.
        let paths = op("/files/report.pdf", "post", "files_sendReport");
        assert_eq!(names_of(&paths, false), ["send_report"]);
    }
}
