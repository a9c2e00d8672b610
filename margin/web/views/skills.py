"""Skills screens: Settings → Skills (the taxonomy, administrators), a person's skills and certifications ("My
skills" for oneself: a self-assessment; "Confirm" for their line manager), and "Find people" by skills and
minimum levels (those who staff and watch load).

Every write is one action of :mod:`margin.resourcing.actions.skills`; a refusal shows on the form that was sent
(its 4xx status) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from margin.accounts.models import Person
from margin.accounts.queries import Viewer, companies_visible, roles_visible
from margin.core.errors import DomainError, Forbidden, Invalid, NotFound
from margin.resourcing.actions import (
    CertificationInput,
    certification_add,
    certification_remove,
    certification_update,
    person_skill_confirm,
    person_skill_remove,
    person_skill_set,
    skill_category_create,
    skill_category_delete,
    skill_category_rename,
    skill_create,
    skill_delete,
    skill_update,
)
from margin.resourcing.models import Certification
from margin.resourcing.queries import (
    LAPSING_DAYS,
    LEVELS,
    can_see_resources,
    certification_get,
    certification_state,
    certifications_of,
    may_change_skills,
    may_confirm_skills,
    person_skill_get,
    person_skills,
    skill_categories_visible,
    skill_category_get,
    skill_get,
    skill_taxonomy,
    skills_person_get,
    skills_search,
    skills_visible,
)
from margin.resourcing.queries.skills import Requirement
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import MAX_ID
from margin.web.forms_firm import StyledForm, refuse
from margin.web.forms_skills import (
    LEVEL_CHOICES,
    LEVEL_NAMES,
    CategoryForm,
    CertificationForm,
    PersonSkillForm,
    RenewForm,
    SkillForm,
    skill_groups,
)
from margin.web.pages import page
from margin.web.views.settings import checked_id, settings_page

SEARCH_ROWS = 4  # skill pickers on the search screen


def _saved(form: StyledForm, call: Any, **fields: Any) -> Any:
    """Run an action; a refusal (but 403/404) becomes a form error and None."""
    try:
        return call(**fields)
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        refuse(form, error)
        return None


# --- Settings → Skills ----------------------------------------------------------------------------------------


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied("Only administrators change the skills taxonomy.")


def _taxonomy_page(
    request: HtmxRequest,
    viewer: Viewer,
    *,
    category_form: CategoryForm | None = None,
    skill_form: SkillForm | None = None,
    failed: tuple[str, int, StyledForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    categories = list(skill_categories_visible(viewer))
    rows = []
    for row in skill_taxonomy(viewer):
        c = row.category
        rename = (
            failed[2]
            if failed and failed[:2] == ("category", c.pk)
            else CategoryForm(initial={"name": c.name}, auto_id=f"id_c{c.pk}_%s")
        )
        skills = [
            {
                "skill": s,
                "holders": row.holders[s.pk],
                "form": failed[2]
                if failed and failed[:2] == ("skill", s.pk)
                else SkillForm(
                    initial={"name": s.name, "category": s.category_id, "description": s.description},
                    categories=categories,
                    auto_id=f"id_s{s.pk}_%s",
                ),
            }
            for s in row.skills
        ]
        rows.append({"category": c, "form": rename, "skills": skills})
    context = {
        "rows": rows,
        "category_form": category_form or CategoryForm(auto_id="id_newc_%s"),
        "skill_form": skill_form or SkillForm(categories=categories, auto_id="id_news_%s"),
        "has_categories": bool(categories),
    }
    return settings_page(request, viewer, "web/settings/skills.html", context, tab="skills", status=status)


@require_http_methods(["GET", "POST"])
@viewer_view
def skills_settings(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The taxonomy; a POST adds a category."""
    _require_admin(viewer)
    if request.method != "POST":
        return _taxonomy_page(request, viewer)
    form = CategoryForm(request.POST, auto_id="id_newc_%s")
    if form.is_valid():
        category = _saved(form, skill_category_create, viewer=viewer, name=form.cleaned_data["name"])
        if category is not None:
            messages.success(request, f"The category {category.name} is added.")
            return redirect("web:settings_skills")
    return _taxonomy_page(request, viewer, category_form=form, status=form.refusal_status)


@require_POST
@viewer_view
def skill_category_edit(request: HtmxRequest, viewer: Viewer, category_id: int) -> HttpResponse:
    _require_admin(viewer)
    category = skill_category_get(viewer, checked_id(category_id))
    if request.POST.get("delete"):
        try:
            skill_category_delete(viewer=viewer, category=category)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            messages.error(request, error.message)
            return _taxonomy_page(request, viewer, status=error.status)
        messages.success(request, f"The category {category.name} is deleted.")
        return redirect("web:settings_skills")
    form = CategoryForm(request.POST, auto_id=f"id_c{category.pk}_%s")
    if form.is_valid():
        old = category.name
        if _saved(form, skill_category_rename, viewer=viewer, category=category, name=form.cleaned_data["name"]):
            messages.success(request, f"{old} is now called {form.cleaned_data['name']}.")
            return redirect("web:settings_skills")
    return _taxonomy_page(request, viewer, failed=("category", category.pk, form), status=form.refusal_status)


@require_POST
@viewer_view
def skill_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    _require_admin(viewer)
    form = SkillForm(request.POST, categories=list(skill_categories_visible(viewer)), auto_id="id_news_%s")
    if form.is_valid():
        data = form.cleaned_data
        skill = _saved(
            form,
            skill_create,
            viewer=viewer,
            category=skill_category_get(viewer, data["category"]),
            name=data["name"],
            description=data["description"],
        )
        if skill is not None:
            messages.success(request, f"The skill {skill.name} is added.")
            return redirect("web:settings_skills")
    return _taxonomy_page(request, viewer, skill_form=form, status=form.refusal_status)


@require_POST
@viewer_view
def skill_edit(request: HtmxRequest, viewer: Viewer, skill_id: int) -> HttpResponse:
    """Rename a skill or move it (``delete`` in the form: delete it, refused while someone holds it)."""
    _require_admin(viewer)
    skill = skill_get(viewer, checked_id(skill_id))
    categories = list(skill_categories_visible(viewer))
    auto_id = f"id_s{skill.pk}_%s"
    if request.POST.get("delete"):
        try:
            skill_delete(viewer=viewer, skill=skill)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            form = SkillForm(
                initial={"name": skill.name, "category": skill.category_id, "description": skill.description},
                categories=categories,
                auto_id=auto_id,
            )
            messages.error(request, error.message)
            return _taxonomy_page(request, viewer, failed=("skill", skill.pk, form), status=error.status)
        messages.success(request, f"The skill {skill.name} is deleted.")
        return redirect("web:settings_skills")
    form = SkillForm(request.POST, categories=categories, auto_id=auto_id)
    if form.is_valid():
        data = form.cleaned_data
        saved = _saved(
            form,
            skill_update,
            viewer=viewer,
            skill=skill,
            name=data["name"],
            category=skill_category_get(viewer, data["category"]),
            description=data["description"],
        )
        if saved is not None:
            messages.success(request, f"The skill {saved.name} is saved.")
            return redirect("web:settings_skills")
    return _taxonomy_page(request, viewer, failed=("skill", skill.pk, form), status=form.refusal_status)


# --- a person's skills ----------------------------------------------------------------------------------------


def _person_page(
    request: HtmxRequest,
    viewer: Viewer,
    person: Person,
    *,
    skill_form: PersonSkillForm | None = None,
    cert_form: CertificationForm | None = None,
    renew: tuple[int, RenewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    skills = list(skills_visible(viewer))
    can_change = may_change_skills(viewer, person)
    can_confirm = may_confirm_skills(viewer, person)
    certifications = [
        {
            "cert": c,
            "state": certification_state(c.expires_on, today),
            "days": (c.expires_on - today).days if c.expires_on else None,
            "renew": renew[1]
            if renew and renew[0] == c.pk
            else RenewForm(initial={"expires_on": c.expires_on}, auto_id=f"id_r{c.pk}_%s"),
        }
        for c in certifications_of(person)
    ]
    own = viewer.person_id == person.pk
    context = {
        "person": person,
        "own": own,
        "rows": [{"ps": ps, "meaning": LEVELS.get(ps.level, "")} for ps in person_skills(person)],
        "certifications": certifications,
        "can_change": can_change,
        "can_confirm": can_confirm,
        "skill_form": skill_form or PersonSkillForm(skills=skills, initial={"years": 0}, auto_id="id_ps_%s"),
        "cert_form": cert_form or CertificationForm(skills=skills, auto_id="id_cert_%s"),
        "levels": LEVELS,
        "level_choices": LEVEL_CHOICES,
        "lapsing_days": LAPSING_DAYS,
        "has_skills": bool(skills),
    }
    return page(request, viewer, "web/resources/person_skills.html", context, active="resources", status=status)


@require_GET
@viewer_view
def my_skills(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    if viewer.person_id is None:
        raise NotFound("You are not a person of this firm: only people have skills.")
    return redirect("web:person_skills", viewer.person_id)


@require_http_methods(["GET", "POST"])
@viewer_view
def person_skills_view(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    """A person's skills and certifications; a POST sets their level in a skill."""
    person = skills_person_get(viewer, checked_id(person_id))
    if request.method != "POST":
        return _person_page(request, viewer, person)
    form = PersonSkillForm(request.POST, skills=list(skills_visible(viewer)), auto_id="id_ps_%s")
    if form.is_valid():
        data = form.cleaned_data
        saved = _saved(
            form,
            person_skill_set,
            viewer=viewer,
            person=person,
            skill=skill_get(viewer, data["skill"]),
            level=data["level"],
            years=data["years"] or 0,
        )
        if saved is not None:
            how = "self-assessed" if viewer.person_id == person.pk else "confirmed"
            messages.success(request, f"{saved.skill.name} is at level {saved.level} ({how}).")
            return redirect("web:person_skills", person.pk)
    return _person_page(request, viewer, person, skill_form=form, status=form.refusal_status)


def _refusal(request: HtmxRequest, error: DomainError, person_id: int) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("web:person_skills", person_id)


@require_POST
@viewer_view
def person_skill_change(
    request: HtmxRequest, viewer: Viewer, person_id: int, skill_id: int, change: str
) -> HttpResponse:
    """Confirm a level (the line manager, an administrator) or remove it."""
    person = skills_person_get(viewer, checked_id(person_id))
    held = person_skill_get(viewer, person, checked_id(skill_id))
    try:
        if change == "confirm":
            person_skill_confirm(viewer=viewer, person_skill=held)
            messages.success(request, f"{person.name}'s level in {held.skill.name} is confirmed.")
        else:
            person_skill_remove(viewer=viewer, person_skill=held)
            messages.success(request, f"{held.skill.name} is removed from {person.name}'s skills.")
    except Forbidden:
        raise
    except DomainError as error:
        return _refusal(request, error, person.pk)
    return redirect("web:person_skills", person.pk)


def _certification_input(data: dict[str, Any], viewer: Viewer) -> CertificationInput:
    return CertificationInput(
        name=data["name"],
        issuer=data["issuer"],
        reference=data["reference"],
        obtained_on=data["obtained_on"],
        expires_on=data["expires_on"],
        skill=skill_get(viewer, data["skill"]) if data["skill"] is not None else None,
    )


@require_POST
@viewer_view
def certification_new(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    person = skills_person_get(viewer, checked_id(person_id))
    form = CertificationForm(request.POST, skills=list(skills_visible(viewer)), auto_id="id_cert_%s")
    if form.is_valid():
        saved = _saved(
            form, certification_add, viewer=viewer, person=person, data=_certification_input(form.cleaned_data, viewer)
        )
        if saved is not None:
            messages.success(request, f"The certification {saved.name} is added.")
            return redirect("web:person_skills", person.pk)
    return _person_page(request, viewer, person, cert_form=form, status=form.refusal_status)


@require_POST
@viewer_view
def certification_change(
    request: HtmxRequest, viewer: Viewer, person_id: int, certification_id: int, change: str
) -> HttpResponse:
    """Renew a certification (a new expiry: it will be reminded again) or remove it."""
    person = skills_person_get(viewer, checked_id(person_id))
    cert: Certification = certification_get(viewer, person, checked_id(certification_id))
    if change == "remove":
        try:
            certification_remove(viewer=viewer, certification=cert)
        except Forbidden:
            raise
        except DomainError as error:
            return _refusal(request, error, person.pk)
        messages.success(request, f"The certification {cert.name} is removed.")
        return redirect("web:person_skills", person.pk)
    form = RenewForm(request.POST, auto_id=f"id_r{cert.pk}_%s")
    if form.is_valid():
        data = CertificationInput(
            name=cert.name,
            issuer=cert.issuer,
            reference=cert.reference,
            obtained_on=cert.obtained_on,
            expires_on=form.cleaned_data["expires_on"],
            skill=cert.skill,
        )
        saved = _saved(form, certification_update, viewer=viewer, certification=cert, data=data)
        if saved is not None:
            messages.success(request, f"{cert.name} now expires on {saved.expires_on:%-d %b %Y}.")
            return redirect("web:person_skills", person.pk)
    return _person_page(request, viewer, person, renew=(cert.pk, form), status=form.refusal_status)


# --- Find people ----------------------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) <= MAX_ID else None


@require_GET
@viewer_view
def skills_find(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """Pick skills and minimum levels (all required), optionally a role, a company and confirmed levels only."""
    if not can_see_resources(viewer):
        raise PermissionDenied("Only administrators, finance and project managers search people by skills.")
    skills = list(skills_visible(viewer))
    by_id = {s.pk: s for s in skills}
    picked = list(zip(request.GET.getlist("skill"), request.GET.getlist("level"), strict=False))
    requirements: list[Requirement] = []
    error = ""
    for skill_text, level_text in picked:
        skill_id, level = _int(skill_text), _int(level_text) or 1
        if skill_id is None:
            continue
        if skill_id not in by_id:
            error = "One of the skills picked does not exist (any more); pick it again."
            continue
        requirements.append((skill_id, level))
    role_id, company_id = _int(request.GET.get("role")), _int(request.GET.get("company"))
    confirmed = request.GET.get("confirmed") == "1"
    results = None
    status = 200
    if requirements and not error:
        try:
            results = skills_search(
                viewer, requirements, role_id=role_id, company_id=company_id, confirmed_only=confirmed
            )
        except Invalid as refusal:
            error, status = refusal.message, refusal.status
    rows: list[dict[str, int | None]] = [{"skill": s, "level": lv} for s, lv in requirements]
    rows += [{"skill": None, "level": 1}] * max(0, SEARCH_ROWS - len(rows))
    context = {
        "skill_groups": skill_groups(skills),
        "rows": rows,
        "required": [(by_id[s], lv) for s, lv in requirements],
        "level_choices": LEVEL_NAMES,
        "levels": LEVELS,
        "roles": list(roles_visible(viewer).order_by("name")),
        "companies": list(companies_visible(viewer)),
        "role_id": role_id,
        "company_id": company_id,
        "confirmed": confirmed,
        "results": results,
        "error": error,
        "searched": bool(picked),
        "self_url": reverse("web:skills_find"),
    }
    return page(request, viewer, "web/resources/skills_find.html", context, active="resources", status=status)
