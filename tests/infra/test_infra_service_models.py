"""botocore's data cut to the calls the functions make: what the models and endpoints keep, and that
botocore, reading them in place of its own, builds the same clients with the same endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.exceptions
import botocore.session
import pytest
from botocore.loaders import Loader
from botocore.regions import EndpointResolver

from infra.service_models import ENDPOINTS, botocore_data, cut, cut_endpoints, read_model, write_models
from runtime.adapters.packaged_aws_data import PackagedDataLoader
from runtime.deployment import CLIENT_OPERATIONS

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


def _session(data: Path | None = None) -> botocore.session.Session:
    session = botocore.session.Session()
    if data is not None:
        session.register_component("data_loader", PackagedDataLoader(data))
    return session


def _client(session: botocore.session.Session, service: str, region: str) -> object:
    return session.create_client(
        service, region_name=region, aws_access_key_id="a", aws_secret_access_key="b"
    )


@pytest.mark.parametrize("service", sorted(CLIENT_OPERATIONS))
def test_botocore_reads_the_cut_model_first_and_its_client_has_exactly_those_operations(models, service):
    client = _client(_session(models), service, "ap-northeast-2")

    assert sorted(client.meta.service_model.operation_names) == sorted(CLIENT_OPERATIONS[service])
    assert client.meta.region_name == "ap-northeast-2"


def test_the_packaged_loader_lists_only_the_folders_services_and_counts_its_files_as_botocores(models):
    loader = PackagedDataLoader(models)

    for type_name in ("service-2", "endpoint-rule-set-1", "waiters-2"):
        assert loader.list_available_services(type_name) == sorted(CLIENT_OPERATIONS)
    _endpoints, path = loader.load_data_with_path("endpoints")
    assert Path(path).parent == models
    assert loader.is_builtin_path(path)
    assert not loader.is_builtin_path(str(models.parent / "elsewhere" / "endpoints.json"))
    # What the folder lacks still comes from botocore's own data: the endpoint rules among it.
    assert loader.is_builtin_path(loader.load_data_with_path("_retry")[1])
    rules = loader.load_service_model("dynamodb", "endpoint-rule-set-1")
    assert rules == Loader().load_service_model("dynamodb", "endpoint-rule-set-1")


def test_a_client_for_a_service_the_folder_lacks_cannot_be_created(models):
    with pytest.raises(botocore.exceptions.UnknownServiceError):
        _client(_session(models), "s3", "ap-northeast-2")


def test_the_cut_endpoints_keep_every_partition_and_region_and_only_the_named_services():
    whole = json.loads((botocore_data() / ENDPOINTS).read_text(encoding="utf-8"))

    kept = cut_endpoints(whole, ["dynamodb", "states"])

    assert [p["partition"] for p in kept["partitions"]] == [p["partition"] for p in whole["partitions"]]
    for mine, theirs in zip(kept["partitions"], whole["partitions"], strict=True):
        assert {k: v for k, v in mine.items() if k != "services"} == {
            k: v for k, v in theirs.items() if k != "services"
        }
        assert set(mine["services"]) == {"dynamodb", "states"} & set(theirs["services"])
        assert all(mine["services"][name] == theirs["services"][name] for name in mine["services"])


def _endpoint_prefixes(models: Path) -> list[str]:
    return sorted(
        json.loads(model.read_text(encoding="utf-8"))["metadata"]["endpointPrefix"]
        for model in models.glob("*/*/service-2.json")
    )


def _resolved(resolver: EndpointResolver, prefix: str, region: str, variant: dict) -> object:
    """The endpoint, or the error botocore gives for a variant it has none of."""
    try:
        return resolver.construct_endpoint(prefix, region, **variant)
    except botocore.exceptions.BotoCoreError as error:
        return f"{type(error).__name__}: {error}"


def test_every_region_of_every_partition_resolves_the_functions_services_as_the_whole_file_does(models):
    whole = EndpointResolver(
        json.loads((botocore_data() / ENDPOINTS).read_text(encoding="utf-8")), uses_builtin_data=True
    )
    packaged = EndpointResolver(
        json.loads((models / ENDPOINTS).read_text(encoding="utf-8")), uses_builtin_data=True
    )
    compared = 0
    for partition in whole._endpoint_data["partitions"]:  # botocore keeps the data it was given here
        for region in partition["regions"]:
            for prefix in _endpoint_prefixes(models):
                for variant in ({}, {"use_fips_endpoint": True}, {"use_dualstack_endpoint": True}):
                    assert _resolved(packaged, prefix, region, variant) == _resolved(
                        whole, prefix, region, variant
                    ), (prefix, region, variant)
                    compared += 1
    assert compared > 500


@pytest.mark.parametrize(
    "region", ["ap-northeast-2", "us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"]
)
def test_clients_from_the_packaged_data_reach_the_endpoints_botocores_own_data_gives(models, region):
    own, packaged = _session(), _session(models)
    for service in sorted(CLIENT_OPERATIONS):
        theirs, ours = _client(own, service, region), _client(packaged, service, region)
        assert (ours.meta.endpoint_url, ours.meta.region_name, ours.meta.partition) == (
            theirs.meta.endpoint_url,
            theirs.meta.region_name,
            theirs.meta.partition,
        ), service
        assert ours.meta.service_model.signing_name == theirs.meta.service_model.signing_name
        # Endpoints come from the service's rules, not from botocore's fallback when it finds none.
        assert ours._ruleset_resolver is not None, service


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
