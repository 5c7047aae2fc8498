"""Service models cut to the operations the functions call: what they keep, and that botocore reads
them in place of its own."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest

from infra.service_models import botocore_data, cut, read_model, write_models
from runtime.contract import CLIENT_OPERATIONS

TINY = {
    "version": "2.0",
    "metadata": {"apiVersion": "2026-01-01", "serviceId": "Tiny", "protocol": "json"},
    "documentation": "A tiny service.",
    "operations": {
        "Get": {
            "name": "Get",
            "input": {"shape": "GetInput"},
            "output": {"shape": "GetOutput"},
            "errors": [{"shape": "Missing"}],
            "documentation": "Gets.",
        },
        "Drop": {"name": "Drop", "input": {"shape": "DropInput"}},
    },
    "shapes": {
        "GetInput": {
            "type": "structure",
            "members": {"Key": {"shape": "Key", "documentation": "The key."}},
            "documentation": "What Get takes.",
        },
        "GetOutput": {"type": "structure", "members": {"Values": {"shape": "Values"}}},
        "Values": {"type": "list", "member": {"shape": "Value"}},
        "Value": {"type": "map", "key": {"shape": "Key"}, "value": {"shape": "Number"}},
        "Key": {"type": "string"},
        "Number": {"type": "integer"},
        "Missing": {"type": "structure", "members": {}, "exception": True},
        "DropInput": {"type": "structure", "members": {"Everything": {"shape": "Flag"}}},
        "Flag": {"type": "boolean"},
    },
}


def test_a_cut_keeps_the_operations_asked_for_and_every_shape_they_reach_at_any_depth():
    kept = cut(TINY, ["Get"])

    assert list(kept["operations"]) == ["Get"]
    assert set(kept["shapes"]) == {"GetInput", "GetOutput", "Values", "Value", "Key", "Number", "Missing"}
    assert kept["metadata"] == TINY["metadata"]


def test_a_cut_drops_the_documentation_of_the_service_its_operations_shapes_and_members():
    kept = cut(TINY, ["Get"])

    assert "documentation" not in kept
    assert "documentation" not in kept["operations"]["Get"]
    assert "documentation" not in kept["shapes"]["GetInput"]
    assert kept["shapes"]["GetInput"]["members"] == {"Key": {"shape": "Key"}}


def test_an_operation_the_service_lacks_cannot_be_kept():
    with pytest.raises(KeyError, match="Tiny has no operation Scan"):
        cut(TINY, ["Get", "Scan"])


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("aws_models")
    write_models(target, CLIENT_OPERATIONS)
    return target


@pytest.mark.parametrize("service", sorted(CLIENT_OPERATIONS))
def test_botocore_reads_the_cut_model_first_and_its_client_has_exactly_those_operations(models, service):
    session = botocore.session.Session()
    session.set_config_variable("data_path", str(models))
    client = session.create_client(
        service, region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b"
    )

    assert sorted(client.meta.service_model.operation_names) == sorted(CLIENT_OPERATIONS[service])
    assert client.meta.region_name == "ap-northeast-2"


@pytest.mark.parametrize("service", sorted(CLIENT_OPERATIONS))
def test_a_cut_model_describes_its_operations_as_botocores_own_does(models, service):
    written = next((models / service).glob("*/service-2.json"))
    own = read_model(botocore_data() / service / written.parent.name)
    kept = json.loads(written.read_text(encoding="utf-8"))

    for name in CLIENT_OPERATIONS[service]:
        assert kept["operations"][name]["http"] == own["operations"][name]["http"]
        for reference in ("input", "output"):
            if reference in own["operations"][name]:
                shape = own["operations"][name][reference]["shape"]
                assert set(kept["shapes"][shape].get("members", {})) == set(
                    own["shapes"][shape].get("members", {})
                )
    assert len(written.read_bytes()) < len(json.dumps(own)) / 4
