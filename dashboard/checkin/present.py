"""How the check-in page shows things: dates in the client's own time zone and language, and the styling
that makes the form work on a 360 px phone. (Names are shown with `dashboard.runtime.show_plain`.)"""

from __future__ import annotations

from datetime import datetime

from tracking.i18n import formats, long_moment


def when(moment: datetime, tz: str, lang: str, *, with_time: bool = True) -> str:
    """'vrijdag 27 november om 09:00' / 'Friday 27 November at 09:00' in the client's time zone
    (without the time: 'vrijdag 27 november'), as the emails say it."""
    return long_moment(moment, lang, tz) if with_time else formats.long_day(moment, lang, tz)


# Large touch targets (WCAG 2.5.5: 44 px) and a visible keyboard focus; one narrow column, so a desktop
# reads it as a phone does. The slider's thumb grows, its track gets a tall touch zone, and its value
# ("not answered yet" or the number) gets room above the thumb instead of covering the question. The
# tick bar repeats what the thumb and the anchors below already say, so it goes. An unanswered slider
# (position 0, left of the answer 0) has a hollow thumb: empty, in shape as well as in words.
# Only Koers' own constant CSS goes through st.html, never anything a client typed.
PAGE_CSS = """
<style>
.stMainBlockContainer { max-width: 42rem; padding: 3rem 1rem 4rem 1rem; }
[data-testid="stSlider"] [role="group"] { margin-top: 1.6rem; }
[data-testid="stSlider"] [role="group"] > div[data-orientation] { min-height: 2.75rem; }
[data-testid="stSlider"] [role="group"] div[style*="translate(-50%, -50%)"] {
  width: 1.75rem !important; height: 1.75rem !important;
}
[data-testid="stSlider"] [role="group"] div[style*="translate(-50%, -50%)"]:has(input:focus-visible) {
  outline: 3px solid #1f2a2e; outline-offset: 3px;
}
[data-testid="stSlider"] [role="group"] div[style*="translate(-50%, -50%)"]:has(input[value="0"]) {
  background: #fbfaf7 !important; border: 3px solid #2f6f73; box-sizing: border-box;
}
[data-testid="stSliderThumbValue"] { font-weight: 600; white-space: nowrap; }
[data-testid="stSliderTickBar"] { display: none; }
.stButton button { min-height: 2.75rem; font-size: 1.05rem; }
[data-testid="stCheckbox"] label { min-height: 2.75rem; align-items: center; }
</style>
"""
