(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var rows = Array.prototype.slice.call(document.querySelectorAll("#conversation-list .conversation-row"));
  var articles = Array.prototype.slice.call(document.querySelectorAll("article.conversation"));
  var empty = document.getElementById("no-conversation");
  var count = document.getElementById("filter-count");
  var byId = new Map();
  var byLine = new Map();
  data.conversations.forEach(function (c, i) {
    if (!byId.has(c.id)) { byId.set(c.id, i); }
    byLine.set(String(c.line), i);
  });
  var chooseText = empty.textContent;

  ["agent_version", "channel", "trigger"].forEach(function (key) {
    var select = document.getElementById("filter-" + key);
    var values = Array.from(new Set(data.conversations.map(function (c) { return c[key]; })))
      .filter(function (v) { return v !== ""; }).sort();
    values.forEach(function (v) {
      var option = document.createElement("option");
      option.value = v;
      option.textContent = v;
      select.appendChild(option);
    });
  });

  var texts = null;
  function value(id) { return document.getElementById(id).value; }
  function applyFilters() {
    var dimension = value("filter-dimension");
    var status = value("filter-status");
    var facets = ["agent_version", "channel", "trigger"].map(function (k) { return [k, value("filter-" + k)]; });
    var text = value("filter-text").trim().toLowerCase();
    if (text && texts === null) {
      texts = articles.map(function (a) { return a.textContent.toLowerCase(); });
    }
    var shown = 0;
    rows.forEach(function (row, i) {
      var c = data.conversations[i];
      var keep = true;
      if (dimension && status) { keep = c.statuses[dimension] === status; }
      else if (dimension) { keep = c.statuses[dimension] !== "na"; }
      else if (status) { keep = c.verdict === status; }
      facets.forEach(function (f) { if (f[1] && c[f[0]] !== f[1]) { keep = false; } });
      if (keep && text) { keep = c.id.toLowerCase().indexOf(text) >= 0 || texts[i].indexOf(text) >= 0; }
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " shown";
  }

  function show(index, asked) {
    articles.forEach(function (a) { a.hidden = true; });
    rows.forEach(function (r) { r.classList.toggle("selected", Number(r.dataset.index) === index); });
    if (index === undefined) {
      empty.textContent = asked === undefined ? chooseText
        : asked + " is not among the " + rows.length + " conversations this report shows in full; calls.jsonl in the run has its scorecard.";
      empty.hidden = false;
      return;
    }
    var article = articles[index];
    empty.hidden = true;
    article.hidden = false;
    article.scrollIntoView({ block: "start" });
  }

  // #call=LINE names one scorecard (its line in calls.jsonl); #conversation=ID
  // the first shown conversation with that id.
  function fromHash() {
    var byCall = "#call=", byConversation = "#conversation=";
    if (location.hash.indexOf(byCall) === 0) {
      var line = location.hash.slice(byCall.length);
      show(byLine.get(line), "The call on line " + line + " of calls.jsonl");
      return;
    }
    if (location.hash.indexOf(byConversation) !== 0) { return; }
    var id = null;
    try { id = decodeURIComponent(location.hash.slice(byConversation.length)); } catch (e) { id = null; }
    show(byId.get(id), "The conversation this link names");
  }

  document.getElementById("filters").addEventListener("input", applyFilters);
  document.getElementById("filters").addEventListener("change", applyFilters);
  document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  document.querySelector("#conversation-list tbody").addEventListener("click", function (e) {
    var row = e.target.closest(".conversation-row");
    if (!row || e.target.closest("a")) { return; }
    location.hash = "call=" + data.conversations[Number(row.dataset.index)].line;
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest(".check-button");
    if (!button) { return; }
    var key = button.dataset.check;
    var article = button.closest("article");
    var first = null;
    article.querySelectorAll(".event").forEach(function (ev) {
      var on = (" " + ev.dataset.checks + " ").indexOf(" " + key + " ") >= 0;
      ev.classList.toggle("active", on);
      if (on && first === null) { first = ev; }
    });
    article.querySelectorAll("li.check").forEach(function (li) { li.classList.toggle("active", li.dataset.check === key); });
    if (first !== null) { first.scrollIntoView({ block: "center" }); }
  });
  window.addEventListener("hashchange", fromHash);
  applyFilters();
  fromHash();
})();
