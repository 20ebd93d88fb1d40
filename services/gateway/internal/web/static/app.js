// Mötesplats web app: the little the pages need beyond htmx.
// A page that comes back with errors moves focus to its error summary, so
// keyboard and screen-reader users learn first what to fix; the summary's
// links then lead to each field.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
