"""One cold start, run as a fresh process by bench.cold_start: import a handler and serve one event,
or (the floor) import boto3, create one client and make one call.

    python -m bench.cold_start_probe handler <module.function> <event.json> <result.json>
    python -m bench.cold_start_probe floor <request.json> <result.json>

Writes {"end": wall-clock seconds when the call returned, "importMs", "callMs"} to result.json. The
parent times from spawning the process to `end`, so interpreter start-up counts, as it does in Lambda.
"""

import time

_STARTED = time.perf_counter()

import importlib  # noqa: E402 - the clock starts before anything else is imported
import json  # noqa: E402
import sys  # noqa: E402

# What Lambda's Python can import: the standard library, the boto3 the runtime provides, the layer
# (runtime.contract's layer packages, with what they need) and the function's code. The project's
# virtualenv also holds development packages (rich, which structlog imports when it can); they are
# hidden, so a handler imports here what it would import in Lambda.
_LAMBDA_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
_LAYER = {"attr", "attrs", "cattr", "cattrs", "structlog", "typing_extensions"}
_CODE = {"runtime", "bench", "__main__"}


class OnlyWhatLambdaHas:
    """A meta path finder that refuses any top-level module Lambda would not have."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or top in _LAMBDA_PROVIDED | _LAYER | _CODE or top.startswith("_"):
            return None
        raise ModuleNotFoundError(f"{top} is not on Lambda", name=name)


def handler(path: str, event_file: str) -> tuple[float, float]:
    with open(event_file, encoding="utf-8") as source:
        event = json.load(source)
    module, _, attribute = path.rpartition(".")
    function = getattr(importlib.import_module(module), attribute)
    imported = time.perf_counter()
    result = function(event, None)
    status = result.get("statusCode", 200) if isinstance(result, dict) else 200
    if status >= 400:
        raise RuntimeError(f"{path} answered {status}: {result.get('body')}")
    return imported, time.perf_counter()


def floor(request_file: str) -> tuple[float, float]:
    with open(request_file, encoding="utf-8") as source:
        request = json.load(source)
    import boto3  # noqa: PLC0415 - importing it is what the floor measures

    imported = time.perf_counter()
    boto3.client("dynamodb").get_item(**request)
    return imported, time.perf_counter()


def main(argv: list[str]) -> int:
    sys.meta_path.insert(0, OnlyWhatLambdaHas())
    mode, *arguments, result_file = argv
    imported, called = handler(*arguments) if mode == "handler" else floor(*arguments)
    end = time.time()
    with open(result_file, "w", encoding="utf-8") as result:
        json.dump(
            {
                "end": end,
                "importMs": (imported - _STARTED) * 1000,
                "callMs": (called - imported) * 1000,
            },
            result,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
