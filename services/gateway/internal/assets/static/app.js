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
// The consent boxes' links follow the form's message language, so the
// text a coordinator opens is the one the consent will record: the
// newcomer's language when the text is written in it, else Swedish (ADR
// 0120). Without script the links show the language last saved.
document.addEventListener("DOMContentLoaded", function () {
  var picker = document.getElementById("f-notify_language");
  if (!picker) {
    return;
  }
  picker.addEventListener("change", function () {
    var chosen = picker.value;
    var label = picker.options[picker.selectedIndex].textContent;
    document.querySelectorAll("a.consent-text").forEach(function (a) {
      var langs = (a.getAttribute("data-langs") || "").split(" ");
      var lang = chosen !== "" && langs.indexOf(chosen) >= 0 ? chosen : "sv";
      a.setAttribute("href", a.getAttribute("data-base") + lang);
      var name = a.parentNode.querySelector(".consent-lang");
      if (name) {
        name.textContent = lang === chosen ? label : name.getAttribute("data-sv");
      }
    });
  });
});
