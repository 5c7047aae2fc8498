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
