"""Streamlit's own words in the page's language.

Streamlit 1.67 has no setting for its language: the labels a screen reader speaks (`Collapse
sidebar`, `Show password`, `Help for <label>`), a table's toolbar and Plotly's chart buttons are
English on every page. Where a widget takes a text from the app, the pages pass Koers' own (a
placeholder, `select_all=False`, a form with `enter_to_submit=False`, `anchor=False`); everything
else is put into the page's language here, in the browser: a small script swaps each of Streamlit's
known English words (`tracking.i18n.widgets`, exact matches only, never inside anything a person
typed) for the Dutch one, now and whenever Streamlit draws it again. In English it puts back what
it swapped.

The script is Koers' own constant code with its word list as JSON; nothing from the data or from a
request goes into it.
"""

from __future__ import annotations

import json

import streamlit as st

from tracking.i18n.widgets import streamlit_words

CONTAINER = "koers_words"

SCRIPT = """
<style>.st-key-%(container)s { display: none; }</style>
<script>
(() => {
  const words = %(words)s;
  const exact = new Map();
  const around = [];
  for (const [english, translated] of words) {
    if (english.includes("{label}")) {
      const [before, after] = english.split("{label}");
      around.push([before, after, translated]);
    } else {
      exact.set(english, translated);
    }
  }
  const translate = (value) => {
    const text = (value || "").trim();
    if (!text) return null;
    if (exact.has(text)) return exact.get(text);
    for (const [before, after, translated] of around) {
      if (text.length > before.length + after.length && text.startsWith(before) && text.endsWith(after)) {
        return translated.replace("{label}", text.slice(before.length, text.length - after.length));
      }
    }
    return null;
  };
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "data-title", "aria-valuetext"];
  // What people wrote (a client's note, a coach's observation) is never touched.
  const TYPED = '[data-testid="stText"], [data-testid="stMarkdownContainer"], [data-testid="stCode"], ' +
                'textarea, [contenteditable="true"], script, style, [data-testid="stIconMaterial"]';
  const state = window.__koersWords || (window.__koersWords = {touched: new Map(), translate: null});
  const remember = (node, name, original) => {
    const kept = state.touched.get(node) || {};
    if (!(name in kept)) kept[name] = original;
    state.touched.set(node, kept);
  };
  const fixElement = (element) => {
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute && element.getAttribute(name);
      const translated = value && state.translate(value);
      if (translated && translated !== value) {
        remember(element, name, value);
        element.setAttribute(name, translated);
      }
    }
  };
  const fixText = (node) => {
    const parent = node.parentElement;
    if (!parent || parent.closest(TYPED)) return;
    const translated = state.translate(node.nodeValue);
    if (translated && translated !== node.nodeValue.trim()) {
      remember(node, "#text", node.nodeValue);
      node.nodeValue = node.nodeValue.replace(node.nodeValue.trim(), translated);
    }
  };
  const fix = (root) => {
    if (root.nodeType === Node.TEXT_NODE) { fixText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fixElement(root);
    root.querySelectorAll(ATTRIBUTES.map((name) => `[${name}]`).join(",")).forEach(fixElement);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) fixText(node);
  };
  for (const [node, kept] of state.touched) {
    for (const [name, original] of Object.entries(kept)) {
      if (name === "#text") node.nodeValue = original; else node.setAttribute(name, original);
    }
  }
  state.touched.clear();
  state.translate = translate;
  if (!state.observer) {
    state.observer = new MutationObserver((changes) => {
      if (!state.translate) return;
      for (const change of changes) {
        if (change.type === "attributes") fixElement(change.target);
        else if (change.type === "characterData") fixText(change.target);
        else change.addedNodes.forEach(fix);
      }
    });
    state.observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                            attributes: true, attributeFilter: ATTRIBUTES});
  }
  if (words.length) fix(document.body);
})();
</script>
"""


def put_in_place(lang: str) -> None:
    """Have the browser write Streamlit's own words in `lang` on this page (and put back the English)."""
    words = json.dumps(streamlit_words(lang), ensure_ascii=False).replace("</", "<\\/")
    with st.container(key=CONTAINER):
        st.html(SCRIPT % {"container": CONTAINER, "words": words}, unsafe_allow_javascript=True)
