"""botocore's data cut down to the calls the functions make, for their archives.

botocore describes each service in one JSON model (`service-2`), every operation with its shapes
and documentation: DynamoDB's is 360 KB, End User Messaging SMS's 400 KB, and a client reads its
whole model when it is created, at every cold start. A model that keeps only the operations the
functions call (`runtime.deployment.CLIENT_OPERATIONS`), the shapes those reach and no documentation
is a few KB.

The first client of a process also reads `endpoints.json`, every service in every partition
(1.2 MB, 15-40 ms): the folder's copy keeps every partition and region and only the services the
functions call, so every endpoint of these services resolves as it does from the whole file.

The function's session reads this folder first (`runtime.adapters.packaged_aws_data`); anything it
lacks (each service's endpoint rules, which the rules engine of Lambda's botocore must read in its
own version) still comes from the botocore Lambda provides. Everything here is read from the
botocore this project locks, as files: nothing here imports it.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from runtime.contract import SERVICE_MODEL as MODEL

ENDPOINTS = "endpoints.json"


def botocore_data() -> Path:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed: its service models are needed to build the archive")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def botocore_version() -> str:
    return importlib.metadata.version("botocore")


def latest_api_version(service: str, data: Path) -> str:
    """The newest API version botocore has a model of, as its loader picks it."""
    versions = sorted(
        folder.name
        for folder in (data / service).iterdir()
        if any((folder / f"{MODEL}{suffix}").is_file() for suffix in (".json", ".json.gz"))
    )
    if not versions:
        raise RuntimeError(f"botocore has no model of {service}")
    return versions[-1]


def read_model(folder: Path) -> dict[str, Any]:
    return json.loads(_read_bytes(_data_file(folder, MODEL)))


def _data_file(folder: Path, name: str) -> Path:
    """botocore keeps a data file plain (`name.json`) or compressed (`name.json.gz`)."""
    plain = folder / f"{name}.json"
    return plain if plain.is_file() else folder / f"{name}.json.gz"


def _read_bytes(file: Path) -> bytes:
    return gzip.decompress(file.read_bytes()) if file.suffix == ".gz" else file.read_bytes()


def cut(model: Mapping[str, Any], operations: Iterable[str]) -> dict[str, Any]:
    """`model` with only `operations`, the shapes they reach (input, output, errors, at any depth)
    and no documentation. An operation the model lacks is an error: a client could not call it."""
    wanted = sorted(set(operations))
    missing = [name for name in wanted if name not in model["operations"]]
    if missing:
        raise KeyError(f"{model['metadata'].get('serviceId')} has no operation {', '.join(missing)}")
    kept_operations = {name: _undocumented(model["operations"][name]) for name in wanted}
    pending = [
        reference["shape"]
        for operation in kept_operations.values()
        for reference in (operation.get("input"), operation.get("output"), *operation.get("errors", ()))
        if reference
    ]
    shapes: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in shapes:
            continue
        shape = model["shapes"][name]
        shapes[name] = _undocumented(shape)
        pending += [member["shape"] for member in shape.get("members", {}).values()]
        pending += [shape[part]["shape"] for part in ("member", "key", "value") if part in shape]
    return {
        **{
            key: value for key, value in model.items() if key not in ("operations", "shapes", "documentation")
        },
        "operations": kept_operations,
        "shapes": dict(sorted(shapes.items())),
    }


def _undocumented(definition: Mapping[str, Any]) -> dict[str, Any]:
    """An operation or shape without its documentation (and its members' documentation)."""
    kept = {
        key: value for key, value in definition.items() if key not in ("documentation", "documentationUrl")
    }
    if "members" in kept:
        kept["members"] = {
            name: {key: value for key, value in member.items() if key != "documentation"}
            for name, member in kept["members"].items()
        }
    return kept


def cut_endpoints(endpoints: Mapping[str, Any], endpoint_prefixes: Iterable[str]) -> dict[str, Any]:
    """`endpoints.json` with every partition, its regions and defaults, and only these services
    (named by their models' `endpointPrefix`, as botocore looks them up)."""
    kept = set(endpoint_prefixes)
    return {
        **endpoints,
        "partitions": [
            {
                **partition,
                "services": {
                    name: service for name, service in partition["services"].items() if name in kept
                },
            }
            for partition in endpoints["partitions"]
        ],
    }


def write_models(
    target: Path, operations: Mapping[str, Iterable[str]], data: Path | None = None
) -> list[Path]:
    """botocore's data for these services under `target`, laid out as botocore's data folder is:
    `<service>/<api version>/service-2.json` cut to `operations`, and `endpoints.json` cut to these
    services. Returns the files written."""
    data = data or botocore_data()
    written, prefixes = [], []
    for service, names in sorted(operations.items()):
        version = latest_api_version(service, data)
        model = cut(read_model(data / service / version), names)
        prefixes.append(model["metadata"]["endpointPrefix"])
        file = target / service / version / f"{MODEL}.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(model, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        written.append(file)
    endpoints = json.loads((data / ENDPOINTS).read_text(encoding="utf-8"))
    file = target / ENDPOINTS
    file.write_text(
        json.dumps(cut_endpoints(endpoints, prefixes), separators=(",", ":"), sort_keys=True),
        encoding="utf-8",
    )
    return [*written, file]
