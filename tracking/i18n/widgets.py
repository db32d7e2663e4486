"""Words of the widgets themselves: placeholders Koers passes to Streamlit, and Streamlit's own words.

Streamlit 1.67 writes some words itself, in English, whatever the app's language: the labels a
screen reader speaks (`Collapse sidebar`, `Show password`, `Help for <label>`), the buttons of a
table's toolbar, and Plotly's chart buttons. Where Streamlit takes a text from the app (a
placeholder, `select_all=False`, `enter_to_submit=False`) Koers passes its own; for the rest, the
`streamlit.*` texts below are Streamlit's English exactly as its frontend writes it (`en`) and what a
Dutch page says instead (`nl`); `dashboard/wording.py` puts them in place in the browser. `{label}`
stands for the widget's own label.
"""

TEXTS = {
    # Placeholders Koers passes to the widgets.
    "widget.choose": {"nl": "Kies een optie", "en": "Choose an option"},
    "widget.choose_any": {"nl": "Alle", "en": "All"},
    # Streamlit's own words (the English is Streamlit's, letter for letter).
    "streamlit.skip": {"nl": "Naar de inhoud", "en": "Skip to main content"},
    "streamlit.app_pages": {"nl": "Pagina's", "en": "App pages"},
    "streamlit.sidebar": {"nl": "Zijbalk", "en": "Sidebar"},
    "streamlit.collapse_sidebar": {"nl": "Zijbalk inklappen", "en": "Collapse sidebar"},
    "streamlit.expand_sidebar": {"nl": "Zijbalk uitklappen", "en": "Expand sidebar"},
    "streamlit.main_menu": {"nl": "Hoofdmenu", "en": "Main menu"},
    "streamlit.running": {"nl": "Bezig...", "en": "Running..."},
    "streamlit.stop": {"nl": "Stoppen", "en": "Stop script"},
    "streamlit.open": {"nl": "Openen", "en": "Open"},
    "streamlit.close": {"nl": "Sluiten", "en": "Close"},
    "streamlit.clear_all": {"nl": "Alles wissen", "en": "Clear all"},
    "streamlit.clear_value": {"nl": "Wissen", "en": "Clear value"},
    "streamlit.clear_entry": {"nl": "Invoer wissen", "en": "Clear entry"},
    "streamlit.clear_selection": {"nl": "Keuze wissen", "en": "Clear selection"},
    "streamlit.remove": {"nl": "{label} verwijderen", "en": "Remove {label}"},
    "streamlit.selected_values": {"nl": "Gekozen waarden", "en": "Selected values"},
    "streamlit.choose_options": {"nl": "Kies een of meer", "en": "Choose options"},
    "streamlit.choose_option": {"nl": "Kies een optie", "en": "Choose an option"},
    "streamlit.select_all": {"nl": "Alles kiezen", "en": "Select all"},
    "streamlit.no_results": {"nl": "Geen resultaten", "en": "No results"},
    "streamlit.show_password": {"nl": "Wachtwoord tonen", "en": "Show password"},
    "streamlit.hide_password": {"nl": "Wachtwoord verbergen", "en": "Hide password"},
    "streamlit.help_for": {"nl": "Uitleg bij {label}", "en": "Help for {label}"},
    "streamlit.link_to_heading": {"nl": "Link naar deze kop", "en": "Link to heading"},
    "streamlit.progress": {"nl": "voortgang", "en": "progress"},
    "streamlit.copy": {"nl": "Kopiëren", "en": "Copy to clipboard"},
    "streamlit.increment": {"nl": "Verhogen", "en": "Increment"},
    "streamlit.decrement": {"nl": "Verlagen", "en": "Decrement"},
    "streamlit.press_enter_apply": {"nl": "Druk op Enter om toe te passen", "en": "Press Enter to apply"},
    "streamlit.press_enter_submit": {"nl": "Druk op Enter om te versturen", "en": "Press Enter to submit form"},
    "streamlit.press_ctrl_enter_apply": {
        "nl": "Druk op Ctrl+Enter om toe te passen", "en": "Press Ctrl+Enter to apply",
    },
    "streamlit.press_ctrl_enter_submit": {
        "nl": "Druk op Ctrl+Enter om te versturen", "en": "Press Ctrl+Enter to submit form",
    },
    # A table's toolbar and column menu.
    "streamlit.download_csv": {"nl": "Downloaden als CSV", "en": "Download as CSV"},
    "streamlit.search": {"nl": "Zoeken", "en": "Search"},
    "streamlit.close_search": {"nl": "Zoeken sluiten", "en": "Close Search"},
    "streamlit.next_result": {"nl": "Volgende", "en": "Next Result"},
    "streamlit.previous_result": {"nl": "Vorige", "en": "Previous Result"},
    "streamlit.fullscreen": {"nl": "Volledig scherm", "en": "Fullscreen"},
    "streamlit.close_fullscreen": {"nl": "Volledig scherm sluiten", "en": "Close fullscreen"},
    "streamlit.show_hide_columns": {"nl": "Kolommen tonen of verbergen", "en": "Show/hide columns"},
    "streamlit.column_menu": {"nl": "Kolommenu", "en": "Dataframe column menu"},
    "streamlit.copy_column_name": {"nl": "Kolomnaam kopiëren", "en": "Copy column name"},
    "streamlit.sort_ascending": {"nl": "Oplopend sorteren", "en": "Sort ascending"},
    "streamlit.sort_descending": {"nl": "Aflopend sorteren", "en": "Sort descending"},
    "streamlit.autosize": {"nl": "Breedte aanpassen", "en": "Autosize"},
    "streamlit.pin_column": {"nl": "Kolom vastzetten", "en": "Pin column"},
    "streamlit.unpin_column": {"nl": "Kolom losmaken", "en": "Unpin column"},
    "streamlit.hide_column": {"nl": "Kolom verbergen", "en": "Hide column"},
    "streamlit.format": {"nl": "Opmaak", "en": "Format"},
    # Plotly's chart buttons (Streamlit's bundle names the picture download itself).
    "streamlit.plot_png": {"nl": "Grafiek downloaden als PNG", "en": "Download plot as a PNG"},
    "plotly.zoom": {"nl": "Zoomen", "en": "Zoom"},
    "plotly.pan": {"nl": "Verschuiven", "en": "Pan"},
    "plotly.zoom_in": {"nl": "Inzoomen", "en": "Zoom in"},
    "plotly.zoom_out": {"nl": "Uitzoomen", "en": "Zoom out"},
    "plotly.autoscale": {"nl": "Alles tonen", "en": "Autoscale"},
    "plotly.reset_axes": {"nl": "Assen herstellen", "en": "Reset axes"},
    "plotly.box_select": {"nl": "Rechthoek selecteren", "en": "Box Select"},
    "plotly.lasso_select": {"nl": "Lasso selecteren", "en": "Lasso Select"},
    "plotly.download_png": {"nl": "Grafiek downloaden als PNG", "en": "Download plot as a png"},
    "plotly.double_click": {"nl": "Dubbelklik om uit te zoomen", "en": "Double-click to zoom back out"},
}


def plotly_words(lang: str) -> list[tuple[str, str]]:
    """(Plotly's English, the text in `lang`) for Plotly's own chart buttons, for its locale dictionary."""
    return [(entry["en"], entry[lang]) for key, entry in TEXTS.items() if key.startswith("plotly.")]


def streamlit_words(lang: str) -> list[tuple[str, str]]:
    """(Streamlit's English, the text in `lang`) for every word Streamlit and Plotly write themselves;
    `{label}` in either stands for the widget's label. Empty for English."""
    if lang == "en":
        return []
    return [(entry["en"], entry[lang]) for key, entry in TEXTS.items()
            if key.startswith(("streamlit.", "plotly.")) and lang in entry]
