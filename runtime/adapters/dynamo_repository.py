"""RequestRepository on the single DynamoDB table, with conditional writes and transactions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters import dynamo_keys as keys
from runtime.adapters.aws_errors import is_transient
from runtime.adapters.dynamo_converter import from_item, from_tagged_item, to_attributes, to_item
from runtime.adapters.dynamo_expressions import Update, plain, put_item, typed
from runtime.adapters.ports import RequestRepository
from runtime.contract import RESERVATION_INDEX, STATUS_INDEX
from runtime.domain.errors import (
    AlreadyExists,
    DependencyUnavailable,
    LimitReached,
    LinkUsed,
    StatusConflict,
)
from runtime.domain.lifecycle import Move, sources
from runtime.domain.limits import Quota
from runtime.domain.model import (
    OPEN_STATUSES,
    Answer,
    Event,
    EventType,
    FailureReason,
    IdempotencyRecord,
    LinkRecord,
    Notification,
    PartnerResponse,
    Proposal,
    ProposalState,
    Request,
    Reservation,
    Status,
    UnclearMessage,
)
from runtime.domain.redrive import NOT_REDRIVABLE_REASONS, REDRIVABLE_STATUSES

# Kept a day past expiry, so support can still see what happened to a link or a retried submit.
EXPIRED_ITEM_GRACE = timedelta(days=1)
# Long enough for someone to read them and write new sample utterances; not kept beyond that.
UNCLEAR_RETENTION = timedelta(days=14)
# What a limit's item holds: the ids it counts, or a plain count.
LIMIT_IDS = "requestIds"
LIMIT_COUNT = "count"
# DynamoDB's own transient codes, besides the throttling and 5xx answers every service gives.
_TRANSIENT_DYNAMODB_CODES = {
    "ProvisionedThroughputExceededException",
    "TransactionConflictException",
    "TransactionInProgressException",
}


class DynamoRequestRepository(RequestRepository):
    """`retention`: how long a request and everything under it are kept; each item's `ttl` is its
    own time plus this, and the table's TTL deletes it after."""

    def __init__(self, client: Any, table_name: str, *, retention: timedelta | None) -> None:
        """`retention`: how long items written under a request are kept (their TTL); None for a
        repository that only reads (writing under a request through it raises ValueError)."""
        self._client = client
        self._table = table_name
        self._retention = retention

    # --- reads -------------------------------------------------------------------------------

    def get_request(self, request_id: str) -> Request | None:
        item = self._get(keys.request_key(request_id))
        return from_item(item, Request) if item else None

    def get_timeline(self, request_id: str) -> tuple[Request, list[Event]] | None:
        request: Request | None = None
        events: list[Event] = []
        for item in self._query_partition(keys.request_key(request_id)[keys.PK]):
            if item[keys.SK] == keys.DUE:
                continue
            entity = from_tagged_item(item)
            if isinstance(entity, Request):
                request = entity
            elif isinstance(entity, Event):
                events.append(entity)
        return (request, events) if request else None

    def find_reservation(self, reservation_number: str, customer_phone: str) -> Reservation | None:
        index_keys = keys.reservation_index(reservation_number, customer_phone)
        names = list(index_keys)
        response = self._call(
            "query",
            TableName=self._table,
            IndexName=RESERVATION_INDEX.name,
            KeyConditionExpression="#pk = :pk AND #sk = :sk",
            ExpressionAttributeNames={"#pk": names[0], "#sk": names[1]},
            ExpressionAttributeValues=typed({":pk": index_keys[names[0]], ":sk": index_keys[names[1]]}),
            Limit=1,
        )
        items = [plain(item) for item in response.get("Items", [])]
        return from_item(items[0], Reservation) if items else None

    def get_idempotency(self, key: str) -> IdempotencyRecord | None:
        item = self._get(keys.idempotency_key(key))
        return from_item(item, IdempotencyRecord) if item else None

    def get_link(self, token_id: str) -> LinkRecord | None:
        item = self._get(keys.link_key(token_id))
        return from_item(item, LinkRecord) if item else None

    def overdue(self, now: datetime, *, days: int) -> list[str]:
        """Request ids whose due marker is at or before `now`, oldest due first, over the last `days` days."""
        bound = f"{keys.timestamp(now)}~"  # after every "{due}#{requestId}" of that moment
        found: list[str] = []
        for back in range(days, -1, -1):
            day = (now - timedelta(days=back)).astimezone(UTC).date().isoformat()
            arguments: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": STATUS_INDEX.name,
                "KeyConditionExpression": "#pk = :pk AND #sk < :bound",
                "ExpressionAttributeNames": {"#pk": STATUS_INDEX.partition_key, "#sk": STATUS_INDEX.sort_key},
                "ExpressionAttributeValues": typed({":pk": keys.due_partition(day), ":bound": bound}),
                "ProjectionExpression": "#requestId",
            }
            arguments["ExpressionAttributeNames"]["#requestId"] = "requestId"
            while True:
                response = self._call("query", **arguments)
                found += [plain(item)["requestId"] for item in response.get("Items", [])]
                if "LastEvaluatedKey" not in response:
                    break
                arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def forget_due(self, request_id: str) -> None:
        self._call("delete_item", TableName=self._table, Key=typed(keys.due_key(request_id)))

    def requests_by_status(self, status: Status, day: date) -> Iterator[Request]:
        for page in self._status_pages(status, day):
            yield from (from_item(plain(item), Request) for item in page.get("Items", []))

    def count_in_status(self, status: Status, day: date) -> int:
        return sum(int(page.get("Count", 0)) for page in self._status_pages(status, day, Select="COUNT"))

    # --- writes ------------------------------------------------------------------------------

    def create_request(
        self, request: Request, idempotency: IdempotencyRecord | None, quotas: Sequence[Quota] = ()
    ) -> None:
        request_item = {
            **keys.request_key(request.request_id),
            **keys.status_partition(request.status, request.created_at),
            **keys.status_sort(request.created_at, request.request_id),
            **to_item(request),
            keys.TTL: self._kept_until(request.created_at),
        }
        writes = [
            put_item(self._table, request_item, condition="attribute_not_exists(#pk)"),
            self._event_put(Event(request.request_id, EventType.CREATED, request.created_at)),
        ]
        if request.due_at is not None:
            writes.append(self._due_put(request.request_id, request.due_at))
        if idempotency is not None:
            idem_item = {
                **keys.idempotency_key(idempotency.key),
                **to_item(idempotency),
                keys.TTL: _epoch(idempotency.expires_at + EXPIRED_ITEM_GRACE),
            }
            writes.append(put_item(self._table, idem_item, condition="attribute_not_exists(#pk)"))
        created = len(writes)
        writes += [_count(self._table, quota) for quota in quotas]
        failed = self._transact(writes)
        if failed is None:
            return
        # A retried submit (its key or its request taken) is answered as before, whatever the limits say.
        if any(failed[:created]):
            raise AlreadyExists(request.request_id)
        raise LimitReached(_latest_freed(quotas, failed[created:]))

    def issue_link(
        self, link: LinkRecord, at: datetime, *, count: Sequence[Quota] = (), release: Sequence[Quota] = ()
    ) -> None:
        request = link.request
        keep = Update(at).set(
            taskToken=link.task_token,
            partnerId=request.partner_id,
            partnerName=request.partner_name,
            partnerPhone=request.partner_phone,
            serviceType=request.service_type,
            reservationDate=request.reservation_date,
        )
        if request.answer_by is not None:
            keep.set(answerBy=request.answer_by)
        keep.set(linkId=link.token_id, linkExpiresAt=link.expires_at)
        if request.due_at is not None:
            keep.set(dueAt=request.due_at)
        keep.require_status(OPEN_STATUSES)
        link_item = {
            **keys.link_key(link.token_id),
            **to_item(link),
            keys.TTL: _epoch(link.expires_at + EXPIRED_ITEM_GRACE),
        }
        writes = [
            keep.as_transact(self._table, keys.request_key(link.request_id)),
            put_item(self._table, link_item, condition="attribute_not_exists(#pk)"),
        ]
        if request.due_at is not None:
            writes.append(self._due_put(link.request_id, request.due_at))
        writes += [_release(self._table, quota) for quota in release]
        counted = len(writes)
        writes += [_count(self._table, quota) for quota in count]
        failed = self._transact(writes)
        if failed is None:
            return
        if failed[0]:
            raise StatusConflict(link.request_id)
        if failed[1]:
            raise AlreadyExists(link.token_id)
        raise LimitReached(_latest_freed(count, failed[counted:]))

    def mark_sms_sent(self, link: LinkRecord, at: datetime) -> None:
        request_key = keys.request_key(link.request_id)
        event = self._event_put(Event(link.request_id, EventType.SMS_SENT, at))
        stamp_link = Update(at).set(smsSentAt=at).as_transact(self._table, keys.link_key(link.token_id))
        moved = Update(at).set(smsSentAt=at).move_to(Status.SMS_SENT)
        moved.require_status(sources(Move.TEXTED))
        if self._transact([moved.as_transact(self._table, request_key), event, stamp_link]) is None:
            return
        # The partner was quicker than this write (opened, even answered): keep that status, add the
        # event. Once per round: a retried step that texted again, after an earlier attempt recorded
        # the round's SMS, only stamps its own link.
        recorded = Update(at).set(smsSentAt=at)
        recorded.require("attribute_not_exists(#sent)", names={"#sent": "smsSentAt"})
        if self._transact([recorded.as_transact(self._table, request_key), event, stamp_link]) is None:
            return
        if self._transact([stamp_link]):
            raise StatusConflict(link.request_id)

    def follow_task(self, request: Request, task_token: str, at: datetime) -> None:
        if request.link_id is None:
            raise StatusConflict(request.request_id)
        keep = Update(at).set(taskToken=task_token)
        keep.require_status(OPEN_STATUSES)
        follow = Update(at).set(taskToken=task_token)
        if self._transact(
            [
                keep.as_transact(self._table, keys.request_key(request.request_id)),
                follow.as_transact(self._table, keys.link_key(request.link_id)),
            ]
        ):
            raise StatusConflict(request.request_id)

    def mark_reminded(self, request_id: str, at: datetime) -> bool:
        once = Update(at).set(remindedAt=at)
        once.require("attribute_not_exists(#remindedAt)", names={"#remindedAt": "remindedAt"})
        # A request whose customer was told meanwhile (ended by the sweeper) keeps its timeline ended.
        once.require("attribute_not_exists(#told)", names={"#told": "notification"})
        writes = [
            once.as_transact(self._table, keys.request_key(request_id)),
            self._event_put(Event(request_id, EventType.REMINDED, at)),
        ]
        return self._transact(writes) is None

    def mark_opened(self, request_id: str, at: datetime) -> bool:
        update = Update(at).move_to(Status.OPENED)
        update.require_status(sources(Move.OPENED))
        writes = [
            update.as_transact(self._table, keys.request_key(request_id)),
            self._event_put(Event(request_id, EventType.OPENED, at)),
        ]
        return self._transact(writes) is None

    def close(
        self,
        request_id: str,
        status: Status,
        at: datetime,
        *,
        allowed_from: frozenset[Status],
        failure_reason: FailureReason | None = None,
        notification: Notification | None = None,
        frees: Quota | None = None,
        link_id: str | None = None,
    ) -> None:
        update = Update(at).move_to(status)
        if link_id is not None:
            update.require("#linkId = :linkId", names={"#linkId": "linkId"}, values={":linkId": link_id})
        if failure_reason is not None:
            update.set(failureReason=failure_reason)
        if notification is not None:
            update.set(notification=to_attributes(notification))
        update.require_status(allowed_from)
        writes = [
            update.as_transact(self._table, keys.request_key(request_id)),
            self._event_put(Event(request_id, EventType.of(status), at)),
        ]
        if notification is not None:
            writes.append(self._event_put(Event(request_id, EventType.NOTIFIED, notification.at)))
            writes.append(self._due_delete(request_id))
        if frees is not None:
            writes.append(_release(self._table, frees))
        if self._transact(writes) is not None:
            raise StatusConflict(request_id)

    def record_event(self, event: Event) -> bool:
        exists = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": typed(keys.request_key(event.request_id)),
                "ConditionExpression": "attribute_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": keys.PK},
            }
        }
        return self._transact([exists, self._event_put(event)]) is None

    def record_response(self, link: LinkRecord, response: PartnerResponse) -> None:
        at = response.responded_at
        consume = Update(at).set(used=True, usedAt=at)
        consume.require("#used = :false", names={"#used": "used"}, values={":false": False})
        respond = Update(at).set(response=to_attributes(response)).move_to(Status.RESPONDED)
        if response.answer is Answer.ALTERNATIVE and response.alternative_time is not None:
            # The customer decides on the proposed time; the proposal is written with the answer.
            respond.set(proposal=to_attributes(Proposal(time=response.alternative_time)))
        respond.require_status(sources(Move.ANSWERED))
        respond.require("attribute_exists(#taskToken)", names={"#taskToken": "taskToken"})
        # Only before the deadline the partner was shown: past it the request is as good as timed out.
        respond.require(
            "(attribute_not_exists(#answerBy) OR #answerBy >= :answeredAt)",
            names={"#answerBy": "answerBy"},
            values={":answeredAt": to_attributes(at)},
        )
        details = {"answer": str(response.answer)}
        failed = self._transact(
            [
                consume.as_transact(self._table, keys.link_key(link.token_id)),
                respond.as_transact(self._table, keys.request_key(link.request_id)),
                self._event_put(Event(link.request_id, EventType.RESPONDED, at, details)),
            ]
        )
        if failed is None:
            return
        if failed[0]:
            raise LinkUsed()
        raise StatusConflict(link.request_id)

    def record_decision(self, request_id: str, decided: Proposal, *, customer_token_id: str) -> None:
        at = decided.decided_at
        if at is None:
            raise ValueError("a decided proposal says when it was decided")
        update = Update(at).set_inside("proposal", state=decided.state, decidedAt=at)
        update.require(
            "#customerTokenId = :customerTokenId",
            names={"#customerTokenId": "customerTokenId"},
            values={":customerTokenId": customer_token_id},
        )
        _require_pending(update)
        writes = [
            update.as_transact(self._table, keys.request_key(request_id)),
            self._event_put(Event(request_id, decided.state.event, at)),
        ]
        if self._transact(writes) is not None:
            raise StatusConflict(request_id)

    def await_decision(self, request_id: str, task_token: str, at: datetime) -> None:
        update = Update(at).set(decisionTaskToken=task_token)
        _require_pending(update)
        key = typed(keys.request_key(request_id))
        try:
            self._call("update_item", TableName=self._table, Key=key, **update.expression())
        except _ConditionFailed:
            raise StatusConflict(request_id) from None

    def lapse_proposal(self, request_id: str, at: datetime) -> bool:
        update = Update(at).set_inside("proposal", state=ProposalState.LAPSED, decidedAt=at)
        _require_pending(update)
        writes = [
            update.as_transact(self._table, keys.request_key(request_id)),
            self._event_put(Event(request_id, EventType.PROPOSAL_LAPSED, at)),
        ]
        return self._transact(writes) is None

    def mark_partner_told(self, request_id: str, state: ProposalState, at: datetime) -> bool:
        once = Update(at).set(partnerToldAt=at)
        once.require("attribute_not_exists(#told)", names={"#told": "partnerToldAt"})
        writes = [
            once.as_transact(self._table, keys.request_key(request_id)),
            self._event_put(Event(request_id, EventType.PARTNER_TOLD, at, {"proposal": str(state)})),
        ]
        return self._transact(writes) is None

    def store_notification(
        self,
        request_id: str,
        notification: Notification,
        *,
        expected: Status,
        close_as: Status | None,
        frees: Quota,
    ) -> None:
        update = Update(notification.at).set(notification=to_attributes(notification))
        update.require("attribute_not_exists(#notification)", names={"#notification": "notification"})
        update.require_status({expected})
        writes = []
        if close_as is not None:
            update.move_to(close_as)
            writes.append(self._event_put(Event(request_id, EventType.of(close_as), notification.at)))
        writes.append(self._event_put(Event(request_id, EventType.NOTIFIED, notification.at)))
        writes.append(self._due_delete(request_id))
        writes.append(_release(self._table, frees))
        if self._transact([update.as_transact(self._table, keys.request_key(request_id)), *writes]):
            current = self.get_request(request_id)
            if current is not None and current.notification is not None:
                raise AlreadyExists(request_id)
            raise StatusConflict(request_id)

    def redrive(self, request: Request, redriven: Request, *, details: Mapping[str, str]) -> None:
        at = redriven.updated_at
        if redriven.due_at is None:
            raise ValueError("a redriven request has a due time")
        update = Update(at).move_to(Status.CREATED)
        update.set(
            attempt=redriven.attempt,
            earlierNotifications=[to_attributes(n) for n in redriven.earlier_notifications],
            dueAt=redriven.due_at,
        )
        update.remove(
            "notification",
            "taskToken",
            "answerBy",
            "smsSentAt",
            "failureReason",
            "linkId",
            "linkExpiresAt",
            "remindedAt",
        )
        update.require_status(REDRIVABLE_STATUSES)
        update.require("attribute_not_exists(#response)", names={"#response": "response"})
        update.require("attribute_exists(#told)", names={"#told": "notification"})
        excluded = {f":unredrivable{i}": reason for i, reason in enumerate(sorted(NOT_REDRIVABLE_REASONS))}
        update.require(
            "(attribute_not_exists(#reason) OR ("
            + " AND ".join(f"#reason <> {placeholder}" for placeholder in excluded)
            + "))",
            names={"#reason": "failureReason"},
            values=excluded,
        )
        # The attempt read: two operators redriving at once start one attempt, not two of the same.
        update.require(
            "(#attempt = :readAttempt OR attribute_not_exists(#attempt))",
            names={"#attempt": "attempt"},
            values={":readAttempt": request.attempt},
        )
        writes = [
            update.as_transact(self._table, keys.request_key(request.request_id)),
            self._due_put(request.request_id, redriven.due_at),
            self._event_put(Event(request.request_id, EventType.REDRIVEN, at, dict(details))),
        ]
        if self._transact(writes) is not None:
            raise StatusConflict(request.request_id)

    # --- messages the intent step did not understand --------------------------------------------

    def record_unclear(self, message: UnclearMessage) -> None:
        item = {
            **keys.unclear_key(message.at, message.message_id),
            **to_item(message),
            keys.TTL: _epoch(message.at + UNCLEAR_RETENTION),
        }
        try:
            self._call("put_item", TableName=self._table, Item=typed(item))
        except ClientError as error:  # not transient, but still nothing the customer should see
            raise DependencyUnavailable(f"dynamodb put_item: {error}") from error

    def recent_unclear(self, day: date, limit: int | None = None) -> list[UnclearMessage]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.PK},
            "ExpressionAttributeValues": typed({":pk": keys.unclear_partition(day)[keys.PK]}),
            "ScanIndexForward": False,
        }
        found: list[UnclearMessage] = []
        while limit is None or len(found) < limit:
            if limit is not None:
                arguments["Limit"] = limit - len(found)
            response = self._call("query", **arguments)
            found += [from_item(plain(item), UnclearMessage) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    # --- plumbing ----------------------------------------------------------------------------

    def _status_pages(self, status: Status, day: date, **options: Any) -> Iterator[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": STATUS_INDEX.name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": STATUS_INDEX.partition_key},
            "ExpressionAttributeValues": typed({":pk": keys.status_day_partition(status, day)}),
            **options,
        }
        while True:
            page = self._call("query", **arguments)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _kept_until(self, moment: datetime) -> int:
        if self._retention is None:
            raise ValueError("this repository was made for reading: it knows no retention")
        return _epoch(moment + self._retention)

    def _due_put(self, request_id: str, due_at: datetime) -> dict[str, Any]:
        item = {
            **keys.due_key(request_id),
            **keys.due_index(due_at, request_id),
            "requestId": request_id,
            "dueAt": to_attributes(due_at),
            # Outlives any sweep by far; only an abandoned table keeps it that long.
            keys.TTL: self._kept_until(due_at),
        }
        return put_item(self._table, item)

    def _due_delete(self, request_id: str) -> dict[str, Any]:
        return {"Delete": {"TableName": self._table, "Key": typed(keys.due_key(request_id))}}

    def _event_put(self, event: Event) -> dict[str, Any]:
        item = {
            **keys.event_key(event.request_id, event.at, event.type),
            **to_item(event),
            keys.TTL: self._kept_until(event.at),
        }
        return put_item(self._table, item)

    def _get(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        response = self._call("get_item", TableName=self._table, Key=typed(key), ConsistentRead=True)
        item = response.get("Item")
        return plain(item) if item else None

    def _query_partition(self, partition: str) -> Iterable[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": keys.PK},
            "ExpressionAttributeValues": typed({":pk": partition}),
            "ConsistentRead": True,
        }
        while True:
            response = self._call("query", **arguments)
            yield from (plain(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _transact(self, writes: list[dict[str, Any]]) -> list[bool] | None:
        """None when every write applied; otherwise, per write, whether its condition failed."""
        try:
            self._call("transact_write_items", TransactItems=writes)
        except _TransactionCanceled as canceled:
            return canceled.failed_conditions
        return None

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self._client, operation)(**arguments)
            return answer
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise _ConditionFailed() from error
            if code == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons", [])
                if any(r.get("Code") not in ("None", "ConditionalCheckFailed", None) for r in reasons):
                    raise DependencyUnavailable(f"dynamodb {operation}: {reasons}") from error
                raise _TransactionCanceled(
                    [r.get("Code") == "ConditionalCheckFailed" for r in reasons]
                ) from error
            if code in _TRANSIENT_DYNAMODB_CODES or is_transient(error):
                raise DependencyUnavailable(f"dynamodb {operation}: {code}") from error
            raise
        except BotoCoreError as error:  # timeouts and connection failures, after the client's retries
            raise DependencyUnavailable(f"dynamodb {operation}: {error}") from error


class _ConditionFailed(Exception):
    pass


class _TransactionCanceled(Exception):
    def __init__(self, failed_conditions: list[bool]) -> None:
        super().__init__("transaction canceled")
        self.failed_conditions = failed_conditions or [True]


def _require_pending(update: Update) -> None:
    update.require(
        "#proposal.#proposalState = :pending",
        names={"#proposal": "proposal", "#proposalState": "state"},
        values={":pending": str(ProposalState.PENDING)},
    )


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _count(table: str, quota: Quota) -> dict[str, Any]:
    """Count this write against `quota`, on the condition that it is not full."""
    names = {"#ttl": keys.TTL}
    values: dict[str, Any] = {":ttl": _epoch(quota.expires_at), ":max": quota.maximum}
    if quota.kind.keeps_ids:
        names["#ids"] = LIMIT_IDS
        values |= {":ids": {quota.member}, ":id": quota.member}
        expression = "ADD #ids :ids SET #ttl = :ttl"
        # The same request again (a retried SMS step) is already counted, full or not.
        condition = "attribute_not_exists(#ids) OR size(#ids) < :max OR contains(#ids, :id)"
    else:
        names["#count"] = LIMIT_COUNT
        values[":one"] = 1
        expression = "ADD #count :one SET #ttl = :ttl"
        condition = "attribute_not_exists(#count) OR #count < :max"
    return _limit_update(table, quota, expression, names, values, condition=condition)


def _release(table: str, quota: Quota) -> dict[str, Any]:
    """Take the request out of `quota`'s ids; an item this creates still expires."""
    names = {"#ids": LIMIT_IDS, "#ttl": keys.TTL}
    values = {":ids": {quota.member}, ":ttl": _epoch(quota.expires_at)}
    return _limit_update(table, quota, "DELETE #ids :ids SET #ttl = if_not_exists(#ttl, :ttl)", names, values)


def _limit_update(
    table: str,
    quota: Quota,
    expression: str,
    names: dict[str, str],
    values: dict[str, Any],
    *,
    condition: str | None = None,
) -> dict[str, Any]:
    update: dict[str, Any] = {
        "TableName": table,
        "Key": typed(keys.limit_key(quota)),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": typed(values),
    }
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}


def _latest_freed(quotas: Sequence[Quota], failed: Sequence[bool]) -> Quota:
    """Of the limits that refused a write, the one that frees last (what the client must wait for)."""
    refused = [quota for quota, refusal in zip(quotas, failed, strict=False) if refusal] or list(quotas)
    return max(refused, key=lambda quota: quota.frees_at)
