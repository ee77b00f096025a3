"""Two towns side by side under one city, each with its own unit manager, learners,
campaign answers, quiz attempt and certificate: subtree A (本镇) and subtree B (外镇).
Names are unusual enough that finding one in a page means it leaked."""

from __future__ import annotations

import pytest

from surveys.models import CampaignUnit
from surveys.services import campaign_create, campaign_open
from tests.factories import make_person, make_unit
from tests.surveys.conftest import add_responses, make_survey
from units.models import Role

UNIT_NAMES = {"A": "本镇清风村", "B": "外镇保密村"}
PERSON_NAMES = {"A": "本镇李某", "B": "外镇张某"}


@pytest.fixture
def towns(db):
    return build_towns()


def build_towns() -> dict:
    root = make_unit("SC", name="安全市", kind_name="其他")
    world = {"root": root, "people": {}, "campaign": {}, "unit": {}, "town": {}}
    for side in ("A", "B"):
        town = make_unit(f"SC-{side}", parent=root, name=f"{side}镇", kind_name="其他")
        unit = make_unit(
            f"SC-{side}-1",
            parent=town,
            name=UNIT_NAMES[side],
            kind_name="村居",
            headcount=12,
        )
        person = make_person(f"person_{side.lower()}", unit=unit)
        person.full_name = PERSON_NAMES[side]
        person.email = f"person_{side.lower()}@example.org"
        person.save(update_fields=["full_name", "email"])
        world["town"][side], world["unit"][side] = town, unit
        world["people"][f"person_{side}"] = person
        world["people"][f"unit_manager_{side}"] = make_person(
            f"um_{side.lower()}",
            unit=unit,
            role=Role.UNIT_MANAGER,
            managed_unit=town,
        )
        # A campaign of the town alone: the other town's manager must not find it.
        campaign = campaign_open(
            campaign=campaign_create(
                survey=make_survey(title=f"{side}镇测评"),
                title=f"{side}镇 2026 测评",
                root_unit=town,
            )
        )
        add_responses(campaign, unit.code, 6, R1="A", S1="5", T1=f"{side}镇意见")
        world["campaign"][side] = campaign
    village_a = world["unit"]["A"]
    world["people"].update(
        learner=make_person("learner", unit=village_a),
        editor=make_person("editor", unit=village_a, role=Role.EDITOR),
        campaign_manager=make_person(
            "campaigns", unit=village_a, role=Role.CAMPAIGN_MANAGER
        ),
        administrator=make_person(
            "administrator", unit=village_a, role=Role.ADMINISTRATOR
        ),
    )
    return world


def unit_link(campaign, unit) -> str:
    token = CampaignUnit.objects.get(campaign=campaign, unit=unit).token
    return f"/surveys/u/{token}/"
