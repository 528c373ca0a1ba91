// The header's navigation folds behind a "Menu" button on narrow screens (CSS decides when; without
// this script the navigation simply wraps).
(function () {
  'use strict';
  var header = document.querySelector('header.top');
  var toggle = header && header.querySelector('.menu-toggle');
  if (!toggle) return;
  toggle.hidden = false;
  header.classList.add('has-menu');
  toggle.addEventListener('click', function () {
    var open = header.classList.toggle('open');
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
})();
