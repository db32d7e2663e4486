"""Helpers of the client's check-in page (`dashboard/pages/checkin.py`): texts shown safely, dates as a
client reads them, the page's styling for phones, and the client's own trend chart."""
