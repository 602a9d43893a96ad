"""Every operation of botocore's Roles Anywhere model is routed and handled by the stand-in."""

import pytest

from localaws.control_plane import ControlPlane, handler_name
from localaws.service_model import ServiceModel

MODEL = ServiceModel()


def test_the_model_has_the_30_operations_of_2018_05_10():
    assert MODEL.model.api_version == "2018-05-10"
    assert len(MODEL.operation_names) == 30


@pytest.mark.parametrize("operation_name", MODEL.operation_names)
def test_operation_has_a_handler_and_a_route(operation_name):
    operation = MODEL.model.operation_model(operation_name)
    assert callable(getattr(ControlPlane, handler_name(operation_name), None))
    path = operation.http["requestUri"].split("?", 1)[0]
    for label in ("trustAnchorId", "profileId", "crlId", "subjectId"):
        path = path.replace("{%s}" % label, "0f0f0f0f-0000-4000-8000-000000000000")
    route, params = MODEL.resolve(operation.http["method"], path)
    assert route.operation.name == operation_name
    assert set(params.values()) <= {"0f0f0f0f-0000-4000-8000-000000000000"}
