// Drag and drop onto the upload area: the dropped files go into the form's file input.
(function () {
  var drop = document.getElementById("drop"), input = document.getElementById("files");
  if (!drop || !input) return;
  ["dragenter", "dragover"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (ev) { if (ev.dataTransfer && ev.dataTransfer.files.length) input.files = ev.dataTransfer.files; });
})();
