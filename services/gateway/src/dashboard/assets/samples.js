// Code samples on the docs pages: with this script, each group of samples (curl, Python, JavaScript)
// becomes tabs, and the language chosen is shown in every group on the page and remembered. Without
// it, the samples stand one below the other.
(function () {
  'use strict';
  var groups = [];
  function remembered() {
    try { return localStorage.getItem('npr.sampleLang'); } catch (e) { return null; }
  }
  function choose(lang, focusTab) {
    try { localStorage.setItem('npr.sampleLang', lang); } catch (e) { /* storage disabled */ }
    groups.forEach(function (group) { group.select(lang, focusTab === group); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('.samples'), function (el, g) {
    var labels = el.querySelectorAll('.sample-lang');
    var panels = el.querySelectorAll('pre.code');
    if (!labels.length || labels.length !== panels.length) return;
    var list = document.createElement('div');
    list.className = 'sample-tabs';
    list.setAttribute('role', 'tablist');
    list.setAttribute('aria-label', (el.getAttribute('aria-label') || 'Example') + ': language');
    var tabs = Array.prototype.map.call(labels, function (label, i) {
      var tab = document.createElement('button');
      var panel = panels[i];
      tab.type = 'button';
      tab.id = 'sample-' + g + '-' + i;
      tab.textContent = label.textContent;
      tab.setAttribute('role', 'tab');
      tab.setAttribute('data-lang', label.getAttribute('data-lang'));
      panel.id = panel.id || 'sample-' + g + '-' + i + '-code';
      tab.setAttribute('aria-controls', panel.id);
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', tab.id);
      label.hidden = true;
      list.appendChild(tab);
      return tab;
    });
    el.insertBefore(list, el.firstChild);
    var group = {
      select: function (lang, focus) {
        var index = Math.max(0, tabs.findIndex(function (t) { return t.getAttribute('data-lang') === lang; }));
        tabs.forEach(function (t, j) {
          t.setAttribute('aria-selected', j === index ? 'true' : 'false');
          t.tabIndex = j === index ? 0 : -1;
          panels[j].hidden = j !== index;
        });
        if (focus) tabs[index].focus();
      },
    };
    list.addEventListener('click', function (event) {
      var tab = event.target.closest('[role="tab"]');
      if (tab) choose(tab.getAttribute('data-lang'));
    });
    // arrow keys move between the tabs (the tabs pattern of WAI-ARIA)
    list.addEventListener('keydown', function (event) {
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      choose(tabs[(next + tabs.length) % tabs.length].getAttribute('data-lang'), group);
    });
    groups.push(group);
  });
  if (groups.length) choose(remembered() || 'curl');
})();
