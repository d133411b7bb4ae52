// The fake 淘宝直播 control page: the driver.js guide, the virtualised goods list with its single-click
// 弹品, the comment box and the JSONP comment poll the real page makes through mtop.
const ROW_H = 80, BUFFER = 2;
let products = [], drift = false, enterprise = false, guide = false;
const scroller = document.getElementById('tcl-unique-virtual-list');
const list = document.getElementById('livePushed-tcl-unique-scroll-list');
const post = (path, body) => fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                          body: JSON.stringify(body)});

function showGuide(on) {
  guide = on;
  const old = document.getElementById('driver-highlighted-element-stage-overlay');
  if (!on) { if (old) { old.remove(); post('/api/guide-closed', {}); } return; }
  if (old) return;
  const overlay = document.createElement('div');
  overlay.id = 'driver-highlighted-element-stage-overlay';
  overlay.innerHTML = '<div id="driver-popover-item">新版中控台上线啦！<button>下一步</button></div>';
  document.body.appendChild(overlay);
}
document.addEventListener('keydown', e => { if (e.key === 'Escape') showGuide(false); });

function renderRows() {
  list.style.height = (products.length * ROW_H) + 'px';
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - BUFFER);
  const last = Math.min(products.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW_H) + BUFFER);
  list.replaceChildren();  // a virtual list: rows off screen do not exist, re-rendered rows are new nodes
  for (let i = first; i < last; i++) {
    const p = products[i];
    const row = document.createElement('div');
    row.className = 'list-item';
    row.style.top = (i * ROW_H) + 'px';
    const index = enterprise ? `<input data-tblalog-id="sort_input" value="${p.no}">`
                             : `<div class="list-item-img"><div class="list-item-img-index">${String(p.no).padStart(2, '0')}</div></div>`;
    row.innerHTML = `${index}<div class="list-item-title">${p.name}</div><div class="list-item-price">¥${p.price}</div>
      <div class="list-item-actions"><button data-tblalog-id="jiangJie">讲解</button>
      <button data-tblalog-id="${drift ? 'popItem' : 'tanPin'}">弹品</button></div>`;
    row.querySelector('.list-item-actions button:last-child').addEventListener('click', () => pop(p.no));
    list.appendChild(row);
  }
}
scroller.addEventListener('scroll', renderRows);

async function pop(no) {
  if (guide) return;  // the guide covers the page until it is closed
  await post('/api/pop', {no});
  document.getElementById('toast').textContent = `已弹出 ${no} 号商品`;
}

const reply = document.querySelector('#comment-page div.tc-comment-reply');
const box = reply.querySelector('textarea'), publish = reply.querySelector('button');
box.addEventListener('input', () => { publish.disabled = !box.value.trim(); });
publish.addEventListener('click', async () => {
  if (guide || !box.value.trim()) return;
  await post('/api/comment', {text: box.value});
  box.value = ''; publish.disabled = true;
});

// mtop's JSONP: a script tag per request, answered by a call to the callback it names.
let seq = 0;
function pollComments() {
  const name = 'mtopjsonp' + (++seq);
  const script = document.createElement('script');
  window[name] = body => {
    delete window[name]; script.remove();
    if (!body.ret || !String(body.ret[0]).startsWith('SUCCESS')) return;
    document.querySelector('.tc-comment-list').innerHTML = body.data.comments.map(c =>
      `<div class="tc-comment-item"><span class="tc-comment-nick">${c.tbNick}</span>：<span>${c.content}</span></div>`).join('');
  };
  script.onerror = () => { delete window[name]; script.remove(); };
  script.src = '/h5/mtop.taobao.iliad.comment.query.anchorlatest/3.0/?jsv=2.7.2&appKey=12574478&t=' + Date.now() +
               '&api=mtop.taobao.iliad.comment.query.anchorlatest&v=3.0&type=jsonp&dataType=jsonp&callback=' + name;
  document.body.appendChild(script);
}
setInterval(pollComments, 300);

async function pollState() {
  const s = await (await fetch('/api/page-state')).json();
  const changed = s.drift !== drift || s.enterprise !== enterprise || products.length !== s.products.length;
  products = s.products; drift = s.drift; enterprise = s.enterprise;
  if (changed) renderRows();
  if (s.guide && !guide && !document.getElementById('driver-highlighted-element-stage-overlay')) showGuide(true);
}
setInterval(pollState, 200);
pollState();
