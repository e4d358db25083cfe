/* Part of the Nexus widget page (assets/widget.html): the enroll workflow: plan gate, the
   borrower's details, income proof, review and signature, and the Enrollment Request.
   The parts are joined in file-name order into the page's one nonced <script>, inside one
   function scope, so they share its helpers and state. Not a standalone script.
   This file sorts before 05-boot.js (045 < 05): boot's workflow table calls startEnroll(). */
  /* ---------- enroll: state ---------- */
  var E = {
    plan: null,        // the host's `plan` (a repayment_plan.type), or null: the borrower picks one
    option: null,      // the chosen repayment option (from the saved assessment)
    fromResults: false, // the borrower picked the plan on the results screen (Back goes there)
    stale: false,      // the income changed: the estimate must be fetched again
    attempt: null      // {key, body}: the Idempotency-Key of the last submit that did not get an answer
  };
  var ENDED_PLANS = ['save', 'repaye'];
  var INCOME_TYPES = [
    ['pay_stub', 'Pay stub'],
    ['tax_return', 'Tax return'],
    ['determination_summary', 'Unemployment determination summary'],
    ['offer_letter', 'Job offer letter']
  ];
  var INCOME_ACCEPT = 'application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg';
  // The server takes up to 10 MB, but a Lambda request is at most 6 MB: about 4.4 MB of
  // document fits in the base64 JSON body (README, "Income documents").
  var INCOME_MAX_BYTES = 4 * 1024 * 1024;
  var MASKED_SSN = '\u2022\u2022\u2022-\u2022\u2022-\u2022\u2022\u2022\u2022, on file';
  // The server's precondition sentences (shared/src/enrollments/preconditions.rs) and what the
  // borrower can do about each one here.
  var REASON_PROFILE = /name, phone, ssn, and address/i;
  var REASON_INCOME = /income certification/i;
  var REASON_LOANS = /must have loans/i;

  function incomeLabel(type) {
    return (INCOME_TYPES.filter(function (t) { return t[0] === type; })[0] || [0, 'Income document'])[1];
  }
  function fmtDate(v) {
    if (!v || !/^\d{4}-\d{2}-\d{2}/.test(v)) return v || '';
    var d = new Date(v.slice(0, 10) + 'T00:00:00Z');
    return isNaN(d) ? v : d.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  }
  function txt(v) { return typeof v === 'string' ? v.trim() : ''; }
  function profile() { return S.profile || {}; }
  function planName(o) { return (o && (o.name || (o.repayment_plan && (o.repayment_plan.name || o.repayment_plan.description)))) || E.plan || 'this plan'; }
  function findOption(a, type) {
    var opts = a && Array.isArray(a.repayment_options) ? a.repayment_options : [];
    return opts.filter(function (o) { return planType(o) === type; })[0] || null;
  }
  function hasEligibleLoans(o) { return !!(o && Array.isArray(o.eligible_loans) && o.eligible_loans.length); }
  function stepLabel(n, name) { return h('p', { class: 'small muted', 'data-testid': 'enroll-step', text: 'Step ' + n + ' of 3 \u00b7 ' + name }); }
  function checkbox(id, label, attrs, hint) {
    var a = { type: 'checkbox', id: id };
    Object.keys(attrs || {}).forEach(function (k) { a[k] = attrs[k]; });
    var cb = h('input', a);
    var hintEl = null;
    if (hint) {
      hintEl = h('span', { class: 'hint', id: id + '-hint', text: hint });
      cb.setAttribute('aria-describedby', id + '-hint');
    }
    return { input: cb, node: h('div', { class: 'field' }, [h('label', { for: id }, [cb, ' ', label]), hintEl]) };
  }
  // What the server will refuse for (Consumer name, phone, ssn, and address), as words.
  function missingDetails() {
    var p = profile();
    var a = p.address || {};
    var out = [];
    if (!txt(p.first_name) || !txt(p.last_name)) out.push('your name');
    if (!txt(p.phone)) out.push('a phone number');
    if (!p.has_ssn) out.push('your Social Security number');
    if (!txt(a.street1) || !txt(a.city) || !txt(a.state) || !txt(a.zipcode)) out.push('your full address');
    return out;
  }
  function listWords(items) {
    if (items.length < 2) return items.join('');
    return items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1];
  }
  function randomKey() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return 'nxe_' + Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  /* ---------- enroll: start ---------- */
  function startEnroll() {
    var plan = S.init ? S.init.plan : null;
    if (plan !== null && plan !== undefined && typeof plan !== 'string') {
      exit('illegal', 'Nexus.enroll: plan must be a repayment_plan.type such as "rap".');
      return;
    }
    E.plan = txt(plan) ? txt(plan).toLowerCase() : null;
    hookAssess();
    startSession().then(function (ok) { return ok && loadEnrollSession(); }).then(function (ok) {
      if (!ok) return;
      var open = (S.enrollments || []).filter(function (e) {
        var t = e && e.status && e.status.type;
        return t === 'pending' || t === 'partially_submitted' || t === 'complete' || t === 'needs_attention';
      })[0];
      if (open) {
        return exit('illegal', 'You already have an Enrollment Request in progress (' +
          ((open.repayment_plan && (open.repayment_plan.description || open.repayment_plan.type)) || 'a plan') + ': ' +
          ((open.status && open.status.description) || open.status.type) + '). One request at a time.');
      }
      if (E.plan && ENDED_PLANS.indexOf(E.plan) >= 0) {
        return exit('illegal', 'The ' + E.plan.toUpperCase() + ' plan has ended: nobody can enroll in it any more. Choose another plan, such as RAP.');
      }
      if (num(S.borrower.loan_count) > 0) return afterLoans();
      showPicker({
        intro: 'To enroll in a plan we need your loans first. Link the servicer you pay, then choose I\u2019m Done.',
        onDone: function () {
          loading('Checking your loans…');
          loadEnrollSession().then(function (ok2) {
            if (!ok2) return;
            if (!(num(S.borrower.loan_count) > 0)) return exit('illegal', 'There are no loans to enroll');
            afterLoans('Linked. Now check your details.');
          });
        }
      });
    });
  }

  // GET /nexus/session, keeping the enroll prefill (profile) and the enrollments too.
  function loadEnrollSession() {
    return request('GET', 'session').then(function (r) {
      S.borrower = r.borrower || {};
      if (r.borrower && r.borrower.uuid) S.borrowerUuid = r.borrower.uuid;
      S.links = Array.isArray(r.links) ? r.links : [];
      S.servicers = Array.isArray(r.servicers) ? r.servicers : [];
      S.sandbox = Array.isArray(r.sandbox_usernames) ? r.sandbox_usernames : null;
      S.profile = r.profile && typeof r.profile === 'object' ? r.profile : {};
      S.enrollments = Array.isArray(r.enrollments) ? r.enrollments : [];
      if (r.mode) { S.mode = r.mode; $('mode').hidden = S.mode !== 'sandbox'; }
      return true;
    }, function (err) {
      if (!sessionLost(err)) fatal('Nexus could not load your details: ' + err.message, 'session_load');
      return false;
    });
  }

  function afterLoans(flash) {
    var fin = (S.borrower && S.borrower.financial) || {};
    if (!E.plan) return showDetails(flash);
    // A plan is checked against the saved assessment, which needs the income details.
    if (fin.agi === null || fin.agi === undefined || fin.agi === '') {
      return showDetails((flash ? flash + ' ' : '') + 'Before we check the plan you asked for, we need your income and family details.');
    }
    loading('Checking the plan…');
    request('GET', 'repayment_options').then(function (r) {
      S.base = r; S.assessment = r; S.whatIf = null;
      gatePlan(r);
    }, function (err) {
      if (S.finished || sessionLost(err)) return;
      if (err.status === 422 && err.fields && err.fields.agi) {
        return showDetails('Before we check the plan you asked for, we need your income and family details.');
      }
      fatal('Nexus could not check the plan: ' + err.message, err.status ? 'http_' + err.status : 'network');
    });
  }

  // The host asked for E.plan: enroll in it, or exit "illegal" when the borrower cannot.
  function gatePlan(a) {
    var o = findOption(a, E.plan);
    if (!o) return exit('illegal', 'There is no "' + E.plan + '" repayment plan. Use a repayment_plan.type from the repayment options.');
    if (!hasEligibleLoans(o)) {
      var why = Array.isArray(o.ineligible_reasons) && o.ineligible_reasons.length ? ': ' + o.ineligible_reasons.join(' ') : ': none of your loans qualify.';
      return exit('illegal', 'You are not eligible for ' + planName(o) + why);
    }
    E.fromResults = false;
    beginEnroll(o);
  }

  // The assess screens are shared with enroll: "I Want this Plan" starts the enrollment instead
  // of finishing, and (with a host plan) the saved assessment goes to the plan check instead
  // of the results. Only rebound when this page runs the enroll workflow.
  function hookAssess() {
    var assessResults = showResults;
    showResults = function () {
      if (E.plan && !E.option) return gatePlan(S.base);
      return assessResults();
    };
    choose = function (opt) {
      var type = planType(opt);
      // A what-if is not saved: the request is checked with the saved details.
      var saved = S.whatIf ? findOption(S.base, type) : opt;
      if (!hasEligibleLoans(saved)) {
        showError('With your saved details (not the what-if) you are not eligible for ' + planName(opt) + '. Reset the what-if or choose another plan.');
        return;
      }
      clearError();
      E.fromResults = true;
      beginEnroll(saved);
    };
    E.backToResults = function () {
      S.assessment = S.base; S.whatIf = null;
      assessResults();
    };
  }

  function beginEnroll(o) {
    E.option = o;
    E.stale = false;
    showEnrollDetails();
  }

  /* ---------- enroll (1): confirm your details ---------- */
  function showEnrollDetails(flash) {
    var p = profile();
    var a = p.address || {};
    function input(id, testid, value, attrs) {
      var o = { type: 'text', class: 'input', id: id, 'data-testid': testid, value: value || '' };
      Object.keys(attrs || {}).forEach(function (k) { o[k] = attrs[k]; });
      return h('input', o);
    }
    var first = input('first-name', 'first-name', p.first_name, { autocomplete: 'given-name', maxlength: 100 });
    var last = input('last-name', 'last-name', p.last_name, { autocomplete: 'family-name', maxlength: 100 });
    var phone = input('phone', 'phone', p.phone, { type: 'tel', autocomplete: 'tel', inputmode: 'tel', maxlength: 32 });
    var dob = input('date-of-birth', 'date-of-birth', p.date_of_birth, {
      type: 'date', autocomplete: 'bday', min: '1900-01-02', max: new Date().toISOString().slice(0, 10)
    });
    var street1 = input('street1', 'street1', a.street1, { autocomplete: 'address-line1', maxlength: 200 });
    var street2 = input('street2', 'street2', a.street2, { autocomplete: 'address-line2', maxlength: 200 });
    var city = input('city', 'city', a.city, { autocomplete: 'address-level2', maxlength: 100 });
    var state = h('select', { class: 'input', id: 'address-state', 'data-testid': 'address-state', autocomplete: 'address-level1' },
      [h('option', { value: '', text: 'Choose…', selected: !a.state })].concat(STATES.map(function (st) {
        return h('option', { value: st[0], text: st[0] + ' \u2013 ' + st[1], selected: a.state === st[0] });
      })));
    var zip = input('zipcode', 'zipcode', a.zipcode, { autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 10 });

    // The SSN: never shown once it is on file; "Change" reveals an empty input.
    var ssn = input('ssn', 'ssn', '', {
      autocomplete: 'off', inputmode: 'numeric', maxlength: 11, spellcheck: 'false',
      required: !p.has_ssn, 'aria-required': p.has_ssn ? null : 'true'
    });
    var ssnHint = h('span', { class: 'hint', id: 'ssn-hint', text: '9 digits, dashes optional. It goes to your servicer with the request and is never shown again.' });
    ssn.setAttribute('aria-describedby', 'ssn-hint');
    var masked = h('input', {
      type: 'text', class: 'input', id: 'ssn-masked', readonly: true, value: MASKED_SSN, 'data-testid': 'ssn-on-file', tabindex: -1
    });
    var changing = !p.has_ssn;
    var change = h('button', { type: 'button', class: 'toggle', 'data-testid': 'ssn-change', 'aria-controls': 'ssn', 'aria-expanded': 'false', text: 'Change' });
    change.setAttribute('aria-label', 'Change your Social Security number (one is on file)');
    var ssnBox = h('div', { class: 'pw' }, p.has_ssn ? [masked, ssn, change] : [ssn]);
    function syncSsn() {
      masked.hidden = changing;
      ssn.hidden = !changing;
      ssn.required = changing;
      change.textContent = changing ? 'Keep' : 'Change';
      change.setAttribute('aria-expanded', String(changing));
      change.setAttribute('aria-label', changing ? 'Keep the Social Security number on file' : 'Change your Social Security number (one is on file)');
    }
    if (p.has_ssn) {
      change.addEventListener('click', function () {
        changing = !changing;
        if (!changing) { ssn.value = ''; ssn.removeAttribute('aria-invalid'); }
        syncSsn();
        (changing ? ssn : change).focus();
      });
      syncSsn();
    }
    var ssnField = h('div', { class: 'field' }, [
      h('label', { for: p.has_ssn ? 'ssn-masked' : 'ssn', id: 'ssn-label', text: 'Social Security number' }),
      ssnBox, ssnHint
    ]);
    if (p.has_ssn) ssn.setAttribute('aria-labelledby', 'ssn-label');

    var unemployed = checkbox('collecting-unemployment', 'I am collecting unemployment benefits',
      { 'data-testid': 'collecting-unemployment', checked: !!p.collecting_unemployment },
      'Unemployment benefits count as income: you will be asked for proof.');

    var submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'details-continue', text: 'Continue' });
    var inputs = {
      first_name: first, last_name: last, phone: phone, date_of_birth: dob, ssn: ssn,
      street1: street1, street2: street2, city: city, state: state, zipcode: zip,
      collecting_unemployment: unemployed.input
    };
    var form = h('form', { novalidate: true, 'aria-labelledby': 'ed-h' }, [
      h('div', { class: 'grid2' }, [field('First name', first), field('Last name', last)]),
      field('Phone', phone),
      field('Date of birth', dob),
      field('Street address', street1),
      field('Apartment, suite (optional)', street2),
      field('City', city),
      h('div', { class: 'grid2' }, [field('State', state), field('ZIP code', zip)]),
      ssnField,
      unemployed.node,
      h('div', { class: 'actions' }, [submit])
    ]);
    var busy = false;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      Object.keys(inputs).forEach(function (k) { inputs[k].removeAttribute('aria-invalid'); });
      var v = {
        first_name: first.value.trim(), last_name: last.value.trim(), phone: phone.value.trim(), date_of_birth: dob.value,
        street1: street1.value.trim(), street2: street2.value.trim(), city: city.value.trim(), state: state.value,
        zipcode: zip.value.trim()
      };
      var ssnV = changing ? ssn.value.trim() : '';
      var problems = [];
      var digits = v.phone.replace(/\D/g, '').length;
      if (v.phone && (digits < 10 || digits > 15 || /[^0-9 +\-().]/.test(v.phone))) problems.push(['phone', 'Enter a phone number with 10 to 15 digits.']);
      if (dob.validity && dob.validity.badInput) problems.push(['date_of_birth', 'Enter your date of birth.']);
      else if (v.date_of_birth && (v.date_of_birth > dob.max || v.date_of_birth < '1900-01-02')) problems.push(['date_of_birth', 'Your date of birth must be a past date after 1900.']);
      if (v.zipcode && !/^\d{5}(-\d{4})?$/.test(v.zipcode)) problems.push(['zipcode', 'The ZIP code must be 5 digits, or ZIP+4 like 12345-1234.']);
      if (changing && !ssnV) problems.push(['ssn', 'Enter your Social Security number: your servicer needs it to file the request.']);
      else if (changing && !/^\d{3}-?\d{2}-?\d{4}$/.test(ssnV)) problems.push(['ssn', 'Your Social Security number must be 9 digits (dashes are optional).']);
      if (problems.length) {
        problems.forEach(function (pr) { inputs[pr[0]].setAttribute('aria-invalid', 'true'); });
        showError(problems.map(function (pr) { return pr[1]; }).join(' '));
        inputs[problems[0][0]].focus();
        return;
      }
      // Only what changed is sent; the address goes as a whole (it is saved as one).
      var body = {};
      ['first_name', 'last_name', 'phone', 'date_of_birth'].forEach(function (k) {
        if (v[k] !== txt(p[k] || '')) body[k] = v[k] || null;
      });
      var addrKeys = ['street1', 'street2', 'city', 'state', 'zipcode'];
      if (addrKeys.some(function (k) { return v[k] !== txt(a[k] || ''); })) {
        body.address = {};
        addrKeys.forEach(function (k) { body.address[k] = v[k] || null; });
        if (txt(a.street3 || '')) body.address.street3 = a.street3;
      }
      if (unemployed.input.checked !== !!p.collecting_unemployment) body.collecting_unemployment = unemployed.input.checked;
      if (ssnV) body.ssn = ssnV.replace(/\D/g, '').replace(/^(\d{3})(\d{2})(\d{4})$/, '$1-$2-$3');
      ssnV = null;
      clearError();
      if (!Object.keys(body).length) return showIncome();
      busy = true;
      setBusy(submit, true, 'Saving…');
      request('PATCH', 'borrower', body).then(function (r) {
        body = null;
        ssn.value = '';
        busy = false;
        if (S.finished) return;
        if (r && r.profile) S.profile = r.profile;
        if (r && r.financial && S.borrower) S.borrower.financial = r.financial;
        announce('Details saved.');
        showIncome();
      }, function (err) {
        body = null;
        busy = false;
        if (S.finished) return;
        setBusy(submit, false);
        if (sessionLost(err)) return;
        var msg = err.message;
        var firstBad = null;
        if (err.fields && typeof err.fields === 'object') {
          Object.keys(err.fields).forEach(function (k) {
            var key = k.replace(/^address\./, '');
            if (inputs[key]) { inputs[key].setAttribute('aria-invalid', 'true'); firstBad = firstBad || inputs[key]; }
          });
        }
        emit('ERROR', { error_code: 'http_' + err.status, message: msg });
        showError(msg);
        if (firstBad) firstBad.focus();
      });
    });

    var node = h('section', { 'aria-labelledby': 'ed-h', 'data-testid': 'enroll-details' }, [
      E.fromResults ? backButton('Back to plans', function () { clearError(); E.option = null; E.backToResults(); }) : null,
      stepLabel(1, planName(E.option)),
      h('h2', { id: 'ed-h', text: 'Confirm your details' }),
      h('p', { class: 'muted', text: 'Your servicer needs your name, phone, date of birth, address and Social Security number to file the request. Corrections are saved to your profile.' }),
      flash ? h('div', { class: 'notice', text: flash }) : null,
      form
    ]);
    screen(node);
  }

  /* ---------- enroll (2): income ---------- */
  function showIncome() {
    var p = profile();
    var fin = (S.borrower && S.borrower.financial) || {};
    var certs = Array.isArray(p.income_certifications) ? p.income_certifications : [];
    var onFile = certs[0] || null;
    var type = h('select', { class: 'input', id: 'income-type', 'data-testid': 'income-type' }, INCOME_TYPES.map(function (t) {
      return h('option', { value: t[0], text: t[1], selected: t[0] === (p.collecting_unemployment ? 'determination_summary' : 'pay_stub') });
    }));
    var file = h('input', { type: 'file', class: 'input', id: 'income-file', 'data-testid': 'income-file', accept: INCOME_ACCEPT });
    var none = checkbox('no-income', 'I have no taxable income', {
      'data-testid': 'no-income', checked: num(fin.agi) === 0 && !onFile
    }, 'No wages and no unemployment benefits: we save an income of $0 and no document is needed.');
    var submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'income-continue', text: 'Continue' });
    var upload = h('div', { 'data-testid': 'income-upload' }, [
      field('Document type', type),
      field(onFile ? 'Upload a newer document (optional)' : 'Document', file, 'A PDF, PNG or JPEG, at most 4 MB.')
    ]);
    function sync() {
      type.disabled = none.input.checked;
      file.disabled = none.input.checked;
      upload.classList.toggle('busy', none.input.checked);
      var label = onFile && !none.input.checked && !(file.files && file.files.length) ? 'Continue with the document on file' : 'Continue';
      if (!submit.disabled) submit.textContent = label;
      else submit.dataset.label = label;
    }
    none.input.addEventListener('change', sync);
    file.addEventListener('change', function () { file.removeAttribute('aria-invalid'); clearError(); sync(); });
    sync();

    var busy = false;
    var form = h('form', { novalidate: true, 'aria-labelledby': 'inc-h' }, [
      upload,
      h('p', { class: 'small muted', text: 'or' }),
      none.node,
      h('div', { class: 'actions' }, [submit])
    ]);
    function save(body, agiChanged) {
      busy = true;
      setBusy(submit, true, 'Saving…');
      request('PATCH', 'borrower', body).then(function (r) {
        busy = false;
        if (S.finished) return;
        if (r && r.profile) S.profile = r.profile;
        if (r && r.financial && S.borrower) S.borrower.financial = r.financial;
        if (agiChanged) E.stale = true;
        announce('Saved.');
        showReview();
      }, function (err) {
        busy = false;
        if (S.finished) return;
        setBusy(submit, false);
        if (sessionLost(err)) return;
        if (err.fields && Object.keys(err.fields).some(function (k) { return /^income_certification/.test(k); })) file.setAttribute('aria-invalid', 'true');
        emit('ERROR', { error_code: 'http_' + err.status, message: err.message });
        showError(err.message);
      });
    }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      file.removeAttribute('aria-invalid');
      if (none.input.checked) {
        clearError();
        if (num(fin.agi) === 0) return showReview();
        return save({ agi: 0 }, true);
      }
      var f = file.files && file.files[0];
      if (!f) {
        if (onFile) { clearError(); return showReview(); }
        file.setAttribute('aria-invalid', 'true');
        showError('Upload a pay stub or tax return, or tick \u201cI have no taxable income\u201d.');
        file.focus();
        return;
      }
      var okType = /^(application\/pdf|image\/png|image\/jpeg)$/.test(f.type) || /\.(pdf|png|jpe?g)$/i.test(f.name || '');
      if (!okType) {
        file.setAttribute('aria-invalid', 'true');
        showError('That file is not a PDF, PNG or JPEG. Choose a PDF or a photo of the document.');
        file.focus();
        return;
      }
      if (f.size > INCOME_MAX_BYTES) {
        file.setAttribute('aria-invalid', 'true');
        showError('That file is ' + (Math.round(f.size / 104857.6) / 10) + ' MB: the limit is 4 MB. Try a smaller scan or a PDF.');
        file.focus();
        return;
      }
      if (f.size === 0) {
        file.setAttribute('aria-invalid', 'true');
        showError('That file is empty. Choose another one.');
        file.focus();
        return;
      }
      clearError();
      busy = true;
      setBusy(submit, true, 'Reading…');
      var reader = new FileReader();
      reader.onload = function () {
        busy = false;
        setBusy(submit, false);
        var dataUrl = String(reader.result);
        // The server checks the content too; this only gives a clearer message sooner.
        var head = '';
        try { head = atob(dataUrl.slice(dataUrl.indexOf(',') + 1, dataUrl.indexOf(',') + 13)); } catch (e2) { head = ''; }
        var looksRight = head.slice(0, 5) === '%PDF-' || head.slice(0, 8) === '\x89PNG\r\n\x1a\n' || head.slice(0, 3) === '\xff\xd8\xff';
        if (!looksRight) {
          file.setAttribute('aria-invalid', 'true');
          showError('That file does not look like a PDF, PNG or JPEG inside. Choose the document itself (not a shortcut or another format).');
          file.focus();
          return;
        }
        save({ income_certification: { type: type.value, file: dataUrl } }, false);
      };
      reader.onerror = function () {
        busy = false;
        setBusy(submit, false);
        showError('Nexus could not read that file. Choose it again or pick another one.');
      };
      reader.readAsDataURL(f);
    });

    var node = h('section', { 'aria-labelledby': 'inc-h', 'data-testid': 'enroll-income' }, [
      backButton('Back', function () { clearError(); showEnrollDetails(); }),
      stepLabel(2, planName(E.option)),
      h('h2', { id: 'inc-h', text: 'Income' }),
      h('p', { class: 'muted', text: 'Income-driven plans need proof of your income: a recent pay stub or your latest tax return.' }),
      onFile ? h('div', { class: 'notice', 'data-testid': 'income-on-file', text: 'We already have your ' + incomeLabel(onFile.type).toLowerCase() +
        (onFile.inserted_at ? ' from ' + fmtDate(String(onFile.inserted_at)) : '') + ' on file. You can continue with it.' }) : null,
      form
    ]);
    screen(node);
  }

  /* ---------- enroll (3): review and sign ---------- */
  function showReview() {
    if (E.stale) {
      loading('Updating your estimate…');
      request('GET', 'repayment_options').then(function (r) {
        S.base = r; S.assessment = r; S.whatIf = null;
        E.option = findOption(r, planType(E.option)) || E.option;
        E.stale = false;
        showReview();
      }, function (err) {
        if (S.finished || sessionLost(err)) return;
        E.stale = false;
        showReview();
        requestError(err);
      });
      return;
    }
    var o = E.option || {};
    var type = planType(o);
    var p = profile();
    var fin = (S.borrower && S.borrower.financial) || {};
    var certs = Array.isArray(p.income_certifications) ? p.income_certifications : [];
    var servicers = linkedNames();
    var loans = Array.isArray(o.eligible_loans) ? o.eligible_loans.length : null;
    var signer = [txt(p.first_name), txt(p.last_name)].filter(Boolean).join(' ');

    var authorise = checkbox('authorize', 'I authorise Loanpath to file this request on my behalf',
      { 'data-testid': 'authorize', required: true, 'aria-required': 'true' },
      'This is your signature: Loanpath sends the Enrollment Request to your loan servicer for you, and you confirm that the details you gave are true.');
    var preview = s('svg', {
      class: 'signature', viewBox: '0 0 320 54', width: '100%', height: 54, preserveAspectRatio: 'xMinYMid meet', role: 'img', 'data-testid': 'signature-preview',
      'aria-label': 'Signature preview: ' + (signer || 'your name') + ' in cursive'
    }, [
      s('rect', { x: 0.5, y: 0.5, width: 319, height: 53, rx: 9, fill: '#f6f7fb', stroke: '#e3e6ef' }),
      s('line', { x1: 14, x2: 306, y1: 40, y2: 40, stroke: '#cbd0dc' }),
      s('text', {
        x: 18, y: 36, 'font-family': '"Segoe Script", "Brush Script MT", "URW Chancery L", "Z003", cursive', 'font-size': 24, 'font-style': 'italic',
        fill: '#1e1b4b', text: signer || 'Your name'
      })
    ]);
    var cursive = checkbox('cursive-signature', 'Sign with my name in cursive',
      { 'data-testid': 'cursive-signature', checked: true },
      'Your servicer\u2019s form gets your name as a cursive signature. Untick to send a typed signature.');
    var previewBox = h('div', { class: 'field' }, preview);
    cursive.input.addEventListener('change', function () { previewBox.hidden = !cursive.input.checked; });

    var missing = missingDetails();
    var needsIncome = (num(fin.agi) > 0 || p.collecting_unemployment) && !certs.length;
    var reasonsSlot = h('div', { 'data-testid': 'precondition-slot' });
    var submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'submit-enrollment', text: 'Submit request' });
    var busy = false;
    var form = h('form', { novalidate: true, 'aria-labelledby': 'rv-h' }, [
      h('h3', { text: 'Your signature' }),
      authorise.node,
      cursive.node,
      previewBox,
      reasonsSlot,
      h('div', { class: 'actions' }, [submit])
    ]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      authorise.input.removeAttribute('aria-invalid');
      if (!authorise.input.checked) {
        authorise.input.setAttribute('aria-invalid', 'true');
        showError('Tick the box to authorise Loanpath to file the request for you: it is your signature.');
        authorise.input.focus();
        return;
      }
      clearError();
      reasonsSlot.textContent = '';
      var payload = { repayment_plan: type, signature: true, cursive_signature: cursive.input.checked };
      var body = JSON.stringify(payload);
      // A new key per attempt; the same one again only when the last try got no answer.
      if (!E.attempt || E.attempt.body !== body) E.attempt = { key: randomKey(), body: body };
      var key = E.attempt.key;
      busy = true;
      setBusy(submit, true, 'Submitting…');
      announce('Submitting your request…');
      request('POST', 'enrollments', payload, { 'Idempotency-Key': key }).then(function (enrollment) {
        busy = false;
        E.attempt = null;
        var when = enrollment && enrollment.estimated_approval_date ? ' Estimated approval: ' + fmtDate(enrollment.estimated_approval_date) + '.' : '';
        success({ result: { enrollment: enrollment }, submitted: true, success: true },
          'Your request to enroll in ' + planName(o) + ' was submitted.' + when);
      }, function (err) {
        busy = false;
        if (S.finished) return;
        if (err.status) E.attempt = null; // answered: the next try is a new request
        setBusy(submit, false);
        if (sessionLost(err)) return;
        if (err.status === 409 && err.reasons && err.reasons.length) return showReasons(err.reasons, reasonsSlot);
        emit('ERROR', { error_code: err.status ? 'http_' + err.status : 'network', message: err.message });
        showError(err.status ? err.message : err.message + ' Your request was not confirmed: submitting again will not file it twice.');
      });
    });

    var monthly = num(o.starting_monthly_payment);
    var rows = [];
    if (loans !== null) rows.push(['Loans covered', String(loans)]);
    if (servicers.length) rows.push([servicers.length === 1 ? 'Servicer' : 'Servicers', servicers.join(', ')]);
    rows.push(['Income proof', certs.length ? incomeLabel(certs[0].type) : (num(fin.agi) === 0 ? 'No taxable income' : 'None yet')]);
    var summary = h('article', { class: 'card plan', 'data-testid': 'review-plan', 'aria-label': 'The plan you chose' }, [
      h('header', null, [h('h4', { 'data-testid': 'review-plan-name', text: planName(o) }), hasEligibleLoans(o) ? h('span', { class: 'tag ok', text: 'Eligible' }) : h('span', { class: 'tag no', text: 'Not eligible' })]),
      o.repayment_plan && o.repayment_plan.description ? h('p', { class: 'desc', text: o.repayment_plan.description }) : null,
      h('div', { class: 'big' }, [
        h('span', { 'data-testid': 'review-monthly', 'data-value': monthly === null ? '' : String(monthly), text: fmtMoney(monthly) }),
        h('small', { text: '/mo estimated' })
      ]),
      facts(rows)
    ]);
    var warn = [];
    if (missing.length) warn.push('Your servicer will refuse the request without ' + listWords(missing) + '.');
    if (needsIncome) warn.push('With an income you need proof of it on file.');
    var node = h('section', { 'aria-labelledby': 'rv-h', 'data-testid': 'enroll-review' }, [
      backButton('Back', function () { clearError(); showIncome(); }),
      stepLabel(3, planName(o)),
      h('h2', { id: 'rv-h', text: 'Review and sign' }),
      h('p', { class: 'muted', text: 'Check the plan, then sign to let us file the request with your servicer. The payment is an estimate: your servicer sets the final amount.' }),
      summary,
      warn.length ? h('div', { class: 'notice warn', 'data-testid': 'missing-notice' }, [
        warn.join(' ') + ' ',
        missing.length ? h('button', { type: 'button', class: 'link-btn', 'data-testid': 'missing-details', text: 'Go back to my details', onclick: function () { clearError(); showEnrollDetails(); } }) : null,
        !missing.length && needsIncome ? h('button', { type: 'button', class: 'link-btn', 'data-testid': 'missing-income', text: 'Add income proof', onclick: function () { clearError(); showIncome(); } }) : null
      ]) : null,
      form
    ]);
    screen(node);
  }

  // A 409 with every failing precondition: each one as a line, with what the borrower can do.
  function showReasons(reasons, slot) {
    emit('ERROR', { error_code: 'precondition', message: reasons.join(' ') });
    var missing = missingDetails();
    var items = reasons.map(function (r) {
      var action = null;
      var extra = null;
      if (REASON_PROFILE.test(r)) {
        if (missing.length) extra = 'Missing: ' + listWords(missing) + '.';
        action = h('button', { type: 'button', class: 'link-btn', 'data-testid': 'reason-details', text: 'Go back to my details', onclick: function () { clearError(); showEnrollDetails(); } });
      } else if (REASON_INCOME.test(r)) {
        action = h('button', { type: 'button', class: 'link-btn', 'data-testid': 'reason-income', text: 'Upload proof of income', onclick: function () { clearError(); showIncome(); } });
      } else if (REASON_LOANS.test(r)) {
        action = h('button', { type: 'button', class: 'link-btn', 'data-testid': 'reason-link', text: 'Link a servicer', onclick: function () {
          clearError();
          showPicker({ onDone: function () { E.stale = true; loadEnrollSession().then(function (ok) { if (ok) showReview(); }); } });
        } });
      }
      return h('li', null, [h('span', { text: r }), extra ? h('span', { class: 'hint', text: extra }) : null, action]);
    });
    var heading = h('p', null, h('strong', { id: 'reasons-h', text: 'Before we can file this request' }));
    slot.textContent = '';
    slot.appendChild(h('div', { class: 'notice warn', role: 'group', 'aria-labelledby': 'reasons-h', 'data-testid': 'precondition' }, [
      heading,
      h('ul', { class: 'reasons', 'data-testid': 'precondition-reasons' }, items)
    ]));
    showError('We can\u2019t file this request yet: ' + plural(reasons.length, 'thing needs', 'things need') + ' fixing (listed below).');
    // The alert announces it; focus goes to the first thing the borrower can do about it.
    var first = slot.querySelector('button');
    if (first) first.focus();
    else slot.scrollIntoView({ block: 'nearest' });
  }

