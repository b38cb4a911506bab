"""Aura reaches into Strawberry's and graphql-core's internals; this pins what it touches.

The lean executor, the prepared-document path of ``AuraSchema`` and the realtime hub
call private functions, override executor methods and read attributes that neither
library promises to keep. ``pyproject.toml`` pins both to the tested minor versions;
these tests fail, naming the internal and its user, when an upgrade changes one of
them, so the upgrade is a deliberate edit of this table rather than a surprise in
production.
"""

from __future__ import annotations

import importlib
import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PINNED = ("strawberry-graphql", "graphql-core")

# (import path, attribute path, expected parameter names, where Aura relies on it)
SIGNATURES: list[tuple[str, str, list[str], str]] = [
    (
        "strawberry.schema._graphql_core",
        "execution_context_class_kwargs",
        ["execution_context_class"],
        "aura/engine/schema.py (AuraSchema: executor arguments for graphql-core's execute)",
    ),
    (
        "strawberry.schema.schema",
        "Schema.execute",
        [
            "self",
            "query",
            "variable_values",
            "context_value",
            "root_value",
            "operation_name",
            "allowed_operation_types",
            "operation_extensions",
        ],
        "aura/engine/schema.py (AuraSchema.execute overrides it)",
    ),
    (
        "strawberry.schema.schema",
        "Schema.stream",
        [
            "self",
            "query",
            "variable_values",
            "context_value",
            "root_value",
            "operation_name",
            "operation_extensions",
            "allowed_operation_types",
        ],
        "aura/engine/schema.py (AuraSchema.stream overrides it and calls it positionally)",
    ),
    (
        "strawberry.schema.schema",
        "Schema.process_errors",
        ["self", "errors", "execution_context"],
        "aura/engine/schema.py (AuraSchema.process_errors overrides it)",
    ),
    (
        "strawberry.types.execution",
        "PreExecutionError",
        ["data", "errors", "extensions"],
        "aura/engine/schema.py (refused subscription documents)",
    ),
    (
        "strawberry.types.execution",
        "ExecutionResult",
        ["data", "errors", "extensions"],
        "aura/engine/schema.py (AuraSchema.execute builds its result)",
    ),
    (
        "strawberry.schema.exceptions",
        "CannotGetOperationTypeError.__init__",
        ["self", "operation_name"],
        "aura/engine/schema.py (AuraSchema.execute)",
    ),
    (
        "strawberry.schema.exceptions",
        "InvalidOperationTypeError.__init__",
        ["self", "operation_type"],
        "aura/engine/schema.py (AuraSchema.execute)",
    ),
    (
        "strawberry.utils.operation",
        "get_operation_type",
        ["graphql_document", "operation_name"],
        "aura/engine/schema.py (AuraSchema.execute)",
    ),
    (
        "strawberry.execution.is_awaitable",
        "optimized_is_awaitable",
        ["value"],
        "aura/engine/schema.py, aura/realtime/render.py (passed to graphql-core's execute)",
    ),
    (
        "strawberry.types.arguments",
        "convert_arguments",
        ["value", "arguments", "scalar_registry", "config", "info"],
        "aura/engine/executor.py (connection arguments converted once per field node)",
    ),
    (
        "strawberry.schema.schema",
        "StrawberryGraphQLCoreExecutionContext.execute_field",
        ["self", "parent_type", "source", "field_details_list", "path", "position_context"],
        "aura/engine/executor.py (LeanExecutor.execute_field overrides it)",
    ),
    (
        "strawberry.schema.schema",
        "StrawberryGraphQLCoreExecutionContext.build_resolve_info",
        ["self", "field_def", "field_nodes", "parent_type", "path"],
        "aura/engine/executor.py (LeanExecutor._execute_with_shared_arguments)",
    ),
    (
        "strawberry.schema.schema",
        "StrawberryGraphQLCoreExecutionContext.complete_value",
        [
            "self",
            "return_type",
            "field_details_list",
            "info",
            "path",
            "result",
            "position_context",
        ],
        "aura/engine/executor.py (LeanExecutor._execute_with_shared_arguments)",
    ),
    (
        "strawberry.schema.schema",
        "StrawberryGraphQLCoreExecutionContext.complete_awaitable_value",
        [
            "self",
            "return_type",
            "field_details_list",
            "info",
            "path",
            "result",
            "position_context",
        ],
        "aura/engine/executor.py (LeanExecutor._execute_with_shared_arguments)",
    ),
    (
        "strawberry.schema.schema",
        "StrawberryGraphQLCoreExecutionContext.handle_field_error",
        ["self", "raw_error", "return_type", "field_details_list", "path"],
        "aura/engine/executor.py (LeanExecutor._execute_with_shared_arguments)",
    ),
    (
        "strawberry.asgi",
        "GraphQL.process_result",
        ["self", "request", "result"],
        "aura/app.py (GraphQLView.process_result overrides it)",
    ),
    (
        "strawberry.asgi",
        "GraphQL.render_graphql_ide",
        ["self", "request"],
        "aura/app.py (GraphQLView.render_graphql_ide overrides it)",
    ),
    (
        "strawberry.asgi",
        "GraphQL.encode_json",
        ["self", "data"],
        "aura/app.py (GraphQLView.encode_json overrides it)",
    ),
    (
        "graphql.execution.executor",
        "to_nodes",
        ["field_details_list"],
        "aura/engine/executor.py (LeanExecutor._execute_with_shared_arguments)",
    ),
    (
        "graphql.execution.executor",
        "Executor.__init__",
        [
            "self",
            "schema",
            "fragment_definitions",
            "fragments",
            "root_value",
            "context_value",
            "operation",
            "variable_values",
            "field_resolver",
            "type_resolver",
            "subscribe_field_resolver",
            "enable_early_execution",
            "middleware_manager",
            "is_awaitable",
            "is_async_iterable",
            "hide_suggestions",
            "abort_signal",
            "hooks",
        ],
        "aura/engine/executor.py (LeanExecutor reads variable_values, hide_suggestions, "
        "is_awaitable)",
    ),
    (
        "graphql.execution.values",
        "get_argument_values",
        ["type_def", "node", "variable_values", "fragment_variable_values", "hide_suggestions"],
        "aura/engine/executor.py, aura/realtime/hub.py (argument coercion)",
    ),
    (
        "graphql.execution.values",
        "get_variable_values",
        ["schema", "var_def_nodes", "inputs", "max_errors", "hide_suggestions"],
        "aura/realtime/hub.py (subscription variables)",
    ),
]

# (import path, attribute path, attributes Aura reads, where)
ATTRIBUTES: list[tuple[str, str, tuple[str, ...], str]] = [
    (
        "graphql.execution.collect_fields",
        "FieldDetails",
        ("node", "fragment_variable_values"),
        "aura/engine/executor.py (the field node and fragment variables of a field)",
    ),
    (
        "strawberry.types.field",
        "StrawberryField",
        ("base_resolver", "extensions", "permission_classes", "metadata", "python_name"),
        "aura/engine/executor.py (accelerate picks the fields it may replace)",
    ),
    (
        "strawberry.types.enum",
        "StrawberryEnumDefinition",
        ("wrapped_cls",),
        "aura/schema/docs.py (enum value descriptions from aura.db.enums.MEANINGS)",
    ),
    (
        "strawberry.schema.schema",
        "StreamResult",
        (),
        "aura/engine/schema.py (AuraSchema.stream's return type)",
    ),
]


def _resolve(module: str, path: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _has(obj: Any, name: str) -> bool:
    if name in getattr(obj, "_fields", ()):  # a NamedTuple
        return True
    if name in getattr(obj, "__dataclass_fields__", {}):
        return True
    return hasattr(obj, name) or name in inspect.signature(obj).parameters


def _pins() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    return {r.name: r for r in requirements if r.name in PINNED}


def test_both_libraries_are_pinned_to_one_minor_version() -> None:
    pins = _pins()
    assert sorted(pins) == sorted(PINNED), f"pyproject.toml must pin {PINNED}"
    for requirement in pins.values():
        upper = [s for s in requirement.specifier if s.operator == "<"]
        lower = [s for s in requirement.specifier if s.operator == ">="]
        assert len(upper) == 1, f"{requirement}: give >=x.y.z,<x.(y+1)"
        assert len(lower) == 1, f"{requirement}: give >=x.y.z,<x.(y+1)"
        major, minor = (int(p) for p in lower[0].version.split(".")[:2])
        assert upper[0].version == f"{major}.{minor + 1}", (
            f"{requirement}: the range must stay within the tested minor version"
        )


@pytest.mark.parametrize("name", PINNED)
def test_installed_version_is_the_pinned_one(name: str) -> None:
    requirement = _pins()[name]
    installed = version(name)
    assert requirement.specifier.contains(installed, prereleases=True), (
        f"{name} {installed} is installed but pyproject.toml pins {requirement}: Aura is "
        "tested against the pinned version only (see tests/test_pins.py)"
    )


@pytest.mark.parametrize(
    ("module", "path", "expected", "user"),
    SIGNATURES,
    ids=[f"{m}.{p}" for m, p, _, _ in SIGNATURES],
)
def test_internal_signatures_are_unchanged(
    module: str, path: str, expected: list[str], user: str
) -> None:
    try:
        actual = list(inspect.signature(_resolve(module, path)).parameters)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{module}.{path} is gone ({error}); used by {user}")
    assert actual == expected, (
        f"{module}.{path} now takes {actual}, Aura was written for {expected}; "
        f"check {user}, then update tests/test_pins.py and the pin in pyproject.toml"
    )


@pytest.mark.parametrize(
    ("module", "path", "names", "user"),
    ATTRIBUTES,
    ids=[f"{m}.{p}" for m, p, _, _ in ATTRIBUTES],
)
def test_internal_attributes_are_present(
    module: str, path: str, names: tuple[str, ...], user: str
) -> None:
    try:
        obj = _resolve(module, path)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{module}.{path} is gone ({error}); used by {user}")
    if path == "StrawberryField":
        obj = obj(python_name="probe")  # its attributes are set per instance
    missing = [name for name in names if not _has(obj, name)]
    assert not missing, f"{module}.{path} lacks {missing}; used by {user}"


def test_definition_backref_key_is_unchanged() -> None:
    from strawberry.schema.schema_converter import GraphQLCoreConverter

    # aura/engine/scopes.py spells the key out; aura/engine/executor.py and docs.py use
    # the constant.
    assert GraphQLCoreConverter.DEFINITION_BACKREF == "strawberry-definition"


def test_strawberry_info_keeps_the_raw_resolve_info() -> None:
    from strawberry.types.info import Info

    # aura/engine/selection.py and aura/resolvers/realtime.py read ``info._raw_info``.
    assert "_raw_info" in inspect.signature(Info).parameters


def test_the_lean_executor_still_extends_strawberrys() -> None:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from aura.engine.executor import LeanExecutor

    assert issubclass(LeanExecutor, StrawberryGraphQLCoreExecutionContext)
    # graphql-core's execute takes the executor class under this name.
    kwargs = _resolve("strawberry.schema._graphql_core", "execution_context_class_kwargs")(
        LeanExecutor
    )
    assert list(kwargs) == ["executor_class"]
    assert "executor_class" in inspect.signature(_resolve("graphql", "execute")).parameters
