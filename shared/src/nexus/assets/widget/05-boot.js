/* Part of the Nexus widget page (assets/widget.html): the workflow table, keyboard handling, and boot.
   The parts are joined in file-name order into the page's one nonced <script>, inside one
   function scope, so they share its helpers and state. Not a standalone script. */
  /* ---------- workflows: one entry per workflow ---------- */
  var WORKFLOWS = {
    link: {
      title: 'Link your student loans',
      start: function () {
        startSession().then(function (ok) { return ok && loadSession(); }).then(function (ok) {
          if (!ok) return;
          showPicker({ onDone: function () {
            success({ message: 'Servicers linked', result: { borrower: { uuid: S.borrowerUuid } }, servicers: linkedNames() },
              'Your servicers are linked.');
          } });
        });
      }
    },
    assess: {
      title: 'Compare repayment plans',
      start: function () {
        startSession().then(function (ok) { return ok && loadSession(); }).then(function (ok) {
          if (!ok) return;
          if (num(S.borrower.loan_count) > 0) return showDetails();
          showPicker({
            intro: 'To compare plans we need your loans first. Link the servicer you pay, then choose I\u2019m Done.',
            onDone: function () {
              loading('Checking your loans…');
              loadSession().then(function (ok2) {
                if (!ok2) return;
                if (!(num(S.borrower.loan_count) > 0)) return exit('illegal', 'There are no loans to assess');
                showDetails('Linked. Now check your details.');
              });
            }
          });
        });
      }
    },
    enroll: {
      title: 'Enroll in a plan',
      start: function () { startEnroll(); } // 045-enroll.js
    }
  };

  /* ---------- keyboard: Escape closes, Tab stays inside ---------- */
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  function focusables() {
    return Array.prototype.filter.call(document.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0 && !el.closest('[hidden]') && getComputedStyle(el).visibility !== 'hidden';
    });
  }
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' || e.key === 'Esc') {
      e.preventDefault();
      if (S.init && !S.finished) close();
      return;
    }
    if (e.key !== 'Tab') return;
    var els = focusables();
    if (!els.length) { e.preventDefault(); return; }
    var first = els[0], last = els[els.length - 1];
    var active = document.activeElement;
    var inside = els.indexOf(active) >= 0;
    if (e.shiftKey && (active === first || !inside)) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (active === last || !inside)) { e.preventDefault(); first.focus(); }
  });
  $('close').addEventListener('click', function () {
    if (!S.init) return; // nobody to tell yet
    close();
  });

  /* ---------- boot ---------- */
  function stuck(message) {
    var node = h('div', { class: 'center' }, [h('h2', { text: 'Nexus can\u2019t start' }), h('p', { class: 'muted', text: message })]);
    screen(node);
    showError(message);
  }
  if (!S.origin) {
    stuck('This page was opened without a valid host origin. Open Nexus with the Nexus script (/nexus/js/v1).');
    return;
  }
  if (window.parent === window) {
    stuck('Nexus runs inside the Nexus widget. Open it with the Nexus script (/nexus/js/v1).');
    return;
  }
  window.addEventListener('message', function (e) {
    if (e.source !== window.parent || e.origin !== S.origin) return;
    var d = e.data;
    if (!d || typeof d !== 'object' || d.nexus !== 1 || d.type !== 'init' || S.init) return;
    S.init = d;
    if (!S.workflow && typeof d.workflow === 'string') S.workflow = d.workflow;
    var wf = Object.prototype.hasOwnProperty.call(WORKFLOWS, S.workflow) ? WORKFLOWS[S.workflow] : null;
    if (!wf) {
      fatal('Unknown Nexus workflow "' + S.workflow + '". Use link, assess or enroll.', 'unknown_workflow');
      return;
    }
    $('title').textContent = wf.title;
    document.title = wf.title + ' · Nexus';
    wf.start();
  });
  post({ type: 'ready' });
  setTimeout(function () {
    if (!S.init) stuck('The page that opened Nexus did not answer. Close this window and try again.');
  }, 10000);
})();
