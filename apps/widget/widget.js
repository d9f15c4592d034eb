/*
 * leadbox chat widget. Embedded with the vendor's documented snippet:
 *   <script id="BotPenguin-messenger-widget" src="https://HOST/botpenguin.js" defer>BOT_ID,CUSTOMER_ID</script>
 * No dependencies, no build step: plain browser JavaScript in a Shadow DOM, so the host page's CSS
 * and the widget's cannot touch each other. Text from visitors and agents is only ever set as
 * text (textContent), never as HTML.
 */
(() => {
  const script =
    document.currentScript ||
    document.getElementById('BotPenguin-messenger-widget') ||
    document.querySelector('script[src*="botpenguin.js"],script[src*="widget.js"]');
  if (!script || window.LeadboxWidget) return;
  const [botId, customerId] = (
    script.dataset.botId ? [script.dataset.botId, script.dataset.customerId] : script.textContent.split(',')
  ).map((s) => (s || '').trim().toLowerCase());
  if (!/^[0-9a-f]{24}$/.test(botId || '') || !/^[0-9a-f]{24}$/.test(customerId || '')) {
    console.error('leadbox widget: the script tag must contain "BOT_ID,CUSTOMER_ID"');
    return;
  }
  const base = new URL(script.src, location.href).origin;
  const pageMode = script.dataset.mode === 'page';
  // The panel's "Try it": the flow is played by the server without a chat; nothing is stored.
  const preview = script.dataset.preview === '1';
  const languages = [document.documentElement.lang, ...(navigator.languages || [])].filter(Boolean).slice(0, 10);

  // The session uuid lives in the browser, so a reload continues the same chat.
  const storageKey = `leadbox.uuid.${botId}`;
  const newUuid = () =>
    crypto.randomUUID
      ? crypto.randomUUID()
      : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
          (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
        );
  let uuid;
  try {
    uuid = preview ? newUuid() : localStorage.getItem(storageKey) || newUuid();
    if (!preview) localStorage.setItem(storageKey, uuid);
  } catch {
    uuid = newUuid();
  }
  const session = { botId, customerId, uuid };

  // English until the server's words (in the visitor's language) arrive.
  let T = {
    title: 'Chat with us',
    open: 'Open chat',
    close: 'Close chat',
    label: 'Your message',
    placeholder: 'Type a message…',
    send: 'Send',
    skip: 'Skip',
    you: 'You',
    bot: 'Bot',
    agent: 'Agent',
    reconnecting: 'Reconnecting…',
    startFailed: 'The chat could not start. Please try again.',
    sendFailed: 'Your message could not be sent. Please try again.',
    retryIn: 'Too many requests right now. Please try again in {s} s.',
    newMessage: 'New message',
    preview: '',
  };
  let lang = 'en';

  const host = document.createElement('div');
  host.setAttribute('data-leadbox-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `
<style>
  :host { all: initial; --c: #2f5bea; --t: #fff; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; }
  * { box-sizing: border-box; }
  .launcher { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%; border: 0;
    background: var(--c); color: var(--t); cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); z-index: 2147483000; }
  .launcher:focus-visible, button:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid #8a4b00; outline-offset: 2px; }
  .launcher svg { width: 28px; height: 28px; }
  .launcher[aria-expanded=true] .i1, .launcher[aria-expanded=false] .i2 { display: none; }
  .badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px;
    background: #c81e1e; color: #fff; font: 700 12px/22px system-ui, sans-serif; border: 2px solid #fff; }
  .bubble { position: fixed; right: 20px; bottom: 88px; max-width: 280px; padding: 10px 14px; border-radius: 12px; background: #fff;
    color: #1d2330; border: 1px solid #e1e4ec; box-shadow: 0 6px 20px rgba(0,0,0,.2); cursor: pointer; z-index: 2147483000; text-align: start; font: inherit; }
  .bubble b { display: block; font-size: 12px; color: #4a5266; }
  .badge:empty, [hidden] { display: none !important; }
  .panel { position: fixed; right: 20px; bottom: 88px; width: 360px; height: min(560px, calc(100vh - 110px)); display: none;
    flex-direction: column; background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; z-index: 2147483000; }
  .panel.open { display: flex; }
  header { display: flex; align-items: center; gap: 10px; padding: 12px 16px; background: var(--c); color: var(--t); }
  header img { width: 32px; height: 32px; border-radius: 50%; object-fit: cover; background: #fff; }
  header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
  header button { background: transparent; border: 0; color: inherit; font-size: 22px; line-height: 1; cursor: pointer; padding: 4px 8px; }
  .note { padding: 6px 12px; font-size: 13px; background: #fff4d6; color: #5c3d00; }
  .note:empty { display: none; }
  .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f7fb; }
  .msg { max-width: 80%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
  .msg.user { align-self: flex-end; background: var(--c); color: var(--t); border-bottom-right-radius: 4px; }
  .msg.bot, .msg.agent, .msg.integration { align-self: flex-start; background: #fff; border: 1px solid #e1e4ec; border-bottom-left-radius: 4px; }
  .msg .who { display: flex; gap: 8px; justify-content: space-between; font-size: 12px; color: #4a5266; margin-bottom: 2px; }
  .msg.user .who { color: inherit; opacity: .9; }
  .msg a { color: inherit; text-decoration: underline; }
  .skip { align-self: flex-end; margin: 0 12px 6px; padding: 6px 14px; border-radius: 16px; border: 1px solid var(--c); background: #fff; color: #1d2330; font: inherit; cursor: pointer; }
  form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e1e4ec; background: #fff; }
  textarea { flex: 1; min-width: 0; resize: none; max-height: 120px; padding: 10px 12px; border: 1px solid #767d8c; border-radius: 8px; font: inherit; font-size: 16px; }
  form button { padding: 0 16px; border: 0; border-radius: 8px; background: var(--c); color: var(--t); font: inherit; cursor: pointer; }
  form button:disabled { opacity: .6; cursor: default; }
  .status { padding: 0 12px 8px; font-size: 12px; color: #b42318; }
  .status:empty { display: none; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  @media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; } }
  :host([data-page]) .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
  :host([data-page]) .launcher, :host([data-page]) .close { display: none; }
</style>
<button class="bubble" type="button" hidden></button>
<button class="launcher" type="button" aria-label="Open chat" aria-expanded="false" aria-controls="leadbox-panel">
  <svg viewBox="0 0 24 24" aria-hidden="true" fill="currentColor"><path class="i1" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/><path class="i2" d="M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z"/></svg>
  <span class="badge" aria-hidden="true"></span>
</button>
<section class="panel" id="leadbox-panel" role="dialog" aria-modal="false" aria-labelledby="leadbox-title">
  <header><img alt="" hidden><h2 id="leadbox-title">Chat with us</h2><button class="close" type="button" aria-label="Close chat">×</button></header>
  <div class="note" role="status"></div>
  <div class="log" role="log" aria-live="polite" aria-label="Conversation"></div>
  <div class="status" role="status"></div>
  <button class="skip" type="button" hidden>Skip</button>
  <form>
    <label class="sr-only" for="leadbox-input">Your message</label>
    <textarea id="leadbox-input" name="message" rows="1" dir="auto" autocomplete="off" maxlength="2000" placeholder="Type a message…" required></textarea>
    <button type="submit">Send</button>
  </form>
</section>`;
  if (pageMode) host.setAttribute('data-page', '');
  document.body.appendChild(host);

  const $ = (selector) => root.querySelector(selector);
  const launcher = $('.launcher');
  const badge = $('.badge');
  const bubble = $('.bubble');
  const panel = $('.panel');
  const note = $('.note');
  const log = $('.log');
  const form = $('form');
  const input = $('textarea');
  const send = $('form button');
  const skip = $('.skip');
  const status = $('.status');
  let seen = new Set();
  let started = null;
  let unread = 0;
  let state = null;
  const isOpen = () => panel.classList.contains('open');

  const applyTexts = () => {
    $('h2').textContent = T.title;
    $('.close').setAttribute('aria-label', T.close);
    $('label').textContent = T.label;
    input.placeholder = T.placeholder;
    send.textContent = T.send;
    skip.textContent = T.skip;
    launcher.setAttribute('aria-label', isOpen() ? T.close : T.open);
    root.host.lang = lang;
  };

  // URLs become links (text only; the address must be http or https); everything else stays text.
  const linkify = (item, text) => {
    for (const part of text.split(/((?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:!?)])/)) {
      let url = null;
      try {
        url = /^(https?:\/\/|www\.)/.test(part) ? new URL(part.startsWith('www.') ? `https://${part}` : part) : null;
      } catch {}
      if (url && /^https?:$/.test(url.protocol)) {
        const a = document.createElement('a');
        a.href = url.href;
        a.target = '_blank';
        a.rel = 'noopener nofollow';
        a.textContent = part;
        item.append(a);
      } else if (part) item.append(part);
    }
  };

  const render = (message) => {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const item = document.createElement('div');
    item.className = `msg ${message.by}`;
    item.dataset.by = message.by;
    item.dir = 'auto';
    const who = document.createElement('span');
    who.className = 'who';
    const name = document.createElement('span');
    name.textContent =
      message.by === 'agent' ? message.agentName || T.agent : T[{ user: 'you', bot: 'bot', integration: 'bot' }[message.by]] || message.by;
    const time = document.createElement('time');
    const at = new Date(message.createdAt);
    time.dateTime = message.createdAt;
    time.textContent = at.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
    who.append(name, time);
    item.append(who);
    linkify(item, message.text);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  };

  const await_ = (result) => {
    skip.hidden = !result.skippable;
    if (result.state) state = result.state;
  };

  const api = async (path, body) => {
    const payload = preview
      ? { botId, customerId, languages, ...(state ? { state } : {}), ...body }
      : { ...session, ...(path === '/session' ? { languages } : {}), ...body };
    const response = await fetch(`${base}/widget/v1${preview ? '/preview' : path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    if (!response.ok) {
      throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status, retry: response.headers.get('retry-after') });
    }
    return response.json();
  };
  // A 429 is worth saying as it is, with the wait: trying again at once does not help.
  const busy = (error, otherwise) => (error.status === 429 ? T.retryIn.replace('{s}', error.retry || 60) : otherwise);

  // The event stream: opened on page load for a visitor with an open conversation, or on first open.
  // Reconnects with exponential backoff and jitter (1 s, 2 s, 4 s… up to 60 s); an idle stream
  // closed by the server comes back when the visitor does.
  let events = null;
  let timer = null;
  let attempt = 0;
  const setConn = (value) => {
    host.setAttribute('data-conn', value);
    if (value === 'live') host.setAttribute('data-live', '');
    else host.removeAttribute('data-live');
    note.textContent = value === 'reconnecting' ? T.reconnecting : preview ? T.preview : '';
  };
  const drop = () => {
    events?.close();
    events = null;
  };
  const retry = () => {
    drop();
    setConn('reconnecting');
    const delay = Math.min(60_000, 1000 * 2 ** attempt++ * (1 + Math.random()));
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      connect();
    }, delay);
  };
  const connect = () => {
    if (preview || events || timer) return;
    events = new EventSource(`${base}/widget/v1/events?${new URLSearchParams(session)}`);
    events.addEventListener('ready', () => {
      attempt = 0;
      setConn('live');
    });
    events.addEventListener('message', (e) => arrived(JSON.parse(e.data)));
    events.addEventListener('reconnect', retry);
    events.addEventListener('idle', () => {
      drop();
      setConn('idle');
    });
    events.onerror = retry;
  };
  const wake = () => host.getAttribute('data-conn') === 'idle' && connect();

  // While closed, an agent's reply shows on the launcher (count), in a bubble, and once in the title.
  const arrived = (message) => {
    const fresh = !seen.has(message.id);
    render(message);
    if (!fresh || isOpen() || message.by !== 'agent') return;
    badge.textContent = String(++unread);
    launcher.setAttribute('aria-label', `${T.open} (${unread} ${T.newMessage})`);
    bubble.textContent = '';
    const who = document.createElement('b');
    who.textContent = message.agentName || T.agent;
    bubble.append(who, message.text.length > 140 ? `${message.text.slice(0, 140)}…` : message.text);
    bubble.dir = 'auto';
    bubble.hidden = false;
    const title = document.title;
    const flash = `💬 ${T.newMessage}`;
    document.title = flash;
    setTimeout(() => {
      if (document.title === flash) document.title = title;
    }, 2000);
  };

  const start = () => {
    // One session per page load: that is one website visit.
    started ??= api('/session', {})
      .then((result) => {
        // The history replaces what the stream showed while closed, so everything is in order.
        log.textContent = '';
        seen = new Set();
        for (const m of result.messages) render(m);
        await_(result);
        connect();
      })
      .catch((error) => {
        started = null;
        status.textContent = busy(error, T.startFailed);
      });
    return started;
  };

  const open = () => {
    panel.classList.add('open');
    launcher.setAttribute('aria-expanded', 'true');
    launcher.setAttribute('aria-label', T.close);
    unread = 0;
    badge.textContent = '';
    bubble.hidden = true;
    wake();
    start();
    input.focus();
  };
  const close = () => {
    panel.classList.remove('open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', T.open);
    launcher.focus();
  };

  const submit = async (text, extra) => {
    if (!text) return;
    send.disabled = true;
    status.textContent = '';
    wake();
    try {
      await start();
      // The chat did not start: its reason is on screen already.
      if (!started) return;
      const result = await api('/messages', { text, ...extra });
      if (!extra) input.value = '';
      input.style.height = '';
      for (const m of result.messages) render(m);
      await_(result);
    } catch (error) {
      status.textContent = busy(error, T.sendFailed);
    } finally {
      send.disabled = false;
      input.focus();
    }
  };

  launcher.addEventListener('click', () => (isOpen() ? close() : open()));
  bubble.addEventListener('click', open);
  $('.close').addEventListener('click', close);
  skip.addEventListener('click', () => submit(T.skip, { skip: true }));
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !pageMode) close();
  });
  // Enter sends, Shift+Enter is a new line.
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener('input', () => {
    input.style.height = '';
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(input.value.trim());
  });
  window.addEventListener('focus', wake);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && wake());
  window.addEventListener('pagehide', drop);

  window.LeadboxWidget = { open, close, uuid };
  if (pageMode) open();

  // The bot's words (in the visitor's language) and look; a visitor with an open conversation
  // listens for replies at once, before opening the widget.
  fetch(`${base}/widget/v1/config?${new URLSearchParams({ botId, customerId, ...(preview ? {} : { uuid }), lang: languages.join(',') })}`)
    .then(async (response) => {
      if (response.status === 404) {
        host.remove();
        drop();
        return console.warn(
          `leadbox widget: there is no bot ${botId} for customer ${customerId} on ${base}. Check the BOT_ID,CUSTOMER_ID in the snippet against the Bots screen of your leadbox panel.`,
        );
      }
      if (!response.ok) return;
      const config = await response.json();
      T = config.texts;
      lang = config.lang;
      host.style.setProperty('--c', config.color);
      host.style.setProperty('--t', config.textColor);
      const img = $('header img');
      if (config.avatarUrl) img.src = config.avatarUrl;
      img.hidden = !config.avatarUrl;
      applyTexts();
      setConn(host.getAttribute('data-conn') || '');
      if (config.conversation) connect();
    })
    .catch(() => {});
})();
