/**
 * @module The Cloud page's only script, served locally at `/assets/cloud.js` (never inline, never
 * remote). It drives dashboard pairing through the daemon's same-origin `/v1/cloud/*` JSON API:
 * `POST /v1/cloud/connect`, then `GET /v1/cloud/state` every 2 s until the pairing finishes, and
 * `POST /v1/cloud/connect/cancel` for Cancel. Every value goes into the page with `textContent`
 * (never as HTML) and only http(s) approve URLs become links.
 */

/** The script text at /assets/cloud.js. */
export const CLOUD_JS = String.raw`"use strict";
(function () {
  var POLL_MS = 2000;
  var DONE = { approved: 1, denied: 1, expired: 1, cancelled: 1, failed: 1 };
  var LABEL = {
    pending: "waiting for approval",
    approved: "approved",
    denied: "denied by the workspace",
    expired: "the code expired",
    cancelled: "cancelled",
    failed: "failed",
  };
  var $ = function (id) { return document.getElementById(id); };
  var root = $("cloud");
  var box = $("pairing");
  if (!root || !box) return;
  var initialState = root.getAttribute("data-state");
  var form = $("connect-form");
  var errBox = $("connect-error");
  var timer = null;

  function show(el, on) { if (el) el.hidden = !on; }
  function setText(id, text) { var el = $(id); if (el) el.textContent = text == null ? "" : String(text); }
  function showError(msg) {
    if (!errBox) return;
    errBox.textContent = msg || "";
    show(errBox, !!msg);
  }

  function render(p) {
    if (!p) { show(box, false); return; }
    var pending = p.status === "pending";
    show(box, true);
    box.setAttribute("data-status", p.status);
    setText("pair-code", p.code || "");
    var href = typeof p.approve_url === "string" && /^https?:\/\//i.test(p.approve_url) ? p.approve_url : null;
    var link = $("pair-link");
    if (link) {
      link.textContent = href || "";
      link.setAttribute("href", href || "#");
    }
    show($("pair-instructions"), pending);
    show($("pair-code"), pending);
    show($("pair-link-row"), pending && !!href);
    show($("pair-cancel"), pending);
    setText("pair-status", LABEL[p.status] || p.status);
    var msg = "";
    if (p.status === "approved" && p.workspace_name) msg += " · paired with " + p.workspace_name;
    if (p.error) msg += " · " + p.error;
    setText("pair-message", msg);
    if (form) {
      show(form, !pending);
      var btn = $("connect");
      if (btn) btn.disabled = pending;
    }
  }

  function errorOf(body, res) {
    if (body && body.error && body.error.message) return body.error.message;
    return "The daemon answered " + res.status;
  }

  function api(method, path, body) {
    var init = { method: method, headers: { accept: "application/json" }, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET") {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (b) {
        return { res: res, body: b };
      });
    });
  }

  function stop() { if (timer) { clearTimeout(timer); timer = null; } }
  function schedule() { stop(); timer = setTimeout(poll, POLL_MS); }

  function poll() {
    timer = null;
    api("GET", "/v1/cloud/state").then(function (r) {
      if (!r.res.ok || !r.body) { showError(errorOf(r.body, r.res)); schedule(); return; }
      showError("");
      var s = r.body;
      if (s.state !== initialState) { stop(); location.reload(); return; }
      render(s.pairing);
      if (s.pairing && DONE[s.pairing.status]) {
        // Approved: wait for the worker's new state, then reload.
        if (s.pairing.status === "approved" && initialState === "NOT-CONFIGURED") schedule();
        return;
      }
      schedule();
    }, function (e) {
      showError("Cannot reach the daemon: " + e.message);
      schedule();
    });
  }

  if (form) {
    show(form, box.getAttribute("data-status") !== "pending");
    show($("connect-nojs"), false);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var btn = $("connect");
      if (btn) btn.disabled = true;
      showError("");
      var req = {};
      var url = $("base-url");
      if (url && url.value.trim()) req.base_url = url.value.trim();
      api("POST", "/v1/cloud/connect", req).then(function (r) {
        if (r.res.status !== 201 || !r.body) {
          showError(errorOf(r.body, r.res));
          if (btn) btn.disabled = false;
          if (r.res.status === 409) location.reload();
          return;
        }
        render(r.body);
        schedule();
      }, function (e) {
        showError("Cannot reach the daemon: " + e.message);
        if (btn) btn.disabled = false;
      });
    });
  }

  var cancel = $("pair-cancel");
  if (cancel) {
    cancel.addEventListener("click", function () {
      cancel.disabled = true;
      api("POST", "/v1/cloud/connect/cancel", {}).then(function (r) {
        cancel.disabled = false;
        if (!r.res.ok || !r.body) { showError(errorOf(r.body, r.res)); return; }
        stop();
        render(r.body.pairing);
      }, function (e) {
        cancel.disabled = false;
        showError("Cannot reach the daemon: " + e.message);
      });
    });
  }

  var st = box.getAttribute("data-status");
  if (st === "pending" || (st === "approved" && initialState === "NOT-CONFIGURED")) schedule();
})();
`;
