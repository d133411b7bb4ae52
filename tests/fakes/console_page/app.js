// The fake console's behaviour: a virtualised goods list, the 讲解 toggle, the comment box, the XHR polls.
// Since 2025-11 the real console renders broken when it is reached by a direct navigation: only a page
// opened from a link (it has a referrer) gets its goods panel, its comments and its polls.
if (document.body.hasAttribute('data-links-blocked')) {  // a page that swallows link clicks
  document.addEventListener('click', e => { if (e.target.closest('a')) e.preventDefault(); }, true);
}
fetch('/api/opened', {method: 'POST', headers: {'Content-Type': 'application/json'},
                      body: JSON.stringify({via: document.referrer ? 'link' : 'goto'})});
if (!document.referrer) {
  document.querySelectorAll('[class^="goodsPanel"], [class^="commentPanel"]').forEach(e => e.remove());
  throw new Error('opened by a direct navigation: the console stays empty');
}
const ROW_H = 72, BUFFER = 2;
let products = [], explaining = null, drift = false, modal = null;
const scroller = document.querySelector('#live-control-goods-list-container > div');
const spacer = document.getElementById('spacer');

function actionClass() { return drift ? 'goodsOperate-Zz9Q1' : 'goodsAction-JcGBoH'; }

function renderRows() {
  spacer.style.height = (products.length * ROW_H) + 'px';
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - BUFFER);
  const last = Math.min(products.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_H) + BUFFER);
  spacer.replaceChildren();  // like a virtual list: rows off screen do not exist, re-rendered rows are new nodes
  for (let i = first; i < last; i++) {
    const p = products[i];
    const row = document.createElement('div');
    row.className = 'goodsItem-Jc3bN9';
    row.style.top = (i * ROW_H) + 'px';
    const active = explaining === p.no;
    row.innerHTML = `<div class="indexWrapper-k2LmQ"><input value="${p.no}"></div>
      <div class="goodsName-b7Yt">${p.name}</div><div class="goodsPrice-Vv2">¥${p.price}</div>
      <div class="goodsStock-Qe1">库存 ${p.stock}</div>
      <div class="${actionClass()}"><button class="rpa_lc__live-goods__action-more">更多</button>
      <button class="explainBtn-Ur4"><span>${active ? '取消讲解' : '讲解'}</span></button></div>`;
    row.querySelector('.explainBtn-Ur4').addEventListener('click', () => toggle(p.no));
    spacer.appendChild(row);
  }
}
scroller.addEventListener('scroll', renderRows);

async function post(path, body) {
  await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
}

async function toggle(no) {
  if (modal) return;  // a modal blocks the page until it is closed
  const on = explaining !== no;
  await post('/api/explain', {no, on});
  explaining = on ? no : null;
  setTimeout(renderRows, 80);  // the real page answers after its own request
}

const block = document.getElementById('input-comment-block-id');
const box = block.querySelector('textarea'), pin = block.querySelector('input'),
      send = block.querySelector('[class^="inputSuffix"]');
box.addEventListener('input', () => send.classList.toggle('isDisabled-p0Q2', !box.value.trim()));
send.addEventListener('click', async () => {
  if (modal || !box.value.trim()) return;
  await post('/api/comment', {text: box.value, pin: pin.checked});
  box.value = ''; pin.checked = false; send.classList.add('isDisabled-p0Q2');
});

function showModal(kind) {
  const host = document.getElementById('modal-host');
  if (kind === modal) return;
  modal = kind;
  if (!kind) { host.replaceChildren(); return; }
  host.innerHTML = kind === 'afk'
    ? `<div class="auxo-modal-root"><div class="auxo-modal-content"><div><div><div>检测到您长时间未操作</div>
       <div class="auxo-modal-confirm-btns"><button class="auxo-btn">退出</button>
       <button class="auxo-btn auxo-btn-primary">继续直播</button></div></div></div></div></div>`
    : `<div class="auxo-modal-root"><div class="auxo-modal-content"><div>直播总结</div>
       <svg class="liveOverCloseIcon-Pp0" width="16" height="16"><rect width="16" height="16"/></svg></div></div>`;
  post('/api/modal-shown', {kind});
  const close = host.querySelector('.auxo-btn-primary, [class^="liveOverCloseIcon"]');
  close.addEventListener('click', async () => { await post('/api/close-modal', {}); showModal(null); });
}

function renderComments(list) {
  document.getElementById('comment-list').innerHTML = list.map(c =>
    `<div class="commentItem-Ab1">${c.pinned ? '<span class="pinned-Qq">置顶</span>' : ''}` +
    `<b>${c.nick_name}</b>：${c.content}</div>`).join('');
}

async function pollState() {
  const r = await fetch('/api/page-state');
  if (r.status === 401) { location.href = '/mpa/account/login?log_out=1&type=24'; return; }
  const s = await r.json();
  let changed = s.drift !== drift;
  if (products.length !== s.goods) {  // the goods list comes from its own response, as on the real page
    const goods = await (await fetch('/api/anchor/livepc/promotions_v2?room_id=7&list_type=1')).json();
    products = goods.data.promotions.map((g, i) => ({no: i + 1, id: g.product_id, name: g.title,
                                                     price: g.price, stock: g.stock_num}));
    changed = true;
  }
  drift = s.drift;
  if (changed) renderRows();
  showModal(s.modal);
}

async function poll(path, then) {
  try { const r = await fetch(path); if (r.ok && then) then(await r.json()); } catch (e) { /* next round */ }
}

setInterval(pollState, 200);
setInterval(() => poll('/aweme/v1/live/comment/info?room_id=7&cursor=0',
                       body => renderComments(body.data.comment_infos)), 250);
setInterval(() => poll('/aweme/v1/screen/message?room_id=7'), 400);
setInterval(() => poll('/aweme/v1/live/live_order_stream?room_id=7'), 400);
pollState();
