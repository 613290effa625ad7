/*
 * The preview page's own behaviour, besides the player: the toggle that shows skipped blocks,
 * and reloading the page when the article has been narrated again.
 */
(() => {
  'use strict';

  const SHOW_SKIPPED = 'articulate-preview:show-skipped';
  const toggle = document.getElementById('toggle-skipped');

  function showSkipped(on) {
    toggle.setAttribute('aria-pressed', String(on));
    document.body.classList.toggle('show-skipped', on);
  }

  if (toggle) {
    // Kept for the tab's life, so a reload after re-narration leaves the toggle as it was.
    let remembered = false;
    try {
      remembered = window.sessionStorage.getItem(SHOW_SKIPPED) === 'true';
    } catch (_) { /* storage refused: start hidden */ }
    showSkipped(remembered);
    toggle.addEventListener('click', () => {
      const on = toggle.getAttribute('aria-pressed') !== 'true';
      showSkipped(on);
      try {
        window.sessionStorage.setItem(SHOW_SKIPPED, String(on));
      } catch (_) { /* storage refused: the toggle holds until the next reload */ }
    });
  }

  // The server tells every open page the current narration's number, at once and after each
  // re-narration; a page showing another number is stale. The player saves the listening
  // position as the page goes, so the reload comes back where the editor was, and if it was
  // playing it plays on: save, and hear the fix.
  const RESUME = 'articulate-preview:resume';
  const version = document.body.getAttribute('data-preview-version');
  if (version && 'EventSource' in window) {
    const events = new EventSource('/events');
    events.addEventListener('version', (event) => {
      if (event.data === version) return;
      events.close();
      const audio = document.querySelector('.articulate-player audio');
      try {
        window.sessionStorage.setItem(RESUME, String(Boolean(audio && !audio.paused)));
      } catch (_) { /* storage refused: the reloaded page waits for play */ }
      window.location.reload();
    });
  }
  document.addEventListener('articulate:ready', () => {
    let resume = false;
    try {
      resume = window.sessionStorage.getItem(RESUME) === 'true';
      window.sessionStorage.removeItem(RESUME);
    } catch (_) { /* storage refused: nothing to resume */ }
    const play = document.querySelector('.articulate-play');
    // The player says so if the browser wants a click first.
    if (resume && play) play.click();
  });
})();
