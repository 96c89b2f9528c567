// Live updates over Socket.IO (the official client, served from the npm package at /vendor/).
// The server decides what this person may receive; this script only shows it:
// - `desk.counts` updates the counts in the navigation and refreshes the page's live regions;
// - posts and comments refresh the regions that list them;
// - after a dropped connection, counts and regions are reloaded so that nothing is silently missed.
(function () {
  "use strict";
  if (typeof io !== "function") return;
  const status = document.getElementById("live-status");
  const regions = () => Array.from(document.querySelectorAll("[data-live-events]"));
  const postId = document.body.dataset.livePost;
  const communityId = document.body.dataset.liveCommunity;
  let connectedOnce = false;
  let refreshing = null;

  let lastAnnounced = 0;

  function announce(text, { unlessRecent = false } = {}) {
    // A precise message (a new notification) is not overwritten by the generic one that follows.
    if (unlessRecent && Date.now() - lastAnnounced < 3000) return;
    if (status && text) status.textContent = text;
    lastAnnounced = Date.now();
  }

  function setNavCount(name, value) {
    const link = document.querySelector(`[data-live-nav="${name}"]`);
    if (!link) return;
    let badge = link.querySelector(".nav-count");
    if (!value) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "nav-count";
      const label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = " " + (link.dataset.liveNavLabel || "");
      badge.append(document.createTextNode(""), label);
      link.append(" ", badge);
    }
    badge.firstChild.textContent = String(value);
  }

  function showCounts(counts) {
    setNavCount("todo", counts.todo.total);
    setNavCount("selection", counts.selection);
    setNavCount("notifications", counts.notifications);
  }

  // Re-render the live regions from the server (the same page, with the same filters).
  function refreshRegions(eventName) {
    const wanted = regions().filter((region) => !eventName || region.dataset.liveEvents.split(" ").includes(eventName));
    if (!wanted.length) return Promise.resolve();
    if (refreshing) return refreshing;
    refreshing = fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "live" } })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        if (!html) return;
        const fresh = new DOMParser().parseFromString(html, "text/html");
        wanted.forEach((region) => {
          if (isBeingEdited(region)) {
            // Never throw away a draft: refresh once the person leaves the region.
            region.dataset.liveStale = "true";
            return;
          }
          const replacement = fresh.getElementById(region.id);
          if (replacement) region.replaceWith(document.importNode(replacement, true));
        });
        if (document.body.dataset.liveAnnounce) announce(document.body.dataset.liveAnnounce, { unlessRecent: true });
      })
      .catch(() => {})
      .finally(() => { refreshing = null; });
    return refreshing;
  }

  function isBeingEdited(region) {
    if (region.contains(document.activeElement) && document.activeElement !== document.body) return true;
    return Array.from(region.querySelectorAll("textarea, input:not([type=hidden])")).some(
      (field) => field.value !== field.defaultValue,
    );
  }

  document.addEventListener("focusout", (event) => {
    const region = event.target.closest && event.target.closest("[data-live-stale]");
    if (region) setTimeout(() => { if (!isBeingEdited(region)) refreshRegions(null); }, 0);
  });

  function reloadEverything() {
    fetch("/api/v1/desk", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((counts) => counts && showCounts(counts))
      .catch(() => {});
    refreshRegions(null);
  }

  const socket = io({ withCredentials: true });

  socket.on("connect", () => {
    document.body.dataset.liveConnected = "true";
    if (postId) {
      socket.emit("subscribe", { post_id: Number(postId) }, (answer) => {
        document.body.dataset.liveSubscribed = String(Boolean(answer && answer.ok));
      });
    }
    if (connectedOnce) reloadEverything();  // catch up on what happened while disconnected
    connectedOnce = true;
  });
  socket.on("disconnect", (reason) => {
    document.body.dataset.liveConnected = "false";
    // The server drops sockets when rights change; come back with the new rights.
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000);
  });

  socket.on("desk.counts", (counts) => {
    showCounts(counts);
    refreshRegions("desk.counts");
  });
  socket.on("notification.created", (notification) => announce(notification.text));
  ["post.created", "post.updated", "post.deleted"].forEach((name) => {
    socket.on(name, (post) => {
      if (communityId && post.community && String(post.community.id) !== communityId) return;
      if (postId && name !== "post.created" && String(post.id) !== postId) return;
      refreshRegions(name);
    });
  });
  socket.on("comment.created", (comment) => {
    if (postId && String(comment.post_id) === postId) refreshRegions("comment.created");
  });
})();
