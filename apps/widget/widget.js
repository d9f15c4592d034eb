/*
 * leadbox chat widget. Embedded with the vendor's documented snippet:
 *   <script id="BotPenguin-messenger-widget" src="https://HOST/botpenguin.js" defer>BOT_ID,CUSTOMER_ID</script>
 * No dependencies, no build step: plain browser JavaScript in a Shadow DOM, so the host page's CSS
 * and the widget's cannot touch each other.
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
    uuid = localStorage.getItem(storageKey) || newUuid();
    localStorage.setItem(storageKey, uuid);
  } catch {
    uuid = newUuid();
  }
  const session = { botId, customerId, uuid };

  const host = document.createElement('div');
  host.setAttribute('data-leadbox-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `
<style>
  :host { all: initial; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; }
  * { box-sizing: border-box; }
  .launcher { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%; border: 0;
    background: #2f5bea; color: #fff; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); z-index: 2147483000; }
  .launcher:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid #b36b00; outline-offset: 2px; }
  .launcher:focus-visible { outline-color: #ffb020; }
  .launcher svg { width: 28px; height: 28px; }
  .panel { position: fixed; right: 20px; bottom: 88px; width: 360px; height: min(560px, calc(100vh - 110px)); display: none;
    flex-direction: column; background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; z-index: 2147483000; }
  .panel.open { display: flex; }
  header { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px; background: #2f5bea; color: #fff; }
  header h2 { margin: 0; font-size: 16px; font-weight: 600; }
  header button { background: transparent; border: 0; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 4px 8px; }
  .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f7fb; }
  .msg { max-width: 80%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; word-wrap: break-word; }
  .msg.user { align-self: flex-end; background: #2f5bea; color: #fff; border-bottom-right-radius: 4px; }
  .msg.bot, .msg.agent, .msg.integration { align-self: flex-start; background: #fff; border: 1px solid #e1e4ec; border-bottom-left-radius: 4px; }
  .msg .who { display: block; font-size: 11px; color: #5b6478; margin-bottom: 2px; }
  .msg.user .who { color: rgba(255, 255, 255, .85); }
  form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e1e4ec; background: #fff; }
  input { flex: 1; min-width: 0; padding: 10px 12px; border: 1px solid #c4c9d6; border-radius: 8px; font: inherit; }
  form button { padding: 0 16px; border: 0; border-radius: 8px; background: #2f5bea; color: #fff; font: inherit; cursor: pointer; }
  form button:disabled { opacity: .6; cursor: default; }
  .status { padding: 0 12px 8px; font-size: 12px; color: #b42318; }
  .status:empty { display: none; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  @media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; } }
  :host([data-page]) .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
  :host([data-page]) .launcher, :host([data-page]) .close { display: none; }
</style>
<button class="launcher" type="button" aria-label="Open chat" aria-expanded="false" aria-controls="leadbox-panel">
  <svg viewBox="0 0 24 24" aria-hidden="true" fill="currentColor"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>
</button>
<section class="panel" id="leadbox-panel" role="dialog" aria-modal="false" aria-labelledby="leadbox-title">
  <header><h2 id="leadbox-title">Chat with us</h2><button class="close" type="button" aria-label="Close chat">×</button></header>
  <div class="log" role="log" aria-live="polite" aria-label="Conversation"></div>
  <div class="status" role="status"></div>
  <form>
    <label class="sr-only" for="leadbox-input">Your message</label>
    <input id="leadbox-input" name="message" autocomplete="off" maxlength="2000" placeholder="Type a message…" required>
    <button type="submit">Send</button>
  </form>
</section>`;
  if (pageMode) host.setAttribute('data-page', '');
  document.body.appendChild(host);

  const $ = (selector) => root.querySelector(selector);
  const launcher = $('.launcher');
  const panel = $('.panel');
  const log = $('.log');
  const form = $('form');
  const input = $('input');
  const send = $('form button');
  const status = $('.status');
  const seen = new Set();
  let started = null;
  let events = null;

  const label = { user: 'You', bot: 'Bot', agent: 'Agent', integration: 'Bot' };
  const render = (message) => {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const item = document.createElement('div');
    item.className = `msg ${message.by}`;
    item.dataset.by = message.by;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = label[message.by] || message.by;
    item.append(who, document.createTextNode(message.text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  };

  const api = async (path, body) => {
    const response = await fetch(`${base}/widget/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...session, ...body }),
    });
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    return response.json();
  };
  // A 429 is worth saying as it is: waiting helps, trying again at once does not.
  const busy = (error, otherwise) =>
    error.status === 429 ? 'Too many chats are starting right now. Please try again in a minute.' : otherwise;

  const start = () => {
    // One session per page load: that is one website visit.
    started ??= api('/session', {})
      .then((result) => {
        for (const m of result.messages) render(m);
        const query = new URLSearchParams(session).toString();
        events = new EventSource(`${base}/widget/v1/events?${query}`);
        events.addEventListener('message', (e) => render(JSON.parse(e.data)));
        events.addEventListener('ready', () => host.setAttribute('data-live', ''));
      })
      .catch((error) => {
        started = null;
        status.textContent = busy(error, 'The chat could not start. Please try again.');
      });
    return started;
  };

  const open = () => {
    panel.classList.add('open');
    launcher.setAttribute('aria-expanded', 'true');
    launcher.setAttribute('aria-label', 'Close chat');
    start();
    input.focus();
  };
  const close = () => {
    panel.classList.remove('open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', 'Open chat');
    launcher.focus();
  };

  launcher.addEventListener('click', () => (panel.classList.contains('open') ? close() : open()));
  $('.close').addEventListener('click', close);
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !pageMode) close();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
    status.textContent = '';
    try {
      await start();
      // The chat did not start: its reason is on screen already.
      if (!started) return;
      const result = await api('/messages', { text });
      input.value = '';
      for (const m of result.messages) render(m);
    } catch (error) {
      status.textContent = busy(error, 'Your message could not be sent. Please try again.');
    } finally {
      send.disabled = false;
      input.focus();
    }
  });
  window.addEventListener('pagehide', () => events?.close());

  window.LeadboxWidget = { open, close, uuid };
  if (pageMode) open();
})();
