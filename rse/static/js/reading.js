// Records one view of the post or portal item on this page, with the time it was actually visible,
// when the reader leaves (or hides) the page. The server caps the time and ignores the author's own
// views. The article names where to report (data-view-url), or is a post (data-post-id).
(function () {
  const article = document.querySelector("article[data-view-url], article[data-post-id]");
  const token = document.querySelector('meta[name="csrf-token"]');
  if (!article || !token) return;
  let visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  let visibleMs = 0;
  let sent = false;

  function pause() {
    if (visibleSince !== null) visibleMs += Date.now() - visibleSince;
    visibleSince = null;
  }

  function send() {
    if (sent) return;
    sent = true;
    pause();
    fetch(article.dataset.viewUrl || `/api/v1/posts/${article.dataset.postId}/view`, {
      method: "POST",
      keepalive: true, // survives the page being unloaded
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token.content },
      body: JSON.stringify({ seconds: Math.round(visibleMs / 1000) }),
    }).catch(() => {});
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") send();
    else if (!sent) visibleSince = Date.now();
  });
  window.addEventListener("pagehide", send);
})();
