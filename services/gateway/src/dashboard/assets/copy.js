// Copy buttons: <button data-copy="#id"> (copyButton() in components.ts) copies the element's value or
// text. Falls back to selecting the text when the Clipboard API is unavailable (plain http on another
// host, old browsers).
(function () {
  'use strict';
  function status(text) {
    var el = document.getElementById('copy-status');
    if (el) el.textContent = text;
  }
  function selectTarget(target) {
    if (typeof target.select === 'function') { target.focus(); target.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(target);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  // a new key is the page's point: focus goes to it (selected, ready to copy), its Copy button beside it
  var newKey = document.querySelector('[data-new-key]');
  if (newKey) { newKey.focus(); newKey.select(); }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-copy]');
    if (button) {
      var target = document.querySelector(button.getAttribute('data-copy'));
      if (!target) return;
      var text = 'value' in target && target.tagName !== 'PRE' ? target.value : target.textContent;
      var done = function () {
        // the button holds both labels in one cell (CSS): showing "Copied" moves nothing
        button.classList.add('copied');
        status('Copied to the clipboard.');
        setTimeout(function () { button.classList.remove('copied'); }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectTarget(target); status('Press Ctrl+C (⌘C) to copy the selected text.'); });
      } else {
        selectTarget(target);
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        if (ok) done(); else status('Press Ctrl+C (⌘C) to copy the selected text.');
      }
      return;
    }
    var use = event.target.closest && event.target.closest('[data-use-key]');
    if (use) {
      // this tab only; gone when the tab closes
      try { sessionStorage.setItem('npr.tryKey', use.getAttribute('data-use-key')); } catch (e) { /* storage disabled */ }
    }
  });
})();
