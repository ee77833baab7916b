"""The missions' world (partners, staff, missions, objectives) for the value reports' tests."""

from tests.missions.conftest import world  # noqa: F401  (fixture)
from tests.partners.conftest import cast  # noqa: F401  (fixture)
