"""The layering the README promises, checked on the source: dependencies point inward."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def top(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


@pytest.mark.parametrize("path", sources("runtime/domain"), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_attrs_and_itself(path):
    for module in imported_modules(path):
        assert (
            top(module) in sys.stdlib_module_names
            or top(module) == "attrs"
            or module.startswith("runtime.domain")
        ), f"{path.name} imports {module}"


PULUMI = {"pulumi", "pulumi_aws", "pulumi_aws_native"}


def packages_imported_by(path: Path) -> set[str]:
    return {top(m) for m in imported_modules(path)}


@pytest.mark.parametrize("path", sources("runtime"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_runtime_never_imports_pulumi_infra_the_local_stack_or_the_bots_stand_in(path):
    assert not packages_imported_by(path) & {*PULUMI, "infra", "local", "bot", "tests"}


@pytest.mark.parametrize(
    "path",
    [p for p in sources("runtime") if p.name != "deployment.py"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_functions_never_import_how_they_are_deployed(path):
    """runtime/deployment.py (handlers, grants, triggers) is for infra, the local stack and the tests:
    a function that imported it would load every function's description at each cold start."""
    assert "runtime.deployment" not in imported_modules(path)


@pytest.mark.parametrize("path", sources("definitions"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_shared_definitions_import_neither_pulumi_nor_infra_nor_aws_clients(path):
    """Both the Pulumi program and the local stack build from definitions/: it depends on neither."""
    assert not packages_imported_by(path) & {*PULUMI, "infra", "local", "boto3", "botocore"}


@pytest.mark.parametrize(
    "path",
    [*sources("local"), *sources("ops"), *sources("reliability")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_local_stack_and_the_tools_never_import_the_pulumi_program(path):
    """What the local stack shares with AWS comes from definitions/ and runtime/, not from infra/."""
    assert not packages_imported_by(path) & {*PULUMI, "infra"}


@pytest.mark.parametrize("path", sources("runtime/services"), ids=lambda p: p.name)
def test_services_use_ports_not_adapters_nor_handlers(path):
    """A use case receives its adapters through runtime/adapters/ports.py; it never builds one."""
    for module in imported_modules(path):
        if module.startswith("runtime.adapters"):
            assert module == "runtime.adapters.ports", f"{path.name} imports {module}"
        assert not module.startswith(("runtime.handlers", "runtime.bootstrap")), (
            f"{path.name} imports {module}"
        )


@pytest.mark.parametrize(
    "path", [*sources("infra"), ROOT / "__main__.py"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_infra_never_imports_boto3(path):
    assert not {top(m) for m in imported_modules(path)} & {"boto3", "botocore"}


def defines_a_component(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).endswith("ComponentResource") for base in node.bases)
        for node in tree.body
    )


COMPONENTS = [p for p in sources("infra/components") if p.name != "__init__.py"]
INFRA_HELPERS = [p for p in (ROOT / "infra").glob("*.py") if p.name != "__init__.py"]


@pytest.mark.parametrize("path", COMPONENTS, ids=lambda p: p.name)
def test_each_module_in_infra_components_defines_a_component(path):
    assert defines_a_component(path)


@pytest.mark.parametrize("path", INFRA_HELPERS, ids=lambda p: p.name)
def test_the_helpers_beside_the_components_define_none_and_never_import_one(path):
    """infra/components/ holds every component; the helpers in infra/ are what components build from."""
    assert not defines_a_component(path)
    assert not any(m.startswith("infra.components") for m in imported_modules(path))


@pytest.mark.parametrize("path", sources("infra"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_program_never_imports_its_offline_harness(path):
    """infra/offline/ runs the program under mocks; nothing deployed depends on it."""
    if "offline" in path.relative_to(ROOT).parts:
        return
    assert not any(m.startswith("infra.offline") for m in imported_modules(path))


@pytest.mark.parametrize("path", sources("runtime/handlers"), ids=lambda p: p.name)
def test_handlers_reach_aws_only_through_bootstrap(path):
    for module in imported_modules(path):
        assert top(module) not in {"boto3", "botocore"}, f"{path.name} imports {module}"


def test_only_bootstrap_creates_aws_clients():
    creating = [
        path.relative_to(ROOT).as_posix()
        for path in sources("runtime")
        if re.search(r"create_client\(|boto3\.client\(|\bSession\(", path.read_text(encoding="utf-8"))
    ]
    assert creating == ["runtime/bootstrap.py"]


@pytest.mark.parametrize("path", sources("runtime"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_imports_boto3(path):
    """Clients come from botocore: importing any part of boto3 runs its package import (resources,
    s3transfer), which a cold start would pay for without using."""
    assert "boto3" not in {top(m) for m in imported_modules(path)}


@pytest.mark.parametrize(
    "path",
    [*sources("runtime"), *sources("infra"), *sources("local"), ROOT / "__main__.py"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_product_never_imports_the_bench_nor_its_powertools_peer(path):
    """bench/peer/ is measured, never shipped: no function, layer or local stack reaches it."""
    assert not {top(m) for m in imported_modules(path)} & {"bench", "aws_lambda_powertools"}


def test_no_module_of_the_project_is_named_after_the_standard_library():
    """A module named `time` or `http` reads as the standard library's wherever it is imported."""
    packages = ("runtime", "infra", "local", "ops", "bench", "reliability", "policy", "bot", "tests")
    shadowing = [
        path.relative_to(ROOT).as_posix()
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if path.stem in sys.stdlib_module_names
    ]
    assert shadowing == []


TYPED_FOLDERS = ("runtime", "definitions", "infra", "local", "ops", "bench", "reliability", "policy")


def _ignores_without_a_reason() -> list[str]:
    """A `type: ignore` says why, on its line after the ignore or in the comment line just above."""
    found = []
    for path in [p for folder in TYPED_FOLDERS for p in sources(folder)]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if "# type: ignore" not in line:
                continue
            after = line.split("# type: ignore", 1)[1].partition("]")[2]
            above = lines[number - 1].strip() if number else ""
            if not after.strip().startswith("#") and not above.startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{number + 1}")
    return found


def test_every_type_ignore_gives_its_reason():
    assert _ignores_without_a_reason() == []


def _readme_layout_table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| folder | what it holds |")
    return readme[start : readme.index("\n\n", start)]


def _tracked_folders() -> set[str]:
    """Every folder git tracks a file in, relative to the root."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return {str(Path(name).parent) for name in listed} - {"."}


def test_the_readme_layout_table_names_every_folder_and_every_package_inside_runtime_and_infra():
    table = _readme_layout_table()
    folders = _tracked_folders()
    top = {folder.split("/")[0] for folder in folders}
    inside = {
        folder for folder in folders if folder.count("/") == 1 and folder.startswith(("runtime/", "infra/"))
    }
    missing = [f"{name}/" for name in sorted(top) if f"`{name}/`" not in table]
    missing += [f"{name}/" for name in sorted(inside) if f"`{name.split('/')[1]}/`" not in table]
    assert "runtime/services" in inside and "infra/components" in inside
    assert missing == []
