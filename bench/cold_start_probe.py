"""One cold start, run as a fresh process by bench.cold_start: import a handler and serve one event,
or (the floor) import boto3, create one client and make one call.

    python -m bench.cold_start_probe handler <module.function> <event.json> <result.json> [<package>...]
    python -m bench.cold_start_probe floor <request.json> <result.json>

A handler gets the event and a Lambda context, as the Lambda runtime calls it; the packages after
the result file are the handler's own layer (the Powertools peer's), importable besides ours.
Writes {"end": wall-clock seconds when the call returned, "importMs", "callMs"} to result.json. The
parent times from spawning the process to `end`, so interpreter start-up counts, as it does in Lambda.
With BENCH_PROFILE_FILE set, the handler's call runs under cProfile and its statistics go to that file
(a profiled run is slower: it shows where the time goes, not how much there is).
"""

import time

_STARTED = time.perf_counter()

import importlib  # noqa: E402 - the clock starts before anything else is imported
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

# What Lambda's Python can import: the standard library, the boto3 the runtime provides, the layer
# (runtime.contract's layer packages, with what they need) and the function's code. The project's
# virtualenv also holds development packages (rich, which structlog imports when it can); they are
# hidden, so a handler imports here what it would import in Lambda.
_LAMBDA_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
_LAYER = {"attr", "attrs", "cattr", "cattrs", "structlog", "typing_extensions"}
_CODE = {"runtime", "bench", "__main__"}
PROFILE_FILE_VARIABLE = "BENCH_PROFILE_FILE"


class OnlyWhatLambdaHas:
    """A meta path finder that refuses any top-level module Lambda would not have. `layer`: packages
    of a function's own layer (the peer's Powertools), which no other function may import."""

    def __init__(self, layer: list[str] | tuple[str, ...] = ()) -> None:
        self.allowed = _LAMBDA_PROVIDED | _LAYER | _CODE | frozenset(layer)

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or top in self.allowed or top.startswith("_"):
            return None
        raise ModuleNotFoundError(f"{top} is not on Lambda", name=name)


class LambdaContext:
    """What the Lambda runtime hands a handler beside the event (the attributes Powertools reads)."""

    def __init__(self, function_name: str, *, memory_mb: int = 128, timeout_s: float = 30.0) -> None:
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = f"{time.time_ns():032x}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def handler(path: str, event_file: str) -> tuple[float, float]:
    with open(event_file, encoding="utf-8") as source:
        event = json.load(source)
    module, _, attribute = path.rpartition(".")
    function = getattr(importlib.import_module(module), attribute)
    imported = time.perf_counter()
    context = LambdaContext(os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or module)
    profile_file = os.environ.get(PROFILE_FILE_VARIABLE)
    if profile_file:
        import cProfile  # noqa: PLC0415 - only a profiled run pays for it

        profiler = cProfile.Profile()
        result = profiler.runcall(function, event, context)
        profiler.dump_stats(profile_file)
    else:
        result = function(event, context)
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
    mode, *arguments = argv
    if mode == "handler":
        path, event_file, result_file, *layer = arguments
        sys.meta_path.insert(0, OnlyWhatLambdaHas(layer))
        imported, called = handler(path, event_file)
    else:
        request_file, result_file = arguments
        sys.meta_path.insert(0, OnlyWhatLambdaHas())
        imported, called = floor(request_file)
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
