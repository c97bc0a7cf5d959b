// Said in both languages when the app cannot start here: a browser too old for it (or
// without JavaScript modules), or its files not reachable on a first visit offline.
function tianyeCannotStart(error) {
  var box = document.createElement('div');
  box.className = 'startup-error';
  box.setAttribute('role', 'alert');
  box.innerHTML = '<h1>田野无法在此浏览器中启动<br>Tianye could not start in this browser</h1>'
    + '<p>请确认网络后重新打开此链接；如仍无法启动，请更新微信或浏览器，或改用手机自带浏览器、Chrome 打开。本机已保存的答案不会丢失。</p>'
    + '<p>Check the network and open this link again. If it still does not start, update WeChat or the browser, or open the link in the phone\'s own browser or in Chrome. Answers saved on this phone are not lost.</p>';
  if (error) {
    var detail = document.createElement('p');
    detail.className = 'detail';
    detail.textContent = String(error);
    box.appendChild(detail);
  }
  document.body.appendChild(box);
}

// A browser without JavaScript modules cannot run the app: say so now.
if (!('noModule' in HTMLScriptElement.prototype)) {
  tianyeCannotStart();
}

// The start module itself not loading (a first visit with no signal) is said too.
window.addEventListener('error', function (event) {
  var script = event.target;
  if (script && script.tagName === 'SCRIPT' && /\/boot\.js$/.test(script.src)) {
    tianyeCannotStart('boot.js');
  }
}, true);
