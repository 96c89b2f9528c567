// Portal forms: dates are typed in the browser's time zone and sent with its offset; dates from the
// server (UTC) are shown in local time.
(function () {
  const pad = (n) => String(n).padStart(2, "0");
  document.querySelectorAll("[data-local-times]").forEach((form) => {
    form.querySelectorAll("[data-tz-offset]").forEach((input) => {
      input.value = String(new Date().getTimezoneOffset());
    });
    form.querySelectorAll("input[data-utc]").forEach((input) => {
      if (!input.dataset.utc || input.value) return;
      const local = new Date(input.dataset.utc);
      input.value = `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}T${pad(local.getHours())}:${pad(local.getMinutes())}`;
    });
  });
})();
