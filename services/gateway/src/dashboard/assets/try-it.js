// Try it: posts the photo to /api/v1/recognise with the key typed in, then draws each plate's box on
// the photo and shows the reading, the raw JSON and the equivalent curl command. API data is only
// ever inserted as text (textContent / SVG attributes), never as markup.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var form = document.getElementById('try-form');
  if (!form) return;
  var keyInput = document.getElementById('try-key');
  var fileInput = document.getElementById('try-file');
  var statusEl = document.getElementById('try-status');
  var submit = document.getElementById('try-submit');
  var resultEl = document.getElementById('try-result');
  var objectUrl = null;

  try {
    var remembered = sessionStorage.getItem('npr.tryKey');
    if (remembered && !keyInput.value) keyInput.value = remembered;
  } catch (e) { /* storage disabled */ }

  function el(name, attrs, text, ns) {
    var node = ns ? document.createElementNS(SVG, name) : document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function imageSize(url) {
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () { resolve({ width: img.naturalWidth, height: img.naturalHeight }); };
      img.onerror = function () { resolve(null); };
      img.src = url;
    });
  }
  function vehicleText(v) {
    if (!v) return 'No vehicle data';
    var parts = [v.make, v.model, v.colour, v.year, v.fuel_type, v.type].filter(function (x) { return x !== null && x !== undefined && x !== ''; });
    return parts.length ? parts.join(' · ') : 'No vehicle data';
  }
  function curlLine(base, key, filename) {
    var safeName = filename.replace(/[^A-Za-z0-9._-]/g, '_') || 'plate.jpg';
    return 'curl -X POST ' + base + '/api/v1/recognise \\\n  -H "Authorization: Bearer ' + key + '" \\\n  -F "upload=@' + safeName + '"';
  }

  function drawPreview(url, size, results) {
    var box = document.getElementById('try-preview');
    box.textContent = '';
    if (!size) { box.appendChild(el('p', { class: 'hint' }, 'The browser cannot display this image.')); return; }
    var svg = el('svg', { viewBox: '0 0 ' + size.width + ' ' + size.height, role: 'img', 'aria-label': 'The uploaded photo with ' + results.length + ' plate box(es) drawn', class: 'preview-svg' }, null, true);
    svg.appendChild(el('image', { href: url, x: 0, y: 0, width: size.width, height: size.height }, null, true));
    var stroke = Math.max(2, Math.round(size.width / 250));
    var font = Math.max(14, Math.round(size.width / 40));
    results.forEach(function (r, i) {
      var b = r.bounding_box;
      if (!b) return;
      svg.appendChild(el('rect', { x: b.x, y: b.y, width: b.width, height: b.height, fill: 'none', stroke: '#ffd400', 'stroke-width': stroke }, null, true));
      var label = (i + 1) + ' ' + r.plate;
      var ly = b.y - stroke > font ? b.y - stroke - 4 : b.y + b.height + font + 4;
      svg.appendChild(el('rect', { x: b.x, y: ly - font, width: label.length * font * 0.62 + 8, height: font + 6, fill: '#111', opacity: 0.85 }, null, true));
      svg.appendChild(el('text', { x: b.x + 4, y: ly, fill: '#ffd400', 'font-size': font, 'font-family': 'ui-monospace, monospace', 'font-weight': 'bold' }, label, true));
    });
    box.appendChild(svg);
  }

  function showPlates(body) {
    var tbody = document.querySelector('#try-plates tbody');
    tbody.textContent = '';
    var results = body && body.success && Array.isArray(body.results) ? body.results : [];
    if (!results.length) {
      var row = el('tr');
      var msg = body && body.error ? body.error.code + ': ' + body.error.message : 'No plates.';
      row.appendChild(el('td', { colspan: 5 }, msg));
      tbody.appendChild(row);
    }
    results.forEach(function (r, i) {
      var row = el('tr');
      row.appendChild(el('td', { 'data-label': '#' }, i + 1));
      row.appendChild(el('td', { class: 'mono plate', 'data-label': 'Plate' }, r.plate));
      row.appendChild(el('td', { 'data-label': 'Confidence' }, typeof r.confidence === 'number' ? (r.confidence * 100).toFixed(1) + '%' : '—'));
      row.appendChild(el('td', { 'data-label': 'Region' }, (r.region || '—').toUpperCase()));
      row.appendChild(el('td', { 'data-label': 'Vehicle' }, vehicleText(r.vehicle)));
      tbody.appendChild(row);
    });
    return results;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var key = keyInput.value.trim();
    var file = fileInput.files && fileInput.files[0];
    if (!key) { statusEl.textContent = 'Enter an API key.'; keyInput.focus(); return; }
    if (!file) { statusEl.textContent = 'Choose a photo.'; fileInput.focus(); return; }
    if (file.size > Number(form.getAttribute('data-max-bytes'))) { statusEl.textContent = 'That file is larger than the 10 MB limit.'; return; }
    var data = new FormData();
    data.append('upload', file, file.name);
    submit.disabled = true;
    statusEl.textContent = 'Recognising…';
    var started = performance.now();
    var response;
    fetch('/api/v1/recognise', { method: 'POST', headers: { Authorization: 'Bearer ' + key }, body: data, credentials: 'omit' })
      .then(function (res) { response = res; return res.text(); })
      .then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        if (objectUrl) URL.revokeObjectURL(objectUrl);
        objectUrl = URL.createObjectURL(file);
        var results = showPlates(body);
        document.getElementById('try-json').textContent = body ? JSON.stringify(body, null, 2) : text;
        document.getElementById('try-curl').textContent = curlLine(form.getAttribute('data-base-url'), key, file.name);
        var h = response.headers;
        var took = Math.round(performance.now() - started) + ' ms';
        // a refused key has no allowance of its own: the rate-limit headers of a 401 are this address's
        // allowance for requests without a valid key, and must not read as the key's
        document.getElementById('try-headers').textContent = response.status === 401
          ? 'HTTP 401 · this key was not accepted (missing, mistyped, expired or revoked), so no key\'s rate limit applies. Paste an active key from Settings → API Keys. · ' + took
          : 'HTTP ' + response.status + ' · rate limit ' + (h.get('x-ratelimit-remaining') || '?') + ' of ' + (h.get('x-ratelimit-limit') || '?') +
            ' left in this window for this key · ' + took;
        document.getElementById('try-caption').textContent = file.name + ' · ' + results.length + ' plate(s)';
        resultEl.hidden = false;
        statusEl.textContent = response.status === 401
          ? 'The API refused this key (401 INVALID_API_KEY).'
          : response.ok ? 'Done.' : 'The API answered ' + response.status + (body && body.error ? ' ' + body.error.code : '') + '.';
        return imageSize(objectUrl).then(function (size) { drawPreview(objectUrl, size, results); });
      })
      .catch(function () { statusEl.textContent = 'The request failed: check your connection.'; })
      .then(function () { submit.disabled = false; });
  });
})();
