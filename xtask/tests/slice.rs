//! `cargo xtask slice`: the checked-in recipe reproduces spec/openapi.yaml, selectors select what
//! they say, merges keep one of each identical block and name both files of a conflict, and every
//! error is located. Runs the library on small descriptions written into scratch folders.

use std::fs;
use std::path::{Path, PathBuf};
use xtask::slice::{run, Outcome, SliceError};

/// A fresh folder under the test target's temp dir standing for a repository root.
struct Scratch(PathBuf);

impl Scratch {
    fn with(tag: &str, files: &[(&str, &str)]) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("slice-{tag}-{}-{nanos}", std::process::id()));
        for (name, text) in files {
            let path = dir.join(name);
            fs::create_dir_all(path.parent().expect("a file in a folder")).expect("scratch folder");
            fs::write(path, text).expect("scratch file");
        }
        Scratch(dir)
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.0.join(name)).expect("output written")
    }

    fn slice(&self, recipe: &str) -> Result<Outcome, SliceError> {
        let path = self.0.join("recipe.yaml");
        fs::write(&path, recipe).expect("recipe written");
        run(&self.0, &path, false)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const USERS: &str = "openapi: 3.0.1
info:
  title: Users
  version: '1'
servers:
  - url: https://example.com/
paths:
  /users:
    get:
      tags:
        - users.user
      operationId: users_ListUser
      responses:
        '200':
          $ref: '#/components/responses/userList'
  '/users/{user-id}':
    description: One user.
    parameters:
      - $ref: '#/components/parameters/userId'
    get:
      tags:
        - users.user
      operationId: users_GetUser
      responses:
        '200':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/user'
    patch:
      tags:
        - users.user
      operationId: users_UpdateUser
      requestBody:
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/user'
      responses:
        '204':
          description: Success
  '/users/{user-id}/todo/lists':
    get:
      tags:
        - users.todo
      operationId: users.todo_ListLists
      responses:
        '200':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/todoTaskList'
components:
  schemas:
    entity:
      type: object
      properties:
        id:
          type: string
    user:
      allOf:
        - $ref: '#/components/schemas/entity'
        - type: object
          properties:
            displayName:
              type: string
    todoTaskList:
      allOf:
        - $ref: '#/components/schemas/entity'
    unused:
      type: string
  responses:
    userList:
      description: users
      content:
        application/json:
          schema:
            type: array
            items:
              $ref: '#/components/schemas/user'
  parameters:
    userId:
      name: user-id
      in: path
      required: true
      schema:
        type: string
  securitySchemes:
    oauth:
      type: oauth2
      flows: { }
security:
  - oauth: [ ]
tags:
  - name: users.user
    description: Users.
  - name: users.todo
    description: To Do.
";

/// A second module: one path of its own, `entity` again (the same text), and `group`.
const GROUPS: &str = "openapi: 3.0.1
info:
  title: Groups
  version: '1'
paths:
  /groups:
    get:
      tags:
        - groups.group
      operationId: users_ListUser
      responses:
        '200':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/group'
components:
  schemas:
    entity:
      type: object
      properties:
        id:
          type: string
    group:
      allOf:
        - $ref: '#/components/schemas/entity'
";

fn error_text(result: Result<Outcome, SliceError>) -> String {
    match result {
        Ok(outcome) => panic!("expected an error, got {outcome:?}"),
        Err(e) => e.to_string(),
    }
}

/// The top-level keys of a component section in the output, in order.
fn entries(text: &str, section: &str) -> Vec<String> {
    let head = format!("\n  {section}:\n");
    let components = text.find("\ncomponents:\n").unwrap_or(text.len());
    let Some(start) = text[components..].find(&head).map(|at| components + at) else {
        return Vec::new();
    };
    text[start + head.len()..]
        .lines()
        .take_while(|l| l.starts_with("    ") || l.is_empty())
        .filter(|l| !l.starts_with("     ") && !l.is_empty())
        .map(|l| l.trim().trim_end_matches(':').to_string())
        .collect()
}

#[test]
fn the_recipe_reproduces_spec_openapi_yaml_byte_for_byte() {
    let root = xtask::workspace_root();
    let outcome = run(&root, &root.join("spec/recipes/openapi.yaml"), true).unwrap_or_else(|e| panic!("{e}"));
    assert!(!outcome.written);
    assert_eq!((outcome.stats.paths, outcome.stats.operations), (1, 1));
    assert_eq!(
        outcome.stats.components,
        vec![("schemas".to_string(), 22), ("responses".to_string(), 1), ("securitySchemes".to_string(), 1)]
    );
    assert_eq!(outcome.bytes, fs::read(root.join("spec/openapi.yaml")).expect("spec/openapi.yaml").len());
}

#[test]
fn methods_select_operations_with_their_path_item_keys_and_closure() {
    let s = Scratch::with("methods", &[("users.yml", USERS)]);
    let outcome = s
        .slice("sources: [users.yml]\ninclude-paths: ['/users/*']\nmethods: [PATCH]\nout: out/cut.yaml\nheader: A cut.\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(outcome.written);
    let text = s.read("out/cut.yaml");
    assert!(text.starts_with("# A cut.\n\nopenapi: 3.0.1\ninfo:\n"), "{text}");
    assert!(text.contains("  '/users/{user-id}':\n    description: One user.\n    parameters:\n      - $ref: '#/components/parameters/userId'\n    patch:\n"), "{text}");
    assert!(!text.contains("users_GetUser") && !text.contains("/todo/"));
    assert_eq!(entries(&text, "schemas"), ["entity", "user"], "source order, the closure of user");
    assert_eq!(entries(&text, "parameters"), ["userId"], "from the path item's own parameters");
    assert_eq!(entries(&text, "securitySchemes"), ["oauth"], "named by the top-level security");
    assert!(entries(&text, "responses").is_empty());
    assert!(
        text.ends_with("security:\n  - oauth: [ ]\ntags:\n  - name: users.user\n    description: Users.\n"),
        "only the tags the cut names: {text}"
    );
    // The same run again writes nothing.
    assert!(!s
        .slice("sources: [users.yml]\ninclude-paths: ['/users/*']\nmethods: [PATCH]\nout: out/cut.yaml\nheader: A cut.\n")
        .map(|o| o.written)
        .unwrap_or(true));
}

#[test]
fn globs_tags_and_operation_ids_select_what_they_name() {
    let s = Scratch::with("selectors", &[("users.yml", USERS)]);
    let cut = |selectors: &str| {
        s.slice(&format!("sources: [users.yml]\n{selectors}\nout: cut.yaml\n")).unwrap_or_else(|e| panic!("{e}"));
        let text = s.read("cut.yaml");
        ["users_ListUser", "users_GetUser", "users_UpdateUser", "users.todo_ListLists"]
            .into_iter()
            .filter(|id| text.contains(&format!("operationId: {id}\n")))
            .collect::<Vec<_>>()
    };
    assert_eq!(cut("include-paths: ['/users/**']"), ["users_ListUser", "users_GetUser", "users_UpdateUser", "users.todo_ListLists"]);
    assert_eq!(cut("include-paths: ['/users/*']"), ["users_GetUser", "users_UpdateUser"]);
    assert_eq!(cut("exclude-paths: ['/users/*/todo/**']"), ["users_ListUser", "users_GetUser", "users_UpdateUser"]);
    assert_eq!(cut("tags: ['users.t*']"), ["users.todo_ListLists"]);
    assert_eq!(cut("operation-ids: [users_GetUser, users_ListUser]"), ["users_ListUser", "users_GetUser"]);
    assert_eq!(cut("methods: [get]\ntags: [users.user]"), ["users_ListUser", "users_GetUser"]);
    // No selector: every operation, and every component, referenced or not.
    assert_eq!(cut(""), ["users_ListUser", "users_GetUser", "users_UpdateUser", "users.todo_ListLists"]);
    assert_eq!(entries(&s.read("cut.yaml"), "schemas"), ["entity", "user", "todoTaskList", "unused"]);
}

#[test]
fn a_selector_that_matches_nothing_is_named_with_its_recipe_line() {
    let s = Scratch::with("nothing", &[("users.yml", USERS)]);
    let e = error_text(s.slice("sources:\n  - users.yml\ninclude-paths:\n  - /users\n  - /usres/**\nout: cut.yaml\n"));
    assert!(e.contains("recipe.yaml:5: include-paths[1] `/usres/**` matches no path"), "{e}");
    let e = error_text(s.slice("sources: [users.yml]\noperation-ids:\n  - users_GetUser\n  - users_DeleteUser\nout: cut.yaml\n"));
    assert!(e.contains("recipe.yaml:4: operation-ids[1] `users_DeleteUser` matches no"), "{e}");
    let e = error_text(s.slice("sources: [users.yml]\nmethods: [fetch]\nout: cut.yaml\n"));
    assert!(e.contains("recipe.yaml:2: methods[0] `fetch` is not an HTTP method"), "{e}");
    assert!(!s.0.join("cut.yaml").exists(), "nothing is written on an error");
}

#[test]
fn an_unknown_recipe_key_is_a_located_error() {
    let s = Scratch::with("unknown", &[("users.yml", USERS)]);
    let e = error_text(s.slice("sources: [users.yml]\ninclude-path: ['/users']\nout: cut.yaml\n"));
    assert!(e.contains("recipe.yaml:2:") && e.contains("unknown field `include-path`") && e.contains("include-paths"), "{e}");
}

#[test]
fn a_ref_to_another_file_is_a_located_error() {
    let source = USERS.replace("$ref: '#/components/schemas/todoTaskList'", "$ref: 'other.yaml#/components/schemas/todoTaskList'");
    let s = Scratch::with("external", &[("users.yml", &source)]);
    let e = error_text(s.slice("sources: [users.yml]\ntags: [users.todo]\nout: cut.yaml\n"));
    let line = source.lines().position(|l| l.contains("other.yaml")).map(|i| i + 1).expect("the line");
    assert!(
        e.contains(&format!(
            "users.yml:{line}: #/paths/~1users~1{{user-id}}~1todo~1lists/get/responses/200/content/application~1json/schema/$ref:"
        )),
        "{e}"
    );
    assert!(e.contains("leaves the file"), "{e}");
}

#[test]
fn a_ref_to_a_missing_component_is_a_located_error() {
    let source = USERS.replace("$ref: '#/components/schemas/entity'\n        - type", "$ref: '#/components/schemas/entty'\n        - type");
    let s = Scratch::with("missing", &[("users.yml", &source)]);
    let e = error_text(s.slice("sources: [users.yml]\noperation-ids: [users_GetUser]\nout: cut.yaml\n"));
    let line = source.lines().position(|l| l.contains("entty")).map(|i| i + 1).expect("the line");
    assert!(
        e.contains(&format!(
            "users.yml:{line}: #/components/schemas/user/allOf/0/$ref: refers to `#/components/schemas/entty`, which no source defines"
        )),
        "{e}"
    );
}

#[test]
fn identical_copies_merge_into_one() {
    let s = Scratch::with("merge", &[("a/users.yml", USERS), ("a/groups.yml", GROUPS), ("b/users.yml", USERS)]);
    let outcome = s.slice("sources: [a/users.yml, b/users.yml, a/groups.yml]\nout: merged.yaml\n").unwrap_or_else(|e| panic!("{e}"));
    let text = s.read("merged.yaml");
    assert_eq!((outcome.stats.paths, outcome.stats.operations), (4, 5));
    assert_eq!(entries(&text, "schemas"), ["entity", "user", "todoTaskList", "unused", "group"]);
    assert_eq!(text.matches("  /groups:\n").count() + text.matches("  /users:\n").count(), 2);
    assert!(text.contains("the first source's (a/users.yml)"), "the header says where info comes from");
    assert!(text.contains("  title: Users\n") && !text.contains("title: Groups"));
    // The operationId that Groups repeats is a warning naming both places, not an error.
    let warning = outcome.warnings.iter().map(ToString::to_string).find(|w| w.contains("users_ListUser")).expect("a warning");
    assert!(warning.starts_with("a/groups.yml:10: ") && warning.contains("also at a/users.yml:12"), "{warning}");
    // A glob over file names, in sorted order.
    s.slice("sources: ['a/*.yml']\nout: merged.yaml\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(s.read("merged.yaml").contains("the first source's (a/groups.yml)"));
}

#[test]
fn a_conflicting_schema_names_both_files() {
    let other = GROUPS.replace("        id:\n          type: string", "        id:\n          type: integer");
    let s = Scratch::with("conflict", &[("users.yml", USERS), ("groups.yml", &other)]);
    let e = error_text(s.slice("sources: [users.yml, groups.yml]\nout: merged.yaml\n"));
    assert!(e.contains("groups.yml:19: #/components/schemas/entity: differs from the same key in users.yml:55"), "{e}");
    assert!(!s.0.join("merged.yaml").exists());
}

#[test]
fn a_source_without_a_final_line_break_keeps_its_last_line() {
    let s = Scratch::with("eol", &[("a.yml", "openapi: 3.0.1\npaths:\n  /a:\n    get:\n      operationId: a")]);
    s.slice("sources: [a.yml]\nout: cut.yaml\nheader: ''\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.read("cut.yaml"), "openapi: 3.0.1\npaths:\n  /a:\n    get:\n      operationId: a\n");
}

#[test]
fn flow_style_and_json_sources_are_refused() {
    let json = r#"{"openapi": "3.0.1", "info": {"title": "x", "version": "1"}, "paths": {}}"#;
    let s = Scratch::with("json", &[("a.json", json)]);
    let e = error_text(s.slice("sources: [a.json]\nout: cut.yaml\n"));
    assert!(e.contains("a.json:1: the document is written in flow style") && e.contains("block YAML"), "{e}");
}

#[test]
fn out_is_written_only_as_a_regular_file_and_check_shows_a_diff() {
    let s = Scratch::with("out", &[("users.yml", USERS)]);
    fs::create_dir_all(s.0.join("folder.yaml")).expect("a folder");
    let e = error_text(s.slice("sources: [users.yml]\nout: folder.yaml\n"));
    assert!(e.contains("cannot write folder.yaml") && e.contains("folder"), "{e}");
    let e = error_text(s.slice("sources: [users.yml]\nout: ../escape.yaml\n"));
    assert!(e.contains("recipe.yaml:2: out `../escape.yaml`"), "{e}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(s.0.join("target.yaml"), s.0.join("link.yaml")).expect("a link");
        let e = error_text(s.slice("sources: [users.yml]\nout: link.yaml\n"));
        assert!(e.contains("symbolic link") && !s.0.join("target.yaml").exists(), "{e}");
    }
    s.slice("sources: [users.yml]\nout: cut.yaml\n").unwrap_or_else(|e| panic!("{e}"));
    fs::write(s.0.join("cut.yaml"), s.read("cut.yaml").replace("title: Users", "title: Edited")).expect("edit");
    let path = s.0.join("recipe.yaml");
    let e = error_text(run(&s.0, &path, true));
    assert!(e.contains("-  title: Edited\n+  title: Users") && e.contains("cut.yaml is stale"), "{e}");
    assert!(s.read("cut.yaml").contains("title: Edited"), "--check writes nothing");
    assert!(Path::new(&s.0).join("recipe.yaml").exists());
}
