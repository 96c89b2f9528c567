// Small page helpers written for rse. Third-party code comes from the npm registry at set-up.
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]');
  // Expose the CSRF token to scripts calling the API with the session cookie.
  window.rse = { csrfToken: token ? token.content : null };

  // Forms that change a lot at once (delete a post, mark a whole list read) ask first.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
