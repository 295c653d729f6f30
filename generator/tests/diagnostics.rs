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
