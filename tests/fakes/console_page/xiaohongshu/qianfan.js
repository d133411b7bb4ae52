// The fake 千帆 console: the goods table with 讲解 ↔ 结束讲解 in each row's operations, the comment box
// (Enter or its button), the comment socket, and the send_comment request for the account's own comments.
// Anti-bot: the real console loads no elements after a direct navigation; only a page opened from a link
// (it has a referrer) renders and opens its comment socket.
fetch('/api/opened', {method: 'POST', headers: {'Content-Type': 'application/json'},
                      body: JSON.stringify({via: document.referrer ? 'link' : 'goto', path: location.pathname,
                                            from: document.referrer ? new URL(document.referrer).pathname : ''})});
if (!document.referrer) {
  document.body.replaceChildren();
  throw new Error('opened by a direct navigation: the console loads no elements');
}
let products = [], explaining = null, drift = false, unexplainable = null, noButton = null, socket = null;
const tbody = document.querySelector('.goods-list tbody');
const post = (path, body) => fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                          body: JSON.stringify(body)});
const escape = s => String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));

function render() {
  const ops = drift ? 'more-operations-v2' : 'more-operation';
  tbody.innerHTML = products.map(p => {
    const on = explaining === p.no, off = p.no === unexplainable;
    return `<tr data-no="${p.no}"><td><input value="${p.no}"></td><td>${p.name}</td><td>¥${p.price}</td>
      <td><div class="${ops}"><span class="operation-item">弹券</span>
      <span class="operation-item${off ? ' disabled-btn' : ''}">${on ? '结束讲解' : '讲解'}</span>
      <span class="operation-item">下架</span></div></td></tr>`;
  }).join('');
  tbody.querySelectorAll('.operation-item').forEach(item => item.addEventListener('click', () => {
    if (!item.textContent.includes('讲解') || item.classList.contains('disabled-btn')) return;
    toggle(Number(item.closest('tr').dataset.no));
  }));
}

async function toggle(no) {
  const on = explaining !== no;
  await post('/api/explain', {no, on});
  explaining = on ? no : null;
  setTimeout(render, 80);
}

const comments = document.querySelector('.comment-list');
function showComment(nick, text) {
  comments.insertAdjacentHTML('beforeend', `<div class="comment-item"><b>${escape(nick)}</b>：${escape(text)}</div>`);
}

const box = document.querySelector('.comment-input textarea');
async function send() {
  const content = box.value.trim();
  if (!content) return;
  const r = await post('/api/edith/live/send_comment', {room_id: '569000000001', content});
  const answer = await r.json();
  if (answer.success) { showComment(answer.data.profile.nickname, answer.data.comment); box.value = ''; syncButton(); }
}
box.addEventListener('keydown', e => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); } });
box.addEventListener('input', () => syncButton());
function syncButton() {
  const button = document.querySelector('.comment-input button');
  if (button) button.classList.toggle('disabled', !box.value.trim());
}
function placeButton(missing) {
  const old = document.querySelector('.comment-input button');
  if (missing && old) old.remove();
  if (!missing && !old) {
    const button = document.createElement('button');
    button.className = 'send-btn disabled';
    button.textContent = '发送';
    button.addEventListener('click', () => { if (!button.classList.contains('disabled')) send(); });
    document.querySelector('.comment-input').appendChild(button);
  }
}

function connect(url) {
  socket = new WebSocket(url);
  socket.onmessage = e => {
    const frame = JSON.parse(e.data);
    if (frame.t !== 4) return;
    for (const entry of frame.b.d.b) {
      try {
        const message = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(entry.d), c => c.charCodeAt(0))));
        const data = JSON.parse(message.customData);
        if (message.command === 1 && data.type === 'text') showComment(data.profile.nickname, data.desc);
      } catch (err) { /* not a message the console shows */ }
    }
  };
  setInterval(() => { if (socket.readyState === 1) socket.send(JSON.stringify({t: 2})); }, 2000);
}

async function pollState() {
  const s = await (await fetch('/api/page-state')).json();
  const changed = s.drift !== drift || s.explaining !== explaining || s.unexplainable !== unexplainable
    || s.products.length !== products.length;
  products = s.products; explaining = s.explaining; drift = s.drift; unexplainable = s.unexplainable;
  if (changed) render();
  if (s.no_send_button !== noButton) { noButton = s.no_send_button; placeButton(noButton); }
  if (!socket) connect(s.socket);
}
setInterval(pollState, 200);
pollState();
