// Keyboard shortcuts for the coach's queue: j/k move, x select, e (or Enter) open, a approve the draft as it stands.
(() => {
  const items = () => [...document.querySelectorAll(".queue .item")];
  const current = () => document.querySelector(".queue .item.current");
  const select = (el) => {
    items().forEach((i) => i.classList.remove("current"));
    el.classList.add("current");
    el.querySelector("a.who").focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest("input, textarea, select")) return;
    const list = items();
    if (!list.length) return;
    const at = list.indexOf(current());
    if (event.key === "j" || event.key === "k") {
      select(list[event.key === "j" ? Math.min(list.length - 1, at + 1) : Math.max(0, at - 1)]);
    } else if (event.key === "x" && at >= 0) {
      const box = list[at].querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
    } else if (event.key === "e" && at >= 0) {
      list[at].querySelector("a.who").click();
    } else if (event.key === "a" && at >= 0) {
      const approve = document.querySelector("button[data-approve]");
      const box = list[at].querySelector("input[type=checkbox]");
      if (!approve || !box) return;
      document.querySelectorAll(".queue input[type=checkbox]").forEach((b) => { b.checked = b === box; });
      approve.click();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
