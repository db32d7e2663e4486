"""Koers dashboard: the Streamlit app (coach pages and the client check-in)."""
