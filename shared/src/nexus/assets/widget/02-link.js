/* Part of the Nexus widget page (assets/widget.html): the link workflow: servicer picker, credentials, challenges.
   The parts are joined in file-name order into the page's one nonced <script>, inside one
   function scope, so they share its helpers and state. Not a standalone script. */
  /* ---------- link: picker ---------- */
  // ctx = {intro, onDone}: the link screens are shared by the link and assess workflows.
  function showPicker(ctx, flash) {
    var linked = linkedNames();
    var searchInput = h('input', {
      type: 'search', class: 'input', id: 'servicer-search', placeholder: 'Search by name', autocomplete: 'off',
      'data-testid': 'servicer-search', 'aria-controls': 'servicer-list', spellcheck: 'false'
    });
    var list = h('ul', { class: 'list', id: 'servicer-list', 'aria-label': 'Servicers' });
    var empty = h('li', { class: 'empty', hidden: true, text: 'No servicer matches your search.' });
    var items = S.servicers.map(function (svc) {
      var name = svc.name;
      var seenAlias = {};
      seenAlias[name.toLowerCase()] = true;
      var aliases = (Array.isArray(svc.aliases) ? svc.aliases : []).filter(function (a) {
        var k = String(a).toLowerCase();
        if (seenAlias[k]) return false;
        seenAlias[k] = true;
        return true;
      });
      var isLinked = linked.indexOf(name) >= 0;
      var btn = h('button', {
        type: 'button', class: 'svc', 'data-testid': 'servicer-' + name,
        'aria-label': name + (isLinked ? ', linked' : '') + (aliases.length ? ' (also known as ' + aliases.join(', ') + ')' : ''),
        onclick: function () { emit('SELECT_SERVICER', { servicer: name }); showCredentials(name, ctx, {}); }
      }, [
        h('span', { class: 'avatar', 'aria-hidden': 'true', text: name.slice(0, 2).toUpperCase() }),
        h('span', { class: 'nm' }, [h('strong', { text: name }), aliases.length ? h('small', { text: 'Also: ' + aliases.join(', ') }) : null]),
        isLinked ? h('span', { class: 'tag ok', text: 'Linked ✓' }) : s('svg', { width: 16, height: 16, viewBox: '0 0 16 16', 'aria-hidden': 'true', focusable: 'false' }, [
          s('path', { d: 'M6 3l5 5-5 5', fill: 'none', stroke: '#9aa1b0', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })
        ])
      ]);
      var li = h('li', null, btn);
      list.appendChild(li);
      return { li: li, keys: [name].concat(aliases).map(function (x) { return String(x).toLowerCase(); }) };
    });
    list.appendChild(empty);
    var filterTimer = null;
    searchInput.addEventListener('input', function () {
      var q = searchInput.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (it) {
        var match = !q || it.keys.some(function (k) { return k.indexOf(q) >= 0; });
        it.li.hidden = !match;
        if (match) shown += 1;
      });
      empty.hidden = shown > 0;
      clearTimeout(filterTimer);
      filterTimer = setTimeout(function () { announce(plural(shown, 'servicer', 'servicers') + ' shown'); }, 400);
    });

    var linkedList = h('ul', { 'data-testid': 'linked-list', 'aria-label': 'Linked servicers' },
      linked.length ? linked.map(function (n) {
        var l = S.links.filter(function (x) { return x.servicer === n; })[0] || {};
        return h('li', { 'data-servicer': n }, [h('span', { text: n }), h('span', { class: 'ok', text: (num(l.loan_count) !== null ? plural(l.loan_count, 'loan', 'loans') + ' ' : '') + '✓' })]);
      }) : h('li', { class: 'muted', text: 'None yet' }));

    var done = h('button', {
      type: 'button', class: 'btn primary block', 'data-testid': 'done', disabled: linked.length === 0,
      'aria-describedby': linked.length ? null : 'done-hint',
      onclick: function () { if (linkedNames().length) ctx.onDone(); }
    }, 'I\u2019m Done');

    var node = h('section', { 'aria-labelledby': 'picker-h' }, [
      h('h2', { id: 'picker-h', text: linked.length ? 'Link another servicer?' : 'Link your loan servicer' }),
      h('p', { class: 'muted', text: ctx.intro || 'Choose the company you pay your federal student loans to. If you pay more than one, link each of them.' }),
      flash ? h('div', { class: 'notice', text: flash }) : null,
      h('div', { class: 'search' }, [
        h('label', { for: 'servicer-search', class: 'sr-only', text: 'Search servicers' }),
        s('svg', { width: 18, height: 18, viewBox: '0 0 20 20', 'aria-hidden': 'true', focusable: 'false' }, [
          s('circle', { cx: 9, cy: 9, r: 6, fill: 'none', stroke: 'currentColor', 'stroke-width': 2 }),
          s('path', { d: 'M14 14l4 4', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round' })
        ]),
        searchInput
      ]),
      S.servicers.length ? list : h('p', { class: 'empty', text: 'No servicers are available right now.' }),
      h('div', { class: 'linked' }, [h('h3', { text: 'Linked accounts' }), linkedList]),
      h('div', { class: 'actions' }, [
        done,
        linked.length ? null : h('p', { class: 'hint', id: 'done-hint', text: 'Link at least one servicer to continue.' })
      ])
    ]);
    screen(node);
  }

  /* ---------- link: credentials ---------- */
  function showCredentials(servicer, ctx, opts) {
    var user = h('input', {
      type: 'text', class: 'input', id: 'username', name: 'username', autocomplete: 'username', autocapitalize: 'none',
      spellcheck: 'false', required: true, 'data-testid': 'username', value: opts.username || ''
    });
    var pass = h('input', {
      type: 'password', class: 'input', id: 'password', name: 'password', autocomplete: 'current-password',
      required: true, 'data-testid': 'password'
    });
    var toggle = h('button', {
      type: 'button', class: 'toggle', 'aria-pressed': 'false', 'aria-controls': 'password', text: 'Show',
      onclick: function () {
        var show = pass.type === 'password';
        pass.type = show ? 'text' : 'password';
        toggle.textContent = show ? 'Hide' : 'Show';
        toggle.setAttribute('aria-pressed', String(show));
        toggle.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
      }
    });
    toggle.setAttribute('aria-label', 'Show password');
    var submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'link-submit', text: 'Link account' });
    var busy = false;
    var form = h('form', { novalidate: true, 'aria-labelledby': 'cred-h' }, [
      field('Username', user),
      h('div', { class: 'field' }, [h('label', { for: 'password', text: 'Password' }), h('div', { class: 'pw' }, [pass, toggle])]),
      h('div', { class: 'actions' }, [submit])
    ]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      var username = user.value.trim();
      var password = pass.value;
      user.setAttribute('aria-invalid', String(!username));
      pass.setAttribute('aria-invalid', String(!password));
      if (!username || !password) {
        showError(!username ? 'Enter your ' + servicer + ' username.' : 'Enter your ' + servicer + ' password.');
        (!username ? user : pass).focus();
        return;
      }
      clearError();
      busy = true;
      setBusy(submit, true, 'Linking…');
      announce('Connecting to ' + servicer + '…');
      emit('SUBMIT_CREDENTIALS', { servicer: servicer });
      request('POST', 'links', { servicer: servicer, username: username, password: password }).then(function (r) {
        password = null;
        busy = false;
        linkResult(r, servicer, ctx, username);
      }, function (err) {
        password = null;
        busy = false;
        if (S.finished) return;
        setBusy(submit, false);
        requestError(err);
      });
    });

    var sandbox = null;
    if (S.mode === 'sandbox' && S.sandbox && S.sandbox.length) {
      sandbox = h('details', { class: 'sandbox', 'data-testid': 'sandbox-help' }, [
        h('summary', { text: 'Sandbox: test usernames (' + S.sandbox.length + ')' }),
        h('p', { class: 'small', text: 'This is the sandbox: no real servicer is contacted. Any other username and password link without a challenge.' }),
        h('ul', null, S.sandbox.map(function (u) {
          return h('li', null, [
            h('button', {
              type: 'button', 'aria-label': 'Use ' + u.username, onclick: function () { user.value = u.username; pass.focus(); }
            }, h('code', { text: u.username })),
            ' ', u.behaviour || ''
          ]);
        }))
      ]);
    }

    var node = h('section', { 'aria-labelledby': 'cred-h' }, [
      backButton('Back', function () { clearError(); showPicker(ctx); }),
      h('h2', { id: 'cred-h', text: 'Log in to ' + servicer }),
      h('p', { class: 'muted', text: 'Enter the username and password you use on the ' + servicer + ' website.' }),
      form,
      h('p', { class: 'secure' }, [
        s('svg', { width: 16, height: 16, viewBox: '0 0 16 16', 'aria-hidden': 'true', focusable: 'false' }, [
          s('rect', { x: 3, y: 7, width: 10, height: 7, rx: 2, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }),
          s('path', { d: 'M5.5 7V5a2.5 2.5 0 015 0v2', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 })
        ]),
        h('span', { text: 'Your credentials go straight to ' + servicer + ' to fetch your loans. They are never stored.' })
      ]),
      sandbox
    ]);
    screen(node, opts.username ? pass : user);
    if (opts.error) showError(opts.error);
  }

  /* ---------- link: the result of a login or a challenge ---------- */
  function linkResult(r, servicer, ctx, username) {
    if (S.finished) return;
    if (r.status === 'linked') {
      var link = r.link && typeof r.link === 'object' ? r.link : {};
      var count = num(r.loans_linked) !== null ? num(r.loans_linked) : (num(link.loan_count) !== null ? num(link.loan_count) : 0);
      upsertLink({ servicer: link.servicer || servicer, status: 'linked', loan_count: count, linked_at: link.linked_at });
      if (S.borrower) S.borrower.loan_count = (num(S.borrower.loan_count) || 0) + count;
      emit('LINKED', { servicer: servicer, loan_count: count });
      clearError();
      var msg = servicer + ' linked: ' + plural(count, 'loan', 'loans') + ' found.';
      announce(msg);
      showPicker(ctx, msg);
    } else if (r.status === 'challenge' && r.challenge) {
      emit('CHALLENGE', { servicer: servicer, challenge_type: r.challenge.type });
      clearError();
      showChallenge(servicer, r.challenge, ctx, username);
    } else if (r.status === 'failed') {
      var message = r.message || 'Linking ' + servicer + ' did not work.';
      emit('ERROR', { error_code: r.reason || 'failed', message: message });
      if (r.retryable) showCredentials(servicer, ctx, { username: username, error: message });
      else { showPicker(ctx); showError(message); }
    } else {
      emit('ERROR', { error_code: 'unexpected_response', message: 'Unexpected answer from Nexus.' });
      showPicker(ctx);
      showError('Something unexpected happened while linking ' + servicer + '. Please try again.');
    }
  }

  /* ---------- link: challenge ---------- */
  function showChallenge(servicer, ch, ctx, username) {
    var otp = ch.type === 'otp';
    var answer = h('input', {
      type: 'text', class: 'input', id: 'challenge-answer', required: true, autocomplete: otp ? 'one-time-code' : 'off',
      inputmode: otp ? 'numeric' : null, autocapitalize: 'none', spellcheck: 'false', 'data-testid': 'challenge-answer'
    });
    var submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'challenge-submit', text: otp ? 'Verify code' : 'Continue' });
    var busy = false;
    var promptText = otp
      ? (ch.prompt && /text/i.test(ch.prompt) ? ch.prompt : servicer + ' sent a one-time code by text message to the phone number on your account.' + (ch.prompt ? ' ' + ch.prompt : ''))
      : (ch.prompt || servicer + ' wants to confirm it\u2019s you: answer your security question.');
    var promptEl = h('p', { class: 'muted', id: 'challenge-prompt', 'data-testid': 'challenge-prompt', text: promptText });
    var answerField = field(otp ? 'Verification code' : 'Your answer', answer, otp ? 'The 6-digit code from the text message.' : null);
    answer.setAttribute('aria-describedby', 'challenge-prompt' + (otp ? ' ' + answer.id + '-hint' : ''));
    var form = h('form', { novalidate: true }, [
      answerField,
      h('div', { class: 'actions' }, [submit])
    ]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      var value = answer.value.trim();
      if (!value) {
        answer.setAttribute('aria-invalid', 'true');
        showError(otp ? 'Enter the code we sent you.' : 'Enter your answer.');
        answer.focus();
        return;
      }
      clearError();
      busy = true;
      setBusy(submit, true, 'Checking…');
      request('POST', 'links/challenge', { challenge_id: ch.id, answer: value }).then(function (r) {
        busy = false;
        linkResult(r, servicer, ctx, username);
      }, function (err) {
        busy = false;
        if (S.finished) return;
        setBusy(submit, false);
        requestError(err);
      });
    });
    var node = h('section', { 'aria-labelledby': 'ch-h' }, [
      backButton('Cancel', function () { clearError(); showPicker(ctx); }),
      h('h2', { id: 'ch-h', text: otp ? 'Enter your code' : 'Answer your security question' }),
      promptEl,
      form
    ]);
    screen(node, answer);
  }

