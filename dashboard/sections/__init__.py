"""The sections of the client page, one module each."""

from dashboard.sections.checkins import show_checkins
from dashboard.sections.export import show_export
from dashboard.sections.flags import show_flags
from dashboard.sections.focus import show_focus
from dashboard.sections.observations import show_observations
from dashboard.sections.overview import show_overview
from dashboard.sections.settings import show_settings

__all__ = [
    "show_checkins",
    "show_export",
    "show_flags",
    "show_focus",
    "show_observations",
    "show_overview",
    "show_settings",
]
