/* Part of the Nexus widget page (assets/widget.html): the assess workflow: the details form and the results.
   The parts are joined in file-name order into the page's one nonced <script>, inside one
   function scope, so they share its helpers and state. Not a standalone script. */
  /* ---------- assess: details form ---------- */
  function showDetails(flash) {
    var fin = (S.borrower && S.borrower.financial) || {};
    var agi = h('input', {
      type: 'number', class: 'input', id: 'agi', min: 0, step: '0.01', inputmode: 'decimal', required: true, 'data-testid': 'agi',
      value: num(fin.agi) === null ? '' : String(num(fin.agi))
    });
    var filing = h('select', { class: 'input', id: 'filing-status', required: true, 'data-testid': 'filing-status' },
      [h('option', { value: '', text: 'Choose…', disabled: true, selected: !fin.filing_status })].concat(FILING.map(function (f) {
        return h('option', { value: f[0], text: f[1], selected: fin.filing_status === f[0] });
      })));
    var fam = h('input', {
      type: 'number', class: 'input', id: 'family-size', min: 1, max: 20, step: 1, inputmode: 'numeric', required: true,
      'data-testid': 'family-size', value: num(fin.family_size) === null ? '' : String(fin.family_size)
    });
    var state = h('select', { class: 'input', id: 'state', required: true, 'data-testid': 'state', autocomplete: 'address-level1' },
      [h('option', { value: '', text: 'Choose…', disabled: true, selected: !fin.state_of_residence })].concat(STATES.map(function (st) {
        return h('option', { value: st[0], text: st[0] + ' \u2013 ' + st[1], selected: fin.state_of_residence === st[0] });
      })));
    var spouseAgi = h('input', {
      type: 'number', class: 'input', id: 'spouse-agi', min: 0, step: '0.01', inputmode: 'decimal', 'data-testid': 'spouse-agi',
      value: num(fin.spouse_agi) === null ? '' : String(num(fin.spouse_agi))
    });
    var spouseField = field('Spouse\u2019s AGI', spouseAgi, 'A joint return counts your spouse\u2019s income too: their adjusted gross income.');
    function joint() { return filing.value === 'married_filing_jointly'; }
    function syncSpouse() { spouseField.hidden = !joint(); spouseAgi.required = joint(); }
    filing.addEventListener('change', syncSpouse);
    syncSpouse();
    var submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'see-options', text: 'See my options' });
    var inputs = { agi: agi, spouse_agi: spouseAgi, filing_status: filing, family_size: fam, state_of_residence: state };
    var form = h('form', { novalidate: true, 'aria-labelledby': 'det-h' }, [
      field('Adjusted gross income (AGI)', agi, 'Yearly, in dollars: from your latest tax return (Form 1040, line 11).'),
      field('Tax filing status', filing),
      spouseField,
      h('div', { class: 'grid2' }, [
        field('Family size', fam, 'You, a spouse, children and dependents.'),
        field('State', state)
      ]),
      h('div', { class: 'actions' }, [submit])
    ]);
    var busy = false;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      Object.keys(inputs).forEach(function (k) { inputs[k].removeAttribute('aria-invalid'); });
      var problems = [];
      var agiV = num(agi.value);
      var famV = num(fam.value);
      if (agi.value.trim() === '' || agiV === null || agiV < 0) problems.push(['agi', 'Enter your AGI as a number of dollars (0 or more).']);
      if (!filing.value) problems.push(['filing_status', 'Choose your tax filing status.']);
      var spouseV = num(spouseAgi.value);
      if (joint() && (spouseAgi.value.trim() === '' || spouseV === null || spouseV < 0)) problems.push(['spouse_agi', 'Enter your spouse\u2019s AGI (0 or more): a joint return counts it.']);
      if (famV === null || famV < 1 || famV > 20 || Math.floor(famV) !== famV) problems.push(['family_size', 'Family size must be a whole number from 1 to 20.']);
      if (!state.value) problems.push(['state_of_residence', 'Choose your state.']);
      if (problems.length) {
        problems.forEach(function (p) { inputs[p[0]].setAttribute('aria-invalid', 'true'); });
        showError(problems.map(function (p) { return p[1]; }).join(' '));
        inputs[problems[0][0]].focus();
        return;
      }
      clearError();
      busy = true;
      setBusy(submit, true, 'Saving…');
      var body = { agi: agiV, filing_status: filing.value, family_size: famV, state_of_residence: state.value };
      if (joint()) body.spouse_agi = spouseV;
      request('PATCH', 'borrower', body).then(function (r) {
        if (S.borrower) S.borrower.financial = (r && r.financial) || body;
        S.warnings = (r && Array.isArray(r.warnings) ? r.warnings : []).map(function (w) {
          return typeof w === 'string' ? w : (w && (w.message || w.detail)) || '';
        }).filter(Boolean);
        announce('Details saved. Calculating your options…');
        return loadOptions().then(function () { busy = false; });
      }, function (err) {
        busy = false;
        if (S.finished) return;
        setBusy(submit, false);
        if (sessionLost(err)) return;
        var msg = err.message;
        if (err.fields && typeof err.fields === 'object') {
          Object.keys(err.fields).forEach(function (k) {
            var key = k.split('.').pop();
            if (inputs[key]) inputs[key].setAttribute('aria-invalid', 'true');
            var line = key + ': ' + err.fields[k];
            if (msg.indexOf(String(err.fields[k])) < 0) msg += ' ' + line + '.';
          });
        }
        emit('ERROR', { error_code: 'http_' + err.status, message: msg });
        showError(msg);
      });
    });
    var node = h('section', { 'aria-labelledby': 'det-h' }, [
      h('h2', { id: 'det-h', text: 'Your details' }),
      h('p', { class: 'muted', text: 'Income-driven plans depend on your income and family. Check these details; corrections are saved to your profile.' }),
      flash ? h('div', { class: 'notice', text: flash }) : null,
      form
    ]);
    screen(node);
  }

  function loadOptions() {
    loading('Calculating your repayment options…');
    return request('GET', 'repayment_options').then(function (r) {
      S.base = r;
      S.assessment = r;
      S.whatIf = null;
      showResults();
    }, function (err) {
      if (S.finished || sessionLost(err)) return;
      emit('ERROR', { error_code: 'http_' + err.status, message: err.message });
      showDetails();
      showError('We could not calculate your options: ' + err.message);
    });
  }

  /* ---------- assess: results ---------- */
  function eligible(o) {
    if (Array.isArray(o.eligible_loans)) return o.eligible_loans.length > 0;
    return !(o.ineligible_reasons && o.ineligible_reasons.length);
  }
  function sortedOptions(a) {
    var opts = Array.isArray(a.repayment_options) ? a.repayment_options : [];
    return opts.filter(eligible).concat(opts.filter(function (o) { return !eligible(o); }));
  }
  function planType(o) { return (o.repayment_plan && o.repayment_plan.type) || String(o.name || 'plan').toLowerCase().replace(/\W+/g, '_'); }

  var results = null; // live nodes of the results screen
  function showResults() {
    var fin = (S.borrower && S.borrower.financial) || {};
    var agiSaved = num(fin.agi) || 0;
    var famSaved = num(fin.family_size) || 1;
    // The slider starts at the exact saved AGI (step "any"), so moving only the family size
    // keeps the saved income; only what moved is sent.
    // The ranges always hold the saved values (a high income or a big family included).
    var agiMax = Math.max(300000, Math.ceil(agiSaved / 50000) * 50000);
    var famMax = Math.max(10, Math.ceil(famSaved));
    var clampAgi = Math.max(0, agiSaved);
    var clampFam = Math.max(1, Math.round(famSaved));

    var agiOut = h('output', { for: 'whatif-agi', id: 'whatif-agi-out', text: fmtMoney0(clampAgi) });
    var famOut = h('output', { for: 'whatif-family-size', id: 'whatif-fam-out', text: String(clampFam) });
    var agiRange = h('input', {
      type: 'range', id: 'whatif-agi', min: 0, max: agiMax, step: 'any', value: clampAgi, 'data-testid': 'whatif-agi',
      'aria-valuetext': fmtMoney0(clampAgi)
    });
    var famRange = h('input', {
      type: 'range', id: 'whatif-family-size', min: 1, max: famMax, step: 1, value: clampFam, 'data-testid': 'whatif-family-size',
      'aria-valuetext': plural(clampFam, 'person', 'people')
    });
    var updating = h('span', { class: 'updating', 'aria-hidden': 'true' });
    var reset = h('button', { type: 'button', class: 'link-btn', 'data-testid': 'whatif-reset', text: 'Reset to my details', disabled: true });
    var seq = 0;
    var timer = null;
    function changed(ev) {
      if (ev && ev.target === agiRange) {
        // Whole thousands while dragging (the start value may be any amount).
        agiRange.value = String(Math.round(parseFloat(agiRange.value) / 1000) * 1000);
      }
      var a = Math.round(parseFloat(agiRange.value));
      var f = parseInt(famRange.value, 10);
      agiOut.textContent = fmtMoney0(a);
      agiRange.setAttribute('aria-valuetext', fmtMoney0(a));
      famOut.textContent = String(f);
      famRange.setAttribute('aria-valuetext', plural(f, 'person', 'people'));
      reset.disabled = false;
      updating.textContent = 'Updating…';
      clearTimeout(timer);
      timer = setTimeout(function () { whatIf(a, f); }, 300);
    }
    function whatIf(a, f) {
      seq += 1;
      var mine = seq;
      results.body.classList.add('busy');
      results.body.setAttribute('aria-busy', 'true');
      var q = [];
      if (a !== Math.round(agiSaved)) q.push('agi=' + encodeURIComponent(a));
      if (f !== famSaved) q.push('family_size=' + encodeURIComponent(f));
      request('GET', 'repayment_options' + (q.length ? '?' + q.join('&') : '')).then(function (r) {
        if (mine !== seq || S.finished) return;
        S.assessment = r;
        S.whatIf = { agi: a, family_size: f };
        updating.textContent = '';
        renderBody();
        announce('Options updated for an AGI of ' + fmtMoney0(a) + ' and a family of ' + f + '. Not saved.');
      }, function (err) {
        if (mine !== seq || S.finished) return;
        updating.textContent = '';
        results.body.classList.remove('busy');
        results.body.setAttribute('aria-busy', 'false');
        requestError(err);
      });
    }
    agiRange.addEventListener('input', changed);
    famRange.addEventListener('input', changed);
    reset.addEventListener('click', function () {
      seq += 1;
      clearTimeout(timer);
      agiRange.value = clampAgi;
      famRange.value = clampFam;
      agiOut.textContent = fmtMoney0(clampAgi);
      famOut.textContent = String(clampFam);
      updating.textContent = '';
      reset.disabled = true;
      S.assessment = S.base;
      S.whatIf = null;
      renderBody();
      announce('Back to your saved details.');
      agiRange.focus();
    });

    var whatifPanel = h('section', { class: 'whatif', 'aria-labelledby': 'wi-h', 'data-testid': 'whatif' }, [
      h('h3', { id: 'wi-h' }, [h('span', { text: 'What if…?' }), h('span', { class: 'tag info', 'data-testid': 'whatif-note', text: 'What-if: not saved' })]),
      h('p', { class: 'small muted', text: 'Try a different income or family size. Your saved details stay as they are.' }),
      h('div', { class: 'range-row' }, [h('div', { class: 'top' }, [h('label', { for: 'whatif-agi', class: 'lbl', text: 'Income (AGI)' }), agiOut]), agiRange]),
      h('div', { class: 'range-row' }, [h('div', { class: 'top' }, [h('label', { for: 'whatif-family-size', class: 'lbl', text: 'Family size' }), famOut]), famRange]),
      h('div', { class: 'row' }, [reset, updating])
    ]);

    var filingLabel = (FILING.filter(function (f) { return f[0] === fin.filing_status; })[0] || [0, fin.filing_status || '—'])[1];
    var body = h('div', { id: 'results-body', 'aria-live': 'off' });
    var node = h('section', { 'aria-labelledby': 'res-h' }, [
      backButton('Edit my details', function () { clearError(); showDetails(); }),
      h('h2', { id: 'res-h', text: 'Your repayment options' }),
      h('p', { class: 'muted small', text: 'Saved details: AGI ' + fmtMoney0(agiSaved) + ' · ' + filingLabel + ' · family of ' + famSaved + ' · ' + (fin.state_of_residence || '—') }),
      S.warnings && S.warnings.length ? h('div', { class: 'notice warn', 'data-testid': 'warnings' }, S.warnings.join(' ')) : null,
      h('div', { id: 'chart-slot' }),
      whatifPanel,
      body
    ]);
    results = { node: node, body: body, chartSlot: node.querySelector('#chart-slot') };
    screen(node);
    renderBody();
  }

  function renderBody() {
    var a = S.assessment || {};
    var opts = sortedOptions(a);
    var el = results.body;
    el.classList.remove('busy');
    el.setAttribute('aria-busy', 'false');
    el.textContent = '';
    renderChart();

    var o = a.original;
    if (o) {
      el.appendChild(h('div', { class: 'card current', 'data-testid': 'current-plan' }, [
        h('div', { class: 'small muted', text: 'Your current plan' }),
        h('div', { class: 'big' }, [h('span', { 'data-testid': 'current-monthly', 'data-value': num(o.monthly_payment), text: fmtMoney(o.monthly_payment) }), h('small', { text: '/mo' })]),
        facts([
          ['Payments', fmtPayments(o.number_of_payments)],
          ['Total paid', fmtMoney(o.total_paid)],
          ['Forgiven', fmtMoney(o.amount_forgiven)],
          ['Tax on forgiveness', fmtMoney(o.estimated_tax_liability)],
          ['Total cost', fmtMoney(o.total_cost)]
        ])
      ]));
    }
    if (S.whatIf) {
      el.appendChild(h('div', { class: 'notice', 'data-testid': 'whatif-banner', text: 'What-if: AGI ' + fmtMoney0(S.whatIf.agi) + ', family of ' + S.whatIf.family_size + '. Not saved.' }));
    }
    var elig = opts.filter(eligible);
    var inel = opts.filter(function (x) { return !eligible(x); });
    el.appendChild(h('h3', { text: 'Plans you can choose (' + elig.length + ')' }));
    if (!elig.length) el.appendChild(h('p', { class: 'empty', text: 'None of your loans qualify for a plan with these details.' }));
    el.appendChild(h('div', { class: 'plans', 'data-testid': 'eligible-plans' }, elig.map(function (x) { return planCard(x, o, true); })));
    if (inel.length) {
      el.appendChild(h('h3', { text: 'Not available to you (' + inel.length + ')' }));
      el.appendChild(h('div', { class: 'plans', 'data-testid': 'ineligible-plans' }, inel.map(function (x) { return planCard(x, o, false); })));
    }
  }

  function renderChart() {
    var a = S.assessment || {};
    var slot = results.chartSlot;
    results.chartWidth = slot.clientWidth;
    slot.textContent = '';
    slot.appendChild(chart(sortedOptions(a).filter(eligible), a.original, results.chartWidth));
  }
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      if (results && results.node.isConnected && Math.abs(results.chartSlot.clientWidth - results.chartWidth) > 8) renderChart();
    }, 150);
  });

  function facts(rows) {
    return h('dl', { class: 'facts' }, rows.map(function (r) { return [h('dt', { text: r[0] }), h('dd', { text: r[1] })]; }));
  }

  function planCard(opt, original, ok) {
    var type = planType(opt);
    var start = num(opt.starting_monthly_payment);
    var fin = num(opt.final_monthly_payment);
    var cur = original ? num(original.monthly_payment) : null;
    var delta = null;
    if (ok && start !== null && cur !== null && Math.abs(start - cur) >= 0.005) {
      delta = h('p', { class: 'delta ' + (start < cur ? 'down' : 'up'), text: fmtMoney(Math.abs(start - cur)) + (start < cur ? ' less' : ' more') + ' per month than now' });
    }
    var reasons = Array.isArray(opt.ineligible_reasons) ? opt.ineligible_reasons : [];
    var partial = ok && Array.isArray(opt.ineligible_loans) && opt.ineligible_loans.length > 0;
    var name = opt.name || (opt.repayment_plan && opt.repayment_plan.name) || type;
    var card = h('article', { class: 'card plan' + (ok ? '' : ' ineligible'), 'data-testid': 'plan-' + type, 'aria-label': name }, [
      h('header', null, [
        h('h4', { text: name }),
        ok ? h('span', { class: 'tag ok', text: opt.pslf_eligible ? 'Eligible · PSLF' : 'Eligible' }) : h('span', { class: 'tag no', text: 'Not eligible' })
      ]),
      opt.repayment_plan && opt.repayment_plan.description ? h('p', { class: 'desc', text: opt.repayment_plan.description }) : null,
      ok ? h('div', { class: 'big' }, [
        h('span', { 'data-testid': 'monthly-' + type, 'data-value': start === null ? '' : String(start), text: fmtMoney(start) }),
        h('small', { text: '/mo now' })
      ]) : null,
      ok && fin !== null && start !== null && Math.abs(fin - start) >= 0.005 ? h('p', { class: 'small muted', text: 'Last payment ' + fmtMoney(fin) + '/mo' }) : null,
      delta,
      ok ? facts([
        ['Payments', fmtPayments(opt.number_of_payments)],
        ['Total paid', fmtMoney(opt.total_paid)],
        ['Forgiven', fmtMoney(opt.amount_forgiven)],
        ['Tax on forgiveness', fmtMoney(opt.estimated_tax_liability)],
        ['Total cost', fmtMoney(opt.total_cost)]
      ]) : null,
      reasons.length ? h('div', null, [
        partial ? h('p', { class: 'small muted', text: 'Covers ' + plural(opt.eligible_loans.length, 'loan', 'loans') + '; ' + plural(opt.ineligible_loans.length, 'loan is', 'loans are') + ' not eligible:' }) : null,
        h('ul', { class: 'reasons', 'data-testid': 'reasons-' + type }, reasons.map(function (r) { return h('li', { text: r }); }))
      ]) : null,
      ok ? h('button', {
        type: 'button', class: 'btn primary', 'data-testid': 'choose-' + type, 'aria-label': 'I Want this Plan: ' + name,
        onclick: function () { choose(opt); }
      }, 'I Want this Plan') : null
    ]);
    return card;
  }

  function choose(opt) {
    var result = {
      borrower: { uuid: S.borrowerUuid },
      repayment_plan: {
        type: opt.repayment_plan && opt.repayment_plan.type,
        description: opt.repayment_plan && opt.repayment_plan.description
      },
      monthly_payment: num(opt.starting_monthly_payment)
    };
    if (S.whatIf) result.what_if = { agi: S.whatIf.agi, family_size: S.whatIf.family_size };
    success({ message: 'Plan selected', result: result }, 'You chose ' + (opt.name || result.repayment_plan.type) + '.');
  }

