// Compose and members pages: addressee pickers with autocomplete, qualification-dependent fields,
// the browser's time zone for due dates. Written for rse, no dependency.
(function () {
  "use strict";

  const LABELS = {
    unit: document.documentElement.lang === "en" ? "unit" : "unité",
    remove: document.documentElement.lang === "en" ? "Remove" : "Retirer",
  };

  async function fetchItems(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return [];
    return (await response.json()).items;
  }

  async function suggestions(query, withUnits) {
    const q = encodeURIComponent(query);
    const people = fetchItems(`/api/v1/users?limit=8&q=${q}`);
    const units = withUnits ? fetchItems(`/api/v1/units?limit=8&q=${q}`) : Promise.resolve([]);
    const [foundPeople, foundUnits] = await Promise.all([people, units]);
    // Each suggestion shows a name first, then where it sits: long unit paths stay readable.
    return [
      ...foundPeople.map((user) => ({
        value: `user:${user.id}`,
        label: user.name,
        detail: user.unit ? user.unit.path : "",
        name: user.name,
      })),
      ...foundUnits.map((unit) => ({
        value: `unit:${unit.id}`,
        label: `${unit.name} (${LABELS.unit})`,
        detail: unit.path.includes("/") ? unit.path.slice(0, unit.path.lastIndexOf("/")) : "",
        name: unit.path,
      })),
    ];
  }

  function debounce(fn, delay) {
    let timer = null;
    const debounced = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), delay);
    };
    debounced.cancel = () => clearTimeout(timer);
    return debounced;
  }

  // A combobox: typing lists suggestions; ArrowDown/ArrowUp move in the list, Enter or a click
  // picks one; Escape closes the list. With ``keepEnter``, Enter never submits the form (a person
  // still typing in an addressee picker must not publish the post half addressed).
  function attachCombobox(input, list, withUnits, onPick, keepEnter) {
    let options = [];
    let active = -1;
    let latest = 0; // answers to an older query arrive late: only the latest one is shown
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const render = () => {
      list.replaceChildren();
      options.forEach((option, index) => {
        const item = document.createElement("li");
        item.id = `${list.id}-${index}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", index === active ? "true" : "false");
        const label = document.createElement("span");
        label.className = "option-label";
        label.textContent = option.label;
        item.appendChild(label);
        if (option.detail) {
          const detail = document.createElement("span");
          detail.className = "option-detail";
          detail.textContent = option.detail;
          item.append(" ", detail);
        }
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(index);
        });
        list.appendChild(item);
      });
      list.hidden = options.length === 0;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
      if (active >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
    };
    const pick = (index) => {
      const option = options[index];
      if (!option) return;
      latest += 1;
      searchSoon.cancel();
      input.value = "";
      options = [];
      close();
      onPick(option);
    };
    const search = async () => {
      const query = input.value.trim();
      const ticket = ++latest;
      const found = query.length >= 2 ? await suggestions(query, withUnits) : [];
      if (ticket !== latest) return;
      options = found;
      active = options.length ? 0 : -1;
      render();
    };
    const searchSoon = debounce(search, 200);
    input.addEventListener("input", searchSoon);
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && options.length) {
        active = (active + 1) % options.length;
        render();
        event.preventDefault();
      } else if (event.key === "ArrowUp" && options.length) {
        active = (active - 1 + options.length) % options.length;
        render();
        event.preventDefault();
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        pick(active);
        event.preventDefault();
      } else if (event.key === "Enter" && keepEnter) {
        event.preventDefault();
        searchSoon.cancel();
        if (input.value.trim()) search();
      } else if (event.key === "Escape" && !list.hidden) {
        close();
        event.preventDefault();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  function addChip(fieldset, option) {
    const field = fieldset.dataset.picker;
    const chosen = fieldset.querySelector(".picker-chosen");
    if (chosen.querySelector(`input[value="${option.value}"]`)) return;
    const chip = document.createElement("li");
    chip.className = "chip";
    const label = document.createElement("span");
    label.textContent = option.value.startsWith("unit:") ? `${option.name} (${LABELS.unit})` : option.name;
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = field;
    hidden.value = option.value;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", `${LABELS.remove} ${option.name}`);
    remove.textContent = "×";
    chip.append(label, hidden, remove);
    chosen.appendChild(chip);
  }

  document.querySelectorAll("fieldset[data-picker]").forEach((fieldset) => {
    const input = fieldset.querySelector('input[role="combobox"]');
    const list = fieldset.querySelector('[role="listbox"]');
    attachCombobox(input, list, true, (option) => addChip(fieldset, option), true);
    fieldset.addEventListener("click", (event) => {
      if (!event.target.classList.contains("chip-remove")) return;
      event.target.closest(".chip").remove();
      input.focus(); // the removed button had the focus: keep it in the picker
    });
  });

  document.querySelectorAll("form[data-person-picker]").forEach((form) => {
    const input = form.querySelector('input[role="combobox"]');
    const list = form.querySelector('[role="listbox"]');
    const target = form.querySelector('input[name="user_id"]');
    attachCombobox(input, list, false, (option) => {
      target.value = option.value.replace("user:", "");
      input.value = option.name;
    });
    input.addEventListener("input", () => {
      target.value = ""; // the text changed after a pick: no longer that person
    });
  });

  // Show the addressee and due date fields that fit the chosen qualification.
  const compose = document.getElementById("compose");
  if (compose) {
    const update = () => {
      const checked = compose.querySelector('input[name="qualification"]:checked');
      const value = checked ? checked.value : "none";
      compose.querySelectorAll("[data-show-for]").forEach((block) => {
        block.hidden = !block.dataset.showFor.split(" ").includes(value);
      });
    };
    compose.addEventListener("change", update);
    update();
    const offset = compose.querySelector("[data-tz-offset]");
    if (offset) offset.value = String(new Date().getTimezoneOffset());
    const due = compose.querySelector("#due_at");
    if (due && due.dataset.utc && !due.value) {
      const local = new Date(due.dataset.utc);
      const pad = (n) => String(n).padStart(2, "0");
      due.value = `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}T${pad(local.getHours())}:${pad(local.getMinutes())}`;
    }
  }
})();
