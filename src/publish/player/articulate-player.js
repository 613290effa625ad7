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
 *   data-articulate-transcript  "closed" (default), "open" or "none": that transcript's state.
 *   data-articulate-id          The article's id: the key the listening position is remembered
 *                               under, and the `article` of analytics events.
 *                               Default: the manifest's URL.
 *   data-articulate-events      URL of a first-party collector (`articulate serve`'s
 *                               /v1/events) to POST analytics events to. Default: none.
 *   data-articulate-live        URL of the narration's HLS playlist while it is being made
 *                               (`articulate serve` publishes ID/ID.m3u8). While it is there
 *                               the player plays it: natively where the browser plays HLS
 *                               (Safari), else through Media Source Extensions; once it is
 *                               gone (the narration is finished) it moves to the manifest's
 *                               audio at the same place. Default: none.
 *   data-articulate-title       The title to show before there is a manifest.
 *
 * The player starts collapsed to one row; chapters and the transcript open from buttons, and
 * "Follow along" scrolls the text being read into view only while the reader asks for it.
 * When segments carry `words` ({text, start_ms, end_ms, char_start, char_end}, offsets in
 * characters into the segment's text), the word being read is highlighted too, and clicking a
 * word plays from it. Shift+Left and Shift+Right move by sentence.
 *
 * Analytics: the element dispatches bubbling CustomEvents, each with `detail`
 * {article, event, position_ms, duration_ms, rate} plus:
 *   articulate:play      first (true on the first play of a listen)
 *   articulate:pause
 *   articulate:seek      from_ms
 *   articulate:progress  percent (10, 20, ... 90: each decile heard while playing, once)
 *   articulate:complete  (the end was reached)
 *   articulate:rate      (the speed changed; `rate` is the new one)
 * With data-articulate-events the same details are POSTed as JSON, without cookies or any
 * identifier of the listener.
 *
 * The element gets data-articulate-ready once the player is built (articulate:ready), and
 * data-articulate-mode "live" or "final" (articulate:final when a stream gives way to the
 * finished file). No dependencies, no build step, and nothing is loaded but the stylesheet
 * beside this file, the manifest and its audio (or the playlist and its segments).
 */
(() => {
  'use strict';

  const script = document.currentScript;
  const scriptUrl = script && script.src ? script.src : document.baseURI;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  const SKIP_SECONDS = 15;
  const ARROW_SECONDS = 5;
  /** Back within this long of a sentence's start goes to the one before. */
  const SENTENCE_RESTART_SECONDS = 1.5;
  /** After the reader scrolls, following waits this long before it may scroll. */
  const READER_SCROLL_MS = 1500;
  const STORE = 'articulate-player:';
  const ICONS = {
    play: 'M8 5.14v13.72a1 1 0 0 0 1.5.86l11-6.86a1 1 0 0 0 0-1.72l-11-6.86A1 1 0 0 0 8 5.14z',
    pause: 'M7 5h3.5v14H7zM13.5 5H17v14h-3.5z',
    chapters: 'M4 6h2v2H4zm4 0h12v2H8zM4 11h2v2H4zm4 0h12v2H8zm-4 5h2v2H4zm4 0h12v2H8z',
    transcript: 'M5 4h14v2H5zm0 4h14v2H5zm0 4h14v2H5zm0 4h9v2H5z',
    follow: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zm9 3h-2.07A7 7 0 0 0 13 5.07V3h-2v2.07A7 7 0 0 0 ' +
      '5.07 11H3v2h2.07A7 7 0 0 0 11 18.93V21h2v-2.07A7 7 0 0 0 18.93 13H21zm-9 6a5 5 0 1 1 0-10 ' +
      '5 5 0 0 1 0 10z',
  };
  /** A word that ends a sentence: its last letter is followed by . ! ? (and maybe quotes). */
  const SENTENCE_END = /[.!?…]["'”’)\]]*$/;

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

  /** Whether any part of `node` is inside the viewport, below `top` and above `bottom`. */
  function inView(node, top = 0, bottom = 0) {
    const box = node.getBoundingClientRect();
    const height = window.innerHeight || document.documentElement.clientHeight;
    return box.bottom > top && box.top < height - bottom;
  }

  /**
   * The words of `segment` that can be marked in `nodes` (the elements showing its text):
   * each text node's words are wrapped in spans. Offsets are characters (code points) into
   * the segment's text; the page may space the text differently, but not spell it so.
   */
  function wrapWords(nodes, segment, index) {
    const words = Array.isArray(segment.words) ? segment.words : [];
    if (!words.length || !nodes.length) return [];
    // Where each character of the segment's text is on the page: a text node and an offset.
    const texts = [];
    for (const node of nodes) {
      const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
      for (let text = walker.nextNode(); text; text = walker.nextNode()) texts.push(text);
    }
    const chars = Array.from(segment.text || '');
    const at = new Array(chars.length);
    let t = 0;
    let offset = 0;
    let i = 0;
    const space = (c) => /\s/.test(c);
    while (i < chars.length) {
      if (t >= texts.length) break;
      const data = texts[t].data;
      if (offset >= data.length) {
        t += 1;
        offset = 0;
        continue;
      }
      const code = data.codePointAt(offset);
      const shown = String.fromCodePoint(code);
      if (shown === chars[i]) {
        at[i] = [t, offset];
        i += 1;
        offset += shown.length;
      } else if (space(chars[i])) {
        at[i] = [t, offset];
        i += 1;
      } else if (space(shown)) {
        offset += shown.length;
      } else {
        return []; // another text: highlight the segment only
      }
    }
    if (i < chars.length) return [];

    // Words inside one text node, grouped by that node.
    const byNode = new Map();
    const timed = [];
    words.forEach((word, w) => {
      const start = Number(word.char_start);
      const end = Number(word.char_end);
      if (!(typeof word.start_ms === 'number' && start >= 0 && end > start && end <= chars.length)) {
        return;
      }
      const [startNode, startOffset] = at[start];
      const last = at[end - 1];
      if (!last || last[0] !== startNode) return;
      const endOffset = last[1] + chars[end - 1].length;
      const entry = { word, w, startOffset, endOffset };
      if (!byNode.has(startNode)) byNode.set(startNode, []);
      byNode.get(startNode).push(entry);
    });
    for (const [n, entries] of byNode) {
      const text = texts[n];
      const data = text.data;
      const fragment = document.createDocumentFragment();
      let cursor = 0;
      entries.sort((a, b) => a.startOffset - b.startOffset);
      for (const entry of entries) {
        if (entry.startOffset < cursor) continue; // overlapping words: keep the first
        if (entry.startOffset > cursor) fragment.append(data.slice(cursor, entry.startOffset));
        const span = h('span', { class: 'articulate-word', 'data-articulate-word': `${index}:${entry.w}` },
          data.slice(entry.startOffset, entry.endOffset));
        fragment.append(span);
        timed.push({ start_ms: entry.word.start_ms, end_ms: entry.word.end_ms, node: span,
          text: entry.word.text });
        cursor = entry.endOffset;
      }
      if (cursor < data.length) fragment.append(data.slice(cursor));
      text.replaceWith(fragment);
    }
    return timed.sort((a, b) => a.start_ms - b.start_ms);
  }

  /** A playlist that is no longer there: the stream was taken down. */
  const GONE = 'gone';

  /**
   * An HLS media playlist: its segments ({url, duration}), their total duration, its target
   * duration and whether it has ended; GONE when it is not found; null when it cannot be
   * read now (try again later).
   */
  async function fetchPlaylist(url) {
    let response;
    try {
      response = await fetch(url, { credentials: 'same-origin', cache: 'no-cache' });
    } catch (_) {
      return null;
    }
    if (response.status === 404 || response.status === 410) return GONE;
    if (!response.ok) return null;
    const text = await response.text();
    if (!text.startsWith('#EXTM3U')) return null;
    const segments = [];
    let duration = 0;
    let pending = 0;
    let target = 2;
    let ended = false;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      if (line.startsWith('#EXTINF:')) pending = parseFloat(line.slice(8)) || 0;
      else if (line.startsWith('#EXT-X-TARGETDURATION:')) target = Number(line.slice(22)) || target;
      else if (line === '#EXT-X-ENDLIST') ended = true;
      else if (!line.startsWith('#')) {
        segments.push({ url: new URL(line, url).href, duration: pending });
        duration += pending;
        pending = 0;
      }
    }
    return { segments, duration, target, ended };
  }

  /**
   * Whether to leave the stream to the browser's own HLS: Safari's (and that of Apple's
   * phones, which may have no Media Source Extensions). Chromium's, where it claims one, is
   * newer than our own feeding of the segments, which every other browser gets.
   */
  function playsHls() {
    const probe = document.createElement('audio');
    const native = Boolean(probe.canPlayType && probe.canPlayType('application/vnd.apple.mpegurl'));
    return native && (!LiveSource.supported() || /Apple/.test(navigator.vendor || ''));
  }

  /** A segment's audio: its bytes after the ID3 tag packed audio starts with. */
  function stripId3(bytes) {
    if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return bytes;
    const size = ((bytes[6] & 0x7f) << 21) | ((bytes[7] & 0x7f) << 14) |
      ((bytes[8] & 0x7f) << 7) | (bytes[9] & 0x7f);
    const footer = bytes[5] & 0x10 ? 10 : 0;
    return bytes.subarray(Math.min(bytes.length, 10 + size + footer));
  }

  /**
   * A live stream's MP3 segments fed to a media element through Media Source Extensions,
   * in order, as the playlist lists them (browsers without HLS of their own: Chromium,
   * Firefox). Playing ahead of the stream, the element waits, and goes on when more comes.
   */
  class LiveSource {
    static supported() {
      return 'MediaSource' in window && MediaSource.isTypeSupported('audio/mpeg');
    }

    constructor(audio) {
      this.audio = audio;
      this.appended = [];
      this.chain = Promise.resolve();
      this.closed = false;
      this.ended = false;
    }

    open() {
      this.media = new MediaSource();
      this.objectUrl = URL.createObjectURL(this.media);
      return new Promise((resolve) => {
        this.media.addEventListener('sourceopen', () => {
          this.buffer = this.media.addSourceBuffer('audio/mpeg');
          // Segments follow one another: their times come from their order.
          this.buffer.mode = 'sequence';
          resolve();
        }, { once: true });
        this.audio.src = this.objectUrl;
      });
    }

    /** Append what `playlist` has that is not in yet (one update at a time, in order). */
    update(playlist) {
      const next = this.chain.then(() => this.append(playlist));
      this.chain = next.catch(() => {});
      return next;
    }

    async append(playlist) {
      const urls = playlist.segments.map((segment) => segment.url);
      if (this.appended.some((url, i) => urls[i] !== url)) {
        throw new Error('the stream started over');
      }
      for (let i = this.appended.length; i < urls.length && !this.closed; i += 1) {
        const response = await fetch(urls[i], { credentials: 'same-origin' });
        // Taken down meanwhile: the finished file is on its way.
        if (!response.ok) return;
        const bytes = stripId3(new Uint8Array(await response.arrayBuffer()));
        if (this.closed) return;
        await this.push(bytes);
        this.appended.push(urls[i]);
      }
      if (playlist.ended && !this.ended && !this.closed && this.appended.length === urls.length &&
          this.media.readyState === 'open') {
        this.ended = true;
        this.media.endOfStream();
      }
    }

    push(bytes) {
      return new Promise((resolve, reject) => {
        const buffer = this.buffer;
        const settle = (event) => {
          buffer.removeEventListener('updateend', settle);
          buffer.removeEventListener('error', settle);
          if (event.type === 'error') reject(new Error('the browser refused a segment'));
          else resolve();
        };
        buffer.addEventListener('updateend', settle);
        buffer.addEventListener('error', settle);
        buffer.appendBuffer(bytes);
      });
    }

    close() {
      this.closed = true;
      URL.revokeObjectURL(this.objectUrl);
    }
  }

  class Player {
    constructor(root) {
      this.root = root;
      this.id = `articulate-${++count}`;
      this.manifestUrl = new URL(root.getAttribute('data-articulate-manifest'), document.baseURI).href;
      this.article = root.getAttribute('data-articulate-id') || this.manifestUrl;
      this.key = STORE + this.article;
      const events = root.getAttribute('data-articulate-events');
      this.eventsUrl = events ? new URL(events, document.baseURI).href : null;
      const live = root.getAttribute('data-articulate-live');
      this.liveUrl = live ? new URL(live, document.baseURI).href : null;
      this.titleHint = root.getAttribute('data-articulate-title') || '';
      /** 'live' while the stream plays, 'final' with the finished file. */
      this.mode = null;
      this.built = new AbortController();
      this.currentSegment = -1;
      this.currentChapter = -1;
      this.currentWord = null;
      this.lastSaved = -1;
      this.frame = 0;
      this.following = false;
      this.readerScrolledAt = -Infinity;
      this.autoScrolling = false;
      this.listen = null;
    }

    async load() {
      if (new URL(this.manifestUrl).protocol === 'file:') {
        this.failFromDisk();
        return;
      }
      if (this.liveUrl && await this.loadLive()) return;
      let manifest;
      try {
        manifest = await this.fetchManifest();
      } catch (error) {
        this.fail('The narration could not be loaded.');
        console.error(`articulate player: ${this.manifestUrl}:`, error);
        return;
      }
      if (!this.useManifest(manifest)) this.fail('This narration has no audio yet.');
    }

    async fetchManifest() {
      // Revalidated every time: a narration published again keeps its URL.
      const response = await fetch(this.manifestUrl, { credentials: 'same-origin', cache: 'no-cache' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    }

    /** Build the player for a finished narration; false when the manifest has no audio. */
    useManifest(manifest, resume) {
      const files = Array.isArray(manifest.audio) ? manifest.audio : [];
      const audio = files.find((a) => a.format === 'mp3') || files[0];
      if (!audio || typeof manifest.duration_ms !== 'number') return false;
      const timed = (items) =>
        (Array.isArray(items) ? items : [])
          .filter((item) => typeof item.start_ms === 'number')
          .sort((a, b) => a.start_ms - b.start_ms);
      this.mode = 'final';
      this.manifest = manifest;
      this.segments = timed(manifest.segments);
      this.chapters = timed(manifest.chapters);
      this.segmentById = new Map(this.segments.map((s) => [String(s.id), s]));
      this.build(new URL(audio.file, this.manifestUrl).href, resume);
      return true;
    }

    /**
     * Play the narration while it is still being made, if it is: its HLS playlist, natively
     * where the browser plays HLS (Safari), else through Media Source Extensions. False when
     * there is no stream (the narration is finished, or not started) or no way to play it.
     */
    async loadLive() {
      const playlist = await fetchPlaylist(this.liveUrl);
      if (!playlist || playlist === GONE) return false;
      const native = playsHls();
      if (!native && !LiveSource.supported()) return false;
      this.mode = 'live';
      this.manifest = {
        title: this.titleHint,
        duration_ms: playlist.duration * 1000,
        synthetic: true,
        disclosure: 'Narrated by a synthetic voice, not a person.',
        chapters: [],
        segments: [],
      };
      this.segments = [];
      this.chapters = [];
      this.segmentById = new Map();
      this.build(native ? this.liveUrl : null);
      if (!native) {
        this.source = new LiveSource(this.audio);
        await this.source.open();
        this.source.update(playlist).catch((error) => this.liveTrouble(error));
      }
      this.watchLive(playlist);
      return true;
    }

    /** Follow the playlist as it grows; once it is gone the finished file is there. */
    watchLive(playlist) {
      clearTimeout(this.liveTimer);
      const wait = (list) => 1000 * Math.max(0.5, Math.min(2, (list && list.target) || 2) / 2);
      const poll = async () => {
        if (this.mode !== 'live') return;
        const next = await fetchPlaylist(this.liveUrl);
        if (this.mode !== 'live') return;
        if (next === GONE) {
          this.switchToFinal();
          return;
        }
        if (next) {
          this.total = next.duration;
          if (next.ended) this.liveLabel.textContent = 'Narrated · finishing';
          this.render();
          if (this.source) this.source.update(next).catch((error) => this.liveTrouble(error));
        }
        this.liveTimer = setTimeout(poll, wait(next));
      };
      this.liveTimer = setTimeout(poll, wait(playlist));
    }

    /** The stream started over (the narration was taken up again) or broke: start afresh. */
    liveTrouble(error) {
      if (this.mode !== 'live') return;
      console.warn('articulate player: live stream:', error);
      this.mode = null;
      clearTimeout(this.liveTimer);
      this.teardown();
      this.load().catch((e) => console.error('articulate player:', e));
    }

    /** Move to the finished file at the same place, playing if the stream was. */
    async switchToFinal() {
      this.mode = 'switching';
      clearTimeout(this.liveTimer);
      const resume = { time: this.audio.currentTime, playing: !this.audio.paused };
      // The stream is taken down the moment the files are published; a moment's grace for
      // a store or cache that lags.
      for (let attempt = 0; attempt < 30; attempt += 1) {
        try {
          const manifest = await this.fetchManifest();
          this.teardown();
          if (this.useManifest(manifest, resume)) {
            this.root.dispatchEvent(new CustomEvent('articulate:final', { bubbles: true }));
            return;
          }
        } catch (_) { /* not there yet */ }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      this.teardown();
      this.fail('The narration could not be loaded.');
    }

    /** Stop this build's audio and remove its listeners. */
    teardown() {
      this.built.abort();
      this.built = new AbortController();
      cancelAnimationFrame(this.frame);
      if (this.audio) {
        this.audio.pause();
        this.audio.removeAttribute('src');
        this.audio.load();
      }
      if (this.source) {
        this.source.close();
        this.source = null;
      }
    }

    fail(message) {
      this.root.replaceChildren(h('p', { class: 'articulate-failed', role: 'status' }, message));
    }

    /** Opened from disk, the browser will not let the page fetch the manifest: say how. */
    failFromDisk() {
      const code = (text) => h('code', {}, text);
      this.root.replaceChildren(h('div', { class: 'articulate-failed', role: 'status' },
        h('p', {}, h('strong', {}, 'This player needs to be served over HTTP.'),
          ' Browsers do not let a page opened from disk load the narration.'),
        h('p', {}, 'From the folder that holds the narration, run ', code('python3 -m http.server'),
          ' and open ', code('localhost:8000/player/'), ', or hear an article with ',
          code('articulate preview ARTICLE'), '.')));
      console.warn('articulate player: opened from disk (a file: URL); serve it over HTTP.');
    }

    /**
     * The player for `this.manifest`, playing `audioUrl` (none: a live source attaches
     * itself), from `resume.time` and playing if `resume.playing`.
     */
    build(audioUrl, resume) {
      const id = this.id;
      const live = this.mode === 'live';
      this.total = this.manifest.duration_ms / 1000;
      this.audio = h('audio', { preload: live ? 'auto' : 'metadata' });
      if (audioUrl) this.audio.src = audioUrl;

      this.playButton = h('button', { type: 'button', class: 'articulate-play', 'aria-label': 'Play' },
        icon(ICONS.play));
      const back = h('button', { type: 'button', class: 'articulate-skip articulate-back',
        'aria-label': `Back ${SKIP_SECONDS} seconds` }, `−${SKIP_SECONDS}`);
      const forward = h('button', { type: 'button', class: 'articulate-skip articulate-forward',
        'aria-label': `Forward ${SKIP_SECONDS} seconds` }, `+${SKIP_SECONDS}`);
      this.seek = h('input', { type: 'range', class: 'articulate-seekbar', min: 0, max: this.total,
        step: 'any', value: 0, 'aria-label': 'Position in the narration',
        'aria-describedby': `${id}-keys`, 'aria-keyshortcuts': 'Shift+ArrowLeft Shift+ArrowRight' });
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

      const synthetic = this.manifest.synthetic !== false;
      const engine = [this.manifest.backend, this.manifest.voice].filter(Boolean).join(', ');
      const disclosure = this.manifest.disclosure ||
        `Narrated by a synthetic voice${engine ? ` (${engine})` : ''}, not a person.`;
      const label = synthetic
        ? h('span', { class: 'articulate-synthetic', title: disclosure }, 'Synthetic voice',
          h('span', { class: 'articulate-visually-hidden' }, `: ${disclosure}`))
        : null;
      this.liveLabel = live
        ? h('span', { class: 'articulate-live', title: 'It plays while it is narrated; chapters ' +
          'and the transcript come when it is finished.' }, 'Being narrated')
        : null;

      // Chapters: a list behind a button.
      this.chapterButtons = this.chapters.map((chapter, index) =>
        h('button', { type: 'button', class: 'articulate-chapter', 'data-chapter': index },
          h('span', { class: 'articulate-chapter-time' }, clock(chapter.start_ms / 1000)),
          h('span', { class: 'articulate-chapter-title' }, chapter.title)));
      const toggles = h('div', { class: 'articulate-toggles' });
      this.chapterList = null;
      if (this.chapters.length > 1) {
        this.chapterList = h('nav', { class: 'articulate-chapters', id: `${id}-chapters`,
          'aria-label': 'Chapters', hidden: true },
        h('ol', {}, ...this.chapterButtons.map((button) => h('li', {}, button))));
        this.chaptersToggle = this.toggleButton('articulate-chapters-toggle', ICONS.chapters,
          'Chapters', { 'aria-expanded': 'false', 'aria-controls': `${id}-chapters` });
        toggles.append(this.chaptersToggle);
      }

      const selector = this.root.getAttribute('data-articulate-text');
      const page = selector && document.querySelector(selector);
      this.transcriptPanel = page || live ? null : this.transcript();
      if (this.transcriptPanel) {
        this.transcriptToggle = this.toggleButton('articulate-transcript-toggle', ICONS.transcript,
          'Transcript', { 'aria-expanded': String(!this.transcriptPanel.hidden),
            'aria-controls': this.transcriptPanel.id });
        toggles.append(this.transcriptToggle);
      }
      this.text = page || this.transcriptPanel;
      if (this.text) {
        this.followToggle = this.toggleButton('articulate-follow', ICONS.follow, 'Follow along',
          { 'aria-pressed': 'false' });
        toggles.append(this.followToggle);
      }

      const region = h('section', { class: 'articulate-player', 'aria-labelledby': `${id}-heading` },
        h('div', { class: 'articulate-head' },
          h('h2', { class: 'articulate-heading', id: `${id}-heading` }, 'Listen to this article'),
          label, this.liveLabel),
        this.playButton, back,
        h('div', { class: 'articulate-seek' },
          h('p', { class: 'articulate-title' }, this.manifest.title || ''),
          h('div', { class: 'articulate-track' }, this.seek, ticks),
          h('div', { class: 'articulate-time' }, this.elapsed,
            h('span', { class: 'articulate-visually-hidden' }, ' of '), this.totalLabel)),
        forward,
        h('span', { class: 'articulate-speed-group' },
          h('label', { class: 'articulate-speed-label', for: `${id}-speed` }, 'Speed'),
          this.speed),
        h('span', { class: 'articulate-break', 'aria-hidden': 'true' }),
        toggles.childElementCount ? toggles : null,
        this.chapterList,
        h('p', { class: 'articulate-visually-hidden', id: `${id}-keys` },
          'Left and right arrows move 5 seconds; with Shift, a sentence.'),
        this.status, this.audio);
      this.region = region;
      // The slot keeps the player's place in the page while it is docked to the viewport.
      this.slot = h('div', { class: 'articulate-slot' }, region);
      this.root.replaceChildren(this.slot);
      if (this.transcriptPanel) this.root.append(this.transcriptPanel);

      this.segmentNodes = new Map();
      for (const node of this.text ? this.text.querySelectorAll('[data-articulate-segment]') : []) {
        const key = node.getAttribute('data-articulate-segment');
        if (!this.segmentById.has(key)) continue;
        node.classList.add('articulate-segment');
        if (!this.segmentNodes.has(key)) this.segmentNodes.set(key, []);
        this.segmentNodes.get(key).push(node);
      }
      // Words, where the manifest times them and the page shows the same text.
      this.words = this.segments.map((segment, index) =>
        wrapWords(this.segmentNodes.get(String(segment.id)) || [], segment, index));
      this.sentences = this.sentenceStarts();

      // Every listener goes with this build: a player rebuilt (the live stream giving way to
      // the finished file) leaves none behind on the page, the window or the old audio.
      const on = { signal: this.built.signal };
      this.playButton.addEventListener('click', () => this.toggle(), on);
      back.addEventListener('click', () => this.skip(-SKIP_SECONDS), on);
      forward.addEventListener('click', () => this.skip(SKIP_SECONDS), on);
      this.seek.addEventListener('input', () => this.seekTo(Number(this.seek.value)), on);
      this.speed.addEventListener('change', () => this.setSpeed(Number(this.speed.value), true), on);
      this.chapterButtons.forEach((button, index) =>
        button.addEventListener('click', () => this.playChapter(index), on));
      if (this.chaptersToggle) {
        this.chaptersToggle.addEventListener('click', () =>
          this.expand(this.chaptersToggle, this.chapterList), on);
      }
      if (this.transcriptToggle) {
        this.transcriptToggle.addEventListener('click', () =>
          this.expand(this.transcriptToggle, this.transcriptPanel), on);
      }
      if (this.followToggle) {
        this.followToggle.addEventListener('click', () => this.follow(!this.following), on);
      }
      region.addEventListener('keydown', (event) => this.onKey(event), on);
      if (this.text) this.text.addEventListener('click', (event) => this.onTextClick(event), on);
      this.watchReaderScrolling();

      const audio = this.audio;
      audio.addEventListener('play', () => this.onPlay(), on);
      audio.addEventListener('pause', () => this.onPause(), on);
      for (const name of ['timeupdate', 'seeked', 'durationchange', 'loadedmetadata']) {
        audio.addEventListener(name, () => this.render(), on);
      }
      audio.addEventListener('timeupdate', () => {
        if (Math.abs(audio.currentTime - this.lastSaved) >= 2) this.save();
      }, on);
      audio.addEventListener('seeking', () => this.onSeeking(), on);
      audio.addEventListener('seeked', () => this.save(), on);
      audio.addEventListener('ratechange', () => this.onRate(), on);
      audio.addEventListener('ended', () => this.onEnded(), on);
      audio.addEventListener('error', () => this.announce('The audio could not be played.'), on);
      window.addEventListener('pagehide', () => this.save(), on);

      const saved = storage();
      const speed = saved ? Number(saved.getItem(`${STORE}speed`)) : NaN;
      this.setSpeed(SPEEDS.includes(speed) ? speed : 1, false);
      this.lastRate = this.audio.playbackRate;
      if (resume) {
        // Before the metadata loads this sets where playback will start.
        if (resume.time > 0) this.audio.currentTime = Math.min(resume.time, this.total);
        if (resume.playing) this.play();
      } else if (!live) {
        this.restore();
      }
      this.lastPosition = this.audio.currentTime;
      this.render();
      this.root.setAttribute('data-articulate-mode', this.mode);
      if (live) this.announce('This narration is still being made: it plays as it is narrated.');
      if (this.root.hasAttribute('data-articulate-ready')) return;
      this.root.setAttribute('data-articulate-ready', '');
      this.root.dispatchEvent(new CustomEvent('articulate:ready', { bubbles: true }));
    }

    toggleButton(className, path, text, attributes) {
      return h('button', { type: 'button', class: `articulate-toggle ${className}`, ...attributes },
        icon(path), h('span', { class: 'articulate-toggle-text' }, text));
    }

    /** The manifest's segments as text below the player, for pages without the article. */
    transcript() {
      const mode = this.root.getAttribute('data-articulate-transcript') || 'closed';
      if (mode === 'none') return null;
      const body = h('div', { class: 'articulate-transcript', id: `${this.id}-transcript`,
        role: 'region', 'aria-label': 'Transcript', hidden: mode !== 'open' });
      for (const segment of this.segments) {
        if (segment.kind === 'headline') continue; // the player shows the title already
        const tag = segment.kind === 'heading' ? 'h3' : 'p';
        body.append(h(tag, { class: `articulate-kind-${segment.kind}`,
          'data-articulate-segment': segment.id }, segment.text));
      }
      return body;
    }

    /** Show or hide the panel a toggle controls. */
    expand(button, panel, open = panel.hidden) {
      panel.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
      if (open && this.following) this.keepInView(true);
    }

    /** Start or stop following the text being read. */
    follow(on) {
      this.following = on;
      this.followToggle.setAttribute('aria-pressed', String(on));
      this.region.classList.toggle('articulate-following', on);
      if (on) {
        // The reader asked: show the text now, even if they scrolled a moment ago.
        this.readerScrolledAt = -Infinity;
        if (this.transcriptPanel && this.transcriptPanel.hidden) {
          this.expand(this.transcriptToggle, this.transcriptPanel, true);
        }
        this.keepInView(true);
      }
      this.dock();
    }

    /**
     * The reader scrolling means they are reading elsewhere: following never scrolls while
     * they do, and stops once they leave the text being read.
     */
    watchReaderScrolling() {
      // The reader taking over ends any scroll of ours.
      const scrolled = () => {
        this.readerScrolledAt = performance.now();
        this.autoScrolling = false;
      };
      const keys = new Set(['PageUp', 'PageDown', 'Home', 'End', 'ArrowUp', 'ArrowDown', ' ']);
      const signal = this.built.signal;
      window.addEventListener('wheel', scrolled, { passive: true, signal });
      window.addEventListener('touchmove', scrolled, { passive: true, signal });
      window.addEventListener('keydown', (event) => {
        const target = event.target;
        const typing = target && target.closest &&
          target.closest('input, select, textarea, button, [contenteditable], .articulate-player');
        if (keys.has(event.key) && !typing) scrolled();
      }, { signal });
      window.addEventListener('mousedown', (event) => {
        // A press on the scrollbar lands on the root element.
        if (event.target === document.documentElement) scrolled();
      }, { signal });
      window.addEventListener('scroll', () => {
        if (!this.following || this.autoScrolling) return;
        if (performance.now() - this.readerScrolledAt > READER_SCROLL_MS) return;
        const node = this.highlightNode();
        if (node && !inView(node, 0, this.dockedHeight())) {
          this.follow(false);
          this.announce('Follow along is off: you scrolled away from the text being read.');
        }
      }, { passive: true, signal });
      if ('IntersectionObserver' in window) {
        this.slotVisible = true;
        const observer = new IntersectionObserver((entries) => {
          this.slotVisible = entries[entries.length - 1].isIntersecting;
          this.dock();
        });
        observer.observe(this.slot);
        signal.addEventListener('abort', () => observer.disconnect());
      }
    }

    /**
     * While following, the controls stay on screen: when the player's place scrolls out of
     * view, it docks to the bottom of the viewport, and its place keeps its height.
     */
    dock() {
      const docked = this.following && this.slotVisible === false;
      if (docked === this.region.classList.contains('articulate-docked')) return;
      this.slot.style.minHeight = docked ? `${this.slot.offsetHeight}px` : '';
      this.region.classList.toggle('articulate-docked', docked);
    }

    dockedHeight() {
      return this.region.classList.contains('articulate-docked') ? this.region.offsetHeight : 0;
    }

    duration() {
      // A stream's media duration is what has been buffered; the playlist knows more.
      if (this.mode === 'live') return this.total;
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

    /** The start of every sentence, in seconds: from word timings, else one per segment. */
    sentenceStarts() {
      const starts = [];
      for (const segment of this.segments) {
        const words = (Array.isArray(segment.words) ? segment.words : [])
          .filter((w) => typeof w.start_ms === 'number')
          .sort((a, b) => a.start_ms - b.start_ms);
        if (!words.length) {
          starts.push(segment.start_ms / 1000);
          continue;
        }
        let next = true;
        for (const word of words) {
          if (next) starts.push(word.start_ms / 1000);
          next = SENTENCE_END.test(String(word.text || '').trim());
        }
      }
      return [...new Set(starts)].sort((a, b) => a - b);
    }

    /** Move to the next sentence (`step` 1), or back to this one's start or the one before. */
    moveBySentence(step) {
      const time = this.audio.currentTime + 0.05;
      const starts = this.sentences;
      if (!starts.length) return;
      // Before the first sentence is the lead-in, which belongs to the first sentence.
      let current = 0;
      while (current + 1 < starts.length && starts[current + 1] <= time) current += 1;
      if (step > 0) {
        if (current + 1 < starts.length) this.seekTo(starts[current + 1]);
        return;
      }
      const restart = time - starts[current] > SENTENCE_RESTART_SECONDS;
      this.seekTo(starts[restart ? current : Math.max(0, current - 1)]);
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
      // Told now, with the rate chosen: the ratechange events come later, maybe after another.
      if (rate !== this.lastRate) {
        this.lastRate = rate;
        this.emit('rate');
      }
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
      const first = !this.listen;
      if (first) this.listen = { heard: new Set() };
      this.lastPosition = this.audio.currentTime;
      this.emit('play', { first });
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

    onPause() {
      this.showPlaying();
      this.save();
      // The pause that comes with the end is not the listener's.
      if (!this.audio.ended) this.emit('pause');
    }

    onSeeking() {
      const from = this.lastPosition;
      this.lastPosition = this.audio.currentTime;
      if (Math.abs(this.audio.currentTime - (from || 0)) < 0.05) return;
      this.emit('seek', { from_ms: Math.round((from || 0) * 1000) });
    }

    onRate() {
      const rate = this.audio.playbackRate;
      if (rate === this.lastRate) return;
      this.lastRate = rate;
      this.emit('rate');
    }

    onEnded() {
      this.showPlaying();
      this.forget();
      this.credit(this.duration());
      this.emit('complete');
      // Playing again is another listen.
      this.listen = null;
    }

    /** Progress events for each decile passed while playing from the last position to `time`. */
    credit(time) {
      const end = this.duration();
      const from = this.lastPosition;
      this.lastPosition = time;
      // While the stream grows its end is not the narration's: deciles wait for the file.
      if (this.mode !== 'final') return;
      if (!this.listen || !end || this.audio.seeking || !(time > from)) return;
      // A jump of more than a few seconds is a seek the browser reported late, not listening.
      if (time - from > 5 * Math.max(1, this.audio.playbackRate)) return;
      for (let percent = 10; percent <= 90; percent += 10) {
        const mark = (end * percent) / 100;
        if (from < mark && time >= mark && !this.listen.heard.has(percent)) {
          this.listen.heard.add(percent);
          this.emit('progress', { percent });
        }
      }
    }

    /** Tell the page (and the collector, if there is one) what the listener did. */
    emit(name, extra) {
      const detail = {
        article: this.article,
        event: name,
        position_ms: Math.round(this.audio.currentTime * 1000),
        duration_ms: Math.round(this.duration() * 1000),
        rate: this.audio.playbackRate,
        ...extra,
      };
      this.root.dispatchEvent(new CustomEvent(`articulate:${name}`, { bubbles: true, detail }));
      if (!this.eventsUrl) return;
      const body = JSON.stringify(detail);
      try {
        // text/plain and no-cors: a simple request, even to another origin; never a cookie.
        fetch(this.eventsUrl, { method: 'POST', body, keepalive: true, credentials: 'omit',
          mode: 'no-cors', headers: { 'Content-Type': 'text/plain' } }).catch(() => {});
      } catch (_) {
        if (navigator.sendBeacon) navigator.sendBeacon(this.eventsUrl, new Blob([body], { type: 'text/plain' }));
      }
    }

    showPlaying() {
      const playing = !this.audio.paused;
      this.playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
      this.playButton.replaceChildren(icon(playing ? ICONS.pause : ICONS.play));
      this.region.classList.toggle('articulate-playing', playing);
    }

    render() {
      const time = this.audio.currentTime;
      if (!this.audio.paused && !this.audio.seeking) this.credit(time);
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
      let index = lastStartedBy(this.segments, ms);
      // A chapter starts in the pause before its heading: that lead-in is the heading's.
      const number = chapter >= 0 ? this.manifest.chapters.indexOf(this.chapters[chapter]) : -1;
      if (number >= 0 && (index < 0 || this.segments[index].chapter < number)) {
        const first = this.segments.findIndex((segment) => segment.chapter === number);
        if (first >= 0) index = first;
      }
      let moved = false;
      if (index !== this.currentSegment) {
        for (const node of this.nodesOf(this.currentSegment)) {
          node.classList.remove('articulate-current');
        }
        for (const node of this.nodesOf(index)) node.classList.add('articulate-current');
        this.currentSegment = index;
        moved = true;
      }
      const words = index >= 0 ? this.words[index] : [];
      const at = words.length ? lastStartedBy(words, ms) : -1;
      const word = at >= 0 ? words[at].node : null;
      if (word !== this.currentWord) {
        if (this.currentWord) this.currentWord.classList.remove('articulate-word-current');
        if (word) word.classList.add('articulate-word-current');
        this.currentWord = word;
        moved = true;
      }
      if (moved && !this.audio.paused) this.keepInView();
    }

    /** The elements showing the `index`th timed segment's words. */
    nodesOf(index) {
      if (index < 0) return [];
      return this.segmentNodes.get(String(this.segments[index].id)) || [];
    }

    /** What is being read: the word, else its segment. */
    highlightNode() {
      return this.currentWord || this.nodesOf(this.currentSegment)[0] || null;
    }

    /**
     * Scroll the text being read into view: only when following, never while the reader is
     * scrolling, and never with the controls pushed off screen (they dock while following).
     */
    keepInView(now = false) {
      if (!this.following) return;
      if (!now && performance.now() - this.readerScrolledAt < READER_SCROLL_MS) return;
      const node = this.highlightNode();
      if (!node || (this.transcriptPanel && this.transcriptPanel.hidden)) return;
      const height = window.innerHeight || document.documentElement.clientHeight;
      const box = node.getBoundingClientRect();
      if (box.top >= 0 && box.bottom <= height - this.dockedHeight()) return;
      this.autoScrolling = true;
      const smooth = !reducedMotion();
      node.scrollIntoView({ block: 'center', behavior: smooth ? 'smooth' : 'auto' });
      // Our own scroll is over once it has had time to land.
      clearTimeout(this.autoScrollTimer);
      this.autoScrollTimer = setTimeout(() => {
        this.autoScrolling = false;
        this.dock();
      }, smooth ? 800 : 50);
      this.dock();
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
        case 'ArrowRight': {
          if (onChapter) return;
          event.preventDefault();
          const step = event.key === 'ArrowLeft' ? -1 : 1;
          if (event.shiftKey) this.moveBySentence(step);
          else this.skip(step * ARROW_SECONDS);
          break;
        }
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
        case 'Escape':
          if (this.chapterList && !this.chapterList.hidden && this.chapterList.contains(target)) {
            event.preventDefault();
            this.expand(this.chaptersToggle, this.chapterList, false);
            this.chaptersToggle.focus();
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
      const word = event.target.closest('[data-articulate-word]');
      let start = segment.start_ms;
      if (word && node.contains(word)) {
        const [s, w] = word.getAttribute('data-articulate-word').split(':').map(Number);
        const timed = this.segments[s] && this.segments[s].words && this.segments[s].words[w];
        if (timed && typeof timed.start_ms === 'number') start = timed.start_ms;
      }
      this.seekTo(start / 1000);
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
