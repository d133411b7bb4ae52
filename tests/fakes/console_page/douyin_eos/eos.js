// The fake 抖音团购 console: the virtualised goods list (rows near the viewport only) with each row's
// 讲解 ↔ 取消讲解 div, re-rendered on every click (the clicked element is gone: a handle kept from before
// points at a detached node, and a click on it is lost, since the list handles clicks with one listener as
// React does), and the comment box whose send element is marked disable while empty or while muted.
const ROW_H = 72, BUFFER = 2;
let products = [], explaining = null, drift = false, soldOut = null, muted = false;
const scroller = document.querySelector('#live-card-list > div > div');
const spacer = scroller.querySelector('.card-spacer-Tq7vB');
const post = (path, body) => fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                          body: JSON.stringify(body)});
const escape = s => String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));

function talkingButton(p) {
  const button = document.createElement('div');
  const kind = drift ? 'explain-action-Jd6Fw' : 'talking-btn-Jd6Fw';
  button.className = kind + (p.no === soldOut ? ' disabled-Jd6Fw' : '');
  button.textContent = explaining === p.no ? '取消讲解' : '讲解';
  return button;
}

function renderRows() {
  spacer.style.height = (products.length * ROW_H) + 'px';
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - BUFFER);
  const last = Math.min(products.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_H) + BUFFER);
  spacer.replaceChildren();  // rows off screen do not exist; re-rendered rows are new nodes
  for (let i = first; i < last; i++) {
    const p = products[i];
    const row = document.createElement('div');
    row.className = 'render-item-Lp9Xe';
    row.dataset.no = p.no;
    row.style.top = (i * ROW_H) + 'px';
    row.innerHTML = `<div class="index-Lp9Xe"><input value="${p.no}"></div>
      <div class="title-Lp9Xe">${escape(p.name)}</div><div class="price-Lp9Xe">¥${p.price}</div>
      <div class="actions-Lp9Xe"><div class="more-Lp9Xe">更多</div></div>`;
    row.querySelector('.actions-Lp9Xe').appendChild(talkingButton(p));
    spacer.appendChild(row);
  }
}
scroller.addEventListener('scroll', renderRows);

// One listener for the whole list, as React has: a click reaches it only from a button in the page.
spacer.addEventListener('click', e => {
  const button = e.target.closest('[class^="talking-btn"]');
  if (!button || /disabled/.test(button.className)) return;
  const row = button.closest('[class^="render-item"]');
  const no = Number(row.dataset.no);
  button.replaceWith(talkingButton(products.find(p => p.no === no)));  // the row re-renders at once
  post('/api/rerendered', {});
  toggle(no);
});

async function toggle(no) {
  const on = explaining !== no;
  await post('/api/explain', {no, on});
  explaining = on ? no : null;
  setTimeout(renderRows, 80);
}

const box = document.querySelector('textarea[class^="input"]');
const send = document.querySelector('div[class^="comment-wrap"] div[class^="button"]');
const list = document.querySelector('.comment-list-Zp5dE');
function syncSend() {
  const off = muted || !box.value.trim();
  send.className = 'button-Ua4Hy' + (off ? ' button-disable-Ua4Hy' : '');
}
box.addEventListener('input', syncSend);
send.addEventListener('click', async () => {
  if (/disable/.test(send.className)) return;
  const text = box.value.trim();
  await post('/api/comment', {text});
  list.insertAdjacentHTML('beforeend', `<div class="comment-item-Zp5dE">${escape(text)}</div>`);
  box.value = '';
  syncSend();
});

async function pollState() {
  const s = await (await fetch('/api/page-state')).json();
  const changed = s.drift !== drift || s.explaining !== explaining || s.sold_out !== soldOut
    || s.products.length !== products.length;
  products = s.products; explaining = s.explaining; drift = s.drift; soldOut = s.sold_out;
  if (s.muted !== muted) { muted = s.muted; syncSend(); }
  if (changed) renderRows();
}
setInterval(pollState, 200);
pollState();
