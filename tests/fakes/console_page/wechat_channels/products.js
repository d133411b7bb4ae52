// The fake 视频号 products tab inside the wujie-app's open shadow root: every product on the page (no
// virtual list), newest first; the 序号 is the text after the row's checkbox; 讲解 ↔ 结束讲解.
const root = document.querySelector('wujie-app').attachShadow({mode: 'open'});
root.innerHTML = `<div class="commodity-list-wrap"><div class="table-header-wrap">商品</div>
  <div class="table-body-wrap"><div><span class="rows"></span></div></div></div>`;
let products = [], explaining = null, drift = false;

function render() {
  const wrap = drift ? 'promote-wrap-v2' : 'promoting-wrap';
  root.querySelector('.rows').innerHTML = [...products].reverse().map(p => {
    const on = explaining === p.no;
    return `<div class="table-row-wrap" data-no="${p.no}">
      <label class="weui-desktop-form__check-label"><input type="checkbox"><span class="index-text">${p.no}</span></label>
      <div class="commodity-name">${p.name}</div><div class="commodity-price">¥${p.price}</div>
      <div class="${wrap}"><div class="action-link"><span class="${on ? 'promoting-btn promoting-active' : 'promoting-btn'}">${on ? '结束讲解' : '讲解'}</span></div></div>
    </div>`;
  }).join('');
  root.querySelectorAll('.action-link span').forEach(span => span.addEventListener('click', () =>
    toggle(Number(span.closest('.table-row-wrap').dataset.no))));
}

async function toggle(no) {
  const on = explaining !== no;
  await fetch('/api/explain', {method: 'POST', headers: {'Content-Type': 'application/json'},
                               body: JSON.stringify({no, on})});
  explaining = on ? no : null;
  setTimeout(render, 80);  // the real page re-renders after its own request
}

async function pollState() {
  const s = await (await fetch('/api/page-state')).json();
  const changed = s.drift !== drift || s.explaining !== explaining || s.products.length !== products.length;
  products = s.products; explaining = s.explaining; drift = s.drift;
  if (changed) render();
}
setInterval(pollState, 300);
pollState();
