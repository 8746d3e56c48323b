// The one-click login link (/ui/login?code=...): the page holds the code
// in a form that posts it back to this origin; a browser submits it at
// once, a link previewer that runs no script leaves the code unused.
document.addEventListener("DOMContentLoaded", function () {
  var f = document.getElementById("code-login");
  if (f) { f.submit(); }
});
