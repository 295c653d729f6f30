//! Broken documents → the exact message a user sees: file, JSON pointer, what is wrong.

fn first_error(file: &str) -> String {
    let settings = oagen::Settings::new(format!("tests/diagnostics/{file}"), "broken");
    match oagen::generate(&settings) {
        Ok(_) => format!("{file}: generated, but an error was expected"),
        Err(diags) => diags
            .errors()
            .next()
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

#[test]
fn broken_documents_get_located_messages() {
    let cases: &[(&str, &str)] = &[
        (
            "missing_ref.yaml",
            "error: tests/diagnostics/missing_ref.yaml#/components/schemas/Foo/properties/bar/$ref: $ref '#/components/schemas/Missing' does not exist",
        ),
        (
            "swagger2.yaml",
            "error: tests/diagnostics/swagger2.yaml#/swagger: Swagger 2.0",
        ),
        (
            "v32.yaml",
            "error: tests/diagnostics/v32.yaml#/openapi: OpenAPI version `3.2.0` is not supported",
        ),
        (
            "bad_yaml.yaml",
            "error: tests/diagnostics/bad_yaml.yaml: invalid YAML at line 4",
        ),
        (
            "missing_file.yaml",
            "error: tests/diagnostics/missing_file.yaml#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref:",
        ),
        (
            "bad_shape.yaml",
            "error: tests/diagnostics/bad_shape.yaml#/paths/~1pets/get/parameters/0",
        ),
    ];
    let mut failures = Vec::new();
    for (file, expected) in cases {
        let got = first_error(file);
        if !got.starts_with(expected) {
            failures.push(format!(
                "{file}:\n  expected: {expected}\n  got:      {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The rendered warnings of generating `file` with `settings` applied.
fn warnings(file: &str, settings: impl Fn(oagen::Settings) -> oagen::Settings) -> Vec<String> {
    let base = oagen::Settings::new(format!("tests/diagnostics/{file}"), "routes");
    match oagen::generate(&settings(base)) {
        Ok(output) => output.warnings.iter().map(ToString::to_string).collect(),
        Err(diags) => vec![format!("{file}: not generated: {diags}")],
    }
}

#[test]
fn operations_the_router_cannot_serve_are_warned_about_where_they_are() {
    let help =
        "\n  help: its method stays in the server's `Api` trait; route it by hand to serve it";
    assert_eq!(
        warnings("unserved_route.yaml", |s| s),
        [
            format!(
                "warning: tests/diagnostics/unserved_route.yaml#/paths/~1files~1{{name}}.json/get: \
                 the generated server does not serve `getFile` (GET /files/{{name}}.json): the \
                 segment `{{name}}.json` is not a whole capture; axum's router matches only \
                 captures that fill a segment{help}"
            ),
            format!(
                "warning: tests/diagnostics/unserved_route.yaml#/paths/~1runs~1{{id}}/get: the \
                 generated server does not serve `getRunById` (GET /runs/{{id}}): `GET \
                 /runs/{{run_id}}` is already served by `getRun`{help}"
            ),
        ]
    );
    // Without a server there is nothing to warn about; with a selection, only what is kept.
    assert_eq!(
        warnings("unserved_route.yaml", |s| s
            .with_halves(oagen::Halves::ClientOnly)),
        Vec::<String>::new()
    );
    let only_runs = oagen::Selection {
        tags: Vec::new(),
        operations: vec!["getRunById".into()],
    };
    assert_eq!(
        warnings("unserved_route.yaml", |s| s
            .with_selection(only_runs.clone())),
        Vec::<String>::new()
    );
}

#[test]
fn unknown_selections_name_what_exists() {
    let settings = oagen::Settings::new("tests/diagnostics/unserved_route.yaml", "routes")
        .with_selection(oagen::Selection {
            tags: vec!["runs".into()],
            operations: vec!["get_run".into(), "deleteRun".into()],
        });
    let errors: Vec<String> = match oagen::generate(&settings) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.errors().map(ToString::to_string).collect(),
    };
    assert_eq!(
        errors,
        [
            "error: tests/diagnostics/unserved_route.yaml: no operation has the tag `runs`; tags in the spec: files",
            "error: tests/diagnostics/unserved_route.yaml: no operation is named `deleteRun`; operations in the spec: getFile, getRun, getRunById",
        ]
    );
}
