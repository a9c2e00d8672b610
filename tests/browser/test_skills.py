"""Skills in the browser: an administrator adds a skill, a member rates themselves (the level picker says what
1–5 mean) and adds a certification that lapses soon, their line manager confirms the level, and a resource manager
finds them with the skills search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.accounts.models import Person
from margin.resourcing.actions import person_skill_set, skill_category_create, skill_create
from margin.resourcing.models import PersonSkill, Skill
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = "/tmp/skills-browser"


def _open_resources(page: Any, item: str) -> None:
    page.get_by_test_id("nav-resources-menu").click()
    page.get_by_test_id(item).click()


def test_rate_confirm_and_find(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm = browser_firm
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person)
    tech = skill_category_create(viewer=firm.admin, name="Technology")
    skill_create(viewer=firm.admin, category=tech, name="Python")
    aws = skill_create(viewer=firm.admin, category=tech, name="AWS")
    # Lea is a Python expert, but self-assessed and without AWS.
    person_skill_set(viewer=firm.member2, person=firm.member2_person, skill=Skill.objects.get(name="Python"), level=5)

    # The administrator adds a skill under Settings → Skills.
    sign_in("acme-admin")
    page.get_by_test_id("nav-settings-menu").click()
    page.get_by_test_id("nav-skills").click()
    form = page.get_by_test_id("skill-new")
    form.get_by_label("Category").select_option(label="Technology")
    form.get_by_label("Name").fill("Django")
    form.get_by_role("button", name="Add skill").click()
    expect(page.locator(".alert-success")).to_contain_text("The skill Django is added.")
    page.screenshot(path=f"{SHOTS}-taxonomy.png", full_page=True)
    page.context.clear_cookies()

    # Tom rates himself: Django 4, with the level picker's meanings on screen; a level missing is refused.
    sign_in("tom")
    _open_resources(page, "nav-my-skills")
    expect(page.get_by_test_id("level-legend")).to_contain_text("Expert: the reference in the firm")
    rate = page.get_by_test_id("skill-set")
    rate.get_by_label("Skill").select_option(label="Django")
    rate.get_by_role("button", name="Save my level").click()
    expect(page.get_by_test_id("field-error").first).to_have_text("A skill level is 1 (novice) to 5 (expert).")
    rate = page.get_by_test_id("skill-set")
    rate.get_by_label("Skill").select_option(label="Django")
    rate.locator("label[for='id_ps_level_3']").click()  # the fourth button: level 4
    rate.get_by_label("Years of practice").fill("5")
    rate.get_by_role("button", name="Save my level").click()
    expect(page.locator(".alert-success")).to_contain_text("Django is at level 4 (self-assessed).")
    django = Skill.objects.get(name="Django")
    row = page.get_by_test_id(f"person-skill-{django.pk}")
    expect(row.get_by_test_id("status")).to_contain_text("Self-assessed")
    rate = page.get_by_test_id("skill-set")
    rate.get_by_label("Skill").select_option(label="AWS")
    rate.locator("label[for='id_ps_level_2']").click()
    rate.get_by_role("button", name="Save my level").click()
    expect(page.get_by_test_id(f"person-skill-{aws.pk}")).to_be_visible()

    # ... and adds a certification that lapses in 12 days: an amber badge.
    today = timezone.localdate()
    cert = page.get_by_test_id("certification-new")
    cert.get_by_label("Certification").fill("AWS Solutions Architect – Associate")
    cert.get_by_label("Issued by").fill("Amazon Web Services")
    cert.get_by_label("Obtained on").fill((today - timedelta(days=700)).isoformat())
    cert.get_by_label("Expires on").fill((today + timedelta(days=12)).isoformat())
    cert.get_by_role("button", name="Add certification").click()
    expect(page.get_by_test_id("badge-lapsing")).to_contain_text("Lapses in 12 days")
    page.screenshot(path=f"{SHOTS}-my-skills.png", full_page=True)
    page.context.clear_cookies()

    # Maya, his line manager, confirms Django from his page.
    sign_in("maya")
    page.goto(f"/resources/people/{firm.member_person.pk}/skills/")
    page.get_by_test_id(f"confirm-{django.pk}").click()
    expect(page.locator(".alert-success")).to_contain_text("Tom's level in Django is confirmed.")
    expect(page.get_by_test_id(f"person-skill-{django.pk}").get_by_test_id("status")).to_contain_text("Confirmed")
    page.screenshot(path=f"{SHOTS}-confirmed.png", full_page=True)
    held = PersonSkill.objects.get(person=firm.member_person, skill=django)
    assert held.confirmed_by_id == firm.manager_user.pk and held.level == 4

    # As a resource manager she finds him: Django at least 3 and AWS at least 2, confirmed levels first.
    _open_resources(page, "nav-skills-find")
    search = page.get_by_test_id("skills-search")
    search.get_by_label("Skill 1", exact=True).select_option(label="Django")
    search.get_by_label("Minimum level 1", exact=True).select_option("3")
    search.get_by_label("Skill 2", exact=True).select_option(label="AWS")
    search.get_by_label("Minimum level 2", exact=True).select_option("2")
    search.get_by_test_id("search").click()
    results = page.get_by_test_id("skills-results")
    expect(results.get_by_test_id(f"match-{firm.member_person.pk}")).to_be_visible()
    expect(results.get_by_test_id(f"match-{firm.member2_person.pk}")).to_have_count(0)
    match = results.get_by_test_id(f"match-{firm.member_person.pk}")
    expect(match.get_by_test_id(f"level-{django.pk}")).to_contain_text("4 ✓")
    expect(match.get_by_test_id(f"level-{aws.pk}")).to_contain_text("self-assessed")
    expect(match).to_contain_text("Consultant")
    expect(match).to_contain_text("Acme US")
    page.screenshot(path=f"{SHOTS}-find.png", full_page=True)

    # Confirmed levels only: Tom's AWS is not confirmed yet, so nobody is found.
    page.get_by_test_id("confirmed-only").check()
    page.get_by_test_id("search").click()
    expect(page.get_by_test_id("no-match")).to_be_visible()
