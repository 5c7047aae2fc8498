"""What Lambda runs: the runtime's code as one archive, and its third-party packages as one layer.

The code archive is an explicit, sorted list of `runtime/**/*.py` with, beside each, its bytecode
compiled by the Lambda Python version (`pulumi.FileArchive` has no excludes, and the tree's own
`__pycache__` would change with every local run). The layer holds attrs, cattrs and structlog at the
versions in `uv.lock` (the ones the tests ran against), hash-checked, installed for Lambda's platform
and byte-compiled the same way. Lambda's file system is read-only: without the bytecode, every cold
start would compile the modules it imports again. Both are cached under `build/` by a hash of what
goes in them. Building fails loudly: there is no stub layer and no archive without bytecode.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs
import pulumi
from packaging.markers import Marker

from infra import service_models
from runtime.contract import SERVICE_MODELS_FOLDER
from runtime.deployment import CLIENT_OPERATIONS, FUNCTIONS

LAMBDA_RUNTIME = "python3.12"
LAMBDA_PYTHON_VERSION = "3.12"
LAMBDA_ARCHITECTURE = "x86_64"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
# Lambda provides boto3; everything else the runtime imports besides the standard library:
LAYER_PACKAGES = ("attrs", "cattrs", "structlog")
# Where Lambda mounts a layer's `python/` folder and unpacks the function's archive: tracebacks
# should name files where they will be.
LAYER_MOUNT = "/opt/python"
TASK_ROOT = "/var/task"
# The bytecode's file name suffix for the Lambda Python (what its import system looks for).
BYTECODE_SUFFIX = f".cpython-{LAMBDA_PYTHON_VERSION.replace('.', '')}.pyc"
# Change when the build steps change, so cached layers are rebuilt.
_RECIPE = "pip --no-deps --require-hashes; compileall unchecked-hash; v1"
_CODE_RECIPE = "copy; compileall unchecked-hash /var/task; botocore data cut: models, endpoints; v4"
_LAMBDA_MARKER_ENVIRONMENT = {
    "python_version": LAMBDA_PYTHON_VERSION,
    "python_full_version": f"{LAMBDA_PYTHON_VERSION}.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": LAMBDA_ARCHITECTURE,
    "os_name": "posix",
    "extra": "",
}


class LayerBuildError(RuntimeError):
    """The dependency layer could not be built; deploying without it would fail at the first request."""


@attrs.frozen
class Requirement:
    name: str
    version: str
    wheel_hashes: tuple[str, ...]

    def line(self) -> str:
        hashes = " ".join(f"--hash={wheel_hash}" for wheel_hash in self.wheel_hashes)
        return f"{self.name}=={self.version} {hashes}"


@attrs.frozen
class LambdaPackage:
    code_dir: Path
    layer: pulumi.FileArchive
    requirements: tuple[Requirement, ...]

    @classmethod
    def build(cls, project_root: Path) -> LambdaPackage:
        requirements = locked_requirements(project_root / "uv.lock")
        layer_dir = build_layer(requirements, project_root / "build" / "layer")
        return cls(
            code_dir=build_code(project_root, project_root / "build" / "code"),
            layer=pulumi.FileArchive(str(layer_dir)),
            requirements=requirements,
        )

    def code_for(self, handler: str) -> pulumi.AssetArchive:
        """The archive of the function whose handler is `handler`: the modules it can import."""
        return code_archive(self.code_dir, handler)

    @property
    def layer_description(self) -> str:
        return ", ".join(f"{r.name} {r.version}" for r in self.requirements)


# --- the code archive --------------------------------------------------------------------------


def runtime_files(project_root: Path, package: str = "runtime") -> list[tuple[str, Path]]:
    """(archive path, file) for every module of the package, sorted; caches and other files left out."""
    root = project_root / package
    files = [path for path in root.rglob("*.py") if "__pycache__" not in path.relative_to(root).parts]
    return sorted((path.relative_to(project_root).as_posix(), path) for path in files)


def build_code(project_root: Path, cache_dir: Path) -> Path:
    """The archive's folder: the runtime's sources and their bytecode for the Lambda Python, and
    botocore's data cut to the calls the functions make (`infra/service_models.py`), built once per
    content of the sources, botocore version and recipe."""
    files = runtime_files(project_root)
    models = f"{service_models.botocore_version()}\n{sorted(CLIENT_OPERATIONS.items())}\n"
    digest = hashlib.sha256(f"{_CODE_RECIPE}\n{LAMBDA_PYTHON_VERSION}\n{models}".encode())
    for name, path in files:
        digest.update(f"{name}\n".encode())
        digest.update(path.read_bytes())
    key = digest.hexdigest()[:16]
    code_dir = cache_dir / key
    done_marker = cache_dir / f"{key}.done"
    if done_marker.exists() and code_dir.is_dir():
        return code_dir

    python = find_lambda_python()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".building-") as work:
        staging = Path(work) / "code"
        for name, path in files:
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        _run(
            [
                *(python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"),
                *("-s", str(staging), "-p", TASK_ROOT, str(staging)),
            ],
            "byte-compile the function code",
        )
        service_models.write_models(staging / SERVICE_MODELS_FOLDER, CLIENT_OPERATIONS)
        shutil.rmtree(code_dir, ignore_errors=True)
        staging.rename(code_dir)
    done_marker.write_text("\n".join(name for name, _ in files), encoding="utf-8")
    return code_dir


def code_files(code_dir: Path, handler: str | None = None) -> list[tuple[str, Path]]:
    """(archive path, file) of a built code folder, sorted: every file, or for `handler`
    (`runtime.handlers.chat.handle`) the modules it can import, their bytecode, and botocore's data
    for the services its function calls (their models, and `endpoints.json`)."""
    files = [(path.relative_to(code_dir).as_posix(), path) for path in code_dir.rglob("*") if path.is_file()]
    if handler is not None:
        modules = imported_modules(code_dir, handler.rpartition(".")[0])
        services = services_of(handler)
        models = tuple(f"{SERVICE_MODELS_FOLDER}/{service}/" for service in services)
        shared = {f"{SERVICE_MODELS_FOLDER}/{service_models.ENDPOINTS}"} if services else set()
        files = [
            (name, path)
            for name, path in files
            if _source_of(name) in modules or name.startswith(models) or name in shared
        ]
    return sorted(files)


def services_of(handler: str) -> set[str]:
    """The botocore services whose clients the functions with this handler create."""
    return {client for spec in FUNCTIONS.values() if spec.handler == handler for client in spec.clients}


def code_archive(code_dir: Path, handler: str) -> pulumi.AssetArchive:
    return pulumi.AssetArchive(
        {name: pulumi.FileAsset(str(path)) for name, path in code_files(code_dir, handler)}
    )


def imported_modules(root: Path, module: str, package: str = "runtime") -> set[str]:
    """The files (`runtime/x/y.py`) of `module` and of every module of `package` it imports, at any
    depth and wherever the import statement stands (a lazy import inside a function counts), with
    the packages' `__init__.py` on the way. Read from the sources, so nothing is imported here."""
    found: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        file = _module_file(root, name)
        if file is None or file in found:
            continue
        found.add(file)
        parts = name.split(".")
        pending += [".".join(parts[:depth]) for depth in range(1, len(parts))]
        pending += [name for name in _imports_of(root / file) if _in(package, name)]
    return found


# Import statements as the formatter writes them, at any indentation (a lazy import counts).
# Read as text, not with `ast`: CPython 3.11's parser fails when another thread parses at the same
# time ("AST constructor recursion depth mismatch"), which traceback formatting does, and the Pulumi
# program runs beside such threads. Reading more than the real imports only adds a module.
_IMPORT = re.compile(
    r"^[ \t]*import[ \t]+([\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*)", re.M
)
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)", re.M)


@functools.cache
def _imports_of(path: Path) -> tuple[str, ...]:
    """Every module name an import statement of `path` may load: `a.b` for `import a.b`, and `a.b`
    with `a.b.c` for `from a.b import c` (c may be a module). Relative imports are not used here."""
    text = path.read_text(encoding="utf-8")
    names: list[str] = []
    for found in _IMPORT.finditer(text):
        names += [part.split()[0] for part in found.group(1).split(",")]
    for found in _FROM_IMPORT.finditer(text):
        module = found.group(1)
        imported = found.group(2).split("#", 1)[0] if "(" not in found.group(2) else found.group(2)
        listed = re.sub(r"#[^\n]*", "", imported).strip("() \n").split(",")
        members = [part.split()[0] for part in listed if part.strip()]
        names += [module, *(f"{module}.{member}" for member in members if member)]
    return tuple(names)


def _in(package: str, module: str | None) -> bool:
    return module is not None and module.split(".")[0] == package


def _module_file(root: Path, name: str) -> str | None:
    path = Path(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if (root / candidate).is_file():
            return candidate.as_posix()
    return None


def _source_of(name: str) -> str:
    """The source an archive file belongs to: itself, or the module its bytecode was compiled from."""
    if "/__pycache__/" not in name:
        return name
    folder, _, file = name.partition("/__pycache__/")
    return f"{folder}/{file.removesuffix(BYTECODE_SUFFIX)}.py"


# --- the dependency layer ----------------------------------------------------------------------


def locked_requirements(lock_file: Path, packages: Iterable[str] = LAYER_PACKAGES) -> tuple[Requirement, ...]:
    """`packages` and everything they need on Lambda, pinned and hashed as uv.lock has them."""
    locked = tomllib.loads(lock_file.read_text(encoding="utf-8"))["package"]
    by_name: dict[str, list[dict]] = {}
    for entry in locked:
        by_name.setdefault(entry["name"], []).append(entry)

    needed: dict[str, Requirement] = {}
    pending = [_normalize(name) for name in packages]
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        entries = by_name.get(name, [])
        if len(entries) != 1:
            found = "is not" if not entries else "has several versions"
            raise LayerBuildError(f"{name} {found} in {lock_file}; the layer needs exactly one")
        entry = entries[0]
        wheels = tuple(sorted(wheel["hash"] for wheel in entry.get("wheels", ())))
        if not wheels:
            raise LayerBuildError(f"{name} {entry['version']} has no wheel; Lambda needs a built package")
        needed[name] = Requirement(name=name, version=entry["version"], wheel_hashes=wheels)
        pending += [dependency["name"] for dependency in _lambda_dependencies(entry)]
    return tuple(sorted(needed.values(), key=lambda r: r.name))


def requirements_text(requirements: Iterable[Requirement]) -> str:
    return "".join(f"{requirement.line()}\n" for requirement in requirements)


def build_layer(requirements: tuple[Requirement, ...], cache_dir: Path) -> Path:
    """The layer's folder (its `python/` inside), built once per requirement set and recipe."""
    text = requirements_text(requirements)
    key = hashlib.sha256(
        f"{_RECIPE}\n{LAMBDA_PLATFORM}\n{LAMBDA_PYTHON_VERSION}\n{text}".encode()
    ).hexdigest()
    layer_dir = cache_dir / key[:16]
    done_marker = cache_dir / f"{key[:16]}.done"
    if done_marker.exists() and layer_dir.is_dir():
        return layer_dir

    python = find_lambda_python()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".building-") as work:
        staging = Path(work) / "layer"
        site_packages = staging / "python"
        requirements_file = Path(work) / "requirements.txt"
        requirements_file.write_text(text, encoding="utf-8")
        _run(
            [
                *(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"),
                *("--no-deps", "--require-hashes", "--only-binary=:all:", "--no-compile"),
                *("--platform", LAMBDA_PLATFORM, "--implementation", "cp"),
                *("--python-version", LAMBDA_PYTHON_VERSION, "--target", str(site_packages)),
                *("-r", str(requirements_file)),
            ],
            "install the layer's packages",
        )
        # unchecked-hash: the .pyc files never look at source timestamps, which zipping does not keep.
        _run(
            [
                *(python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"),
                *("-s", str(site_packages), "-p", LAYER_MOUNT, str(site_packages)),
            ],
            "byte-compile the layer",
        )
        shutil.rmtree(layer_dir, ignore_errors=True)
        staging.rename(layer_dir)
    done_marker.write_text(text, encoding="utf-8")
    return layer_dir


def find_lambda_python() -> str:
    """An interpreter of Lambda's Python version: $LAMBDA_PYTHON, a pyenv install, or python3.12 on PATH."""
    tried = []
    for candidate in _python_candidates():
        tried.append(candidate)
        if _version_of(candidate) == LAMBDA_PYTHON_VERSION:
            return candidate
    raise LayerBuildError(
        f"no Python {LAMBDA_PYTHON_VERSION} to build the Lambda layer (tried: {', '.join(tried) or 'none'}); "
        "install it or set LAMBDA_PYTHON to its path"
    )


def _python_candidates() -> Iterator[str]:
    if explicit := os.environ.get("LAMBDA_PYTHON"):
        yield explicit
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    executable = f"python{LAMBDA_PYTHON_VERSION}"
    installs = sorted(pyenv_root.glob(f"versions/{LAMBDA_PYTHON_VERSION}.*/bin/{executable}"), reverse=True)
    yield from (str(path) for path in installs)
    if on_path := shutil.which(executable):
        yield on_path


def _version_of(python: str) -> str | None:
    try:
        found = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip()


def _run(command: list[str], purpose: str) -> None:
    try:
        subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    except subprocess.CalledProcessError as failed:
        raise LayerBuildError(f"could not {purpose}:\n{failed.stderr or failed.stdout}") from failed
    except (OSError, subprocess.TimeoutExpired) as failed:
        raise LayerBuildError(f"could not {purpose}: {failed}") from failed


def _lambda_dependencies(entry: dict) -> list[dict]:
    """The entry's dependencies that apply on Lambda's Python and platform."""
    if any("extra" in dependency for dependency in entry.get("dependencies", ())):
        raise LayerBuildError(f"{entry['name']} needs a package extra; teach locked_requirements extras")
    return [
        dependency
        for dependency in entry.get("dependencies", ())
        if "marker" not in dependency or Marker(dependency["marker"]).evaluate(_LAMBDA_MARKER_ENVIRONMENT)
    ]


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
