// The fake 快手小店 中控台: the driver.js guide and the two ant-design modals at load (they block the page),
// the react-virtuoso-like goods list with the pinned …recording copy of the product being explained, 开始讲解
// ↔ 结束讲解 with a confirm before switching from another product, the comment box with 置顶, and the comment
// list fed by the live link client (lib-es-link), the only place the page's comments arrive.
const ROW_H = 90, OVERSCAN = 2;
let products = [], explaining = null, drift = false, link = null, started = false, modalOnSwitch = false;
const post = (path, body) => fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                          body: JSON.stringify(body)});
const esc = s => String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const scroller = document.querySelector('[data-virtuoso-scroller]');
const topList = document.querySelector('[data-test-id=virtuoso-top-item-list]');
const itemList = document.querySelector('[data-test-id=virtuoso-item-list]');
const blocked = () => !!document.getElementById('driver-page-overlay') || !!document.querySelector('.ant-modal-root');

function card(p, recording) {
  const on = explaining === p.no;
  const buttons = drift ? 'cardButtons-Lk2e0' : 'cardBtn-Fo9d3';
  const place = recording ? '<span class="tag-Lv5">讲解中</span>' : `<input class="ant-input index-Sd3" value="${p.no}">`;
  return `<div class="list-item-Ka7x2${recording ? ' recording-Vb1' : ''}" id="goods-${p.id}${recording ? '-recording' : ''}"
      ${recording ? '' : `data-index="${p.no - 1}" data-item-index="${p.no - 1}"`} data-no="${p.no}">${place}
    <div class="title-Mn4">${esc(p.name)}</div><div class="price-Ws2">¥${p.price}</div>
    <div class="${buttons}"><button type="button" class="ant-btn">弹券</button>
      <button type="button" class="ant-btn ant-btn-primary">${on ? '结束讲解' : '开始讲解'}</button></div></div>`;
}

function render() {
  const current = products.find(p => p.no === explaining);
  topList.innerHTML = current ? card(current, true) : '';
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(products.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_H) + OVERSCAN);
  itemList.style.paddingTop = (first * ROW_H) + 'px';
  itemList.style.paddingBottom = ((products.length - last) * ROW_H) + 'px';
  itemList.innerHTML = products.slice(first, last).map(p => card(p, false)).join('');  // new nodes each time
}
scroller.addEventListener('scroll', render);

scroller.addEventListener('click', e => {
  const button = e.target.closest('button');
  if (!button || button !== button.parentElement.lastElementChild) return;  // 弹券 is not ours to fake
  const row = button.closest('.list-item-Ka7x2'), no = Number(row.dataset.no);
  if (blocked()) { post('/api/blocked', {}); return; }
  if (row.id.endsWith('recording')) post('/api/recording-click', {});
  if (button.textContent.trim() === '结束讲解') { setExplaining(no, false); return; }  // ends it, nothing more
  if (explaining !== null && explaining !== no) { setTimeout(() => confirmSwitch(explaining, no), 150); return; }
  setExplaining(no, true);
});

async function setExplaining(no, on) {
  await post('/api/explain', {no, on});
  explaining = on ? no : null;
  setTimeout(render, 80);
}

// An ant-design modal: the root stays in the page until a button closes it.
function antModal(title, content, buttons, answered) {
  const root = document.createElement('div');
  root.className = 'ant-modal-root';
  root.innerHTML = `<div class="ant-modal-mask"></div><div class="ant-modal-wrap" role="dialog">
    <div class="ant-modal ant-modal-confirm"><div class="ant-modal-content"><div class="ant-modal-body">
      <div class="ant-modal-confirm-body"><span class="ant-modal-confirm-title">${title}</span>
        <div class="ant-modal-confirm-content">${content}</div></div>
      <div class="ant-modal-confirm-btns">${buttons.map(b => `<button type="button" class="ant-btn">${b}</button>`).join('')}</div>
    </div></div></div></div>`;
  root.querySelectorAll('button').forEach(b => b.addEventListener('click', () => { root.remove(); answered(b.textContent); }));
  document.body.appendChild(root);
}

function confirmSwitch(from, to) {
  if (modalOnSwitch) setTimeout(groupBuyModal, 20);  // a load modal late, over the confirm: the newest on the page
  antModal('确认切换讲解商品？', `当前正在讲解 ${from} 号商品，切换后将结束它的讲解`, ['取消', '确定'], answer => {
    post('/api/confirm', {from, to, answer});
    if (answer === '确定') setExplaining(to, true);
  });
}

const told = (title, button) => post('/api/modal', {title, button});
const groupBuyModal = () => antModal('团购模式全新上线', '开启团购模式后，直播间将展示团购商品', ['暂不切换', '立即切换'],
                                     b => told('团购模式全新上线', b));
function loadModals(answered) {
  if (!answered.includes('团购模式全新上线')) setTimeout(groupBuyModal, 300);
  if (!answered.includes('已开启直播')) setTimeout(() => antModal('已开启直播',
    '直播已开始，可在中控台管理商品和评论', ['我知道了'], b => told('已开启直播', b)), 500);
}

// driver.js: a guide of two steps; Escape closes the step shown, the next one follows.
function showGuide(step) {
  const overlay = document.createElement('div');
  overlay.id = 'driver-page-overlay';
  overlay.innerHTML = `<div id="driver-popover-item">新版中控台（${step}/2）<button>下一步</button></div>`;
  overlay.dataset.step = step;
  document.body.appendChild(overlay);
}
document.addEventListener('keydown', e => {
  const overlay = document.getElementById('driver-page-overlay');
  if (e.key !== 'Escape' || !overlay) return;
  const step = Number(overlay.dataset.step);
  overlay.remove();
  if (step < 2) setTimeout(() => showGuide(step + 1), 300); else post('/api/guide-closed', {});
});

const reply = document.querySelector('[class^=reply-content]');
const box = reply.querySelector('input[type=text]'), send = reply.querySelector('button');
const pin = reply.querySelector('input[type=checkbox]');
box.addEventListener('input', () => { send.disabled = !box.value.trim(); });
send.addEventListener('click', async () => {
  const text = box.value.trim();
  if (blocked() || !text) return;
  const pinned = pin.checked;
  await post('/api/comment', {text, pin: pinned});
  if (pinned) document.querySelector('[class^=pinned-comment]').textContent = text;
  box.value = ''; send.disabled = true; pin.checked = false;
});

const shown = new Set();
function showComments(payload) {
  for (const c of payload.commentList || []) {
    if (!c || shown.has(c.commentId)) continue;
    shown.add(c.commentId);
    document.querySelector('[class^=comment-list]').insertAdjacentHTML('beforeend',
      `<div class="comment-item-Nn8"><b>${esc(c.fromUserName)}</b>：${esc(c.commentContent)}</div>`);
  }
}

async function pollState() {
  const s = await (await fetch('/api/page-state')).json();
  const changed = s.drift !== drift || s.explaining !== explaining || s.products.length !== products.length;
  products = s.products; explaining = s.explaining; drift = s.drift; modalOnSwitch = s.modal_on_switch;
  if (changed) render();
  if (!started) {
    started = true;
    if (s.guide) showGuide(1);
    loadModals(s.answered);
    link = new window.KwaiLink(s.socket);  // throws when the bundle did not load: the page is then broken
    link.on(showComments);
    link.connect();
  }
}
setInterval(pollState, 200);
pollState();
