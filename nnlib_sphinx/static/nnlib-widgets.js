// Loaded between require.js and the ipywidgets manager on pages that show saved widgets
// (see nb_ipywidgets_js in _config.yml).
(function () {
  // 1. The manager loads its own files (fonts) relative to its AMD module's URL: point that
  //    at the vendored copy next to require.js, never at a CDN.
  var here = document.currentScript.src;
  // the manager's webpack bundle reads this global for where its fonts live
  window.__jupyter_widgets_assets_path__ = new URL("../_vendor/html-manager/", here).href;
  var manager = new URL("../_vendor/html-manager", here).href;
  // The bundled modules (controls, base, ...) also find their fonts from their own module
  // URL, which requirejs derives from these paths: without them the fonts are looked for
  // next to the page (notebooks/@jupyter-widgets/*.woff2) and 404.
  var paths = {"@jupyter-widgets/html-manager/dist": manager};
  ["base", "base7", "controls", "controls7", "output", "html-manager"].forEach(function (name) {
    paths["@jupyter-widgets/" + name] = manager + "/" + name;
  });
  require.config({paths: paths});
  // 2. ipywidgets typesets widget labels with MathJax 2's MathJax.Hub.Queue; the book runs
  //    MathJax 3, which has no Hub. Translate the one call it makes.
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub) { return; }
    mj.Hub = {
      Queue: function (job) {
        var element = job[2];
        var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
        ready.then(function () { return mj.typesetPromise ? mj.typesetPromise([element]) : null; });
      }
    };
  });
})();
