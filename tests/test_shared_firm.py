"""The `firm` fixture is built once per module and every test still starts from the firm as built
(tests/shared_firm.py). These tests run in file order (pytest keeps it within a module), the one that commits last."""

from __future__ import annotations

import pytest

from margin.accounts.models import Organisation
from margin.projects.models import Project
from tests.firm import Firm
from tests.shared_firm import shared

seen: dict[str, int] = {}


def test_a_test_changes_the_firm_in_the_database_and_in_memory(firm: Firm) -> None:
    seen["builds"] = shared.builds
    firm.project.name = "Renamed by the first test"
    firm.project.save(update_fields=["name"])
    firm.design.delete()


def test_the_next_test_gets_the_same_firm_as_it_was_built(db: None, firm: Firm) -> None:
    assert shared.builds == seen["builds"]  # shared: not built again
    assert firm.project.name == "Globex portal"  # the copy in memory is the one built
    assert Project.objects.get(pk=firm.project.pk).name == "Globex portal"  # the savepoint was rolled back
    assert firm.project.tasks.filter(pk=firm.design.pk).exists()


def test_a_test_without_the_firm_sees_an_empty_database(db: None) -> None:
    assert Organisation.objects.count() == 0


def test_the_next_test_that_asks_for_it_builds_it_again(firm: Firm) -> None:
    assert shared.builds == seen["builds"] + 1
    assert Organisation.objects.count() == 2
    assert firm.project.name == "Globex portal"


@pytest.mark.django_db(transaction=True)  # pytest-django runs these after the others
def test_a_test_that_commits_builds_its_own(firm: Firm) -> None:
    assert shared.firm is None  # no module firm is open: this test built its own, and it is the only one
    assert Organisation.objects.count() == 2
