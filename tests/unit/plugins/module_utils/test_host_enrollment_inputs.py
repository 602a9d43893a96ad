"""The enrolment step's input rules, applied before a key is made or a file touched."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import host_enrollment


def params(**overrides):
    outcome = ArgumentSpecValidator(host_enrollment.ARGUMENT_SPEC).validate(dict({"common_name": "db01"}, **overrides))
    assert not outcome.error_messages
    return outcome.validated_parameters


@pytest.mark.parametrize("days", [None, 1, 365, 3650])
def test_a_validity_in_range_or_none_is_accepted(days):
    host_enrollment.refuse_bad_input(params(validity_days=days))


@pytest.mark.parametrize("days", [0, -5, 3651])
def test_a_validity_out_of_range_is_refused_by_name_with_its_range(days):
    with pytest.raises(host_enrollment.EnrollmentError) as refused:
        host_enrollment.refuse_bad_input(params(validity_days=days))
    message = str(refused.value)
    assert "validity_days" in message and "1 to 3650" in message and "nothing was changed" in message
