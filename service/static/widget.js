/*
 * No Contact coach: the reader's chat widget. Plain JavaScript, no build step.
 *
 *   <script src="https://COACH-HOST/widget.js" data-api="https://COACH-HOST/api"
 *           data-title="Ask the No Contact coach" defer></script>
 *
 * data-api    the API root (default: /api on the host that served this script); relative URLs are resolved
 *             against the script's own URL
 * data-title  the panel's title (default "No Contact coach")
 * data-locale the reader's locale for crisis resources (default: the browser's language)
 * data-timeout milliseconds without an answer before the widget stops waiting (default 20000)
 * data-theme  "light" or "dark" (default: the reader's system setting)
 * data-color  the brand colour, "#rrggbb" (default #0d5b61); text on it turns dark when the colour is light
 *
 * Everything lives in a shadow root: the page's CSS cannot reach the widget and the widget's CSS cannot reach
 * the page. Answers stream from POST {api}/ask/stream (Server-Sent Events read with fetch, since EventSource
 * cannot POST); feedback goes to POST {api}/feedback.
 */
(function () {
  "use strict";

  if (window.__noContactCoachWidget) return; // one widget per page, even if the tag is pasted twice
  window.__noContactCoachWidget = true;

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var data = (script && script.dataset) || {};
  var scriptUrl = (script && script.src) || window.location.href;
  var API = new URL(data.api || "/api", scriptUrl).href.replace(/\/+$/, "");
  var TITLE = data.title || "No Contact coach";
  var LOCALE = data.locale || navigator.language || null;
  // How long the service keeps questions and answers (COACH_RETENTION_DAYS; filled in by the server).
  var RETENTION_DAYS = 30;
  var DISCLAIMER = "An automated coach, not a person. Not therapy or crisis care. In an emergency call your local " +
    "emergency number. Questions are erased after " + RETENTION_DAYS + " days; to have a conversation deleted " +
    "sooner, send the coach a reply's id.";
  var MAX_HISTORY = 12; // turns sent back as context (the server keeps fewer)
  var MAX_TURN_CHARS = 4000;
  var MAX_QUESTION_CHARS = 4000;
  var MAX_COMMENT_CHARS = 2000;
  // No answer and no progress for this long: the request is stopped, the question kept (data-timeout, in ms).
  var TIMEOUT_MS = Math.max(1000, parseInt(data.timeout, 10) || 20000);
  var HEALTH = new URL("/healthz", API + "/").href;
  // The crisis lines (by country) and risk words this script carries for when the coach can't be reached; filled in
  // by the server that serves it (service/api/widget.py). Never fetched: it must work when nothing else does.
  var FALLBACK = null;

  var ICONS = {
    chat: '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0 0 0 7 10zm5 0a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0 0 0 12 10zm5 0a1.25 1.25 0 1 0 0 2.5A1.25 1.25 0 0 0 17 10z"/></svg>',
    close: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6L6 18"/></svg>',
    send: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z"/></svg>',
    up: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" d="M7 10v10H4V10h3zm0 0 4-7c1.7 0 2.6 1 2.3 2.6L12.8 9H19a2 2 0 0 1 2 2.3l-1.2 6.8A2.2 2.2 0 0 1 17.6 20H7"/></svg>',
    down: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" d="M7 14V4H4v10h3zm0 0 4 7c1.7 0 2.6-1 2.3-2.6l-.5-3.4H19a2 2 0 0 0 2-2.3l-1.2-6.8A2.2 2.2 0 0 0 17.6 4H7"/></svg>',
    chevron: '<svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" d="M8 10l4 4 4-4"/></svg>',
    phone: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="currentColor" d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.46.57 3.6a1 1 0 0 1-.25 1z"/></svg>',
    text: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>'
  };

  var CSS = [
    ":host { all: initial; }",
    ".root { --nc-brand: #0d5b61; --nc-on-brand: #ffffff; }",
    // Dark (.root.dark): from the reader's system setting, unless the blog says data-theme="light" or "dark".
    ".root.dark .panel { background: #15191d; border-color: #2d343b; }",
    ".root.dark .log { background: #0e1114; }",
    ".root.dark .msg.bot .bubble { background: #1b2025; border-color: #323a42; color: #e7eaed; }",
    ".root.dark .answer a, .root.dark .src a, .root.dark .src-toggle, .root.dark .res-web { color: #8cc4ff; }",
    ".root.dark .cite, .root.dark .src .num { background: #1f4b4f; color: #d7f0f0; }",
    ".root.dark .sources, .root.dark .composer { border-color: #2d343b; }",
    ".root.dark .sources h3, .root.dark .src .by, .root.dark .res-contact, .root.dark .feedback, .root.dark .fb-form label { color: #b3bcc4; }",
    ".root.dark .src blockquote { background: #12161a; color: #d5dadf; }",
    ".root.dark .resources.urgent { background: #2a1513; border-color: #ff8a7a; }",
    ".root.dark .resources.urgent h3 { color: #ffb4a8; }",
    ".root.dark .resources.support { background: #152030; border-color: #3b4f66; }",
    ".root.dark .resources.support h3, .root.dark .res-name { color: #e7eaed; }",
    ".root.dark .thumb, .root.dark .copy, .root.dark .btn.ghost { background: #1b2025; border-color: #4a545d; color: #e7eaed; }",
    ".root.dark .notice { background: #2b2406; border-color: #8a6d00; color: #f5e7b0; }",
    ".root.dark .notice.err { background: #2a1513; border-color: #b4594a; color: #ffd2c9; }",
    ".root.dark .composer, .root.dark .disclaimer { background: #15191d; }",
    ".root.dark .disclaimer { color: #aab3bb; }",
    ".root.dark .reply-id { color: #aab3bb; }",
    ".root.dark .composer textarea, .root.dark .fb-form textarea { background: #0e1114; border-color: #6b7780; color: #e7eaed; }",
    ".root.dark .composer textarea::placeholder { color: #8d979f; }",
    ".root { all: initial; display: block; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif; font-size: 15px; line-height: 1.5; color: #1f2328; -webkit-font-smoothing: antialiased; -webkit-tap-highlight-color: transparent; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    "button, textarea, input, a { font: inherit; }",
    "p, h2, h3, ul, ol, blockquote { margin: 0; padding: 0; }",
    ".ico { display: inline-flex; align-items: center; }",
    ".sr { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }",
    ":focus { outline: none; }",
    ":focus-visible { outline: 3px solid #1a56db; outline-offset: 2px; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: inline-flex; align-items: center; gap: 8px; min-height: 52px; padding: 0 20px 0 16px; border: 0; border-radius: 999px; background: var(--nc-brand); color: var(--nc-on-brand); font-size: 15px; font-weight: 600; letter-spacing: .01em; cursor: pointer; box-shadow: 0 8px 24px rgba(15, 23, 42, .24), 0 2px 6px rgba(15, 23, 42, .16); }",
    ".launcher:hover { filter: brightness(.88); }",
    ".launcher:focus-visible { outline-color: #1a56db; outline-offset: 3px; }",
    ".launcher .ico-close { display: none; }",
    ".root.open .launcher .ico-chat { display: none; }",
    ".root.open .launcher .ico-close { display: inline-flex; }",
    ".panel { position: fixed; right: 20px; bottom: 86px; z-index: 2147483000; width: 390px; max-width: calc(100vw - 40px); height: min(640px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #ffffff; border: 1px solid #d5dbe0; border-radius: 16px; overflow: hidden; box-shadow: 0 18px 48px rgba(15, 23, 42, .28); }",
    ".panel[hidden] { display: none; }",
    ".head { display: flex; align-items: flex-start; gap: 12px; padding: 14px 12px 14px 18px; background: var(--nc-brand); color: var(--nc-on-brand); }",
    ".head h2 { font-size: 16px; font-weight: 700; line-height: 1.3; }",
    ".head p { margin-top: 2px; font-size: 13px; color: #dcefef; }",
    ".close { flex: none; margin-left: auto; display: inline-flex; align-items: center; justify-content: center; width: 40px; height: 40px; border: 0; border-radius: 10px; background: transparent; color: #ffffff; cursor: pointer; }",
    ".close:hover { background: rgba(255, 255, 255, .14); }",
    ".restart { flex: none; margin-left: auto; min-height: 32px; padding: 0 10px; border: 1px solid rgba(255, 255, 255, .5); border-radius: 8px; background: transparent; color: #ffffff; font-size: 13px; font-weight: 600; cursor: pointer; }",
    ".restart + .close { margin-left: 4px; }",
    ".restart:hover { background: rgba(255, 255, 255, .14); }",
    ".restart:focus-visible { outline-color: #ffffff; }",
    ".copy { display: inline-flex; align-items: center; min-height: 32px; padding: 0 10px; border: 1px solid #c9d1d8; border-radius: 8px; background: #ffffff; color: #3d4650; font-size: 13px; cursor: pointer; }",
    ".copy:hover { background: #eef2f4; }",
    ".copy-row { margin-top: 10px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }",
    ".reply-id { font-size: 11px; color: #56606a; user-select: all; overflow-wrap: anywhere; }",
    ".close:focus-visible { outline-color: #ffffff; outline-offset: -3px; }",
    ".log { position: relative; flex: 1 1 auto; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 8px; background: #f4f6f7; }",
    ".msg { margin: 0 0 14px; }",
    ".msg.user { display: flex; justify-content: flex-end; }",
    ".bubble { overflow-wrap: anywhere; }",
    ".msg.user .bubble { max-width: 85%; padding: 9px 13px; border-radius: 16px 16px 4px 16px; background: var(--nc-brand); color: var(--nc-on-brand); white-space: pre-wrap; }",
    ".msg.bot .bubble { padding: 12px 14px; border: 1px solid #dde3e7; border-radius: 16px 16px 16px 4px; background: #ffffff; color: #1f2328; }",
    ".answer p + p, .answer p + ul, .answer ul + p, .answer ul + ul { margin-top: 10px; }",
    ".answer ul { padding-left: 20px; }",
    ".answer li + li { margin-top: 6px; }",
    ".answer a { color: #0b4f8a; }",
    ".cite { display: inline-block; min-width: 24px; margin: 0 1px; padding: 0 5px; border: 0; border-radius: 6px; background: #dcefef; color: #084146; font-size: 11px; font-weight: 700; line-height: 24px; text-align: center; vertical-align: 1px; cursor: pointer; }",
    "span.cite { cursor: default; }",
    ".nowrap { white-space: nowrap; }",
    ".cite:hover { background: #c4e4e4; }",
    ".typing { display: inline-flex; gap: 4px; padding: 4px 0; }",
    ".typing i { width: 7px; height: 7px; border-radius: 50%; background: #6b7780; animation: nc-blink 1.2s infinite ease-in-out; }",
    ".typing i:nth-child(2) { animation-delay: .2s; } .typing i:nth-child(3) { animation-delay: .4s; }",
    "@keyframes nc-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }",
    "@media (prefers-reduced-motion: reduce) { .typing i { animation: none; opacity: .6; } .src.flash { animation: none; outline: 2px solid #d9a300; } .src-toggle svg { transition: none; } }",
    "@media (forced-colors: active) { :focus-visible { outline: 3px solid CanvasText; } .launcher, .send, .btn, .act, .thumb, .cite, .restart, .copy, .close { border: 1px solid ButtonText; } .resources.urgent { border: 3px solid CanvasText; } }",
    ".sources { margin-top: 12px; padding-top: 10px; border-top: 1px solid #e4e8eb; }",
    ".sources h3 { margin-bottom: 6px; color: #4d5760; font-size: 12px; font-weight: 700; letter-spacing: .05em; text-transform: uppercase; }",
    ".sources ol { list-style: none; }",
    ".src { display: flex; gap: 8px; align-items: flex-start; font-size: 13.5px; line-height: 1.4; }",
    ".src + .src { margin-top: 8px; }",
    ".src .num { flex: none; display: inline-flex; align-items: center; justify-content: center; width: 20px; height: 20px; border-radius: 50%; background: #dcefef; color: #084146; font-size: 11px; font-weight: 700; }",
    ".src .body { min-width: 0; flex: 1; }",
    ".src a, .src-toggle { color: #0b4f8a; font-weight: 600; }",
    ".src .src-link { display: inline-block; margin-left: 8px; min-height: 24px; line-height: 24px; font-weight: 500; }",
    ".src-toggle { display: inline; padding: 0; border: 0; background: none; text-align: left; cursor: pointer; text-decoration: underline; text-decoration-style: dotted; text-underline-offset: 3px; }",
    ".src-toggle svg { vertical-align: -2px; margin-left: 2px; transition: transform .15s; }",
    ".src-toggle[aria-expanded='true'] svg { transform: rotate(180deg); }",
    ".src .by { color: #4d5760; }",
    ".src blockquote { margin-top: 6px; padding: 8px 10px; border-left: 3px solid var(--nc-brand); border-radius: 0 8px 8px 0; background: #f4f6f7; color: #2f363d; font-style: italic; }",
    ".src blockquote[hidden] { display: none; }",
    ".src.flash { animation: nc-flash 1.2s ease-out; border-radius: 6px; }",
    "@keyframes nc-flash { from { background: #fff3bf; } to { background: transparent; } }",
    ".resources { padding: 12px 12px 10px; border-radius: 12px; }",
    ".resources.urgent { margin-bottom: 12px; border: 2px solid #b42318; background: #fff5f3; }",
    ".resources.support { margin-top: 12px; border: 1px solid #c8d3e0; background: #f3f6fa; }",
    ".resources h3 { margin-bottom: 8px; font-size: 14px; font-weight: 700; }",
    ".resources.urgent h3 { color: #8f1c12; font-size: 15px; }",
    ".resources.support h3 { color: #27384d; }",
    ".resources ul { list-style: none; }",
    ".res + .res { margin-top: 10px; }",
    ".res-top { display: flex; align-items: baseline; justify-content: space-between; gap: 10px; }",
    ".res-name { font-weight: 700; font-size: 14px; }",
    ".res-web { flex: none; display: inline-flex; align-items: center; min-height: 28px; padding: 0 4px; color: #0b4f8a; font-size: 13px; font-weight: 600; }",
    ".res-contact { display: block; color: #3d4650; font-size: 13.5px; }",
    ".res-actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }",
    ".act { display: inline-flex; align-items: center; gap: 6px; min-height: 40px; padding: 0 14px; border-radius: 999px; font-size: 14px; font-weight: 700; text-decoration: none; }",
    ".urgent .act.call, .urgent .act.sms { background: #b42318; color: #ffffff; }",
    ".support .act.call, .support .act.sms { background: var(--nc-brand); color: var(--nc-on-brand); }",
    ".act:hover { filter: brightness(.92); }",
    ".feedback { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-top: 8px; padding-left: 4px; color: #4d5760; font-size: 13px; }",
    ".thumb { display: inline-flex; align-items: center; justify-content: center; width: 36px; height: 32px; border: 1px solid #c9d1d8; border-radius: 8px; background: #ffffff; color: #3d4650; cursor: pointer; }",
    ".thumb:hover { background: #eef2f4; }",
    ".thumb[aria-pressed='true'] { border-color: var(--nc-brand); background: var(--nc-brand); color: var(--nc-on-brand); }",
    ".fb-form { flex-basis: 100%; display: flex; flex-direction: column; gap: 6px; margin-top: 4px; }",
    ".fb-form label { color: #3d4650; font-size: 13px; }",
    ".fb-form textarea { width: 100%; min-height: 60px; padding: 8px 10px; border: 1px solid #8a949d; border-radius: 8px; background: #ffffff; color: #1f2328; font-size: 14px; resize: vertical; }",
    ".fb-row { display: flex; gap: 8px; }",
    ".btn { display: inline-flex; align-items: center; min-height: 34px; padding: 0 14px; border: 0; border-radius: 8px; background: var(--nc-brand); color: var(--nc-on-brand); font-size: 13.5px; font-weight: 600; cursor: pointer; }",
    ".btn.ghost { border: 1px solid #c9d1d8; background: #ffffff; color: #3d4650; }",
    ".btn[disabled] { opacity: .6; cursor: default; }",
    ".fb-status { flex-basis: 100%; color: #1e6b3a; font-size: 13px; }",
    ".fb-status.err { color: #9a3412; }",
    ".notice { margin: 0 0 14px; padding: 10px 12px; border: 1px solid #d9a300; border-radius: 10px; background: #fff8db; color: #4a3600; font-size: 14px; }",
    ".notice.err { border-color: #e3a08f; background: #fff3f0; color: #7a1f10; }",
    ".notice .btn { margin-top: 8px; }",
    ".fallback { margin: 0 0 14px; }",
    ".cancel { margin-top: 8px; }",
    ".replaced { margin: 0 0 8px; font-size: 0.85em; opacity: 0.8; font-style: italic; }",
    ".cancel[hidden] { display: none; }",
    ".composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 6px; border-top: 1px solid #e4e8eb; background: #ffffff; }",
    ".composer textarea { flex: 1; min-width: 0; min-height: 44px; max-height: 132px; padding: 10px 12px; border: 1px solid #8a949d; border-radius: 12px; background: #ffffff; color: #1f2328; font-size: 15px; line-height: 1.4; resize: none; }",
    ".composer textarea::placeholder { color: #6b7780; }",
    ".composer textarea:focus-visible { outline: 2px solid #1a56db; outline-offset: 0; border-color: #1a56db; }",
    ".send { flex: none; display: inline-flex; align-items: center; justify-content: center; width: 44px; height: 44px; border: 0; border-radius: 50%; background: var(--nc-brand); color: var(--nc-on-brand); cursor: pointer; }",
    ".send:hover { filter: brightness(.88); }",
    ".send[aria-disabled='true'] { background: #8a949d; cursor: default; }",
    ".disclaimer { padding: 2px 14px 10px; background: #ffffff; color: #56606a; font-size: 12px; line-height: 1.4; text-align: center; }",
    // Zoomed in (200%, 400%) or a short window: a compact head and composer leave room for the answer and the
    // crisis card's call button.
    "@media (max-height: 520px) {",
    "  .head { align-items: center; padding: 6px 8px 6px 14px; }",
    "  .head p { display: none; }",
    "  .head h2 { font-size: 14px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
    "  .head > div { min-width: 0; }",
    "  .panel { bottom: 78px; height: calc(100vh - 88px); }",
    "  .log { padding: 8px 10px 4px; }",
    "  .composer { padding: 6px 8px 4px; }",
    "  .disclaimer { padding: 0 10px 4px; font-size: 11px; }",
    "}",
    "@media (max-height: 300px) { .disclaimer { display: none; } .close { width: 32px; height: 32px; } .restart { min-height: 28px; } }",
    "@media (max-width: 520px) {",
    "  .panel { top: 0; right: 0; bottom: 0; left: 0; width: auto; max-width: none; height: auto; border: 0; border-radius: 0; }",
    "  .root.open .launcher { display: none; }",
    "  .launcher { right: 16px; bottom: 16px; }",
    "  .msg.user .bubble { max-width: 90%; }",
    "}"
  ].join("\n");

  // ---- small DOM helpers (text always goes in as text, never as HTML) --------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else if (key === "hidden") node.hidden = true;
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function icon(name) {
    var span = el("span", { className: "ico ico-" + name, "aria-hidden": "true" });
    span.innerHTML = ICONS[name]; // constant markup from this file
    return span;
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  var uid = 0;
  function nextId(prefix) {
    uid += 1;
    return "nc-" + prefix + "-" + uid;
  }

  // ---- the shell -----------------------------------------------------------------------------------------

  var host = document.createElement("no-contact-coach");
  // Styles through the CSSOM only (a property set, a constructed sheet): a blog's strict Content-Security-Policy
  // (style-src 'self') blocks style attributes and <style> elements, never these.
  host.style.setProperty("all", "initial", "important");
  host.style.setProperty("position", "static", "important");
  host.setAttribute("data-widget", "no-contact-coach");
  var shadow = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in shadow && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else { // older browsers: the same rules in a <style> element
    var style = document.createElement("style");
    style.textContent = CSS;
    shadow.appendChild(style);
  }

  // A media query's changes, also in browsers whose MediaQueryList has only the older addListener (Safari 12-13).
  function onMediaChange(query, listener) {
    if (query.addEventListener) query.addEventListener("change", listener);
    else if (query.addListener) query.addListener(listener);
  }

  // The widget speaks English whatever the host page's language and direction ("ar", rtl): said here, so screen
  // readers use an English voice and the layout is not mirrored.
  var root = el("div", { className: "root", lang: "en", dir: "ltr" });
  if (data.theme === "light" || data.theme === "dark") {
    root.classList.add(data.theme);
  } else if (window.matchMedia) { // follow the reader's system setting, live
    var darkScheme = window.matchMedia("(prefers-color-scheme: dark)");
    var followScheme = function () { root.classList.toggle("dark", darkScheme.matches); };
    followScheme();
    onMediaChange(darkScheme, followScheme);
  }
  if (data.color && /^#[0-9a-f]{6}$/i.test(data.color)) { // the blog's brand colour, text on it kept readable
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(data.color.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    root.style.setProperty("--nc-brand", data.color);
    root.style.setProperty("--nc-on-brand", luminance > 0.18 ? "#111111" : "#ffffff");
  }
  var panelId = "nc-panel";
  var titleId = "nc-title";
  var panel = el("section", { className: "panel", id: panelId, role: "dialog", "aria-labelledby": titleId,
                              "aria-describedby": "nc-disclaimer", hidden: true });
  var closeBtn = el("button", { className: "close", type: "button", "aria-label": "Close chat" }, icon("close"));
  var restartBtn = el("button", { className: "restart", type: "button", text: "Start over" });
  // A div, not <header>: inside the page a second "banner" landmark would compete with the blog's own.
  var head = el("div", { className: "head" },
    el("div", null,
      el("h2", { id: titleId, text: TITLE }),
      el("p", { text: "Answers cite the coach's articles" })),
    restartBtn, closeBtn);
  var log = el("div", { className: "log", id: "nc-log" });
  var input = el("textarea", { id: "nc-input", rows: "1", maxlength: String(MAX_QUESTION_CHARS),
                               placeholder: "Describe your situation…", autocomplete: "off",
                               "aria-describedby": "nc-hint" });
  var sendBtn = el("button", { className: "send", type: "submit", "aria-label": "Send" }, icon("send"));
  var form = el("form", { className: "composer" },
    el("label", { className: "sr", for: "nc-input", text: "Your message to the coach" }),
    el("span", { className: "sr", id: "nc-hint", text: "Enter sends, Shift+Enter starts a new line, Escape closes the chat." }),
    input, sendBtn);
  var disclaimer = el("p", { className: "disclaimer", id: "nc-disclaimer", text: DISCLAIMER });
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);
  panel.appendChild(disclaimer);

  var launcherLabel = el("span", { className: "label", text: "Ask the coach" });
  var launcher = el("button", { className: "launcher", type: "button", "aria-expanded": "false",
                                "aria-controls": panelId, "aria-haspopup": "dialog" },
    icon("chat"), icon("close"), launcherLabel);
  var live = el("div", { className: "sr", id: "nc-live", "aria-live": "polite", "aria-atomic": "true" });
  var alertLive = el("div", { className: "sr", id: "nc-alert", "aria-live": "assertive", "aria-atomic": "true" });

  root.appendChild(panel);
  root.appendChild(launcher);
  root.appendChild(live);
  root.appendChild(alertLive);
  shadow.appendChild(root);

  // ---- state ---------------------------------------------------------------------------------------------

  var history = []; // [{role, content}] of answered turns, sent with each follow-up
  var busy = false;
  var cooldownUntil = 0;
  var cooldownTimer = null;
  var greeted = false;
  // The conversation survives a reload of the page (this tab only, never a cookie): {question, reply} pairs.
  var STORE_KEY = "no-contact-coach:" + API;
  var MAX_STORED = 20;
  var stored = [];
  var conversationId = null; // random per conversation (this tab): the coach deletes a conversation by it

  function conversation() {
    if (conversationId) return conversationId;
    try { conversationId = window.sessionStorage.getItem(STORE_KEY + ":id"); } catch (e) { conversationId = null; }
    if (!conversationId || !/^[A-Za-z0-9_-]{8,64}$/.test(conversationId)) {
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      conversationId = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      try { window.sessionStorage.setItem(STORE_KEY + ":id", conversationId); } catch (e) { /* blocked */ }
    }
    return conversationId;
  }

  function save() {
    try { window.sessionStorage.setItem(STORE_KEY, JSON.stringify(stored.slice(-MAX_STORED))); } catch (e) { /* full or blocked */ }
  }

  function restore() {
    var saved = null;
    try { saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null"); } catch (e) { saved = null; }
    if (!Array.isArray(saved) || !saved.length) return false;
    saved.forEach(function (turn) {
      if (!turn || typeof turn.question !== "string" || !turn.reply) return;
      addUser(turn.question);
      addBot().finish(turn.reply, true);
      history.push({ role: "user", content: turn.question });
      history.push({ role: "assistant", content: turn.reply.answer || "" });
      stored.push(turn);
    });
    return stored.length > 0;
  }

  function startOver() {
    stored = [];
    history = [];
    conversationId = null;
    try {
      window.sessionStorage.removeItem(STORE_KEY);
      window.sessionStorage.removeItem(STORE_KEY + ":id");
    } catch (e) { /* blocked */ }
    log.textContent = "";
    addBot().setIntro();
    announce("Started over. The conversation was cleared.");
    input.focus();
  }
  restartBtn.addEventListener("click", function () { if (!busy) startOver(); });

  function announce(text, urgent) {
    var region = urgent ? alertLive : live;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 60);
  }

  // ---- open / close --------------------------------------------------------------------------------------

  function isOpen() { return !panel.hidden; }

  function open() {
    if (isOpen()) return;
    panel.hidden = false;
    root.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    launcherLabel.textContent = "Close chat";
    if (!greeted) {
      greeted = true;
      if (!restore()) addBot().setIntro();
      scrollToBottom();
    }
    window.requestAnimationFrame(function () { input.focus(); });
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    root.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcherLabel.textContent = "Ask the coach";
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (isOpen()) close(); else open(); });
  closeBtn.addEventListener("click", close);
  var FULL_SCREEN = window.matchMedia ? window.matchMedia("(max-width: 520px)") : null;
  function fullScreen() { return !!(FULL_SCREEN && FULL_SCREEN.matches); }
  function markModal() { // a full-screen panel is a modal dialog: the page behind it can't be reached
    if (fullScreen()) panel.setAttribute("aria-modal", "true");
    else panel.removeAttribute("aria-modal");
  }
  if (FULL_SCREEN) onMediaChange(FULL_SCREEN, markModal);
  markModal();

  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      event.stopPropagation();
      close();
      return;
    }
    if (event.key === "Tab" && isOpen() && fullScreen()) { // keep Tab inside the full-screen panel
      var focusable = Array.prototype.filter.call(panel.querySelectorAll(
        "button, a[href], textarea, input, [tabindex]:not([tabindex='-1'])"), function (n) {
        return !n.disabled && !n.hidden && n.offsetParent !== null;
      });
      if (!focusable.length) return;
      var first = focusable[0], last = focusable[focusable.length - 1];
      var active = shadow.activeElement;
      if (event.shiftKey && (active === first || !panel.contains(active))) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && (active === last || !panel.contains(active))) { event.preventDefault(); first.focus(); }
    }
  });

  // ---- composing -----------------------------------------------------------------------------------------

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 132) + "px";
  }
  input.addEventListener("input", autosize);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });

  function setBusy(value) {
    busy = value;
    updateSend();
  }

  function updateSend() {
    var blocked = busy || Date.now() < cooldownUntil;
    sendBtn.setAttribute("aria-disabled", blocked ? "true" : "false");
  }

  function scrollToBottom() { log.scrollTop = log.scrollHeight; }

  // A finished answer is read from its top; keep the question above it in view when there is room.
  function scrollToMessage(node) {
    var top = node.offsetTop;
    var asked = node.previousElementSibling;
    if (asked && asked.classList.contains("user") && top - asked.offsetTop < log.clientHeight / 3) top = asked.offsetTop;
    log.scrollTop = Math.max(0, top - 12);
  }

  function submit() {
    var question = input.value.trim();
    if (!question || busy) return;
    if (Date.now() < cooldownUntil) {
      showRateLimit(Math.ceil((cooldownUntil - Date.now()) / 1000));
      return;
    }
    input.value = "";
    autosize();
    ask(question);
  }

  // ---- messages ------------------------------------------------------------------------------------------

  function addUser(text) {
    var node = el("div", { className: "msg user" },
      el("span", { className: "sr", text: "You said:" }),
      el("div", { className: "bubble", text: text }));
    log.appendChild(node);
    scrollToBottom();
    return node;
  }

  function clearNotices() {
    Array.prototype.forEach.call(log.querySelectorAll(".notice"), function (n) { n.remove(); });
  }

  function showNotice(text, kind) {
    clearNotices();
    var node = el("p", { className: "notice" + (kind === "error" ? " err" : ""), role: "status", text: text });
    log.appendChild(node);
    scrollToBottom();
    return node;
  }

  function rateLimitText(seconds) {
    var n = Math.max(1, seconds | 0);
    return "You're sending messages quickly — please wait " + n + (n === 1 ? " second" : " seconds") +
      " and try again.";
  }

  function showRateLimit(seconds) {
    var text = rateLimitText(seconds);
    showNotice(text, "rate");
    announce(text);
  }

  function startCooldown(seconds) {
    cooldownUntil = Date.now() + Math.max(1, seconds) * 1000;
    updateSend();
    window.clearTimeout(cooldownTimer);
    cooldownTimer = window.setTimeout(function () {
      cooldownUntil = 0;
      updateSend();
    }, Math.max(1, seconds) * 1000);
  }

  function retryAfterSeconds(response, body) {
    var header = response.headers.get("Retry-After");
    var seconds = header ? parseInt(header, 10) : NaN;
    if (isNaN(seconds) && header) {
      var date = Date.parse(header);
      if (!isNaN(date)) seconds = Math.ceil((date - Date.now()) / 1000);
    }
    if (isNaN(seconds) && body && typeof body.retry_after === "number") seconds = body.retry_after;
    return isNaN(seconds) ? 30 : Math.max(1, seconds);
  }

  function readJson(response) {
    return response.json().catch(function () { return null; });
  }

  // One coach message: streams text in, then gets sources, resources and feedback.
  function addBot() {
    var node = el("div", { className: "msg bot", "data-state": "streaming" });
    var label = el("span", { className: "sr", text: "Coach:" });
    var bubble = el("div", { className: "bubble" });
    var answer = el("div", { className: "answer" });
    var typing = el("span", { className: "typing", role: "img", "aria-label": "The coach is writing" },
      el("i"), el("i"), el("i"));
    answer.appendChild(typing);
    bubble.appendChild(answer);
    node.appendChild(label);
    node.appendChild(bubble);
    log.appendChild(node);
    scrollToBottom();
    var text = "";
    var pinned = true; // follow the stream unless the reader scrolled up
    var cancel = el("button", { type: "button", className: "btn ghost cancel", text: "Stop waiting" });
    cancel.hidden = true;
    bubble.appendChild(cancel);
    var showCancel = window.setTimeout(function () { cancel.hidden = false; }, 3000);

    function settled() {
      window.clearTimeout(showCancel);
      cancel.remove();
    }

    return {
      node: node,
      onCancel: function (handler) { cancel.addEventListener("click", handler); },
      setIntro: function () {
        settled();
        node.setAttribute("data-state", "intro");
        renderAnswer(answer, "Hi. Tell me what's going on with your ex — for example “My ex is my coworker” " +
          "or “I broke no contact last night”. I answer from the coach's articles and show where each point comes from.", null, node);
      },
      append: function (piece) {
        pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        text += piece;
        renderAnswer(answer, text, null, node);
        if (pinned) scrollToBottom();
      },
      // The server stopped an answer that failed a check on the way: what was shown goes, the checked answer
      // built from the articles takes its place, with a short note saying why the text changed.
      replace: function (newText, note) {
        text = newText;
        renderAnswer(answer, text, null, node);
        if (note && !bubble.querySelector(".replaced")) {
          bubble.insertBefore(el("p", { className: "replaced", text: note }), answer);
        }
        node.setAttribute("data-replaced", "true");
      },
      finish: function (reply, restored) {
        settled();
        text = reply.answer || text;
        var shown = (reply.safety && reply.safety.level === "urgent" && reply.safety.resources) || [];
        if (shown.length) text = withoutListedResources(text, shown); // the card above shows them, with buttons
        node.setAttribute("data-state", "done");
        node.setAttribute("data-reply-id", reply.id || "");
        node.setAttribute("data-safety", (reply.safety && reply.safety.level) || "none");
        // The reply's language, and the lines written in the reader's (a note above an English answer), marked so
        // a screen reader reads each with the right voice.
        answer.setAttribute("lang", reply.language || "en");
        renderAnswer(answer, text, reply.citations || [], node, reply.paragraph_languages || {});
        var safety = reply.safety || { level: "none", resources: [] };
        var resources = safety.resources || [];
        if (safety.level === "urgent" && resources.length) {
          bubble.insertBefore(renderResources(resources, "urgent"), answer);
        }
        if (reply.citations && reply.citations.length) bubble.appendChild(renderSources(reply.citations, node));
        if (safety.level === "support" && resources.length) bubble.appendChild(renderResources(resources, "support"));
        if (reply.id && safety.level !== "urgent") node.appendChild(renderFeedback(reply.id)); // no rating of a crisis reply
        bubble.appendChild(renderCopy(text, reply.id));
        if (!restored) {
          scrollToMessage(node);
          var call = bubble.querySelector(".resources.urgent .act");
          if (call) { // the crisis card's first button in view, however little room there is (400% zoom)
            var bottom = call.offsetTop + call.offsetHeight + 6;
            if (bottom > log.scrollTop + log.clientHeight) log.scrollTop = bottom - log.clientHeight;
          }
        }
      },
      fail: function (message) {
        settled();
        node.setAttribute("data-state", "error");
        answer.textContent = "";
        answer.appendChild(el("p", { text: message }));
      },
      remove: function () { settled(); node.remove(); }
    };
  }

  // The reply's own list of the lines ("Help you can reach now:" and "- Name: contact"), for API clients without
  // the card: dropped from the text when the card shows the same lines.
  function withoutListedResources(text, resources) {
    var names = resources.map(function (r) { return "- " + r.name; });
    var lines = text.split("\n").filter(function (line) {
      return !names.some(function (n) { return line.indexOf(n) === 0; });
    });
    return lines.join("\n").replace(/\n[^\n]*:\s*(?=\n\n|$)/g, "").replace(/\n{3,}/g, "\n\n").trim();
  }

  // Answer text: paragraphs, "- " list points, [n] citation marks and bare links.
  function renderAnswer(container, text, citations, messageNode, languages) {
    container.textContent = "";
    var blocks = text.replace(/\r\n?/g, "\n").split(/\n{2,}/);
    blocks.forEach(function (block) {
      var list = null;
      var lang = languages && Object.prototype.hasOwnProperty.call(languages, block.trim()) ? languages[block.trim()] : null;
      block.split("\n").forEach(function (line) {
        if (!line.trim()) return;
        var bullet = /^\s*[-•*]\s+/.exec(line);
        if (bullet) {
          if (!list) { list = el("ul"); container.appendChild(list); }
          var li = el("li");
          if (lang) li.setAttribute("lang", lang);
          inline(li, line.slice(bullet[0].length), citations, messageNode);
          list.appendChild(li);
        } else {
          list = null;
          var p = el("p");
          if (lang) p.setAttribute("lang", lang);
          inline(p, line, citations, messageNode);
          container.appendChild(p);
        }
      });
    });
  }

  function inline(parent, text, citations, messageNode) {
    var pattern = /\[(\d{1,2})\]|(https?:\/\/[^\s<>()"]+[^\s<>()".,;:!?])/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var before = text.slice(last, match.index);
      if (match[1]) {
        // keep a citation mark on the line of the word it follows: "(Zan) [2]" never leaves "2" alone
        var tail = /(\S+)\s?$/.exec(before);
        var glued = el("span", { className: "nowrap" });
        if (tail) {
          before = before.slice(0, tail.index);
          glued.appendChild(document.createTextNode(tail[1] + "\u00a0"));
        }
        if (before) parent.appendChild(document.createTextNode(before));
        glued.appendChild(citeMark(parseInt(match[1], 10), citations, messageNode));
        parent.appendChild(glued);
      } else {
        if (before) parent.appendChild(document.createTextNode(before));
        var href = safeUrl(match[2]);
        parent.appendChild(href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: match[2] })
                                : document.createTextNode(match[2]));
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function citeMark(n, citations, messageNode) {
    var citation = citations && citations.filter(function (c) { return c.n === n; })[0];
    if (!citation) return el("span", { className: "cite", text: String(n), "aria-label": "source " + n });
    var mark = el("button", { className: "cite", type: "button", text: String(n),
                              "aria-label": "Source " + n + ": " + citation.title + " by " + citation.author });
    mark.addEventListener("click", function () {
      var item = messageNode.querySelector('[data-n="' + n + '"]');
      if (!item) return;
      var toggle = item.querySelector(".src-toggle");
      if (toggle && toggle.getAttribute("aria-expanded") !== "true") toggle.click();
      item.classList.remove("flash");
      void item.offsetWidth;
      item.classList.add("flash");
      var focusTarget = item.querySelector("a, .src-toggle");
      if (focusTarget) focusTarget.focus();
    });
    return mark;
  }

  function renderSources(citations, messageNode) {
    var list = el("ol");
    var seen = {};
    citations.forEach(function (c) { seen[c.title] = (seen[c.title] || 0) + 1; });
    citations.forEach(function (c) {
      // Two passages of one article: each label says which, by the quote's first words.
      var title = seen[c.title] > 1 && c.quote
        ? c.title + " (“" + c.quote.split(/\s+/).slice(0, 6).join(" ") + "…”)" : c.title;
      var body = el("div", { className: "body" });
      var url = c.url ? safeUrl(c.url) : null;
      // The quote is always one tap away; the article's page, when the coach has given its address, one more.
      var quoteId = nextId("quote");
      var toggle = el("button", { className: "src-toggle", type: "button", "aria-expanded": "false",
                                  "aria-controls": quoteId },
        title, icon("chevron"));
      toggle.setAttribute("aria-label", title + " by " + c.author + ": show the quoted passage");
      var quote = el("blockquote", { id: quoteId, hidden: true, text: c.quote });
      toggle.addEventListener("click", function () {
        var expanded = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", expanded ? "false" : "true");
        quote.hidden = expanded;
      });
      body.appendChild(toggle);
      body.appendChild(el("span", { className: "by", text: " — " + c.author }));
      if (url) {
        body.appendChild(el("a", { className: "src-link", href: url, target: "_blank", rel: "noopener noreferrer",
                                   text: "Read the article", "aria-label": "Read the article: " + title + " by " +
                                   c.author + " (opens in a new tab)" }));
      }
      body.appendChild(quote);
      list.appendChild(el("li", { className: "src", "data-n": String(c.n) },
        el("span", { className: "num", "aria-hidden": "true", text: String(c.n) }),
        el("span", { className: "sr", text: "Source " + c.n + ": " }),
        body));
    });
    return el("div", { className: "sources" }, el("h3", { text: "Sources" }), list);
  }

  // "Call or text 988", "Text HOME to 741741", "Call 1-800-799-7233 or text START to 88788", "112 (Polizei 110)"
  function contactActions(contact) {
    var actions = [];
    var seen = {};
    function add(kind, number, keyword) {
      var digits = number.replace(/[^\d+]/g, "");
      if (digits.replace(/\D/g, "").length < 3 || seen[kind + digits]) return;
      seen[kind + digits] = true;
      var label = kind === "tel" ? "Call " + number.trim() : "Text " + (keyword ? keyword + " to " : "") + number.trim();
      var href = kind === "tel" ? "tel:" + digits : "sms:" + digits + (keyword ? "?&body=" + encodeURIComponent(keyword) : "");
      actions.push({ kind: kind, href: href, label: label });
    }
    var num = "(\\+?\\d[\\d \\-]*\\d|\\d)";
    var verb = new RegExp("\\b(call or text|call|text)\\s+(?:([A-Z0-9]{2,})\\s+to\\s+)?" + num +
                          "((?:\\s+(?:or|oder|ou|o)\\s+\\+?\\d[\\d \\-]*\\d)*)", "gi");
    var m;
    while ((m = verb.exec(contact)) !== null) {
      var how = m[1].toLowerCase();
      var numbers = [m[3]].concat((m[4] || "").split(/\s+(?:or|oder|ou|o)\s+/i).filter(Boolean));
      numbers.forEach(function (n) {
        if (how !== "text") add("tel", n, null);
        if (how !== "call") add("sms", n, m[2] || null);
      });
    }
    if (!actions.length) {
      var leading = /^\s*(\+?\d[\d \-]*\d)((?:\s+(?:or|oder|ou|o)\s+\+?\d[\d \-]*\d)*)/i.exec(contact);
      if (leading) {
        [leading[1]].concat((leading[2] || "").split(/\s+(?:or|oder|ou|o)\s+/i).filter(Boolean))
          .forEach(function (n) { add("tel", n, null); });
      }
    }
    return actions;
  }

  function words(text) {
    return text.toLowerCase().replace(/(\d)[ -](?=\d)/g, "$1").replace(/[^a-z0-9+]+/g, " ").split(" ").filter(function (w) {
      return w && w !== "or";
    });
  }

  function saysMore(contact, actions) {
    if (!actions.length) return true;
    var covered = {};
    actions.forEach(function (a) { words(a.label).forEach(function (w) { covered[w] = true; }); });
    return words(contact).some(function (w) { return !covered[w]; });
  }

  function renderResources(resources, level) {
    var headingText = level === "urgent" ? "Help you can reach right now" : "If you'd like to talk to someone";
    var headingId = nextId("res");
    var list = el("ul");
    resources.forEach(function (r) {
      var actions = el("span", { className: "res-actions" });
      contactActions(r.contact || "").forEach(function (a) {
        actions.appendChild(el("a", { className: "act " + (a.kind === "tel" ? "call" : "sms"), href: a.href },
          icon(a.kind === "tel" ? "phone" : "text"), a.label));
      });
      var url = r.url ? safeUrl(r.url) : null;
      var found = contactActions(r.contact || "");
      var nameRow = el("span", { className: "res-top" }, el("span", { className: "res-name", text: r.name }),
        url ? el("a", { className: "res-web", href: url, target: "_blank", rel: "noopener noreferrer",
                        "aria-label": r.name + " website", text: "Website" }) : null);
      list.appendChild(el("li", { className: "res" },
        nameRow,
        // the contact line only when it says more than the buttons do ("free, 24/7", "130+ countries")
        saysMore(r.contact || "", found) ? el("span", { className: "res-contact", text: r.contact }) : null,
        actions.childNodes.length ? actions : null));
    });
    // A group, not a landmark: a conversation can hold several cards, and landmarks must have unique names.
    return el("div", { className: "resources " + level, role: "group", "aria-labelledby": headingId },
      el("h3", { id: headingId, text: headingText }), list);
  }

  function renderCopy(text, replyId) {
    var button = el("button", { type: "button", className: "copy", text: "Copy answer" });
    button.addEventListener("click", function () {
      var done = function () { button.textContent = "Copied"; announce("Answer copied."); };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(plain(text)).then(done, function () {});
    });
    var row = el("div", { className: "copy-row" }, button);
    // What a reader quotes to have this conversation exported or deleted (the coach's /api/coach/conversations).
    if (replyId) row.appendChild(el("span", { className: "reply-id", text: "Reply id " + replyId }));
    return row;
  }

  // ---- feedback ------------------------------------------------------------------------------------------

  function renderFeedback(replyId) {
    var wrap = el("div", { className: "feedback", role: "group", "aria-label": "Was this answer helpful?" });
    var up = el("button", { className: "thumb up", type: "button", "aria-pressed": "false", "aria-label": "Helpful" }, icon("up"));
    var down = el("button", { className: "thumb down", type: "button", "aria-pressed": "false", "aria-label": "Not helpful" }, icon("down"));
    var status = el("p", { className: "fb-status", role: "status", hidden: true });
    var formNode = null;
    var rating = null;

    wrap.appendChild(el("span", { text: "Helpful?" }));
    wrap.appendChild(up);
    wrap.appendChild(down);

    function say(text, isError) {
      status.hidden = false;
      status.className = "fb-status" + (isError ? " err" : "");
      status.textContent = text;
    }

    function post(body) {
      return fetch(API + "/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.ok) return true;
        return readJson(response).then(function (json) {
          if (response.status === 429) say(rateLimitText(retryAfterSeconds(response, json)), true);
          else say("Sorry, your feedback could not be saved. Please try again later.", true);
          return false;
        });
      }, function () {
        say("Sorry, your feedback could not be sent. Check your connection and try again.", true);
        return false;
      });
    }

    function choose(value) {
      rating = value;
      up.setAttribute("aria-pressed", value === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", value === "down" ? "true" : "false");
      post({ reply_id: replyId, rating: value }).then(function (ok) {
        if (!ok) return;
        say("Thanks for your feedback.");
        showForm();
      });
    }

    function showForm() {
      if (formNode) {
        formNode.querySelector("textarea").focus();
        return;
      }
      var areaId = nextId("fb");
      var area = el("textarea", { id: areaId, maxlength: String(MAX_COMMENT_CHARS), rows: "2",
                                  placeholder: "What would have helped?" });
      var sendComment = el("button", { className: "btn", type: "submit", text: "Send comment" });
      var skip = el("button", { className: "btn ghost", type: "button", text: "No thanks" });
      formNode = el("form", { className: "fb-form" },
        el("label", { for: areaId, text: "Anything to add? (optional)" }), area,
        el("span", { className: "fb-row" }, sendComment, skip));
      formNode.addEventListener("submit", function (event) {
        event.preventDefault();
        var comment = area.value.trim();
        if (!comment) { area.focus(); return; }
        sendComment.disabled = true;
        post({ reply_id: replyId, rating: rating, comment: comment.slice(0, MAX_COMMENT_CHARS) }).then(function (ok) {
          sendComment.disabled = false;
          if (!ok) return;
          formNode.remove();
          formNode = null;
          say("Thanks — your comment was sent to the coach.");
          (rating === "up" ? up : down).focus();
        });
      });
      area.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          formNode.requestSubmit ? formNode.requestSubmit() : sendComment.click();
        }
      });
      skip.addEventListener("click", function () {
        formNode.remove();
        formNode = null;
        (rating === "up" ? up : down).focus();
      });
      wrap.appendChild(formNode);
      area.focus();
    }

    up.addEventListener("click", function () { choose("up"); });
    down.addEventListener("click", function () { choose("down"); });
    wrap.appendChild(status);
    return wrap;
  }

  // ---- talking to the API --------------------------------------------------------------------------------

  function historyPayload() {
    return history.slice(-MAX_HISTORY).map(function (turn) {
      return { role: turn.role, content: turn.content.slice(0, MAX_TURN_CHARS) };
    });
  }

  // Server-Sent Events over a fetch body: blocks separated by a blank line, "event:" and "data:" fields.
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";

    function dispatch(raw) {
      var type = "message";
      var lines = [];
      raw.split(/\r\n|\r|\n/).forEach(function (line) {
        if (!line || line.charAt(0) === ":") return;
        var colon = line.indexOf(":");
        var field = colon < 0 ? line : line.slice(0, colon);
        var value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.charAt(0) === " ") value = value.slice(1);
        if (field === "event") type = value;
        else if (field === "data") lines.push(value);
      });
      if (lines.length) onEvent(type, lines.join("\n"));
    }

    function drain() {
      var boundary;
      while ((boundary = /\r\n\r\n|\n\n|\r\r/.exec(buffer)) !== null) {
        var raw = buffer.slice(0, boundary.index);
        buffer = buffer.slice(boundary.index + boundary[0].length);
        dispatch(raw);
      }
    }

    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          buffer += decoder.decode();
          drain();
          if (buffer.trim()) dispatch(buffer);
          return;
        }
        buffer += decoder.decode(chunk.value, { stream: true });
        drain();
        return pump();
      });
    }
    return pump();
  }

  function plain(text) {
    return text.replace(/\s*\[\d{1,2}\]/g, "").replace(/^\s*-\s+/gm, "");
  }

  // ---- when the coach can't be reached -------------------------------------------------------------------

  function folded(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[’‘]/g, "'");
  }

  // Could this message be about risk? Decided here, with the words the server put in FALLBACK, because the
  // server's own check is what could not be reached.
  function mightBeRisk(text) {
    if (!FALLBACK || !FALLBACK.words) return false;
    var plainText = folded(text);
    return FALLBACK.words.some(function (w) { return w && plainText.indexOf(folded(w)) >= 0; });
  }

  function fallbackResources() {
    if (!FALLBACK) return [];
    var parts = String(LOCALE || "").split(/[-_]/);
    var region = parts.length > 1 && parts[parts.length - 1].length === 2 ? parts[parts.length - 1].toUpperCase() : null;
    if (region === "UK") region = "GB";
    var country = region || (FALLBACK.languages || {})[(parts[0] || "").toLowerCase()] || null;
    var rows = (country && FALLBACK.countries[country]) || FALLBACK.international || [];
    return rows.map(function (r) { return { name: r[0], contact: r[1], url: r[2] }; });
  }

  function showFallback() {
    var resources = fallbackResources();
    if (!resources.length) return null;
    var card = renderResources(resources, "urgent");
    card.classList.add("fallback");
    log.appendChild(card);
    return card;
  }

  var FAILURES = {
    offline: "You seem to be offline. Your message is still in the box: send it again when you're connected.",
    timeout: "The coach is taking too long to answer. Your message is still in the box: try again in a moment.",
    cancelled: "Stopped. Your message is still in the box.",
    server: "Sorry, something went wrong on our side. Your message is still in the box: try again in a moment.",
    unreachable: "The coach can't be reached right now. Your message is still in the box: try again in a moment."
  };

  // A fetch that failed outright: offline, the server down, or this page's origin not allowed by the API (CORS),
  // which the browser reports exactly like a network error. A no-cors probe tells the last two apart.
  function diagnose() {
    if (navigator.onLine === false) return Promise.resolve("offline");
    return fetch(HEALTH, { mode: "no-cors", cache: "no-store" }).then(function () {
      if (window.console && console.warn) {
        console.warn("No Contact coach widget: " + API + " is up but refused this page (" + window.location.origin +
          "). Add this origin to COACH_CORS_ORIGINS on the coach server.");
      }
      return "unreachable";
    }, function () { return "unreachable"; });
  }

  function failed(kind, question, userNode, bot, detail) {
    bot.remove();
    userNode.remove();
    if (!input.value) { input.value = question; autosize(); updateSend(); }
    var risky = mightBeRisk(question);
    var card = risky ? showFallback() : null;
    var text = detail ? "Sorry, I couldn't take that message: " + detail + "." : FAILURES[kind] || FAILURES.server;
    var notice = el("p", { className: "notice err", role: "status", text: text });
    if (!detail && kind !== "offline") {
      var retry = el("button", { type: "button", className: "btn ghost", text: "Try again" });
      retry.addEventListener("click", function () { notice.remove(); submit(); });
      notice.appendChild(el("br"));
      notice.appendChild(retry);
    }
    clearNotices();
    log.appendChild(notice);
    scrollToMessage(card || notice);
    if (card) announce("Help you can reach right now is shown. " + text, true);
    else announce(text);
  }

  function ask(question) {
    clearNotices();
    Array.prototype.forEach.call(log.querySelectorAll(".fallback"), function (n) { n.remove(); });
    setBusy(true);
    var userNode = addUser(question);
    var bot = addBot();
    var reply = null;
    var priorHistory = historyPayload();
    var controller = window.AbortController ? new AbortController() : null;
    var stopped = null; // "timeout" | "cancelled" once the widget stops waiting
    var timer = null;

    function stop(kind) {
      if (stopped || !controller) return;
      stopped = kind;
      controller.abort();
    }
    function wait() { // restarted whenever the answer makes progress
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { stop("timeout"); }, TIMEOUT_MS);
    }
    bot.onCancel(function () { stop("cancelled"); });
    wait();

    fetch(API + "/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify({ question: question, history: priorHistory, locale: LOCALE,
                             conversation_id: conversation() }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      wait();
      if (response.status === 429) {
        return readJson(response).then(function (body) {
          var seconds = retryAfterSeconds(response, body);
          bot.remove();
          userNode.remove();
          if (!input.value) { input.value = question; autosize(); }
          startCooldown(seconds);
          showRateLimit(seconds);
        });
      }
      if (!response.ok || !response.body) {
        return readJson(response).then(function (body) {
          var detail = response.status >= 400 && response.status < 500 && body && body.detail ? String(body.detail) : null;
          failed("server", question, userNode, bot, detail);
        });
      }
      return readEvents(response, function (type, payload) {
        wait();
        var parsed;
        try { parsed = JSON.parse(payload); } catch (e) { return; }
        if (type === "delta" && parsed && typeof parsed.text === "string") bot.append(parsed.text);
        else if (type === "replace" && parsed && typeof parsed.text === "string") bot.replace(parsed.text, parsed.note);
        else if (type === "done") reply = parsed;
      }).then(function () {
        if (!reply) throw new Error("the answer stream ended early");
        bot.finish(reply);
        history.push({ role: "user", content: question });
        history.push({ role: "assistant", content: reply.answer || "" });
        stored.push({ question: question, reply: reply });
        save();
        var level = reply.safety && reply.safety.level;
        var spoken = plain(reply.answer || "");
        if (reply.citations && reply.citations.length) {
          spoken += " " + reply.citations.length + (reply.citations.length === 1 ? " source." : " sources.");
        }
        if (level === "urgent") announce("Help you can reach right now is shown first. " + spoken, true);
        else announce("The coach answered: " + spoken);
      });
    }).catch(function (error) {
      if (stopped) return failed(stopped, question, userNode, bot);
      if (error && error.name === "TypeError" && !reply) {
        return diagnose().then(function (kind) { failed(kind, question, userNode, bot); });
      }
      failed("server", question, userNode, bot);
    }).then(function () {
      window.clearTimeout(timer);
      setBusy(false);
    });
  }

  function mount() {
    if (!document.body) return window.setTimeout(mount, 20);
    document.body.appendChild(host);
  }
  mount();
})();
