"""SmsSender on AWS End User Messaging SMS (`pinpoint-sms-voice-v2` SendTextMessage), in the stack's region.

Every message is transactional, goes through the stack's configuration set (whose event destination
records delivery outcomes) and carries in its Context the request id, which of the request's SMS it
is and the link it carries, so a delivery event names the request and the partner attempt. The
service's error codes become domain exceptions here: what may pass (throttling, the service's own
failures, a quota that frees up) is `DependencyUnavailable`, which the workflow retries; what will
be refused again (an opted-out or unverified number, an invalid destination, a missing sender, a
price over the limit, a call botocore itself finds invalid) is `SmsRejected`, which it does not.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from runtime.adapters.aws_errors import error_code, is_transient
from runtime.adapters.ports import SmsSender
from runtime.contract import SMS_CONTEXT_KIND, SMS_CONTEXT_LINK_ID, SMS_CONTEXT_REQUEST_ID
from runtime.domain.errors import DependencyUnavailable, SmsRejected
from runtime.domain.model import SmsKind

TRANSACTIONAL = "TRANSACTIONAL"
# SendTextMessage's quota errors (messages per second, the daily or monthly spend) lift with time.
_RETRY_LATER_CODES = frozenset({"ServiceQuotaExceededException"})


class EndUserMessagingSmsSender(SmsSender):
    def __init__(
        self,
        client: Any,
        *,
        configuration_set: str | None = None,
        origination_identity: str | None = None,
        max_price: str | None = None,
    ) -> None:
        self._client = client
        optional = {
            "ConfigurationSetName": configuration_set,
            "OriginationIdentity": origination_identity,
            "MaxPrice": max_price,
        }
        self._settings = {name: value for name, value in optional.items() if value}

    def send(self, phone: str, body: str, *, request_id: str, kind: SmsKind, link_id: str) -> str:
        context = {
            SMS_CONTEXT_REQUEST_ID: request_id,
            SMS_CONTEXT_KIND: str(kind),
            SMS_CONTEXT_LINK_ID: link_id,
        }
        try:
            response = self._client.send_text_message(
                DestinationPhoneNumber=phone,
                MessageBody=body,
                MessageType=TRANSACTIONAL,
                Context=context,
                **self._settings,
            )
        except ParamValidationError as error:
            # botocore refused the call against the service's model: it would be refused every time.
            raise SmsRejected("ParamValidationError") from error
        except BotoCoreError as error:
            raise DependencyUnavailable(f"sms send text message: {error}") from error
        except ClientError as error:
            code = error_code(error)
            if is_transient(error) or code in _RETRY_LATER_CODES:
                raise DependencyUnavailable(f"sms send text message: {code}") from error
            # The service's message may quote the destination number: keep only code and reason.
            raise SmsRejected(code, error.response.get("Reason")) from error
        return str(response["MessageId"])
