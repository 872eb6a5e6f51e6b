// On every page of the book. sphinx-book-theme puts a second pair of sidebar buttons in the
// article header (the top bar that held the first pair is hidden, see nnlib-explorer.css),
// but the themes' scripts listen to the first .primary-toggle / .secondary-toggle only:
// a click on any other one is passed on to it, so the menu opens on a phone too.
document.addEventListener("DOMContentLoaded", function () {
  [".primary-toggle", ".secondary-toggle"].forEach(function (selector) {
    var buttons = document.querySelectorAll(selector);
    for (var i = 1; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        buttons[0].click();
      });
    }
  });
});
