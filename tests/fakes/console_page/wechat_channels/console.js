// The fake 视频号 console inside the wujie-app's open shadow root: the comment list fed by the live/msg
// poll, the comment box (no 置顶) whose button is disabled while the box is empty.
const root = document.querySelector('wujie-app').attachShadow({mode: 'open'});
root.innerHTML = `<style>.live-message-list { height: 300px; overflow-y: auto; }</style>
  <div class="live-message-container">
    <div class="live-message-list"></div>
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
async function pollMessages() {
  try {
    const r = await fetch('/micro/live/cgi-bin/mmfinderassistant-bin/live/msg?_aid=fake&_rid=' + Date.now());
    const body = await r.json();
    if (body.errCode !== 0) return;
    root.querySelector('.live-message-list').innerHTML = body.data.msgList
      .filter(m => m && m.type === 1)
      .map(m => `<div class="live-message-item-container"><span class="message-nickname">${escape(m.nickname)}</span>
                 <span class="message-content">${escape(m.content)}</span></div>`).join('');
  } catch (e) { /* next round */ }
}
setInterval(pollMessages, 250);
pollMessages();
