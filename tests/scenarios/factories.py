"""Region administrators and scenario lists taken through the workflow."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import CatalogEntry
from scenarios import services
from scenarios.models import Decision, RegionAdministrator, ScenarioList
from scenarios.permissions import REGION_ADMINS, ensure_groups
from trust.models import Region

from ..factories import RegionFactory, all_regions

PASSWORD = "Governance-test-1"  # noqa: S105


def region_admin(code: str, username: str | None = None):
    """A staff user administering region ``code``, in the region administrators' group."""
    region = RegionFactory(code=code)
    user = get_user_model().objects.filter(username=username or f"admin_{code.lower()}").first()
    if user is None:
        user = get_user_model().objects.create_user(
            username=username or f"admin_{code.lower()}", password=PASSWORD, is_staff=True
        )
    RegionAdministrator.objects.update_or_create(user=user, defaults={"region": region})
    ensure_groups()
    user.groups.add(Group.objects.get(name=REGION_ADMINS))
    return user


def four_admins() -> dict[str, object]:
    """One administrator per party of the table (the four of the standard today)."""
    return {region.code: region_admin(region.code) for region in all_regions()}


def propose(code: str, entries: list[CatalogEntry], *, by: str = "SH", name: str | None = None, **kwargs) -> ScenarioList:
    return services.register_proposal(
        actor=region_admin(by), code=code, name=name or f"清单 {code}", entries=entries, **kwargs
    )


def confirm(scenario: ScenarioList, *codes: str) -> services.DecisionResult | None:
    result = None
    for code in codes:
        scenario.refresh_from_db()
        result = services.decide(
            scenario,
            actor=region_admin(code),
            region=Region.objects.get(code=code),
            revision=scenario.revision,
            decision=Decision.CONFIRMED,
        )
    scenario.refresh_from_db()
    return result


def publish_with_four(scenario: ScenarioList) -> ScenarioList:
    """Every region the list's round needs confirms it (the four of the standard today)."""
    scenario.refresh_from_db()
    confirm(scenario, *scenario.needed_regions)
    return scenario


def fast_passwords(settings) -> None:
    """Governance tests create many staff users; the production hasher costs a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
