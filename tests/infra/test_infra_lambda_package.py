"""The code archive and the dependency layer: explicit, cached, and built for Lambda's Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra import lambda_package
from infra.lambda_package import (
    BYTECODE_SUFFIX,
    LAYER_PACKAGES,
    LayerBuildError,
    build_code,
    build_layer,
    code_files,
    find_lambda_python,
    imported_modules,
    locked_requirements,
    runtime_files,
)
from infra.offline.mock_run import PROJECT_ROOT, Deployment
from runtime.contract import SERVICE_MODELS_FOLDER
from runtime.deployment import CLIENT_OPERATIONS, FUNCTIONS

LOCK = PROJECT_ROOT / "uv.lock"


def test_runtime_files_are_an_explicit_sorted_list_without_caches(tmp_path: Path) -> None:
    (tmp_path / "runtime" / "handlers" / "__pycache__").mkdir(parents=True)
    (tmp_path / "runtime" / "__init__.py").write_text("")
    (tmp_path / "runtime" / "handlers" / "chat.py").write_text("")
    (tmp_path / "runtime" / "handlers" / "__pycache__" / "chat.cpython-312.pyc").write_bytes(b"")
    (tmp_path / "runtime" / "handlers" / "__pycache__" / "stray.py").write_text("")
    (tmp_path / "runtime" / "notes.txt").write_text("")
    names = [name for name, _ in runtime_files(tmp_path)]
    assert names == ["runtime/__init__.py", "runtime/handlers/chat.py"]


def test_every_handler_module_is_in_the_archive() -> None:
    names = {name for name, _ in runtime_files(PROJECT_ROOT)}
    for spec in FUNCTIONS.values():
        module = spec.handler.rpartition(".")[0]
        assert f"{module.replace('.', '/')}.py" in names


@pytest.fixture(scope="module")
def code_dir() -> Path:
    return build_code(PROJECT_ROOT, PROJECT_ROOT / "build" / "code")


def _header_of(compiled: Path, magic: str) -> None:
    header = compiled.read_bytes()[:8]
    assert header[:4].hex() == magic, compiled
    # Flags 0b01: hash-based and never checked against the source (Lambda keeps no mtimes).
    assert int.from_bytes(header[4:8], "little") == 1, compiled


def _magic_of_lambda_python() -> str:
    return subprocess.run(
        [
            find_lambda_python(),
            "-c",
            "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_every_archive_module_has_bytecode_for_the_lambda_python(code_dir: Path) -> None:
    names = [name for name, _ in code_files(code_dir) if not name.startswith(f"{SERVICE_MODELS_FOLDER}/")]
    sources = [name for name, _ in runtime_files(PROJECT_ROOT)]  # the folder holds every module
    magic = _magic_of_lambda_python()
    assert sources and [name for name in names if name.endswith(".py")] == sources
    for source in sources:
        folder, _, file = source.rpartition("/")
        compiled = f"{folder}/__pycache__/{file.removesuffix('.py')}{BYTECODE_SUFFIX}"
        assert compiled in names, source
        _header_of(code_dir / compiled, magic)
    assert len(names) == 2 * len(sources)  # nothing else rides along


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_each_functions_archive_carries_botocore_data_for_exactly_the_services_it_calls(
    code_dir: Path, function
) -> None:
    """Per service: its model cut to the functions' calls; beside them, the endpoints of these
    services. Nothing of a service the function does not call."""
    spec = FUNCTIONS[function]
    data = {
        name.removeprefix(f"{SERVICE_MODELS_FOLDER}/"): path
        for name, path in code_files(code_dir, spec.handler)
        if name.startswith(f"{SERVICE_MODELS_FOLDER}/")
    }
    per_service: dict[str, set[str]] = {}
    for name in data:
        if "/" in name:
            service, _version, file = name.split("/")
            per_service.setdefault(service, set()).add(file)
    assert set(per_service) == spec.clients
    for service, files in per_service.items():
        assert files == {"service-2.json"}, service
        model = json.loads(
            next(
                p for n, p in data.items() if n.startswith(f"{service}/") and n.endswith("service-2.json")
            ).read_text(encoding="utf-8")
        )
        assert sorted(model["operations"]) == sorted(CLIENT_OPERATIONS[service]), service
    assert set(data) - {n for n in data if "/" in n} == ({"endpoints.json"} if spec.clients else set())


def test_archive_tracebacks_name_the_files_where_lambda_unpacks_them(code_dir: Path) -> None:
    compiled = code_dir / "runtime" / "handlers" / "__pycache__" / f"chat{BYTECODE_SUFFIX}"
    script = f"import marshal; print(marshal.loads(open({str(compiled)!r}, 'rb').read()[16:]).co_filename)"
    filename = subprocess.run(
        [find_lambda_python(), "-c", script], capture_output=True, text=True, check=True
    )
    assert filename.stdout.strip() == "/var/task/runtime/handlers/chat.py"


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_each_functions_archive_alone_imports_its_handler(code_dir: Path, tmp_path: Path, function) -> None:
    """Unpacked alone, as Lambda unpacks it, the archive imports its handler and creates its clients
    from the botocore data it carries (botocore lists no other service and reads its endpoints from
    the archive); every runtime module loaded comes from it (the static reading of the imports
    missed none)."""
    for name, path in code_files(code_dir, FUNCTIONS[function].handler):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    module = FUNCTIONS[function].handler.rpartition(".")[0]
    services = sorted(FUNCTIONS[function].clients)
    script = (
        "import importlib, sys; sys.path.insert(0, sys.argv[1]); importlib.import_module(sys.argv[2]); "
        "from runtime import bootstrap; "
        "clients = [bootstrap.client(service) for service in sys.argv[3:]]; "
        "loader = bootstrap.session().get_component('data_loader'); "
        "assert loader.list_available_services('service-2') == sys.argv[3:], 'only the archive is listed'; "
        "assert loader.load_data_with_path('endpoints')[1].startswith(sys.argv[1]), 'endpoints'; "
        "assert all(c.meta.endpoint_url.endswith('.amazonaws.com') for c in clients); "
        "stray = [m for m, v in sys.modules.items() if m.split('.')[0] == 'runtime' "
        "and not (getattr(v, '__file__', '') or '').startswith(sys.argv[1])]; "
        "print(','.join(stray))"
    )
    site = [p for p in sys.path if p.endswith("site-packages")]
    ran = subprocess.run(
        [sys.executable, "-I", "-c", script, str(tmp_path), module, *services],
        capture_output=True,
        text=True,
        env={
            "PYTHONPATH": os.pathsep.join(site),
            "LAMBDA_TASK_ROOT": str(tmp_path),
            "AWS_REGION": "ap-northeast-2",  # as Lambda sets both
            "AWS_DEFAULT_REGION": "ap-northeast-2",
        },
        cwd=tmp_path,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == ""


def test_a_module_imported_inside_a_function_is_in_the_archive(tmp_path: Path) -> None:
    (tmp_path / "runtime" / "handlers").mkdir(parents=True)
    for package in ("runtime", "runtime/handlers"):
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "runtime" / "lazy.py").write_text("")
    (tmp_path / "runtime" / "unused.py").write_text("")
    (tmp_path / "runtime" / "handlers" / "one.py").write_text("def handle():\n    from runtime import lazy\n")
    assert imported_modules(tmp_path, "runtime.handlers.one") == {
        "runtime/__init__.py",
        "runtime/handlers/__init__.py",
        "runtime/handlers/one.py",
        "runtime/lazy.py",
    }


def test_the_archive_is_rebuilt_when_a_source_changes(tmp_path: Path) -> None:
    (tmp_path / "runtime").mkdir()
    module = tmp_path / "runtime" / "__init__.py"
    module.write_text("VALUE = 1\n")
    first = build_code(tmp_path, tmp_path / "build")
    assert build_code(tmp_path, tmp_path / "build") == first
    module.write_text("VALUE = 2\n")
    second = build_code(tmp_path, tmp_path / "build")
    assert second != first
    assert (second / "runtime" / "__init__.py").read_text() == "VALUE = 2\n"


def test_layer_requirements_are_the_locked_closure_of_the_runtime_dependencies() -> None:
    requirements = {r.name: r for r in locked_requirements(LOCK)}
    assert set(LAYER_PACKAGES) <= set(requirements)
    assert "typing-extensions" in requirements  # cattrs needs it
    assert "boto3" not in requirements  # Lambda provides it
    for requirement in requirements.values():
        assert requirement.wheel_hashes and all(h.startswith("sha256:") for h in requirement.wheel_hashes)
        assert requirement.line().startswith(f"{requirement.name}=={requirement.version} --hash=sha256:")


def test_dependencies_that_do_not_apply_on_lambda_are_left_out(tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    lock.write_text(
        """
[[package]]
name = "app-dep"
version = "1.0"
dependencies = [{ name = "backport", marker = "python_full_version < '3.11'" }, { name = "needed" }]
wheels = [{ url = "https://example.invalid/a.whl", hash = "sha256:aa" }]

[[package]]
name = "needed"
version = "2.0"
wheels = [{ url = "https://example.invalid/n.whl", hash = "sha256:bb" }]
"""
    )
    assert [r.name for r in locked_requirements(lock, ["app-dep"])] == ["app-dep", "needed"]
    with pytest.raises(LayerBuildError, match="backport"):
        locked_requirements(lock, ["backport"])


@pytest.fixture(scope="session")
def layer_dir(deployments: dict[str, Deployment]) -> Path:
    """The layer the program itself built (it is cached, so this is the same folder)."""
    archive = deployments["dev"].one("aws:lambda/layerVersion:LayerVersion").inputs["code"]
    return Path(archive.path)


def test_the_deployed_layer_holds_the_packages_under_python(layer_dir: Path) -> None:
    assert layer_dir.is_relative_to(PROJECT_ROOT / "build" / "layer")
    site_packages = layer_dir / "python"
    for package in ("attr", "attrs", "cattrs", "structlog", "typing_extensions.py"):
        assert (site_packages / package).exists(), package
    assert sorted(p.name for p in layer_dir.iterdir()) == ["python"]


def test_the_layer_is_byte_compiled_for_lambda_python(layer_dir: Path) -> None:
    magic = _magic_of_lambda_python()
    sources = sorted((layer_dir / "python").rglob("*.py"))
    assert sources
    for source in sources:
        _header_of(source.parent / "__pycache__" / f"{source.stem}{BYTECODE_SUFFIX}", magic)


def test_tracebacks_name_the_files_where_lambda_mounts_them(layer_dir: Path) -> None:
    compiled = next((layer_dir / "python" / "attrs").glob("__pycache__/__init__.cpython-312.pyc"))
    script = f"import marshal; print(marshal.loads(open({str(compiled)!r}, 'rb').read()[16:]).co_filename)"
    filename = subprocess.run(
        [find_lambda_python(), "-c", script], capture_output=True, text=True, check=True
    )
    assert filename.stdout.strip() == "/opt/python/attrs/__init__.py"


def test_a_built_layer_is_reused_without_building_again(
    layer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_python() -> str:
        raise AssertionError("the cached layer should not be rebuilt")

    monkeypatch.setattr(lambda_package, "find_lambda_python", no_python)
    assert build_layer(locked_requirements(LOCK), layer_dir.parent) == layer_dir


def test_without_lambda_python_the_build_fails_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("LAMBDA_PYTHON", raising=False)
    with pytest.raises(LayerBuildError, match=r"no Python 3\.12"):
        build_layer(locked_requirements(LOCK), tmp_path / "layers")
    assert not (tmp_path / "layers").exists() or not any((tmp_path / "layers").iterdir())
