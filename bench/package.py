"""The function archive and the layer exactly as the Pulumi program builds them, zipped for upload."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

from bench.figures import Figure, Section
from infra.lambda_package import LAMBDA_PYTHON_VERSION, LambdaPackage, code_files
from runtime.contract import SERVICE_MODELS_FOLDER
from runtime.deployment import FUNCTIONS

KIB, MIB = 1024, 1024 * 1024
# Bytecode beside the sources: a few tens of milliseconds off every cold start, worth the kilobytes.
ARCHIVE_BUDGET = 250 * KIB
LAYER_BUDGET = 1 * MIB


def zipped_size(files: Iterable[tuple[str, Path]]) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in files:
            archive.write(path, name)
    return len(buffer.getvalue())


def measure(root: Path) -> Section:
    package = LambdaPackage.build(root)
    code = code_files(package.code_dir)
    archives = {
        function: zipped_size(code_files(package.code_dir, spec.handler))
        for function, spec in FUNCTIONS.items()
    }
    largest = max(archives, key=lambda function: archives[function])
    layer_dir = Path(package.layer.path)
    layer = sorted((p.relative_to(layer_dir).as_posix(), p) for p in layer_dir.rglob("*") if p.is_file())
    tag = f"cpython-{LAMBDA_PYTHON_VERSION.replace('.', '')}"
    modules = [name for name, _ in layer if name.endswith(".py")]
    compiled = [name for name, _ in layer if name.endswith(f".{tag}.pyc")]
    code_sources = [(name, path) for name, path in code if name.endswith(".py")]
    code_compiled = [name for name, _ in code if name.endswith(f".{tag}.pyc")]
    code_bytes = sum(path.stat().st_size for name, path in code if name.startswith("runtime/"))
    models = [(name, path) for name, path in code if name.startswith(f"{SERVICE_MODELS_FOLDER}/")]
    model_bytes = sum(path.stat().st_size for _, path in models)
    started = time.perf_counter()
    for _, path in code_sources:
        compile(path.read_bytes(), str(path), "exec")
    compile_ms = (time.perf_counter() - started) * 1000
    figures = (
        Figure(
            "package.archive",
            f"largest function archive, zipped ({largest})",
            archives[largest],
            "bytes",
            ARCHIVE_BUDGET,
        ),
        Figure(
            "package.archive.compiled",
            f"archive modules with {tag} bytecode",
            len(code_compiled),
            "count",
            len(code_sources),
            at_least=True,
        ),
        Figure("package.layer.zipped", "layer, zipped", zipped_size(layer), "bytes", LAYER_BUDGET),
        Figure(
            "package.layer.unzipped",
            "layer, unzipped",
            sum(path.stat().st_size for _, path in layer),
            "bytes",
        ),
        Figure(
            "package.layer.compiled",
            f"layer modules with {tag} bytecode",
            len(compiled),
            "count",
            len(modules),
            at_least=True,
        ),
    )
    details = (
        "Built by `infra.lambda_package.LambdaPackage.build`, as `pulumi up` builds them: each "
        "function's archive holds the `runtime/` modules its handler imports (read from the sources, "
        f"lazy imports included) and their bytecode; all {len(code_sources)} modules come to "
        f"{code_bytes:,} bytes unzipped. Beside them, botocore's data for the AWS services the "
        "function calls: their models cut to the operations the functions call, and `endpoints.json` "
        f"cut to these services (`infra/service_models.py`; all {len(models)} files come to "
        f"{model_bytes:,} bytes). Zipped, per function: "
        + ", ".join(f"{function} {size / KIB:.0f} KiB" for function, size in sorted(archives.items()))
        + ". The layer is `build/layer/<hash>/` "
        f"({package.layer_description}). Both zipped here with deflate, as Pulumi uploads them. "
        "The layer budget is read as the zipped size, what Lambda stores and limits; the unzipped "
        "size is shown beside it, and is over 1 MiB because the bytecode nearly doubles the sources "
        "(it would fit only by shipping bytecode without sources, or by pruning the packages).",
        "",
        f"The layer has {len(compiled)} `.{tag}.pyc` files for its {len(modules)} modules (compiled by "
        "the Lambda Python, unchecked-hash). So has the archive: without it, Lambda would compile the "
        f"modules a handler imports at each cold start (all {len(code_sources)} compile in "
        f"{compile_ms:.0f} ms on this machine), since its file system is read-only and keeps nothing.",
    )
    return Section("Package", figures, details)
