/*! Loanpath Nexus loader v1. Protocol: docs/nexus.md ("The widget protocol"). */
(function () {
  'use strict';
  if (window.Nexus && window.Nexus.__nexus) return; // loaded twice: keep the first copy

  var script = document.currentScript;
  var SRC = script && script.src ? script.src : '';
  var NEXUS_ORIGIN, UI_URL;
  try {
    var u = new URL(SRC, location.href);
    NEXUS_ORIGIN = u.origin;
    // The widget page sits next to this script: <base>/nexus/js/v1 -> <base>/nexus/ui.
    var path = u.pathname.replace(/\/js\/v1\/?$/, '/');
    UI_URL = NEXUS_ORIGIN + (path.slice(-1) === '/' ? path : '/nexus/') + 'ui';
  } catch (e) {
    NEXUS_ORIGIN = '';
  }

  var WORKFLOWS = ['link', 'assess', 'enroll'];
  var READY_TIMEOUT_MS = 8000;
  var MOBILE = '(max-width: 479.98px)';

  var lastWidget = null;
  var current = null; // the open modal: only one workflow at a time

  function call(fn, args) {
    if (typeof fn !== 'function') return;
    try {
      fn.apply(null, args);
    } catch (e) {
      if (window.console) console.error('[Nexus] a callback threw:', e);
    }
  }

  function isObj(v) {
    return v !== null && typeof v === 'object';
  }

  function nonEmpty(v) {
    return (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && isFinite(v));
  }

  function validate(opts) {
    if (!NEXUS_ORIGIN) return 'Nexus could not find where it was loaded from (document.currentScript).';
    if (!isObj(opts)) return 'Nexus() needs an options object: {nexus_key, borrower} or {token}.';
    if (opts.token !== undefined && opts.token !== null) {
      return nonEmpty(opts.token) ? null : 'Nexus(): token must be a non-empty string.';
    }
    if (!nonEmpty(opts.nexus_key)) return 'Nexus(): nexus_key is missing.';
    if (!nonEmpty(opts.borrower)) return 'Nexus(): borrower is missing.';
    return null;
  }

  function css(el, styles) {
    for (var k in styles) el.style[k] = styles[k];
    return el;
  }

  function emit(w, opts, name, metadata) {
    call(w.onEvent, [name, metadata]);
    if (opts.onEvent !== w.onEvent) call(opts.onEvent, [name, metadata]);
  }

  function loaderEvent(c, name, extra) {
    var md = { session_id: c.sessionId, workflow: c.workflow, timestamp: new Date().toISOString() };
    for (var k in extra) md[k] = extra[k];
    emit(c.widget, c.opts, name, md);
  }

  function layout(c) {
    var small = c.mq ? c.mq.matches : window.innerWidth < 480;
    css(c.frame, small
      ? { width: '100%', height: '100%', maxWidth: '100%', maxHeight: '100%', borderRadius: '0', boxShadow: 'none' }
      : {
        width: '420px', height: '680px', maxWidth: 'calc(100vw - 32px)', maxHeight: 'calc(100vh - 32px)',
        borderRadius: '16px', boxShadow: '0 24px 64px rgba(15, 23, 42, 0.35)'
      });
  }

  // Workflows asked for while one is open (the seed calls link and assess back to back) run
  // one after the other, in order.
  var waiting = [];

  function runNext() {
    var next = waiting.shift();
    if (next) setTimeout(function () { open(next[0], next[1], next[2]); }, 0);
  }

  function teardown(c) {
    if (current !== c) return;
    current = null;
    setTimeout(runNext, 0);
    clearTimeout(c.watchdog);
    window.removeEventListener('message', c.onMessage);
    document.removeEventListener('keydown', c.onKey, true);
    document.removeEventListener('focusin', c.onFocus, true);
    if (c.mq) {
      if (c.mq.removeEventListener) c.mq.removeEventListener('change', c.onLayout);
      else if (c.mq.removeListener) c.mq.removeListener(c.onLayout);
    }
    if (c.root.parentNode) c.root.parentNode.removeChild(c.root);
    document.body.style.overflow = c.saved.bodyOverflow;
    document.documentElement.style.overflow = c.saved.htmlOverflow;
    var prev = c.saved.focus;
    if (prev && typeof prev.focus === 'function' && document.contains(prev)) {
      try { prev.focus(); } catch (e) { /* ignore */ }
    }
  }

  function finishExit(c, status, message) {
    teardown(c);
    call(c.opts.onExit, [{ status: status, message: message }]);
  }

  function open(w, workflow, opts) {
    opts = isObj(opts) ? opts : {};
    if (w.error) return call(opts.onExit, [{ status: 'error', message: w.error }]);
    if (current || (waiting.length && !opts.__queued)) {
      if (waiting.length >= 5) {
        return call(opts.onExit, [{ status: 'error', message: 'Too many Nexus workflows are waiting to open.' }]);
      }
      opts.__queued = true;
      waiting.push([w, workflow, opts]);
      return;
    }
    if (!document.body) {
      // The script may sit in <head>: open once the page has a body.
      opts.__queued = true;
      waiting.unshift([w, workflow, opts]);
      document.addEventListener('DOMContentLoaded', runNext, { once: true });
      return;
    }

    var src = UI_URL + '?workflow=' + encodeURIComponent(workflow) +
      '&origin=' + encodeURIComponent(location.origin) +
      (w.token ? '&token=' + encodeURIComponent(w.token) : '&key=' + encodeURIComponent(w.nexus_key));

    var root = css(document.createElement('div'), {
      position: 'fixed', top: '0', right: '0', bottom: '0', left: '0', zIndex: '2147483000',
      display: 'flex', alignItems: 'center', justifyContent: 'center', margin: '0', padding: '0'
    });
    root.setAttribute('role', 'dialog');
    root.setAttribute('aria-modal', 'true');
    root.setAttribute('aria-label', 'Nexus');
    root.setAttribute('data-nexus', 'modal');

    var backdrop = css(document.createElement('div'), {
      position: 'absolute', top: '0', right: '0', bottom: '0', left: '0',
      background: 'rgba(15, 23, 42, 0.55)'
    });
    backdrop.setAttribute('aria-hidden', 'true');

    var frame = css(document.createElement('iframe'), {
      position: 'relative', display: 'block', border: '0', margin: '0', padding: '0', background: '#fff'
    });
    frame.title = 'Nexus';
    frame.src = src;

    var c = {
      widget: w, opts: opts, workflow: workflow, root: root, frame: frame, ready: false, sessionId: null,
      saved: {
        focus: document.activeElement,
        bodyOverflow: document.body.style.overflow,
        htmlOverflow: document.documentElement.style.overflow
      },
      mq: window.matchMedia ? window.matchMedia(MOBILE) : null
    };
    current = c;

    c.onLayout = function () { layout(c); };
    c.onMessage = function (ev) {
      if (current !== c || ev.origin !== NEXUS_ORIGIN || ev.source !== frame.contentWindow) return;
      var d = ev.data;
      if (!isObj(d) || d.nexus !== 1) return;
      if (d.type === 'ready') {
        c.ready = true;
        clearTimeout(c.watchdog);
        frame.contentWindow.postMessage({
          nexus: 1, type: 'init', workflow: workflow,
          nexus_key: w.token ? null : w.nexus_key, token: w.token || null,
          borrower: w.borrower === undefined ? null : w.borrower,
          plan: opts.plan === undefined ? null : opts.plan
        }, NEXUS_ORIGIN);
      } else if (d.type === 'event' && typeof d.name === 'string') {
        var md = isObj(d.metadata) ? d.metadata : {};
        if (md.session_id) c.sessionId = md.session_id;
        emit(w, opts, d.name, md);
      } else if (d.type === 'success') {
        teardown(c);
        call(opts.onSuccess, [d.result]);
      } else if (d.type === 'exit') {
        var status = ['incomplete', 'illegal', 'error'].indexOf(d.status) >= 0 ? d.status : 'error';
        finishExit(c, status, typeof d.message === 'string' ? d.message : undefined);
      }
    };
    c.onKey = function (ev) {
      if (ev.key === 'Escape' || ev.key === 'Esc') {
        ev.preventDefault();
        ev.stopPropagation();
        loaderEvent(c, 'EXIT', { status: 'incomplete' });
        finishExit(c, 'incomplete', 'The borrower closed Nexus.');
      }
    };
    c.onFocus = function (ev) {
      // Keep focus in the dialog: anything on the host page that gets focus hands it back.
      if (ev.target !== frame) {
        try { frame.focus(); } catch (e) { /* ignore */ }
      }
    };
    c.watchdog = setTimeout(function () {
      if (current !== c || c.ready) return;
      var msg = 'Nexus could not be loaded (the widget did not respond; check the Nexus key and that this page\u2019s origin is allowed).';
      loaderEvent(c, 'ERROR', { error_code: 'load_timeout', message: msg });
      loaderEvent(c, 'EXIT', { status: 'error' });
      finishExit(c, 'error', msg);
    }, READY_TIMEOUT_MS);

    window.addEventListener('message', c.onMessage);
    document.addEventListener('keydown', c.onKey, true);
    document.addEventListener('focusin', c.onFocus, true);
    if (c.mq) {
      if (c.mq.addEventListener) c.mq.addEventListener('change', c.onLayout);
      else if (c.mq.addListener) c.mq.addListener(c.onLayout);
    }
    layout(c);

    root.appendChild(backdrop);
    root.appendChild(frame);
    document.body.style.overflow = 'hidden';
    document.documentElement.style.overflow = 'hidden';
    document.body.appendChild(root);
    try { frame.focus(); } catch (e) { /* ignore */ }
    frame.addEventListener('load', function () {
      if (current === c) try { frame.focus(); } catch (e) { /* ignore */ }
    });
  }

  function Nexus(opts) {
    var err = validate(opts);
    if (err && window.console) console.error('[Nexus] ' + err);
    var o = isObj(opts) ? opts : {};
    var w = {
      error: err,
      nexus_key: o.nexus_key === undefined ? null : String(o.nexus_key),
      token: o.token === undefined || o.token === null ? null : String(o.token),
      borrower: o.borrower === undefined || o.borrower === null ? undefined : String(o.borrower),
      onEvent: o.onEvent
    };
    var api = {
      close: function () {
        var c = current;
        if (c && c.widget === w) {
          loaderEvent(c, 'EXIT', { status: 'incomplete' });
          finishExit(c, 'incomplete', 'Nexus was closed by the host page.');
        }
      }
    };
    WORKFLOWS.forEach(function (name) {
      api[name] = function (wopts) { open(w, name, wopts); };
    });
    lastWidget = api;
    return api;
  }

  WORKFLOWS.concat(['close']).forEach(function (name) {
    Nexus[name] = function (wopts) {
      if (!lastWidget) {
        if (name !== 'close' && isObj(wopts)) {
          call(wopts.onExit, [{ status: 'error', message: 'Nexus is not initialised: call Nexus({nexus_key, borrower}) first.' }]);
        }
        return;
      }
      lastWidget[name](wopts);
    };
  });
  Nexus.origin = NEXUS_ORIGIN;
  Nexus.version = '1';
  Object.defineProperty(Nexus, '__nexus', { value: true });
  window.Nexus = Nexus;
})();
