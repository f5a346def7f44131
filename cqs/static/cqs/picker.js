/*
 * A search box over a native <select data-picker>: type part of a name, with or without diacritics
 * ("truong vinh" finds "Trường Vinh"), and the list keeps only the matching options, the first of
 * them selected. The <select> stays the control (labelled, keyboard, the phone's own picker); without
 * JavaScript it works as it is. Options are removed and put back rather than hidden, because iOS
 * Safari shows hidden <option>s anyway. No inline script: this file is loaded with `defer`.
 */
(function () {
  "use strict";

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  }

  function countText(select, shown) {
    if (shown === 0) {
      return select.getAttribute("data-picker-none") || "Không có kết quả phù hợp.";
    }
    var template = select.getAttribute("data-picker-count") || "Có {n} kết quả.";
    return template.replace("{n}", String(shown));
  }

  function enhance(select) {
    if (!select.id || select.getAttribute("data-picker-ready")) {
      return;
    }
    select.setAttribute("data-picker-ready", "1");
    var options = Array.prototype.map.call(select.options, function (option) {
      return { node: option, key: fold(option.text), empty: option.value === "" };
    });
    var box = document.createElement("div");
    box.className = "picker";
    var label = document.createElement("label");
    var input = document.createElement("input");
    var status = document.createElement("small");
    input.type = "search";
    input.id = select.id + "-tim";
    input.autocomplete = "off";
    input.setAttribute("autocapitalize", "none");
    input.setAttribute("spellcheck", "false");
    input.setAttribute("enterkeyhint", "search");
    input.setAttribute("aria-controls", select.id);
    status.id = select.id + "-so-ket-qua";
    status.className = "picker-count";
    status.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", status.id);
    label.htmlFor = input.id;
    label.textContent = select.getAttribute("data-picker-label") || "Tìm theo tên";
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    select.parentNode.insertBefore(box, select);

    function filter() {
      var words = fold(input.value).split(" ").filter(Boolean);
      var chosen = select.value;
      var matches = options.filter(function (item) {
        if (!words.length) {
          return true;
        }
        return !item.empty && words.every(function (word) { return item.key.indexOf(word) >= 0; });
      });
      while (select.options.length) {
        select.remove(0);
      }
      matches.forEach(function (item) { select.add(item.node); });
      var kept = matches.some(function (item) { return item.node.value === chosen; });
      if (kept) {
        select.value = chosen;
      } else if (matches.length) {
        select.value = matches[0].node.value;
      }
      status.textContent = words.length ? countText(select, matches.length) : "";
      if (!kept && matches.length) {
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // choosing, not sending the form
        select.focus();
      }
    });
    if (select.form) {
      select.form.addEventListener("reset", function () {
        input.value = "";
        filter();
      });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-picker]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
