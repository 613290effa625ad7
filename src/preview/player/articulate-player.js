/*!
 * articulate player: a "Listen to this article" player for articulate's narrations.
 *
 * Embed it with one element and one script tag:
 *
 *   <div data-articulate-manifest="story.json"></div>
 *   <script src="player/articulate-player.js"></script>
 *
 * Attributes on the element:
 *   data-articulate-manifest    URL of the manifest articulate wrote (required). The audio is
 *                               the manifest's first MP3, resolved against the manifest's URL.
 *   data-articulate-text        CSS selector of an element that already holds the article, with
 *                               data-articulate-segment="ID" on the words of each segment; the
 *                               player highlights and seeks there. Without it, the player writes
 *                               a transcript from the manifest below itself.
 *   data-articulate-transcript  "open" (default), "closed" or "none": that transcript's state.
 *   data-articulate-id          The key the listening position is remembered under.
 *                               Default: the manifest's URL.
 *
 * The element gets data-articulate-ready once the player is built. No dependencies, no build
 * step, and nothing is loaded but the stylesheet beside this file, the manifest and its audio.
 */
(() => {
  'use strict';

  const script = document.currentScript;
  const scriptUrl = script && script.src ? script.src : document.baseURI;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  const SKIP_SECONDS = 15;
  const ARROW_SECONDS = 5;
  const STORE = 'articulate-player:';
  const ICONS = {
    play: 'M8 5.14v13.72a1 1 0 0 0 1.5.86l11-6.86a1 1 0 0 0 0-1.72l-11-6.86A1 1 0 0 0 8 5.14z',
    pause: 'M7 5h3.5v14H7zM13.5 5H17v14h-3.5z',
  };

  const players = [];
  const started = new WeakSet();
  let count = 0;

  /** An element with attributes (skipped when null or false) and children (text or nodes). */
  function h(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function icon(path) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const shape = document.createElementNS(SVG_NS, 'path');
    shape.setAttribute('d', path);
    svg.append(shape);
    return svg;
  }

  /** 75 → "1:15"; 3725 → "1:02:05". */
  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const secs = String(whole % 60).padStart(2, '0');
    return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
  }

  /** 75 → "1 minute 15 seconds": what a screen reader should say instead of "1:15". */
  function spokenTime(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    const minutes = Math.floor(whole / 60);
    const secs = whole % 60;
    const parts = [];
    if (minutes) parts.push(minutes === 1 ? '1 minute' : `${minutes} minutes`);
    if (secs || !minutes) parts.push(secs === 1 ? '1 second' : `${secs} seconds`);
    return parts.join(' ');
  }

  /** The index of the last item starting at or before `ms`, or -1; `items` sorted by start. */
  function lastStartedBy(items, ms) {
    let low = 0;
    let high = items.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (items[middle].start_ms <= ms) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** localStorage, or null where the browser refuses it (private modes, sandboxed frames). */
  function storage() {
    try {
      return window.localStorage;
    } catch (_) {
      return null;
    }
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }

  function ensureStylesheet() {
    if (document.querySelector('link[data-articulate-player]')) return;
    const href = new URL('articulate-player.css', scriptUrl).href;
    document.head.append(h('link', { rel: 'stylesheet', href, 'data-articulate-player': true }));
  }

  class Player {
    constructor(root) {
      this.root = root;
      this.id = `articulate-${++count}`;
      this.manifestUrl = new URL(root.getAttribute('data-articulate-manifest'), document.baseURI).href;
      this.key = STORE + (root.getAttribute('data-articulate-id') || this.manifestUrl);
      this.currentSegment = -1;
      this.currentChapter = -1;
      this.lastSaved = -1;
      this.frame = 0;
    }

    async load() {
      let manifest;
      try {
        const response = await fetch(this.manifestUrl, { credentials: 'same-origin' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        manifest = await response.json();
      } catch (error) {
        this.fail('The narration could not be loaded.');
        console.error(`articulate player: ${this.manifestUrl}:`, error);
        return;
      }
      const files = Array.isArray(manifest.audio) ? manifest.audio : [];
      const audio = files.find((a) => a.format === 'mp3') || files[0];
      if (!audio || typeof manifest.duration_ms !== 'number') {
        this.fail('This narration has no audio yet.');
        return;
      }
      const timed = (items) =>
        (Array.isArray(items) ? items : [])
          .filter((item) => typeof item.start_ms === 'number')
          .sort((a, b) => a.start_ms - b.start_ms);
      this.manifest = manifest;
      this.segments = timed(manifest.segments);
      this.chapters = timed(manifest.chapters);
      this.segmentById = new Map(this.segments.map((s) => [String(s.id), s]));
      this.build(new URL(audio.file, this.manifestUrl).href);
    }

    fail(message) {
      this.root.replaceChildren(h('p', { class: 'articulate-failed', role: 'status' }, message));
    }

    build(audioUrl) {
      const id = this.id;
      this.total = this.manifest.duration_ms / 1000;
      this.audio = h('audio', { preload: 'metadata' });
      this.audio.src = audioUrl;

      this.playButton = h('button', { type: 'button', class: 'articulate-play', 'aria-label': 'Play' },
        icon(ICONS.play));
      const back = h('button', { type: 'button', class: 'articulate-skip',
        'aria-label': `Back ${SKIP_SECONDS} seconds` }, `−${SKIP_SECONDS}`);
      const forward = h('button', { type: 'button', class: 'articulate-skip',
        'aria-label': `Forward ${SKIP_SECONDS} seconds` }, `+${SKIP_SECONDS}`);
      this.seek = h('input', { type: 'range', class: 'articulate-seekbar', min: 0, max: this.total,
        step: 'any', value: 0, 'aria-label': 'Position in the narration' });
      const ticks = h('div', { class: 'articulate-ticks', 'aria-hidden': 'true' });
      for (const chapter of this.chapters.slice(1)) {
        const tick = h('span', { class: 'articulate-tick' });
        tick.style.left = `${Math.min(100, (chapter.start_ms / 1000 / this.total) * 100)}%`;
        ticks.append(tick);
      }
      this.elapsed = h('span', { class: 'articulate-elapsed' }, '0:00');
      this.totalLabel = h('span', { class: 'articulate-total' }, clock(this.total));
      this.speed = h('select', { class: 'articulate-speed', id: `${id}-speed` },
        ...SPEEDS.map((s) => h('option', { value: s }, `${s}×`)));
      this.status = h('p', { class: 'articulate-visually-hidden', role: 'status' });

      this.chapterButtons = this.chapters.map((chapter, index) =>
        h('button', { type: 'button', class: 'articulate-chapter', 'data-chapter': index },
          h('span', { class: 'articulate-chapter-time' }, clock(chapter.start_ms / 1000)),
          h('span', { class: 'articulate-chapter-title' }, chapter.title)));
      const chapterList = this.chapters.length > 1
        ? h('nav', { class: 'articulate-chapters', 'aria-label': 'Chapters' },
          h('ol', {}, ...this.chapterButtons.map((button) => h('li', {}, button))))
        : null;

      const region = h('section', { class: 'articulate-player', 'aria-labelledby': `${id}-heading` },
        h('h2', { class: 'articulate-heading', id: `${id}-heading` }, 'Listen to this article'),
        h('p', { class: 'articulate-title' }, this.manifest.title || ''),
        h('div', { class: 'articulate-controls' },
          this.playButton, back, forward,
          h('div', { class: 'articulate-seek' }, this.seek, ticks),
          h('span', { class: 'articulate-time' }, this.elapsed, ' / ', this.totalLabel),
          h('label', { class: 'articulate-speed-label', for: `${id}-speed` }, 'Speed'),
          this.speed),
        chapterList, this.status, this.audio);
      this.root.replaceChildren(region);
      this.region = region;

      const selector = this.root.getAttribute('data-articulate-text');
      this.text = (selector && document.querySelector(selector)) || this.transcript();
      this.segmentNodes = new Map();
      for (const node of this.text ? this.text.querySelectorAll('[data-articulate-segment]') : []) {
        const key = node.getAttribute('data-articulate-segment');
        if (!this.segmentById.has(key)) continue;
        node.classList.add('articulate-segment');
        if (!this.segmentNodes.has(key)) this.segmentNodes.set(key, []);
        this.segmentNodes.get(key).push(node);
      }

      this.playButton.addEventListener('click', () => this.toggle());
      back.addEventListener('click', () => this.skip(-SKIP_SECONDS));
      forward.addEventListener('click', () => this.skip(SKIP_SECONDS));
      this.seek.addEventListener('input', () => this.seekTo(Number(this.seek.value)));
      this.speed.addEventListener('change', () => this.setSpeed(Number(this.speed.value), true));
      this.chapterButtons.forEach((button, index) =>
        button.addEventListener('click', () => this.playChapter(index)));
      region.addEventListener('keydown', (event) => this.onKey(event));
      if (this.text) this.text.addEventListener('click', (event) => this.onTextClick(event));

      const audio = this.audio;
      audio.addEventListener('play', () => this.onPlay());
      audio.addEventListener('pause', () => { this.showPlaying(); this.save(); });
      for (const name of ['timeupdate', 'seeked', 'durationchange', 'loadedmetadata']) {
        audio.addEventListener(name, () => this.render());
      }
      audio.addEventListener('timeupdate', () => {
        if (Math.abs(audio.currentTime - this.lastSaved) >= 2) this.save();
      });
      audio.addEventListener('seeked', () => this.save());
      audio.addEventListener('ended', () => { this.showPlaying(); this.forget(); });
      audio.addEventListener('error', () => this.announce('The audio could not be played.'));
      window.addEventListener('pagehide', () => this.save());

      const saved = storage();
      const speed = saved ? Number(saved.getItem(`${STORE}speed`)) : NaN;
      this.setSpeed(SPEEDS.includes(speed) ? speed : 1, false);
      this.restore();
      this.render();
      this.root.setAttribute('data-articulate-ready', '');
      this.root.dispatchEvent(new CustomEvent('articulate:ready', { bubbles: true }));
    }

    /** The manifest's segments as text below the player, for pages without the article. */
    transcript() {
      const mode = this.root.getAttribute('data-articulate-transcript') || 'open';
      if (mode === 'none') return null;
      const body = h('div', { class: 'articulate-transcript-body' });
      for (const segment of this.segments) {
        if (segment.kind === 'headline') continue; // the player shows the title already
        const tag = segment.kind === 'heading' ? 'h3' : 'p';
        body.append(h(tag, { class: `articulate-kind-${segment.kind}`,
          'data-articulate-segment': segment.id }, segment.text));
      }
      const details = h('details', { class: 'articulate-transcript', open: mode !== 'closed' },
        h('summary', {}, 'Transcript'), body);
      this.root.append(details);
      return details;
    }

    duration() {
      const known = this.audio.duration;
      return Number.isFinite(known) && known > 0 ? known : this.total;
    }

    toggle() {
      if (this.audio.paused) this.play();
      else this.audio.pause();
    }

    play() {
      const attempt = this.audio.play();
      if (attempt && attempt.catch) {
        attempt.catch((error) => {
          // An AbortError means a pause or a seek interrupted the start, as the listener asked.
          if (error && error.name === 'NotAllowedError') {
            this.announce('The browser blocked playback; press play to listen.');
          }
        });
      }
    }

    skip(seconds) {
      this.seekTo(this.audio.currentTime + seconds);
    }

    seekTo(seconds) {
      const end = this.duration();
      this.audio.currentTime = Math.min(Math.max(0, seconds), end);
      this.render();
    }

    playChapter(index) {
      const chapter = this.chapters[index];
      if (!chapter) return;
      this.seekTo(chapter.start_ms / 1000);
      this.play();
      this.announce(`Chapter ${index + 1} of ${this.chapters.length}: ${chapter.title}`);
    }

    setSpeed(rate, remember) {
      this.audio.defaultPlaybackRate = rate;
      this.audio.playbackRate = rate;
      this.speed.value = String(rate);
      if (!remember) return;
      this.announce(`Speed ${rate} times`);
      const saved = storage();
      try {
        if (saved) saved.setItem(`${STORE}speed`, String(rate));
      } catch (_) { /* storage full or refused: the speed holds for this page only */ }
    }

    onPlay() {
      // One narration at a time: starting this one pauses any other on the page.
      for (const other of players) {
        if (other !== this && other.audio && !other.audio.paused) other.audio.pause();
      }
      this.showPlaying();
      this.render();
      this.keepInView();
      // timeupdate fires a few times a second; a frame loop keeps the highlight on the word.
      cancelAnimationFrame(this.frame);
      const step = () => {
        this.render();
        if (!this.audio.paused) this.frame = requestAnimationFrame(step);
      };
      this.frame = requestAnimationFrame(step);
    }

    showPlaying() {
      const playing = !this.audio.paused;
      this.playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
      this.playButton.replaceChildren(icon(playing ? ICONS.pause : ICONS.play));
      this.region.classList.toggle('articulate-playing', playing);
    }

    render() {
      const time = this.audio.currentTime;
      const end = this.duration();
      const elapsed = clock(time);
      if (this.elapsed.textContent !== elapsed) this.elapsed.textContent = elapsed;
      const total = clock(end);
      if (this.totalLabel.textContent !== total) this.totalLabel.textContent = total;
      this.seek.max = String(end);
      this.seek.value = String(time);
      this.seek.style.setProperty('--articulate-progress', `${end ? (time / end) * 100 : 0}%`);
      this.seek.setAttribute('aria-valuetext', `${spokenTime(time)} of ${spokenTime(end)}`);
      this.highlight(time);
    }

    highlight(time) {
      // A seek lands on a float a hair short of the millisecond it was asked for.
      const ms = time * 1000 + 1;
      const chapter = lastStartedBy(this.chapters, ms);
      if (chapter !== this.currentChapter) {
        this.chapterButtons.forEach((button, index) => {
          if (index === chapter) button.setAttribute('aria-current', 'true');
          else button.removeAttribute('aria-current');
        });
        this.currentChapter = chapter;
      }
      const index = lastStartedBy(this.segments, ms);
      if (index === this.currentSegment) return;
      for (const node of this.nodesOf(this.currentSegment)) {
        node.classList.remove('articulate-current');
      }
      for (const node of this.nodesOf(index)) node.classList.add('articulate-current');
      this.currentSegment = index;
      if (!this.audio.paused) this.keepInView();
    }

    /** The elements showing the `index`th timed segment's words. */
    nodesOf(index) {
      if (index < 0) return [];
      return this.segmentNodes.get(String(this.segments[index].id)) || [];
    }

    /** Scroll the segment being read into view, if it is out of view. */
    keepInView() {
      const node = this.nodesOf(this.currentSegment)[0];
      if (!node) return;
      const box = node.getBoundingClientRect();
      const height = window.innerHeight || document.documentElement.clientHeight;
      if (box.top >= 0 && box.bottom <= height) return;
      node.scrollIntoView({ block: 'center', behavior: reducedMotion() ? 'auto' : 'smooth' });
    }

    onKey(event) {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target;
      if (target.tagName === 'SELECT') return; // arrows and space choose the speed there
      const onChapter = target.classList && target.classList.contains('articulate-chapter');
      switch (event.key) {
        case ' ':
        case 'Spacebar':
          if (target.tagName === 'BUTTON') return; // space presses the focused button
          event.preventDefault();
          this.toggle();
          break;
        case 'ArrowLeft':
          event.preventDefault();
          this.skip(-ARROW_SECONDS);
          break;
        case 'ArrowRight':
          event.preventDefault();
          this.skip(ARROW_SECONDS);
          break;
        case 'ArrowUp':
        case 'ArrowDown': {
          const step = event.key === 'ArrowUp' ? -1 : 1;
          if (onChapter) {
            event.preventDefault();
            this.focusChapter(Number(target.getAttribute('data-chapter')) + step);
          } else if (target === this.seek) {
            event.preventDefault();
            this.skip(-step * ARROW_SECONDS);
          }
          break;
        }
        case 'Home':
        case 'End':
          if (onChapter) {
            event.preventDefault();
            this.focusChapter(event.key === 'Home' ? 0 : this.chapterButtons.length - 1);
          } else if (target === this.seek) {
            event.preventDefault();
            this.seekTo(event.key === 'Home' ? 0 : this.duration());
          }
          break;
        default:
      }
    }

    focusChapter(index) {
      const button = this.chapterButtons[Math.min(Math.max(0, index), this.chapterButtons.length - 1)];
      if (button) button.focus();
    }

    onTextClick(event) {
      const node = event.target.closest && event.target.closest('[data-articulate-segment]');
      if (!node || !this.text.contains(node)) return;
      if (event.target.closest('a, button, input, select, textarea, summary')) return;
      // Someone selecting text to copy is not asking to listen.
      const selection = window.getSelection && window.getSelection();
      if (selection && !selection.isCollapsed && node.contains(selection.anchorNode)) return;
      const segment = this.segmentById.get(node.getAttribute('data-articulate-segment'));
      if (!segment) return;
      this.seekTo(segment.start_ms / 1000);
      this.play();
    }

    announce(message) {
      this.status.textContent = message;
    }

    restore() {
      const saved = storage();
      let position = null;
      try {
        position = saved ? JSON.parse(saved.getItem(this.key) || 'null') : null;
      } catch (_) { /* a value some other script wrote: start from the beginning */ }
      const time = position && Number(position.time);
      // Before the metadata loads this sets where playback will start.
      if (time > 1 && time < this.total - 1) this.audio.currentTime = time;
    }

    save() {
      const saved = storage();
      if (!saved || !this.audio) return;
      const time = this.audio.currentTime;
      this.lastSaved = time;
      try {
        if (time > 0) saved.setItem(this.key, JSON.stringify({ time }));
        else saved.removeItem(this.key);
      } catch (_) { /* storage full or refused: the position is simply not remembered */ }
    }

    forget() {
      const saved = storage();
      try {
        if (saved) saved.removeItem(this.key);
      } catch (_) { /* nothing to forget */ }
    }
  }

  /** Start a player on every `[data-articulate-manifest]` element not started yet. */
  function init() {
    const roots = document.querySelectorAll('[data-articulate-manifest]');
    if (!roots.length) return;
    ensureStylesheet();
    for (const root of roots) {
      if (started.has(root)) continue;
      started.add(root);
      const player = new Player(root);
      players.push(player);
      player.load().catch((error) => {
        player.fail('The player could not start.');
        console.error('articulate player:', error);
      });
    }
  }

  window.ArticulatePlayer = { init };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
