"""An SSP exported from Python loads into compliance-trestle's model in
memory, without touching the disk."""

import onus
import pytest


def test_an_ssp_from_python_loads_into_trestles_model():
    try:
        from trestle.oscal.ssp import SystemSecurityPlan
        from trestle.oscal.component import ComponentDefinition
    except ImportError:
        pytest.fail("compliance-trestle is not installed: run `bash python/setup`")
    azure = onus.Policy.builtin("azure")
    document = azure.export("oscal-ssp", model="paas", baseline="moderate", date="2026-12-07")
    ssp = SystemSecurityPlan.parse_obj(document["system-security-plan"])
    requirements = ssp.control_implementation.implemented_requirements
    # Every control of NIST's MODERATE baseline (287), carried or not.
    assert len(requirements) == 287
    assert {r.control_id for r in requirements} >= {"ac-2", "pe-3", "sc-7"}
    assert ssp.metadata.last_modified.isoformat().startswith("2026-12-07")
    component = azure.export("oscal-component-definition", model="paas")
    definition = ComponentDefinition.parse_obj(component["component-definition"])
    assert definition.components[0].control_implementations
