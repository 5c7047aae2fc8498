"""AWS API calls per operation and per complete happy flow, recorded on the real adapters.

A botocore hook on the session every runtime client is created from records each call with the
function that made it (the log context binds it per invocation) and what the customer or partner was
doing at that moment, so the partner's GET and POST (one function) are told apart. Flows run one at
a time over HTTP on the local stack, after a warm-up flow that pays the once-per-cold-start reads.
"""

from __future__ import annotations

import uuid
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence

import attrs

from bench import peer
from bench.cold_start import CUSTOMER, QUESTION, api_event
from bench.cold_start_probe import LambdaContext
from bench.figures import Figure, Section
from bench.stack import local_stack
from local.aws_calls import AwsCall, AwsCallLog
from local.client import ProductClient, token_of
from local.stack import LocalStack
from runtime.contract import Function
from runtime.deployment import FUNCTIONS, READ_LINK_SECRET

FLOW_BUDGET = 15
MEASURED_FLOWS = 3

# The operations of one happy flow, in order: (label, function, what the driver was doing).
CHAT, ORCHESTRATOR, SMS_SENDER = "chat", "orchestrator", "sms-sender"
CONFIRM_GET, RESPOND_POST, RESUMER, NOTIFICATION = "confirm GET", "respond POST", "resumer", "notification"
SMS_DELIVERY = "sms-delivery"
POLL = "request-status poll"
FLOW_OPERATIONS = (
    CHAT,
    ORCHESTRATOR,
    SMS_SENDER,
    CONFIRM_GET,
    RESPOND_POST,
    RESUMER,
    NOTIFICATION,
    SMS_DELIVERY,
)
_PARTNER_PHASES = {"open": CONFIRM_GET, "answer": RESPOND_POST}

# Calls the local stack cannot make: it classifies with bot/'s utterances and writes from templates.
AWS_ONLY = {CHAT: ("lexv2-runtime:RecognizeText",), NOTIFICATION: ("bedrock-runtime:Converse",)}
# Read once and kept for minutes (the link secret's current key; the previous one only for a link that
# names it): listed, not counted in a flow.
ONCE_PER_COLD_START = ("secretsmanager:GetSecretValue",)
# One submit beside the Powertools peer (bench/peer/): ours, then the peer's.
OURS, PEER = "our chat", "Powertools peer"


@attrs.frozen
class FlowCalls:
    """One flow's calls by operation; each operation's calls in the order they were made."""

    operations: dict[str, list[str]]
    invocations: Counter[str]

    @property
    def local_total(self) -> int:
        return sum(len(self.counted(label)) for label in FLOW_OPERATIONS)

    @property
    def aws_total(self) -> int:
        return self.local_total + sum(len(self.aws_only(label)) for label in FLOW_OPERATIONS)

    def counted(self, label: str) -> list[str]:
        return [call for call in self.operations.get(label, []) if call not in ONCE_PER_COLD_START]

    def aws_only(self, label: str) -> list[str]:
        """The calls this operation makes in AWS but not on the local stack (unless it made them here)."""
        made = self.operations.get(label, [])
        return [call for call in AWS_ONLY.get(label, ()) if call not in made]

    def polls(self) -> list[str]:
        return self.operations.get(POLL, [])


def operation_of(call: AwsCall) -> str:
    if call.function == Function.PARTNER_PAGE:
        return _PARTNER_PHASES.get(call.phase, f"{Function.PARTNER_PAGE} ({call.phase})")
    if call.function == Function.REQUEST_STATUS:
        return POLL
    return call.function


def group(calls: Iterable[AwsCall]) -> FlowCalls:
    operations: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    invocations: Counter[str] = Counter()
    for call in calls:
        label = operation_of(call)
        operations.setdefault(label, []).append(call.name)
        if (label, call.invocation) not in seen:
            seen.add((label, call.invocation))
            invocations[label] += 1
    return FlowCalls(operations, invocations)


def happy_flow(client: ProductClient, recorder: AwsCallLog) -> str:
    """Customer asks, partner opens the SMS link and accepts, customer is told. Returns the request id."""
    sent_before = len(client.outbox())
    recorder.phase = "submit"
    submitted = client.submit(
        reservation_number="HTL-100101", phone="010-0000-1001", message="체크인 날짜를 하루 미루고 싶어요"
    )
    if submitted.status != 201:
        raise RuntimeError(f"submit answered {submitted.status}: {submitted.body}")
    request_id = submitted.body["requestId"]
    recorder.phase = "wait"
    token = token_of(client.wait_for_sms(after=sent_before)["link"])
    recorder.phase = "open"
    opened = client.open_link(token)
    recorder.phase = "answer"
    answered = client.answer(token, "accept")
    if opened.status != 200 or answered.status != 200:
        raise RuntimeError(f"partner link answered {opened.status} / {answered.status}")
    recorder.phase = "wait"
    told = client.wait_until_told(request_id)
    if told["status"] != "Responded":
        raise RuntimeError(f"request {request_id} ended {told['status']}")
    client.wait_for_event(request_id, "Delivered")  # the SMS's outcome, reported by the carrier
    return request_id


@attrs.frozen
class SubmitCalls:
    """The calls of one submit with a new Idempotency-Key, then of the same submit sent again."""

    first: list[str]
    retried: list[str]


def our_submit(stack: LocalStack, client: ProductClient, recorder: AwsCallLog) -> SubmitCalls:
    """Our chat, over HTTP: its own calls only (the stream's consumers take the request on meanwhile)."""
    key, made = f"bench-{uuid.uuid4()}", []
    for _ in range(2):
        recorder.phase = "submit"
        answered = client.submit(
            reservation_number=CUSTOMER["reservationNumber"],
            phone=CUSTOMER["customerPhone"],
            message=QUESTION,
            idempotency_key=key,
        )
        if answered.status != 201:
            raise RuntimeError(f"submit answered {answered.status}: {answered.body}")
        stack.aws.wait_idle()
        made.append([call.name for call in recorder.take() if operation_of(call) == CHAT])
    return SubmitCalls(*made)


def peer_submit() -> SubmitCalls:
    """The peer, invoked as Lambda would (a fresh module, a Lambda context) on the same account: every
    call it makes goes through the one client its handler and its persistence layer share."""
    module = peer.load()
    recorder = AwsCallLog()
    recorder.attach(module.dynamodb.meta.events)
    headers = {"idempotency-key": f"bench-{uuid.uuid4()}"}
    event = api_event("chat_post", body={**CUSTOMER, "message": QUESTION}, headers=headers)
    made = []
    # A retry answered from the record emits no metric, which Powertools warns of on stderr.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
        try:
            for _ in range(2):
                answered = module.handler(event, LambdaContext(peer.FUNCTION_NAME))
                if answered["statusCode"] != 201:
                    raise RuntimeError(f"the peer answered {answered['statusCode']}: {answered['body']}")
                made.append([call.name for call in recorder.take()])
        finally:
            recorder.detach()
    return SubmitCalls(*made)


def measure(flows: int = MEASURED_FLOWS) -> Section:
    with local_stack() as stack:
        recorder = AwsCallLog()
        recorder.attach()
        client = ProductClient(stack.url)
        try:
            happy_flow(client, recorder)
            stack.aws.wait_idle()
            cold = group(recorder.take())
            measured = []
            for _ in range(flows):
                happy_flow(client, recorder)
                stack.aws.wait_idle()
                measured.append(group(recorder.take()))
            submits = {OURS: our_submit(stack, client, recorder), PEER: peer_submit()}
        finally:
            recorder.detach()
    return section(cold, measured, submits)


def section(cold: FlowCalls, measured: Sequence[FlowCalls], submits: dict[str, SubmitCalls]) -> Section:
    flow = measured[0]
    steady = all(m.operations == flow.operations for m in measured)
    details = [*_details(cold, flow, steady, len(measured)), "", *submit_details(submits)]
    return Section("AWS calls per flow", (*_flow_figures(flow), *submit_figures(submits)), tuple(details))


def submit_figures(submits: dict[str, SubmitCalls]) -> list[Figure]:
    keys = {OURS: "chat", PEER: "chat-peer"}
    figures = []
    for who, calls in submits.items():
        key = f"calls.submit.{keys[who]}"
        figures += [
            Figure(key, f"calls: one submit, {who}", len(calls.first), "calls"),
            Figure(f"{key}.retried", f"calls: that submit again, {who}", len(calls.retried), "calls"),
        ]
    return figures


def submit_details(submits: dict[str, SubmitCalls]) -> list[str]:
    ours, theirs = submits[OURS], submits[PEER]
    lines = [
        "**One submit beside the Powertools peer.** A submit with a new `Idempotency-Key`, then the same "
        "submit again (a retry after a lost answer, a double tap), to our chat over HTTP and to the peer "
        "(`bench/peer/chat.py`: the same job with AWS Lambda Powertools' Logger, Metrics and Idempotency "
        "on this table), on the same local stack.",
        "",
        "| handler | one submit | that submit again | each call: the submit; again |",
        "|---|---|---|---|",
    ]
    for who, calls in submits.items():
        lines.append(
            f"| {who} | {len(calls.first)} | {len(calls.retried)} | "
            f"{_listed(calls.first)}; {_listed(calls.retried)} |"
        )
    lines += [
        "",
        f"Both write the request once, in one transaction. The difference is where the idempotency "
        f"record lives: ours is one more item in the request's own transaction ({len(ours.first)} call "
        f"for a submit), Powertools' is its own item, written before the handler runs (INPROGRESS) and "
        f"after (COMPLETED, with the answer): {len(theirs.first)} calls. Sent again, the peer's put is "
        f"refused and returns the stored answer ({len(theirs.retried)} call), where ours has its "
        f"transaction refused and reads the key and then the request ({len(ours.retried)} calls). "
        "First submits are nearly all submits. In AWS, both also call Lex once on a first submit.",
    ]
    return lines


def _listed(calls: Sequence[str]) -> str:
    return ", ".join(f"`{call}`" for call in calls) or "—"


def _flow_figures(flow: FlowCalls) -> list[Figure]:
    return [
        Figure("calls.flow.aws", "AWS calls per happy flow, in AWS", flow.aws_total, "calls", FLOW_BUDGET),
        Figure("calls.flow.local", "AWS calls per happy flow, measured locally", flow.local_total, "calls"),
        *(
            Figure(f"calls.op.{label}", f"calls: {label}", len(flow.counted(label)), "calls")
            for label in FLOW_OPERATIONS
        ),
        Figure(f"calls.op.{POLL}", f"calls: {POLL} (each)", _per_invocation(flow, POLL), "calls"),
    ]


def _per_invocation(flow: FlowCalls, label: str) -> float:
    count = flow.invocations.get(label, 0)
    return len(flow.operations.get(label, [])) / count if count else 0


def _details(cold: FlowCalls, flow: FlowCalls, steady: bool, flows: int) -> list[str]:
    lines = [
        f"{flows} happy flows over HTTP on the local stack (submit, SMS, partner opens the link and "
        "accepts, customer told), after one warm-up flow. Calls are recorded by a botocore hook on "
        "the session the runtime's clients come from, with the function that made each one. "
        f"The flows made {'the same calls' if steady else 'DIFFERENT calls (see below: the first one)'}.",
        f"The budget ({FLOW_BUDGET}) is for the AWS count: the local calls plus those marked "
        "*in AWS only* (Lex V2 classifies and Bedrock writes in AWS; locally, bot/'s utterances "
        "and the templates do). The customer's polls and the link secret's read (its current key, kept "
        "five minutes) are listed, not counted.",
        "",
        "| operation | calls | each call, in order |",
        "|---|---|---|",
    ]
    for label in FLOW_OPERATIONS:
        calls = [f"`{c}`" for c in flow.counted(label)] + [
            f"`{c}` *in AWS only*" for c in flow.aws_only(label)
        ]
        repeated = flow.invocations.get(label, 0)
        note = f" ({repeated} invocations)" if repeated > 1 else ""
        lines.append(f"| {label}{note} | {len(calls)} | {', '.join(calls) or '—'} |")
    lines.append(f"| **flow, in AWS** | **{flow.aws_total}** | locally measured: {flow.local_total} |")
    polls = flow.invocations.get(POLL, 0)
    per_poll = flow.polls()[: len(flow.polls()) // polls] if polls else []
    lines.append(
        f"| {POLL} (not counted) | {len(per_poll)} each | "
        f"{', '.join(f'`{c}`' for c in per_poll) or '—'} ({polls} in this flow, one every 0.2 s) |"
    )
    cold_reads = [
        f"`{call}` ({label})"
        for label, calls in cold.operations.items()
        for call in calls
        if call in ONCE_PER_COLD_START
    ]
    lines.append(
        f"| once per five minutes (not counted) | {len(cold_reads)} | {', '.join(cold_reads) or '—'} "
        "in the warm-up flow |"
    )
    readers = ", ".join(str(f) for f, spec in FUNCTIONS.items() if READ_LINK_SECRET in spec.permissions)
    lines += [
        "",
        "Locally every function shares one process, so the secret is read once for all of them; in "
        f"AWS each function that may read it ({readers}) reads it on its first use and again when its "
        "copy is five minutes old.",
    ]
    return lines
