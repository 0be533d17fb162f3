"""Property-based fuzzing of the whole API with schemathesis against the app's own OpenAPI document.

Every operation of `/openapi.json` gets generated requests, both valid (positive) and invalid
(negative) ones, sent in-process through WSGI with the admin token so that every endpoint is
reachable. Each response must not be a server error and must conform to the document: a
declared status code, a declared content type and a body that matches the declared schema.

Operations are looped over inside one test function rather than parametrized with schemathesis'
pytest plugin: the schema has to be loaded from the per-backend, per-test `app` fixture, which
the plugin's module-level `schemathesis.pytest.from_fixture` would tie to its own collection.
Every operation is fuzzed and all findings are reported together at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection

# Bounded and reproducible: the same examples on every run, a few per operation and mode, so that
# the ~50 operations finish within a minute per backend. Invalid requests all end in the same
# validation error handler, so fewer of them are needed than valid ones.
MAX_EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}
FUZZ_SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,  # no saved failing examples to replay: runs are derandomized anyway
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
    print_blob=False,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

MODES = list(MAX_EXAMPLES)


def _fuzz_operation(
    operation: APIOperation, mode: GenerationMode, headers: dict[str, str], connection: Connection
) -> Callable[[], None]:
    """Return a hypothesis test that sends generated cases of one operation and checks them."""

    @settings(FUZZ_SETTINGS, max_examples=MAX_EXAMPLES[mode])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:  # noqa: ANN001
        # Each example runs in its own savepoint of the test's transaction, so that issuing or
        # revoking tokens (POST/DELETE /api/v1/tokens, kept in the fuzz) cannot leak into later
        # examples, e.g. a DELETE that happens to revoke the admin token used for every request.
        nested = connection.begin_nested()
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            nested.rollback()

    return run


def _takes_input(operation: APIOperation) -> bool:
    """Tell whether the operation has parameters or a body that generated data can fill in."""
    return any(True for _ in operation.iter_parameters()) or len(operation.body) > 0


def _describe(label: str, mode: GenerationMode, exc: BaseException) -> str:
    """Return a report of one finding: what failed, and hypothesis' notes on the example."""
    notes = "\n".join(getattr(exc, "__notes__", []))
    return f"### {label} [{mode.value}]\n{type(exc).__name__}: {exc}\n{notes}".rstrip()


def test_every_operation_survives_fuzzing_and_conforms_to_the_schema(
    app,  # noqa: ANN001
    tokens: dict[str, str],
    connection: Connection,
) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # Every request carries the admin token; generating the Authorization header too would spend
    # half of the negative examples on missing tokens, which test_auth.py covers already.
    schema.config.generation.update(with_security_parameters=False)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}

    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())  # raises for operations the loader cannot understand
    assert len(operations) > 40  # the whole API is in the document, not just a part of it

    findings: list[str] = []
    started = time.monotonic()
    for operation in operations:
        for mode in MODES:
            if mode is GenerationMode.NEGATIVE and not _takes_input(operation):
                continue  # e.g. GET /api/v1/tokens: nothing to make invalid
            try:
                _fuzz_operation(operation, mode, headers, connection)()
            # schemathesis raises its check failures as a FailureGroup, a BaseExceptionGroup.
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report all, fail once
                findings.append(_describe(operation.label, mode, exc))
    elapsed = time.monotonic() - started

    assert not findings, f"{len(findings)} fuzz finding(s) in {elapsed:.1f}s:\n\n" + "\n\n".join(
        findings
    )
