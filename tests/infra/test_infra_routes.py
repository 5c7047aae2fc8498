"""The route objects and the OpenAPI document generated from them."""

from __future__ import annotations

import pytest

from definitions import api_schemas
from definitions.routes import OPENAPI_PATH, ROUTES, find_route, openapi_document
from runtime.adapters.api_gateway import ERROR_STATUS, INTERNAL_ERROR
from runtime.contract import API_PREFIX, Function


def test_the_five_routes_of_the_api() -> None:
    assert {(route.key, route.function) for route in ROUTES} == {
        ("POST /api/chat", Function.CHAT),
        ("GET /api/requests/{requestId}", Function.REQUEST_STATUS),
        ("POST /api/requests/{requestId}/decision", Function.DECISION),
        ("GET /api/confirm/{token}", Function.PARTNER_PAGE),
        ("POST /api/respond", Function.PARTNER_PAGE),
    }
    assert all(route.path.startswith(f"{API_PREFIX}/") for route in ROUTES)
    assert OPENAPI_PATH == "/api/openapi.json"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/requests/3f1c", ("getRequestStatus", {"requestId": "3f1c"})),
        ("get", "/api/confirm/AbC_-1", ("openPartnerLink", {"token": "AbC_-1"})),
        ("POST", "/api/chat", ("submitQuestion", {})),
        ("GET", "/api/chat", None),
        ("GET", "/api/requests/a/b", None),
        ("POST", "/api/requests/3f1c/decision", ("decideOnProposal", {"requestId": "3f1c"})),
        ("GET", "/api/requests/3f1c/decision", None),
        ("GET", "/api/requests/", None),
    ],
)
def test_routes_match_as_api_gateway_does(method: str, path: str, expected: object) -> None:
    found = find_route(method, path)
    assert (None if found is None else (found[0].operation_id, found[1])) == expected


def test_the_document_is_valid_openapi_3() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi_document())


def test_the_document_describes_every_route_and_is_pure() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.0")
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["operationId"] == route.operation_id
        assert str(route.success_status) in operation["responses"]
        assert {str(status) for status in (*route.errors, 400, 429, 500, 503)} <= set(operation["responses"])
    document["paths"].clear()
    assert openapi_document()["paths"], "each call builds a new document"


def test_chat_accepts_an_idempotency_key_and_documents_its_payloads() -> None:
    document = openapi_document()
    chat = document["paths"]["/api/chat"]["post"]
    assert {"$ref": "#/components/parameters/Idempotency-Key"} in chat["parameters"]
    assert document["components"]["parameters"]["Idempotency-Key"]["in"] == "header"
    request = document["components"]["schemas"]["ChatRequest"]
    assert set(request["required"]) == {"customerPhone", "reservationNumber", "message"}
    assert "customerId" in request["properties"]
    created = document["components"]["schemas"]["ChatCreated"]
    assert set(created["required"]) == {"requestId", "status", "message"}
    assert set(chat["responses"]) >= {"201", "400", "409", "413", "415", "422", "429", "500", "503"}


def test_chat_takes_the_customers_pick_and_its_422_offers_the_choices() -> None:
    document = openapi_document()
    schemas = document["components"]["schemas"]
    assert schemas["ChatRequest"]["properties"]["intent"]["enum"] == [
        "ChangeReservation",
        "ReportTrouble",
        "AddOnService",
    ]
    unclear = document["components"]["responses"]["UnprocessableEntity"]["content"]["application/json"]
    assert unclear["schema"] == {"$ref": "#/components/schemas/IntentUnclearError"}
    assert set(schemas["IntentUnclearError"]["required"]) == {"error", "choices"}
    assert schemas["IntentUnclearError"]["properties"]["choices"]["items"] == {
        "$ref": "#/components/schemas/IntentChoice"
    }
    (example,) = unclear["examples"].values()
    assert [choice["label"] for choice in example["value"]["choices"]] == [
        "예약변경",
        "트러블신고",
        "부가서비스",
    ]
    # Every other error is the plain shape.
    other = document["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"]
    assert other == {"$ref": "#/components/schemas/Error"}


def test_respond_takes_a_token_and_an_answer() -> None:
    schema = openapi_document()["components"]["schemas"]["RespondRequest"]
    assert schema["properties"]["response"]["enum"] == ["accept", "reject", "alternative"]
    assert set(schema["required"]) == {"token", "response"}
    assert "alternativeTime" in schema["properties"]


def test_errors_are_documented_as_the_runtime_sends_them() -> None:
    document = openapi_document()
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    assert "field" in error["properties"]["error"]["properties"]
    examples = api_schemas.error_examples()
    assert set(examples) == {400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503}
    documented = {body["error"]["code"] for bodies in examples.values() for body in bodies}
    # Every error the handlers map to a status has an example, so the document cannot fall behind.
    assert {kind.code for kind in ERROR_STATUS} <= documented
    assert {"error": INTERNAL_ERROR} in examples[500]
    assert api_schemas.RATE_LIMITED in examples[429]
    for status, bodies in examples.items():
        response = document["components"]["responses"][api_schemas.error_response_name(status)]
        assert set(response["content"]["application/json"]["examples"]) == {
            b["error"]["code"] for b in bodies
        }
