// portal.js: ward.js on every page of the clinic portal. A file, not an inline script: the pages' CSP allows scripts
// from this origin only. Settings come from the page's <body data-idle-warning data-hidden-cleanup>.
import { Ward } from "/static/ward.js";

const settings = document.body.dataset;
// base "/ward": ward.js's calls go to the portal's own origin, where WardFilter answers them with Ward.
Ward.start({
  base: "/ward",
  idleWarningSeconds: Number(settings.idleWarning),
  hiddenCleanupSeconds: Number(settings.hiddenCleanup),
});

// Signed out (idle timeout, the warning's "Sign out", an ended session): ward.js has already taken the page off the
// screen; then show the sign-in page, which says why.
document.addEventListener("ward:signed-out", (e) => {
  setTimeout(() => location.replace("/login?signed_out=" + encodeURIComponent(e.detail.reason)), 0);
});

// The tab stayed hidden and ward.js cleared the patient contexts: a chart on screen is no longer backed by one.
document.addEventListener("ward:patient-session-cleared", () => {
  if (document.querySelector("[data-chart]")) location.replace("/patients/");
});
