/* Part of the Nexus widget page (assets/widget.html): DOM helpers, formatting, state, messages to the host page, screens, HTTP.
   The parts are joined in file-name order into the page's one nonced <script>, inside one
   function scope, so they share its helpers and state. Not a standalone script. */
(function () {
  'use strict';

  /* ---------- small DOM helpers (no innerHTML, no inline styles: the CSP forbids them) ---------- */
  var SVGNS = 'http://www.w3.org/2000/svg';
  function h(tag, attrs, kids) { return build(document.createElement(tag), attrs, kids); }
  function s(tag, attrs, kids) { return build(document.createElementNS(SVGNS, tag), attrs, kids); }
  function build(el, attrs, kids) {
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') el.textContent = v;
        else if (k.slice(0, 2) === 'on' && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'style') throw new Error('inline styles are not allowed by the CSP');
        else if (k === 'value' && 'value' in el && el.namespaceURI !== SVGNS) el.value = v;
        else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') el[k] = !!v;
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    add(el, kids);
    return el;
  }
  function add(el, kids) {
    if (kids === undefined || kids === null || kids === false) return el;
    if (!Array.isArray(kids)) kids = [kids];
    kids.forEach(function (k) {
      if (k === undefined || k === null || k === false) return;
      if (Array.isArray(k)) add(el, k);
      else el.appendChild(typeof k === 'string' || typeof k === 'number' ? document.createTextNode(String(k)) : k);
    });
    return el;
  }
  var $ = function (id) { return document.getElementById(id); };
  var uid = 0;
  function nid(p) { uid += 1; return (p || 'n') + uid; }

  /* ---------- formatting ---------- */
  var money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var money0 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  function num(v) { var n = typeof v === 'number' ? v : parseFloat(v); return isFinite(n) ? n : null; }
  function fmtMoney(v) { var n = num(v); return n === null ? '—' : money.format(n); }
  function fmtMoney0(v) { var n = num(v); return n === null ? '—' : money0.format(n); }
  function fmtPayments(n) {
    n = num(n);
    if (n === null) return '—';
    var y = n / 12;
    return n + ' (' + (Math.round(y * 10) / 10) + ' yr' + (y === 1 ? '' : 's') + ')';
  }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  var FILING = [
    ['single', 'Single'],
    ['head_of_household', 'Head of household'],
    ['married_filing_jointly', 'Married filing jointly'],
    ['married_filing_separately', 'Married filing separately']
  ];
  var STATES = [
    ['AL', 'Alabama'], ['AK', 'Alaska'], ['AZ', 'Arizona'], ['AR', 'Arkansas'], ['CA', 'California'],
    ['CO', 'Colorado'], ['CT', 'Connecticut'], ['DE', 'Delaware'], ['DC', 'District of Columbia'],
    ['FL', 'Florida'], ['GA', 'Georgia'], ['HI', 'Hawaii'], ['ID', 'Idaho'], ['IL', 'Illinois'],
    ['IN', 'Indiana'], ['IA', 'Iowa'], ['KS', 'Kansas'], ['KY', 'Kentucky'], ['LA', 'Louisiana'],
    ['ME', 'Maine'], ['MD', 'Maryland'], ['MA', 'Massachusetts'], ['MI', 'Michigan'], ['MN', 'Minnesota'],
    ['MS', 'Mississippi'], ['MO', 'Missouri'], ['MT', 'Montana'], ['NE', 'Nebraska'], ['NV', 'Nevada'],
    ['NH', 'New Hampshire'], ['NJ', 'New Jersey'], ['NM', 'New Mexico'], ['NY', 'New York'],
    ['NC', 'North Carolina'], ['ND', 'North Dakota'], ['OH', 'Ohio'], ['OK', 'Oklahoma'], ['OR', 'Oregon'],
    ['PA', 'Pennsylvania'], ['RI', 'Rhode Island'], ['SC', 'South Carolina'], ['SD', 'South Dakota'],
    ['TN', 'Tennessee'], ['TX', 'Texas'], ['UT', 'Utah'], ['VT', 'Vermont'], ['VA', 'Virginia'],
    ['WA', 'Washington'], ['WV', 'West Virginia'], ['WI', 'Wisconsin'], ['WY', 'Wyoming']
  ];
  // Fixed colour per plan type, so a plan keeps its colour when a what-if re-draws the chart.
  var PLAN_ORDER = ['standard', 'graduated', 'extended', 'extended_graduated', 'ibr', 'new_ibr', 'paye', 'icr', 'rap', 'tiered_standard', 'save', 'repaye'];
  var COLORS = ['#1f6fd1', '#d62728', '#2a9d3a', '#e8710a', '#8e44ad', '#0e9aa7', '#d63a9c', '#8c564b', '#8a8c0e', '#2f3b8f', '#5c7a29', '#a23b3b'];
  var DASHES = ['', '7 4', '2 3', '10 3 2 3'];
  function styleFor(type) {
    var i = PLAN_ORDER.indexOf(type);
    if (i < 0) { i = 0; for (var k = 0; k < type.length; k++) i = (i * 31 + type.charCodeAt(k)) % 997; }
    return { color: COLORS[i % COLORS.length], dash: DASHES[i % DASHES.length] };
  }

  /* ---------- state ---------- */
  var params = new URLSearchParams(location.search);
  var S = {
    workflow: params.get('workflow') || '',
    origin: parseOrigin(params.get('origin')),
    init: null,
    token: null, sessionId: null, mode: null, borrowerUuid: null,
    borrower: null, links: [], servicers: [], sandbox: null,
    finished: false,
    hidden: {}, // plan types hidden in the chart legend
    base: null, // the assessment with the saved details
    assessment: null, whatIf: null
  };

  function parseOrigin(v) {
    if (!v) return null;
    try {
      var u = new URL(v);
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) return null;
      if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return null;
      return u.origin;
    } catch (e) {
      return null;
    }
  }

  /* ---------- messages to the host ---------- */
  function post(msg) {
    msg.nexus = 1;
    try { window.parent.postMessage(msg, S.origin); } catch (e) { console.error('[Nexus] postMessage failed', e); }
  }
  function emit(name, extra) {
    var md = { session_id: S.sessionId, workflow: S.workflow, timestamp: new Date().toISOString() };
    if (extra) Object.keys(extra).forEach(function (k) { md[k] = extra[k]; });
    post({ type: 'event', name: name, metadata: md });
  }
  function exit(status, message) {
    if (S.finished) return;
    S.finished = true;
    emit('EXIT', { status: status });
    post({ type: 'exit', status: status, message: message });
    endScreen(status === 'incomplete' ? 'Closing…' : message, false);
  }
  function fatal(message, code) {
    if (S.finished) return;
    emit('ERROR', { error_code: code || 'error', message: message });
    exit('error', message);
  }
  function success(result, text) {
    if (S.finished) return;
    S.finished = true;
    emit('HANDOFF');
    post({ type: 'success', result: result });
    endScreen(text, true);
  }
  function close() { exit('incomplete', 'The borrower closed Nexus.'); }

  /* ---------- status, errors, screens ---------- */
  var lastError = '';
  function showError(msg) {
    var el = $('error');
    if (msg && msg === lastError) {
      // Same text again: clear first so screen readers announce it again.
      el.textContent = '';
      setTimeout(function () { el.textContent = msg; }, 60);
    } else {
      el.textContent = msg || '';
    }
    lastError = msg || '';
  }
  function clearError() { showError(''); }
  var statusTimer = null;
  function announce(msg) {
    var el = $('status');
    el.textContent = '';
    clearTimeout(statusTimer);
    statusTimer = setTimeout(function () { el.textContent = msg; }, 30);
  }
  function screen(node, focusEl) {
    var main = $('main');
    main.textContent = '';
    main.setAttribute('aria-busy', 'false');
    node.classList.add('screen');
    main.appendChild(node);
    main.scrollTop = 0;
    var f = focusEl || node.querySelector('h2');
    if (f) {
      if (f.tagName === 'H2') f.setAttribute('tabindex', '-1');
      try { f.focus({ preventScroll: true }); } catch (e) { f.focus(); }
    }
  }
  function loading(text) {
    var main = $('main');
    main.textContent = '';
    main.setAttribute('aria-busy', 'true');
    main.appendChild(h('div', { class: 'center screen' }, [h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('p', { class: 'muted', text: text })]));
    announce(text);
  }
  function endScreen(text, ok) {
    var node = h('div', { class: 'center done-screen' }, [
      ok ? s('svg', { class: 'check', viewBox: '0 0 56 56', 'aria-hidden': 'true' }, [
        s('circle', { cx: 28, cy: 28, r: 26, fill: '#ecfdf5', stroke: '#047857', 'stroke-width': 2 }),
        s('path', { d: 'M17 29l7 7 15-16', fill: 'none', stroke: '#047857', 'stroke-width': 3.5, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })
      ]) : null,
      h('h2', { text: ok ? 'All set' : 'Nexus has closed' }),
      text ? h('p', { class: 'muted', text: text }) : null
    ]);
    screen(node);
    if (!ok && text && text !== 'Closing…') showError(text);
  }
  function setBusy(btn, busy, label) {
    if (!btn) return;
    if (busy) {
      btn.dataset.label = btn.textContent;
      btn.disabled = true;
      btn.setAttribute('aria-busy', 'true');
      btn.textContent = '';
      add(btn, [h('span', { class: 'spinner', 'aria-hidden': 'true' }), label]);
    } else {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      if (btn.dataset.label) btn.textContent = btn.dataset.label;
    }
  }
  function backButton(label, fn) {
    return h('button', { type: 'button', class: 'link-btn', 'data-testid': 'back', onclick: fn }, [
      s('svg', { width: 16, height: 16, viewBox: '0 0 16 16', 'aria-hidden': 'true', focusable: 'false' }, [
        s('path', { d: 'M10 3L5 8l5 5', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })
      ]), label
    ]);
  }
  function field(label, input, hint) {
    var id = input.id || (input.id = nid('f'));
    var hintEl = null;
    if (hint) {
      hintEl = h('span', { class: 'hint', id: id + '-hint', text: hint });
      input.setAttribute('aria-describedby', id + '-hint');
    }
    return h('div', { class: 'field' }, [h('label', { for: id, text: label }), input, hintEl]);
  }

  /* ---------- HTTP (same origin, relative to /nexus/ui) ---------- */
  function ApiError(status, env, message) {
    this.name = 'ApiError';
    this.status = status;
    this.fields = env && env.fields;
    // A 409's every failing precondition (enroll), as text.
    this.reasons = env && Array.isArray(env.reasons) ? env.reasons.filter(function (r) { return typeof r === 'string'; }) : [];
    this.message = message;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function request(method, path, body, extraHeaders) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (S.token) headers.Authorization = 'Bearer ' + S.token;
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(path, {
      method: method, headers: headers, credentials: 'omit', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).catch(function () {
      throw new ApiError(0, null, 'Nexus could not reach the server. Check your connection and try again.');
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
        if (!res.ok) {
          var env = (data && data.error) || {};
          throw new ApiError(res.status, env, env.detail || env.title || ('Nexus request failed (HTTP ' + res.status + ').'));
        }
        return data || {};
      });
    });
  }
  // A 401 on a session route ends the workflow; returns true when it did.
  function sessionLost(err) {
    if (err && err.status === 401) {
      fatal('Your Nexus session has ended: ' + (err.message || 'it is no longer valid') + ' Please open Nexus again.', 'session_invalid');
      return true;
    }
    return false;
  }
  function requestError(err) {
    if (sessionLost(err)) return;
    emit('ERROR', { error_code: err.status ? 'http_' + err.status : 'network', message: err.message });
    showError(err.message);
  }

  function startSession() {
    loading('Connecting securely…');
    var init = S.init;
    var body = { origin: S.origin, workflow: S.workflow };
    if (init.token) body.token = init.token;
    else { body.nexus_key = init.nexus_key; body.borrower = init.borrower; }
    return request('POST', 'sessions', body).then(function (r) {
      S.token = r.session_token;
      S.sessionId = r.session_id || null;
      S.mode = r.mode || null;
      S.borrowerUuid = r.borrower && r.borrower.uuid;
      $('mode').hidden = S.mode !== 'sandbox';
      emit('OPEN');
      return true;
    }, function (err) {
      fatal(err.message || 'Nexus could not start.', err.status ? 'session_' + err.status : 'network');
      return false;
    });
  }
  function loadSession() {
    return request('GET', 'session').then(function (r) {
      S.borrower = r.borrower || {};
      if (r.borrower && r.borrower.uuid) S.borrowerUuid = r.borrower.uuid;
      S.links = Array.isArray(r.links) ? r.links : [];
      S.servicers = Array.isArray(r.servicers) ? r.servicers : [];
      S.sandbox = Array.isArray(r.sandbox_usernames) ? r.sandbox_usernames : null;
      if (r.mode) { S.mode = r.mode; $('mode').hidden = S.mode !== 'sandbox'; }
      return true;
    }, function (err) {
      if (!sessionLost(err)) fatal('Nexus could not load your details: ' + err.message, 'session_load');
      return false;
    });
  }
  function linkedNames() {
    var seen = {};
    return S.links.filter(function (l) {
      var ok = l && l.servicer && (!l.status || l.status === 'linked') && !seen[l.servicer];
      if (ok) seen[l.servicer] = true;
      return ok;
    }).map(function (l) { return l.servicer; });
  }
  function upsertLink(link) {
    S.links = S.links.filter(function (l) { return l.servicer !== link.servicer; }).concat([link]);
  }

