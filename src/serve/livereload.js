// sitegen serve: live reload. Reloads the page after each successful rebuild, swaps
// stylesheets when only CSS changed, and shows build errors in an overlay until fixed.
(() => {
  const me = document.currentScript;
  const loaded = me ? me.dataset.generation : null;
  let overlay = null;
  const showError = (message) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(24,0,0,.94);color:#fff;font:14px/1.5 ui-monospace,monospace;" +
        "padding:2rem;white-space:pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "sitegen: the last build failed; showing the last good output.\n\n" + message;
  };
  const events = new EventSource("/__sitegen/events");
  events.addEventListener("generation", (e) => {
    // A rebuild finished between this page's load and this connection: reload now.
    if (loaded !== null && e.data !== loaded) location.reload();
  });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("css", () => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("sitegen", Date.now());
      link.href = url.toString();
    }
  });
  events.addEventListener("build-error", (e) => showError(JSON.parse(e.data)));
})();
