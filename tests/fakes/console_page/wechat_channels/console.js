// The fake 视频号 console inside the wujie-app's open shadow root: the comment list fed by the live/msg
// poll, the comment box (no 置顶) whose button is disabled while the box is empty. A click on a message
// opens its action popover (回复 / 上墙 / 删除); 上墙 tells the server. While the operator has scrolled the
// list up (the server's scrolled_up), new messages wait behind 新消息 (.comment__load) until it is clicked.
const root = document.querySelector('wujie-app').attachShadow({mode: 'open'});
root.innerHTML = `<style>.live-message-list { height: 300px; overflow-y: auto; } .comment__load[hidden] { display: none; }</style>
  <div class="live-message-container">
    <div class="live-message-list"></div>
    <div class="comment__load" hidden>新消息</div>
    <div class="live-message-input-container">
      <textarea class="live-message-input" placeholder="说点什么"></textarea>
      <button class="weui-desktop-btn weui-desktop-btn_primary weui-desktop-btn_disabled disabled">发送</button>
    </div>
  </div>`;
const box = root.querySelector('textarea'), send = root.querySelector('.live-message-input-container button');
const setDisabled = off => { send.classList.toggle('disabled', off); send.classList.toggle('weui-desktop-btn_disabled', off); };
box.addEventListener('input', () => setDisabled(!box.value.trim()));
send.addEventListener('click', async () => {
  if (send.classList.contains('disabled')) return;
  await fetch('/api/comment', {method: 'POST', headers: {'Content-Type': 'application/json'},
                               body: JSON.stringify({text: box.value})});
  box.value = ''; setDisabled(true);
});

const escape = s => String(s).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const list = root.querySelector('.live-message-list'), more = root.querySelector('.comment__load');
let messages = [], shown = 0;
function renderMessages() {
  list.innerHTML = messages.slice(0, shown).map(m => `<div class="live-message-item-container" data-id="${escape(m.clientMsgId)}">
      <span class="message-nickname">${escape(m.nickname)}</span><span class="message-content">${escape(m.content)}</span></div>`).join('');
  list.querySelectorAll('.message-content').forEach(c => c.addEventListener('click', () => openPopover(c.parentElement.dataset.id)));
  more.hidden = shown >= messages.length;
}
more.addEventListener('click', () => { shown = messages.length; renderMessages(); });
function openPopover(id) {
  root.querySelector('.action-popover')?.remove();
  const popover = document.createElement('div');
  popover.className = 'action-popover';
  popover.innerHTML = ['回复', '上墙', '删除'].map(t => `<div class="action-popover__action-item">${t}</div>`).join('');
  popover.querySelectorAll('.action-popover__action-item').forEach(item => item.addEventListener('click', async () => {
    popover.remove();
    if (item.textContent === '上墙') await fetch('/api/wall', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                             body: JSON.stringify({id})});
  }));
  root.querySelector('.live-message-container').appendChild(popover);
}
async function pollMessages() {
  try {
    const r = await fetch('/micro/live/cgi-bin/mmfinderassistant-bin/live/msg?_aid=fake&_rid=' + Date.now());
    const body = await r.json();
    if (body.errCode !== 0) return;
    const before = messages.length;
    messages = body.data.msgList.filter(m => m && m.type === 1);
    if (!body.scrolledUp || shown === 0) shown = messages.length;
    if (messages.length !== before || shown > messages.length) renderMessages();
  } catch (e) { /* next round */ }
}
setInterval(pollMessages, 250);
pollMessages();
