"""Cold starts: each handler in a fresh process, importing it and serving one realistic event against
the local stack, beside the floor (a fresh process that imports boto3, creates one client and makes
one call). Runs alternate handler and floor so both meet the same machine load.

Events are real: API Gateway events from tests/events with a live request id or link token, and the
workflow's own inputs, captured from the local stack's Step Functions and async invokes by swapping
the target function for a recorder. Once captured, the recorders stay in place, so the parent process
stays quiet while the probes run (an orchestrator probe's workflow stops at the recorded SMS task).
"""

from __future__ import annotations

import json
import os
import pstats
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from bench import peer
from bench.cold_start_probe import PROFILE_FILE_VARIABLE
from bench.figures import Figure, Section
from bench.lex_runtime import lex_runtime
from bench.stack import local_stack
from bench.stats import median, ratio
from bot import BOT_FILE
from bot.classifier import LocalIntentClassifier
from infra.lambda_package import build_code
from local.api_events import recorded_api_event
from local.client import ProductClient, token_of
from local.stack import LocalStack
from runtime.adapters.dynamo_keys import reservation_key
from runtime.contract import ORIGIN_HEADER, Env, Function
from runtime.deployment import FUNCTIONS, limits_environment
from runtime.domain.limits import NO_LIMITS, Limits

ROOT = Path(__file__).resolve().parents[1]

PYCACHE = ROOT / "build" / "bench" / "pycache"
RUNS = 15
# importtime runs per probe: each module's least own time over them (see Spawner.import_profile).
IMPORT_PROFILE_RUNS = 3
BUDGET = 1.3
CUSTOMER = {"reservationNumber": "HTL-100101", "customerPhone": "010-0000-1001"}
SAMPLES = ROOT / "infra" / "sample_reservations.json"
QUESTION = "체크인 날짜를 하루 미루고 싶어요"


@attrs.frozen
class Probe:
    key: str
    label: str
    handler: str  # module.function, as Lambda's handler setting names it
    function: str  # the function's name in the contract (ours) or the peer's
    layer: tuple[str, ...] = ()  # the function's own layer, besides the product's
    asks_lex: bool = False  # classifies with Lex in AWS (here: bench.lex_runtime)

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]


def _ours(key: str, label: str, function: Function, *, asks_lex: bool = False) -> Probe:
    return Probe(key, label, FUNCTIONS[function].handler, str(function), asks_lex=asks_lex)


PROBES = (
    _ours("chat", "chat (POST /api/chat)", Function.CHAT, asks_lex=True),
    _ours("orchestrator", "orchestrator", Function.ORCHESTRATOR),
    _ours("sms-sender", "sms-sender", Function.SMS_SENDER),
    _ours("confirm-get", "partner-page (GET /api/confirm)", Function.PARTNER_PAGE),
    _ours("respond-post", "partner-page (POST /api/respond)", Function.PARTNER_PAGE),
    _ours("notification", "notification", Function.NOTIFICATION),
    _ours("timeout", "timeout", Function.TIMEOUT),
    _ours("failure", "failure", Function.FAILURE),
    _ours("request-status", "request-status (GET /api/requests)", Function.REQUEST_STATUS),
)
# Our chat's job written with AWS Lambda Powertools (bench/peer/): measured in the same runs, against
# the same floor, held to no budget of ours.
PEER = Probe(
    "chat-peer",
    "Powertools peer of chat (bench/peer)",
    peer.HANDLER,
    peer.FUNCTION_NAME,
    tuple(sorted(peer.LAYER)),
    asks_lex=True,
)
MEASURED = (*PROBES, PEER)


def as_on_lambda(statement: str, layer: tuple[str, ...] = ()) -> str:
    """`statement` run where only the modules Lambda has can be imported, as the probes run."""
    return (
        "import sys, bench.cold_start_probe as probe; "
        f"sys.meta_path.insert(0, probe.OnlyWhatLambdaHas({layer!r})); {statement}"
    )


@attrs.frozen
class Timing:
    wall_ms: float
    import_ms: float
    call_ms: float


# --- events ------------------------------------------------------------------------------------


def api_event(name: str, *, origin_secret: str | None = None, **changes: Any) -> dict[str, Any]:
    """A recorded API Gateway event (tests/events) with this run's body, headers and path."""
    return recorded_api_event(name, origin_secret=origin_secret, **changes)


class EventMaker:
    """Requests in the state each probe needs, made through the product's own HTTP API and workflow."""

    def __init__(self, stack: LocalStack) -> None:
        assert stack.deployment is not None
        self.stack = stack
        self.names = stack.deployment.function_names
        self.client = ProductClient(stack.url)

    def texted(self) -> tuple[str, str]:
        """A request whose partner has been texted: (request id, link token)."""
        sent_before = len(self.client.outbox())
        request_id = self.submit()
        return request_id, token_of(self.client.wait_for_sms(after=sent_before)["link"])

    def submit(self) -> str:
        reply = self.client.submit(**_customer(), message=QUESTION)
        if reply.status != 201:
            raise RuntimeError(f"submit answered {reply.status}: {reply.body}")
        return reply.body["requestId"]

    @contextmanager
    def capturing(self, function: Function, answer: Callable[[dict], Any]) -> Iterator[list[dict]]:
        """Replace `function` with a recorder of its events (left in place afterwards, see above)."""
        events: list[dict] = []
        lock = threading.Lock()

        def recorder(event: dict, _context: Any) -> Any:
            with lock:
                events.append(event)
            return answer(event)

        self.stack.aws.dispatcher.register(self.names[function], recorder)
        yield events

    def wait_for(self, events: list[dict], count: int, timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(events) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(events)} of {count} events arrived")
            time.sleep(0.05)
        return events[:count]


def _customer() -> dict[str, str]:
    return {"reservation_number": CUSTOMER["reservationNumber"], "phone": CUSTOMER["customerPhone"]}


def make_events(stack: LocalStack, count: int) -> dict[str, list[dict[str, Any]]]:
    """`count` events per probe, each for its own request (a cold start serves a first event)."""
    maker = EventMaker(stack)
    texted = [maker.texted() for _ in range(4 * count)]
    opened, answered, timed_out, failed = (texted[i * count : (i + 1) * count] for i in range(4))
    customers = _sample_customers()
    events: dict[str, list[dict[str, Any]]] = {
        # The probes count the product's limits: each submit is for another reservation, so none
        # meets the open-requests limit of one reservation.
        "chat": [_chat_event(customers[run % len(customers)]) for run in range(count)],
        "chat-peer": [_chat_event(customers[run % len(customers)]) for run in range(count)],
        "confirm-get": [api_event("confirm_get", path_parameters={"token": t}) for _, t in opened],
        "respond-post": [
            api_event("respond_post", body={"token": t, "response": "accept"}) for _, t in answered
        ],
        "timeout": [{"requestId": r, "error": _error("States.Timeout")} for r, _ in timed_out],
        "failure": [{"requestId": r, "error": _error("DependencyUnavailable")} for r, _ in failed],
        "request-status": [
            api_event("request_status_get", path_parameters={"requestId": timed_out[0][0]})
            for _ in range(count)
        ],
    }
    with maker.capturing(
        Function.NOTIFICATION, lambda e: {"requestId": e["requestId"], "notified": True}
    ) as got:
        for _ in range(count):
            _, token = maker.texted()
            maker.client.answer(token, "accept")
        events["notification"] = maker.wait_for(got, count)
    with maker.capturing(Function.SMS_SENDER, lambda e: {"requestId": e["requestId"]}) as got:
        for _ in range(count):
            maker.submit()
        events["sms-sender"] = maker.wait_for(got, count)
    # The orchestrator reads the table's stream, whose batches may hold several new requests: one
    # submit at a time, so each probe serves a batch of one, as a quiet stack's first request brings.
    with maker.capturing(Function.ORCHESTRATOR, lambda e: None) as got:
        for submitted in range(count):
            maker.submit()
            maker.wait_for(got, submitted + 1)
        events["orchestrator"] = got[:count]
    assert stack.deployment is not None
    origin = stack.deployment.environment[Env.ORIGIN_SECRET]
    for event in (e for probe_events in events.values() for e in probe_events if "requestContext" in e):
        event["headers"][ORIGIN_HEADER.lower()] = origin  # as CloudFront forwards every API request
    return events


def _sample_customers() -> list[dict[str, str]]:
    samples = json.loads(SAMPLES.read_text(encoding="utf-8"))
    return [{key: sample[key] for key in ("reservationNumber", "customerPhone")} for sample in samples]


def _chat_event(customer: Mapping[str, str]) -> dict[str, Any]:
    return api_event(
        "chat_post", body={**customer, "message": QUESTION}, headers={"idempotency-key": str(uuid.uuid4())}
    )


def _error(name: str) -> dict[str, str]:
    """What a Catch puts at $.error."""
    return {"Error": name, "Cause": f"{name} (bench)"}


# --- fresh processes ---------------------------------------------------------------------------


class Spawner:
    def __init__(self, stack: LocalStack, work: Path, lex_environment: Mapping[str, str]) -> None:
        assert stack.deployment is not None
        self.work = work
        self.lex_environment = dict(lex_environment)
        # The stack runs without limits, so the bench can make its many requests; each probe runs with
        # the product's, as a deployed function does.
        environment = {
            **os.environ,
            **stack.deployment.environment,
            **limits_environment(Limits()),
            "LOG_LEVEL": "INFO",
        }
        # Lambda loads boto3 and the layer from bytecode; here the bytecode goes to build/, not the tree.
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        environment["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        self.environment = environment
        # Lambda names the folder it unpacked the archive in; our functions read their service
        # models from there (the archive as `pulumi up` builds it).
        self.task_root = str(build_code(ROOT, ROOT / "build" / "code"))
        table = stack.deployment.table_name
        self.floor_request = self._write(
            "floor",
            {"TableName": table, "Key": {k: {"S": v} for k, v in reservation_key("HTL-100101").items()}},
        )

    def handler(
        self, probe: Probe, function_name: str, event: dict[str, Any], extra: Mapping[str, str] | None = None
    ) -> Timing:
        """`function_name`: as Lambda names the process's function (AWS_LAMBDA_FUNCTION_NAME)."""
        event_file = str(self._write("event", event))
        environment = {
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "LAMBDA_TASK_ROOT": self.task_root,
            **(extra or {}),
        }
        if probe.asks_lex:
            environment |= self.lex_environment
        return self._run(["handler", probe.handler, event_file], probe.layer, environment)

    def floor(self) -> Timing:
        return self._run(["floor", str(self.floor_request)])

    def serve_profile(self, probe: Probe, function_name: str, event: dict[str, Any]) -> dict[str, float]:
        """One more cold start of `probe`, its first event served under cProfile: the share of that
        call's time spent in each place (see `where_time_goes`)."""
        profile_file = self.work / f"profile-{uuid.uuid4().hex}.pstats"
        self.handler(probe, function_name, event, {PROFILE_FILE_VARIABLE: str(profile_file)})
        return where_time_goes(pstats.Stats(str(profile_file)))

    def import_profile(self, statement: str, runs: int = IMPORT_PROFILE_RUNS) -> dict[str, float]:
        """Milliseconds spent importing each package (its own modules only), from -X importtime: each
        module's least own time over `runs` processes (a module is never faster than its own work)."""
        outputs = []
        for _ in range(runs):
            ran = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", statement],
                env=self.environment,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            outputs.append(ran.stderr)
        return import_profile(*outputs)

    def _run(
        self, arguments: list[str], layer: tuple[str, ...] = (), environment: dict[str, str] | None = None
    ) -> Timing:
        result_file = self.work / f"{uuid.uuid4().hex}.json"
        started = time.time()
        ran = subprocess.run(
            [sys.executable, "-m", "bench.cold_start_probe", *arguments, str(result_file), *layer],
            env={**self.environment, **(environment or {})},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if ran.returncode != 0:
            raise RuntimeError(f"cold start probe {arguments[:2]} failed:\n{ran.stderr}")
        result = json.loads(result_file.read_text(encoding="utf-8"))
        return Timing((result["end"] - started) * 1000, result["importMs"], result["callMs"])

    def _write(self, prefix: str, document: dict[str, Any]) -> Path:
        path = self.work / f"{prefix}-{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(document, ensure_ascii=False, default=_as_lambda_sends), encoding="utf-8")
        return path


def _as_lambda_sends(value: object) -> object:
    """A stream record read through boto3 carries datetimes (ApproximateCreationDateTime); the event
    Lambda sends has epoch seconds there."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON")


def import_profile(*importtime_outputs: str) -> dict[str, float]:
    """`-X importtime` lines of one or more runs -> milliseconds of own import time per package
    (runtime and bench by sub-package), each module counted at its least own time over the runs."""
    least: dict[str, int] = {}
    for output in importtime_outputs:
        for line in output.splitlines():
            if not line.startswith("import time:") or "[us]" in line:
                continue
            own, _cumulative, name = line.removeprefix("import time:").split("|")
            module = name.strip()
            least[module] = min(int(own), least.get(module, int(own)))
    spent: dict[str, float] = {}
    for module, own_us in least.items():
        parts = module.split(".")
        package = ".".join(parts[:2]) if parts[0] in ("runtime", "bench") else parts[0]
        spent[package] = spent.get(package, 0.0) + own_us / 1000
    return spent


def extra_imports(
    handler: dict[str, float], floor: dict[str, float], top: int = 4
) -> list[tuple[str, float]]:
    """What the handler imports beyond the floor, the costliest first."""
    extra = {name: ms - floor.get(name, 0.0) for name, ms in handler.items()}
    return sorted(((n, ms) for n, ms in extra.items() if ms >= 1.0), key=lambda item: -item[1])[:top]


_STDLIB = Path(sysconfig.get_paths()["stdlib"])
_NETWORK = ("recv", "send", "connect", "select", "poll", "getaddrinfo")


def where_time_goes(stats: pstats.Stats, top: int = 4) -> dict[str, float]:
    """A profile -> share of the profiled call's own time per place, the largest `top`: a package
    (botocore, cattrs, structlog...), `runtime` (ours), `imports` (modules imported on first use),
    `compile` (code that attrs and cattrs generate), `network` (waiting on the AWS endpoint) or
    `other built-ins` (json, zlib, hashing...)."""
    spent: dict[str, float] = {}
    # pstats.Stats keeps its table in `stats`, which typeshed does not declare.
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        own_seconds = row[2]
        place = _place(filename, name)
        spent[place] = spent.get(place, 0.0) + own_seconds
    total = sum(spent.values()) or 1.0
    shares = sorted(((place, seconds / total) for place, seconds in spent.items()), key=lambda item: -item[1])
    return dict(shares[:top])


def _built_in_place(name: str) -> str:
    if any(word in name for word in _NETWORK):
        return "network"
    if "compile" in name or "exec" in name:
        return "compile"
    return "other built-ins"


def _place(filename: str, name: str) -> str:
    if filename == "~":
        return _built_in_place(name)
    if filename.startswith("<frozen importlib") or "/importlib/" in filename:
        return "imports"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    path = Path(filename)
    for root in (ROOT, _STDLIB):
        if root in path.parents:
            return path.relative_to(root).parts[0].removesuffix(".py")
    return "other"


# --- the section -------------------------------------------------------------------------------


def measure(runs: int = RUNS) -> Section:
    with local_stack(limits=NO_LIMITS) as stack:
        assert stack.deployment is not None
        names = {probe.key: _function_name(probe, stack.deployment.function_names) for probe in MEASURED}
        events = make_events(stack, runs + 2)  # run 0 compiles, the last one is profiled
        with tempfile.TemporaryDirectory(prefix="cold-start-") as work, lex_runtime(BOT_FILE) as lex:
            spawner = Spawner(stack, Path(work), lex)
            # Each handler run beside a floor run, one right after the other: the pair meets the same
            # moment of the machine, whose speed varies 2-3x from one moment to the next.
            floors: dict[str, list[Timing]] = {probe.key: [] for probe in MEASURED}
            timings: dict[str, list[Timing]] = {probe.key: [] for probe in MEASURED}
            for run in range(runs + 1):  # run 0 fills the bytecode cache and is not counted
                for probe in MEASURED:
                    # Which of the two runs first alternates, so neither always follows the other.
                    if run % 2:
                        floor = spawner.floor()
                        timing = spawner.handler(probe, names[probe.key], events[probe.key][run])
                    else:
                        timing = spawner.handler(probe, names[probe.key], events[probe.key][run])
                        floor = spawner.floor()
                    if run:
                        floors[probe.key].append(floor)
                        timings[probe.key].append(timing)
            serve_profiles = {
                probe.key: spawner.serve_profile(probe, names[probe.key], events[probe.key][runs + 1])
                for probe in MEASURED
            }
            floor_profile = spawner.import_profile(as_on_lambda("import boto3"))
            profiles = {
                probe.key: spawner.import_profile(as_on_lambda(f"import {probe.module}", probe.layer))
                for probe in MEASURED
            }
    return section(floors, timings, floor_profile, profiles, runs, serve_profiles=serve_profiles)


def _function_name(probe: Probe, ours: Mapping[Function, str]) -> str:
    """The peer is named beside the product's functions, as if deployed with them."""
    if probe is PEER:
        return ours[Function.CHAT].removesuffix(str(Function.CHAT)) + probe.function
    return ours[Function(probe.function)]


def paired(floors: list[Timing], timings: list[Timing], of: Callable[[Timing], float]) -> tuple[float, float]:
    """(median ratio, median difference in ms) of each handler run to the floor run beside it."""
    pairs = list(zip(floors, timings, strict=True))
    return (
        median([ratio(of(timing), of(floor)) for floor, timing in pairs]),
        median([of(timing) - of(floor) for floor, timing in pairs]),
    )


def _wall(timing: Timing) -> float:
    return timing.wall_ms


def section(
    floors: Mapping[str, list[Timing]],
    timings: dict[str, list[Timing]],
    floor_profile: dict[str, float],
    profiles: dict[str, dict[str, float]],
    runs: int,
    *,
    serve_profiles: Mapping[str, Mapping[str, float]] | None = None,
) -> Section:
    every_floor = [timing for runs_of_probe in floors.values() for timing in runs_of_probe]
    floor_ms = median([t.wall_ms for t in every_floor])
    figures = [Figure("cold.floor", "cold start floor: boto3, 1 client, 1 call", floor_ms, "ms")]
    lines = [
        f"{runs} runs per handler, a fresh `python` process per run "
        f"({sys.implementation.name} {sys.version.split()[0]}, the project's virtualenv), timed from "
        "spawning the process to the return of the handler (or of the floor's call); interpreter "
        "start-up is in both. Every handler run has a floor run right before or after it (each in "
        "turn), and *÷ floor* is the median of each run's ratio to the floor run beside it: the "
        "machine's speed varies 2-3x from one moment to the next, and a pair meets the same moment. "
        f"The floor's row is the median of all {len(every_floor)} floor runs. Third-party and runtime "
        "modules load from bytecode (as Lambda loads boto3 and the layer); a first, uncounted run per "
        "probe compiled them.",
        "",
        "| handler | cold start | ÷ floor | import | serve one event | imports beyond the floor "
        "| where serving goes |",
        "|---|---|---|---|---|---|---|",
        f"| floor | {floor_ms:.0f} ms | 1.00× | "
        f"{median([t.import_ms for t in every_floor]):.0f} ms | "
        f"{median([t.call_ms for t in every_floor]):.0f} ms | "
        f"`import boto3`: {sum(floor_profile.values()):.0f} ms of imports | |",
    ]
    for probe in MEASURED:
        measured = timings[probe.key]
        wall = median([t.wall_ms for t in measured])
        times, _ = paired(floors[probe.key], measured, _wall)
        budget = None if probe is PEER else BUDGET
        figures.append(Figure(f"cold.{probe.key}", f"cold start: {probe.label}", times, "x", budget))
        extras = ", ".join(
            f"{name} {ms:.0f} ms" for name, ms in extra_imports(profiles[probe.key], floor_profile)
        )
        import_ms, call_ms = median([t.import_ms for t in measured]), median([t.call_ms for t in measured])
        serving = ", ".join(
            f"{place} {share:.0%}" for place, share in (serve_profiles or {}).get(probe.key, {}).items()
        )
        lines.append(
            f"| {probe.label} | {wall:.0f} ms | {times:.2f}× | {import_ms:.0f} ms | {call_ms:.0f} ms "
            f"| {extras or '—'} | {serving or '—'} |"
        )
    lines += [
        "",
        "Chat and its peer classify with Lex, as in AWS: their probes reach a Lex runtime stand-in "
        "(`bench/lex_runtime.py`, answered from the bot's utterances), so their *serve one event* holds "
        "creating the Lex client and one RecognizeText call. (The local stack's functions instead build a "
        f"classifier from `bot/ko_KR.json` on their first call, {classifier_build_ms():.0f} ms here, which "
        "no function does in AWS.)",
        "",
    ]
    ours = {probe.key: paired(floors[probe.key], timings[probe.key], _wall)[0] for probe in PROBES}
    peer_times = paired(floors[PEER.key], timings[PEER.key], _wall)[0]
    lines.append(peer_note(ours["chat"], peer_times, floor_ms))
    figures.append(
        Figure(
            "cold.slowest-vs-peer",
            "cold start: our slowest handler ÷ the Powertools peer (each ÷ floor)",
            ratio(max(ours.values()), peer_times),
            "x",
            1.0,
        )
    )
    lines += ["", *beyond_the_floor(floors, timings, profiles, floor_profile)]
    lines += [
        "",
        "*import*: from the process's first line to the handler imported (for the floor: `import boto3`); "
        "*serve one event*: the handler's call, including the clients it creates and every AWS call it "
        "makes (for the floor: creating the client and one `GetItem`). *Imports beyond the floor*: "
        "own-module import time per package beyond the floor's, costliest first, from "
        f"`python -X importtime` (each module at its least over {IMPORT_PROFILE_RUNS} runs). "
        "*Where serving goes*: one more cold start per handler with its first event served under cProfile, "
        "the share of that call's own time per place: a package, `runtime` (ours), `imports` (modules "
        "imported on first use), `compile` (methods attrs and cattrs generate), `network` (waiting on the "
        "endpoint) or `other built-ins` (json, zlib, hashing).",
    ]
    return Section("Cold start", tuple(figures), tuple(lines))


def peer_note(chat_times: float, peer_times: float, floor_ms: float) -> str:
    """What the peer's row means, with the difference this run measured (each ÷ the floor; in ms at
    the floor's median)."""
    gap_ms = abs(peer_times - chat_times) * floor_ms
    if peer_times > chat_times:
        verdict = f"our chat starts {gap_ms:.0f} ms sooner than the peer"
    else:
        verdict = f"the peer starts {gap_ms:.0f} ms sooner than our chat"
    return (
        f"**Beside the Powertools peer**: {verdict} ({chat_times:.2f}× and {peer_times:.2f}× the floor). "
        "The peer (`bench/peer/chat.py`) does our chat's job "
        "with the same rules, the same classifier and the same single write, and differs only in its "
        "plumbing: Powertools' Logger, Metrics and Idempotency where ours has its entry point, its "
        "metric writer and an idempotency record inside the request's own transaction. Its layer adds "
        "Powertools to ours, and it creates its DynamoDB client at import (so its *import* holds what "
        "ours spends in *serve one event*). Its own figure has no budget: it is the measure of what the "
        "same job costs written the way most Python Lambda teams write it today, and every handler of "
        "ours is held below it (*our slowest handler ÷ the Powertools peer*)."
    )


def classifier_build_ms(runs: int = 5) -> float:
    """What building the local classifier (utterances to an index) costs, median of a few builds."""
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        LocalIntentClassifier.from_bot_file(BOT_FILE)
        took.append((time.perf_counter() - started) * 1000)
    return median(took)


_LIBRARIES = ("attr", "attrs", "cattrs", "structlog", "asyncio", "typing_extensions")


# The import-time parts of `beyond_the_floor`, by package (from `python -X importtime`).
_PARTS = (
    ("attrs, cattrs", ("attr", "attrs", "cattrs", "typing_extensions")),
    ("structlog, asyncio", ("structlog", "asyncio", "_asyncio")),
    ("Powertools", ("aws_lambda_powertools", "bench.peer", "jmespath")),
)
RUNTIME_PART = "runtime"
ONLY_HANDLER_PART = "other modules only it loads"
BOTH_PART = "modules both load"
ONLY_FLOOR_PART = "not imported (boto3 and its own)"


def import_parts(handler: Mapping[str, float], floor: Mapping[str, float]) -> dict[str, float]:
    """A handler's own-module import time minus the floor's, per part: the layer's libraries, our
    runtime's modules, the peer's Powertools, other packages only the handler imports, what the floor
    imports and the handler does not (boto3, s3transfer: negative), and the difference on packages
    both import (the same work: importtime's noise). The parts add up to the whole difference."""
    names = [name for name, _ in _PARTS]
    parts = dict.fromkeys([*names, RUNTIME_PART, ONLY_HANDLER_PART, BOTH_PART, ONLY_FLOOR_PART], 0.0)
    for package in {*handler, *floor}:
        part = next((name for name, packages in _PARTS if package in packages), None)
        if part is None:
            if package.startswith("runtime"):
                part = RUNTIME_PART
            elif package not in floor:
                part = ONLY_HANDLER_PART
            elif package not in handler:
                part = ONLY_FLOOR_PART
            else:
                part = BOTH_PART
        parts[part] += handler.get(package, 0.0) - floor.get(package, 0.0)
    return parts


def beyond_the_floor(
    floors: Mapping[str, list[Timing]],
    timings: Mapping[str, list[Timing]],
    profiles: Mapping[str, Mapping[str, float]],
    floor_profile: Mapping[str, float],
) -> list[str]:
    """Where every handler's milliseconds above the floor go, from this run's own figures."""
    names = [*(name for name, _ in _PARTS), RUNTIME_PART, ONLY_HANDLER_PART, ONLY_FLOOR_PART, BOTH_PART]
    lines = [
        "**Where the milliseconds above the floor go.** *Above the floor* is the cold start less the "
        "floor's; it is *import* less the floor's `import boto3` plus *serve one event* less the floor's "
        "one call (the rest is the process starting and ending, the same in both); each is the median "
        "of the runs' differences with the floor run beside them, so the three need not add up "
        "exactly. The import's parts "
        f"come from `python -X importtime` ({IMPORT_PROFILE_RUNS} runs per probe, each module at its "
        "least): own-module time per package, the handler's less the floor's. importtime adds its own "
        "overhead and its runs are not the timed ones, so the parts add up to their own difference, "
        "not exactly to the timed one; they say where the import goes.",
        "",
        f"| handler | above the floor | import | {' | '.join(names)} | serve one event |",
        "|---|" + "---|" * (len(names) + 3),
    ]
    for probe in MEASURED:
        measured, beside = timings[probe.key], floors[probe.key]
        above = paired(beside, measured, _wall)[1]
        extra_import = paired(beside, measured, lambda timing: timing.import_ms)[1]
        extra_serve = paired(beside, measured, lambda timing: timing.call_ms)[1]
        parts = import_parts(profiles[probe.key], floor_profile)
        cells = [f"{parts[name]:+.0f}" for name in names]
        lines.append(
            f"| {probe.label} | {above:+.0f} ms | {extra_import:+.0f} ms | {' | '.join(cells)} "
            f"| {extra_serve:+.0f} ms |"
        )
    lines += [
        "",
        "What each part is, and why it stays: "
        "*attrs, cattrs*: the domain's classes are attrs classes and the items are converted by cattrs, "
        "the product's chosen libraries (with typing_extensions, which cattrs imports); "
        "*structlog, asyncio*: the logs (one JSON line per invocation, every function writes it), and the "
        "asyncio that structlog's package imports at its top for async methods no function calls; "
        "*runtime*: our own modules, most of it the domain's attrs classes and enums, whose methods "
        "attrs generates when each class is defined (no function imports another's modules, nor "
        f"`runtime/deployment.py`); *{ONLY_HANDLER_PART}*: the few standard modules only the handler "
        f"needs; *{ONLY_FLOOR_PART}*: what `import boto3` loads and the functions never do (boto3's "
        "resources, s3transfer, multiprocessing), since they create botocore's clients directly; "
        f"*{BOTH_PART}*: botocore, urllib3 and the standard library, which both import: the same work, "
        "so what is left here is importtime's own noise, not a cost. "
        "*serve one event* less the floor's one call: negative where the function's data for botocore "
        "(models cut to its calls, `endpoints.json` cut to its services: docs/decisions/0009) saves "
        "more than it spends; positive where it creates a second client (Lex for chat, Secrets Manager "
        "for the functions that sign or verify links, SMS for the sender), makes more than one call, "
        "configures its logs and builds its item converters on first use. The peer's *Powertools* "
        "column holds Powertools and the peer's own module (which creates its DynamoDB client at "
        "import, with botocore's whole data, as boto3 does).",
    ]
    return lines
