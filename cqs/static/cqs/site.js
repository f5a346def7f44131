/* Chính Quyền Số: small enhancements on top of pages that work without JavaScript.
 *
 * - Every POST form shows it is working ("Đang xử lý…", or the form's own data-busy text) and
 *   cannot be sent twice; long forms (data-progress, file uploads) show an indeterminate bar.
 *   Coming back through the browser's history restores the buttons.
 * - Links marked data-busy (PDFs made on demand) say that the file is being made.
 * - A form's error summary takes the focus; its links focus the field they name.
 * - On phones the header's menu folds behind a button (a disclosure: aria-expanded, Escape closes).
 * All texts come from the page (translated there), none is written here.
 */
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");

  function each(list, callback) { Array.prototype.forEach.call(list, callback); }

  function announce(text) {
    var region = doc.getElementById("busy-status");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      var type = (element.getAttribute("type") || "submit").toLowerCase();
      return (element.tagName === "BUTTON" && type === "submit") ||
        (element.tagName === "INPUT" && (type === "submit" || type === "image"));
    });
  }

  function busyText(form, submitter) {
    var checked = form.querySelector("input[data-busy]:checked");
    return (submitter && submitter.getAttribute("data-busy")) ||
      (checked && checked.getAttribute("data-busy")) ||
      form.getAttribute("data-busy") ||
      doc.body.getAttribute("data-busy-text") || "…";
  }

  function setBusy(form, submitter) {
    var text = busyText(form, submitter);
    var shown = submitter || submitButtons(form)[0];
    form.setAttribute("data-busy-on", "");
    form.setAttribute("aria-busy", "true");
    if (shown && shown.tagName === "BUTTON") {
      shown.setAttribute("data-label", shown.innerHTML);
      shown.textContent = text;
      shown.setAttribute("aria-busy", "true");
    }
    if (form.hasAttribute("data-progress") || form.enctype === "multipart/form-data") {
      var bar = doc.createElement("progress");
      bar.className = "busy-progress";
      bar.setAttribute("aria-label", text);
      (shown && shown.parentNode === form ? shown : form.lastChild).after(bar);
    }
    announce(text);
    // Disabled only after this event: the browser has then already read the pressed button's name and value.
    window.setTimeout(function () {
      each(submitButtons(form), function (button) {
        if (!button.disabled) { button.disabled = true; button.setAttribute("data-busy-disabled", ""); }
      });
    }, 0);
  }

  function restore(form) {
    form.removeAttribute("data-busy-on");
    form.removeAttribute("aria-busy");
    each(form.querySelectorAll("[data-label]"), function (button) {
      button.innerHTML = button.getAttribute("data-label");
      button.removeAttribute("data-label");
      button.removeAttribute("aria-busy");
    });
    each(submitButtons(form), function (button) {
      if (button.hasAttribute("data-busy-disabled")) { button.disabled = false; button.removeAttribute("data-busy-disabled"); }
    });
    each(form.querySelectorAll(".busy-progress"), function (bar) { bar.remove(); });
  }

  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.hasAttribute("data-busy-on")) { event.preventDefault(); return; }
    if (event.defaultPrevented) { return; }
    setBusy(form, event.submitter || null);
  });

  doc.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-busy]") : null;
    if (link) { announce(link.getAttribute("data-busy")); link.setAttribute("aria-busy", "true"); }
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    each(doc.querySelectorAll("form[data-busy-on]"), restore);
    each(doc.querySelectorAll("a[data-busy][aria-busy]"), function (link) { link.removeAttribute("aria-busy"); });
  });

  function focusField(id) {
    var target = doc.getElementById(id);
    if (!target) { return false; }
    var details = target.closest("details");
    if (details) { details.open = true; }
    var label = target.closest("fieldset") || doc.querySelector("label[for='" + id + "']") || target;
    target.focus({ preventScroll: true });
    label.scrollIntoView();
    return true;
  }

  function menu() {
    var button = doc.querySelector("[data-menu-toggle]");
    var panel = button && doc.getElementById(button.getAttribute("aria-controls"));
    if (!panel) { return; }
    button.hidden = false;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("open", open);
    }
    set(false);
    button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
    doc.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") { set(false); button.focus(); }
    });
  }

  doc.addEventListener("DOMContentLoaded", function () {
    menu();
    var summary = doc.querySelector("[data-error-summary]");
    if (summary) {
      each(doc.querySelectorAll("[autofocus]"), function (element) { element.removeAttribute("autofocus"); });
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        if (link && focusField(decodeURIComponent(link.getAttribute("href").slice(1)))) { event.preventDefault(); }
      });
    }
  });
})();
