// phonehome portal: progressive enhancement only; every page works without this file.
"use strict";
(function () {
  // Conditional fields: <div data-show-when="name=value|value2"> is hidden unless the control says so.
  function syncConditions(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      var spec = el.getAttribute("data-show-when").split("=");
      var ctl = form.querySelectorAll('[name="' + spec[0] + '"]');
      var value = null;
      ctl.forEach(function (c) {
        if (c.type === "checkbox") { if (c.checked) value = c.value; else if (value === null) value = "false"; }
        else if (c.type === "radio") { if (c.checked) value = c.value; }
        else if (c.type !== "hidden") value = c.value;
      });
      el.hidden = spec[1].split("|").indexOf(value) < 0;
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-show-when]")) {
      syncConditions(form);
      form.addEventListener("change", function () { syncConditions(form); });
    }
  });
  // Confirmation before destructive actions (the server asks again without JavaScript).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
  // Live status: <div data-poll="/url"> is refreshed from the URL's JSON until it says it is done
  // (then, when it names a location, that page is opened).
  document.querySelectorAll("[data-poll]").forEach(function (el) {
    var url = el.getAttribute("data-poll");
    function tick() {
      fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          (data.cells || []).forEach(function (c) {
            var cell = document.getElementById(c.id);
            if (cell) cell.textContent = c.text;
            // A <progress>: its value and max as well.
            if (cell && c.value !== undefined) { cell.max = c.max; cell.value = c.value; }
          });
          // Finished: the page that shows the outcome.
          if (data.done && data.location) window.location.assign(data.location);
          else if (!data.done) setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  });
  // Avatar: preview the chosen picture before upload.
  document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
    input.addEventListener("change", function () {
      var img = document.getElementById(input.getAttribute("data-preview"));
      if (img && input.files && input.files[0]) img.src = URL.createObjectURL(input.files[0]);
    });
  });
})();
