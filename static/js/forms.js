// A refused form opens with its error summary (templates/includes/form.html):
// focus it, so the problem is read out at once, and let each of its links move
// focus to the field it names, label in view.
(() => {
  const summary = document.querySelector(".error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    (field.labels?.[0] ?? field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
