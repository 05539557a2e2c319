// Interface strings of the mlplab playground. The table is data, in messages.json beside
// this file: for each key, its text in every language side by side
// ({"en": ..., "pt": ..., "es": ...}; the language list is the table's). Keys with a prefix
// name options (ds-, opt-, sch-, reg-, init-, act-, loss-), server errors by their code
// (err-, csv-) and warnings (warn-); {name} is filled in by the page. "language_name" is
// each language's name in itself, for the language menu.
//
// This script fetches the table once and fills window.I18N[lang][key];
// window.I18N_READY resolves when it has, and app.js waits for it before it reads a string.
"use strict";
(() => {
  const I18N = { en: {} };  // until the table arrives (or if it cannot), strings fall back to keys
  window.I18N = I18N;
  window.I18N_READY = fetch("/static/messages.json", { credentials: "same-origin" })
    .then((res) => {
      if (!res.ok) throw new Error(`the page's messages (messages.json) did not load: HTTP ${res.status}`);
      return res.json();
    })
    .then((messages) => {
      const languages = new Set(Object.values(messages).flatMap((texts) => Object.keys(texts)));
      for (const lang of languages) {
        I18N[lang] = Object.fromEntries(Object.entries(messages).map(([key, texts]) => [key, texts[lang]]));
      }
    });
})();
