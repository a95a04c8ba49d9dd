// Files in by drag and drop or the chooser (each streamed to /upload, then checked together),
// and the run's progress polled until it ends. No library, no build step.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf"]').content;
  var page = document.body.dataset;

  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    return tr;
  }

  async function send(files) {
    var out = document.getElementById("uploaded");
    var note = document.getElementById("upload-note");
    var saved = [];
    note.textContent = "Сохранение файлов…";
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      var answer = await fetch("/month/" + page.period + "/upload?name=" +
                               encodeURIComponent(file.name),
                               {method: "POST", body: file, headers: {"X-CSRF-Token": token}});
      var data = {};
      try { data = await answer.json(); } catch (e) { data = {error: "Файл не сохранён."}; }
      if (answer.ok) { saved.push(data.saved); }
      else { out.appendChild(row([file.name, "—", "—", data.error || "Файл не сохранён.", "", ""])); }
    }
    if (saved.length) {
      note.textContent = "Проверка файлов…";
      var checked = await fetch("/month/" + page.period + "/check", {
        method: "POST", body: JSON.stringify({names: saved}),
        headers: {"X-CSRF-Token": token, "Content-Type": "application/json"}});
      if (checked.ok) {
        (await checked.json()).forEach(function (r) {
          var tr = row([r.file, r.school, r.period, r.status, String(r.errors), String(r.warnings)]);
          tr.className = r.rejected ? "st-rejected" : "";
          out.appendChild(tr);
        });
      }
    }
    note.textContent = "Готово: сохранено файлов — " + saved.length + ". Нажмите «Свести месяц».";
    document.getElementById("uploads").hidden = false;
  }

  var drop = document.getElementById("drop");
  var chooser = document.getElementById("files");
  if (drop && chooser) {
    ["dragenter", "dragover"].forEach(function (e) {
      drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (e) {
      drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (ev) { send(Array.from(ev.dataTransfer.files)); });
    chooser.addEventListener("change", function () {
      var files = Array.from(chooser.files);  // the list empties when the chooser is reset
      chooser.value = "";
      send(files);
    });
  }

  var bar = document.getElementById("run-progress");
  if (bar) {
    var poll = async function () {
      var state = await (await fetch("/month/" + page.period + "/progress")).json();
      bar.max = Math.max(state.total, 1);
      bar.value = state.done;
      document.getElementById("run-text").textContent =
        state.counted + ": " + state.done + " из " + state.total;
      if (state.running) { setTimeout(poll, 500); }
      else { location.href = "/month/" + page.period + "?" + (state.failed ? "error=" : "message=") +
                             encodeURIComponent(state.message) +
                             (location.hash ? "&at=" + location.hash.slice(1) + location.hash : ""); }
    };
    setTimeout(poll, 300);
  }
})();
