/* Part of the Nexus widget page (assets/widget.html): the payment chart, hand-drawn inline SVG.
   The parts are joined in file-name order into the page's one nonced <script>, inside one
   function scope, so they share its helpers and state. Not a standalone script. */
  /* ---------- assess: the chart (hand-drawn SVG) ---------- */
  function niceStep(range, target) {
    var raw = range / Math.max(1, target);
    var p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
  }
  function yearOf(snap) {
    if (snap.start_date && /^\d{4}-\d{2}/.test(snap.start_date)) {
      return parseInt(snap.start_date.slice(0, 4), 10) + (parseInt(snap.start_date.slice(5, 7), 10) - 1) / 12;
    }
    return null;
  }
  function fmtAxisMoney(v) {
    if (v >= 1000) return '$' + (Math.round(v / 100) / 10) + 'k';
    return '$' + Math.round(v);
  }

  function chart(opts, original, width) {
    // One viewBox unit per CSS pixel, so the axis text stays readable at 360 px and on desktop.
    var W = Math.round(Math.max(280, Math.min(560, width || 380)));
    var H = Math.round(Math.max(200, Math.min(260, W * 0.6))), L = 50, R = 10, T = 12, B = 38;
    var series = [];
    var calendar = opts.every(function (o) { return (o.annual_snapshots || []).every(function (sn) { return yearOf(sn) !== null; }); });
    opts.forEach(function (o) {
      var snaps = Array.isArray(o.annual_snapshots) ? o.annual_snapshots : [];
      if (!snaps.length) return;
      var pts = snaps.map(function (sn, i) {
        var x = calendar ? yearOf(sn) : (num(sn.year) !== null ? num(sn.year) - 1 : i);
        return [x, num(sn.monthly_payment) || 0];
      });
      var months = num(o.number_of_payments);
      var lastX = pts[pts.length - 1][0];
      var end = months ? pts[0][0] + months / 12 : lastX + 1;
      if (!(end > lastX)) end = lastX + 1;
      if (end > lastX + 1) end = lastX + 1;
      var type = planType(o);
      series.push({ type: type, name: o.name || type, pts: pts, end: end, style: styleFor(type) });
    });
    var x0 = Infinity, x1 = -Infinity, yMax = 0;
    series.forEach(function (se) {
      x0 = Math.min(x0, se.pts[0][0]);
      x1 = Math.max(x1, se.end);
      se.pts.forEach(function (p) { yMax = Math.max(yMax, p[1]); });
    });
    var ref = null;
    if (original && num(original.monthly_payment) !== null && series.length) {
      var n = num(original.number_of_payments) || 0;
      ref = { y: num(original.monthly_payment), end: x0 + (n ? n / 12 : x1 - x0) };
      yMax = Math.max(yMax, ref.y);
      x1 = Math.max(x1, ref.end);
    }
    if (!series.length) {
      return h('p', { class: 'empty', 'data-testid': 'chart-empty', text: 'No payment schedule to chart for these details.' });
    }
    if (!(x1 > x0)) x1 = x0 + 1;
    var yStep = niceStep(yMax || 1, 4);
    var yTop = Math.max(yStep, Math.ceil((yMax || 1) / yStep) * yStep);
    var xStep = Math.max(1, niceStep(x1 - x0, 5));
    var px = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var py = function (y) { return T + (1 - y / yTop) * (H - T - B); };

    var titleId = nid('ct');
    var summary = 'Monthly payment over time for ' + plural(series.length, 'eligible plan', 'eligible plans') + '. ' +
      series.map(function (se) { return se.name + ': ' + fmtMoney(se.pts[0][1]) + ' at first'; }).join('; ') + '.' +
      (ref ? ' Current plan: ' + fmtMoney(ref.y) + ' a month.' : '');
    var svg = s('svg', {
      class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': summary, 'aria-labelledby': titleId,
      'data-testid': 'chart', preserveAspectRatio: 'xMidYMid meet'
    });
    svg.appendChild(s('title', { id: titleId, text: summary }));

    var grid = s('g', { class: 'grid', 'aria-hidden': 'true' });
    var axis = s('g', { class: 'axis', 'aria-hidden': 'true' });
    for (var y = 0; y <= yTop + 1e-9; y += yStep) {
      grid.appendChild(s('line', { x1: L, x2: W - R, y1: py(y), y2: py(y) }));
      axis.appendChild(s('text', { x: L - 6, y: py(y) + 3.5, 'text-anchor': 'end', text: fmtAxisMoney(y) }));
    }
    var firstTick = Math.ceil(x0 / xStep - 1e-9) * xStep;
    for (var x = firstTick; x <= x1 + 1e-9; x += xStep) {
      axis.appendChild(s('line', { x1: px(x), x2: px(x), y1: H - B, y2: H - B + 4, stroke: '#9aa1b0' }));
      axis.appendChild(s('text', { x: px(x), y: H - B + 15, 'text-anchor': 'middle', text: calendar ? String(Math.round(x)) : String(Math.round(x)) }));
    }
    axis.appendChild(s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#9aa1b0' }));
    axis.appendChild(s('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#9aa1b0' }));
    axis.appendChild(s('text', { class: 'axis-title', x: L + (W - L - R) / 2, y: H - 4, 'text-anchor': 'middle', text: calendar ? 'Year' : 'Years in repayment' }));
    axis.appendChild(s('text', { class: 'axis-title', x: 0, y: 0, 'text-anchor': 'middle', transform: 'translate(11 ' + (T + (H - T - B) / 2) + ') rotate(-90)', text: 'Monthly payment' }));
    svg.appendChild(grid);
    svg.appendChild(axis);

    var paths = {};
    if (ref) {
      var rp = s('path', {
        class: 'series ref' + (S.hidden.original ? ' off' : ''), d: 'M' + px(x0) + ' ' + py(ref.y) + 'H' + px(ref.end),
        stroke: '#6b7280', 'stroke-dasharray': '1 4', 'stroke-width': 2.5, 'data-series': 'original'
      });
      svg.appendChild(rp);
      paths.original = rp;
    }
    series.forEach(function (se) {
      var d = '';
      se.pts.forEach(function (p, i) {
        var nextX = i + 1 < se.pts.length ? se.pts[i + 1][0] : se.end;
        d += (i === 0 ? 'M' + px(p[0]).toFixed(1) + ' ' : 'V') + py(p[1]).toFixed(1) + 'H' + px(nextX).toFixed(1);
      });
      var path = s('path', {
        class: 'series' + (S.hidden[se.type] ? ' off' : ''), d: d, stroke: se.style.color,
        'stroke-dasharray': se.style.dash || null, 'data-series': se.type, 'data-plan': se.type
      });
      svg.appendChild(path);
      paths[se.type] = path;
    });

    function highlight(type, on, label) {
      svg.classList.toggle('has-hl', on);
      Object.keys(paths).forEach(function (k) { paths[k].classList.toggle('hl', on && k === type); });
      if (label) label.classList.toggle('hl', on);
    }
    var legendItems = series.map(function (se) { return { type: se.type, name: se.name, color: se.style.color, dash: se.style.dash }; });
    if (ref) legendItems.push({ type: 'original', name: 'Current plan', color: '#6b7280', dash: '1 4' });
    var legend = h('ul', { class: 'legend', 'aria-label': 'Show or hide plans in the chart', 'data-testid': 'chart-legend' }, legendItems.map(function (it) {
      var cb = h('input', { type: 'checkbox', checked: !S.hidden[it.type], 'data-testid': 'legend-' + it.type });
      var label = h('label', null, [
        cb,
        s('svg', { width: 26, height: 10, viewBox: '0 0 26 10', 'aria-hidden': 'true', focusable: 'false' }, [
          s('line', { x1: 1, x2: 25, y1: 5, y2: 5, stroke: it.color, 'stroke-width': 2.5, 'stroke-dasharray': it.dash || null, 'stroke-linecap': 'round' })
        ]),
        h('span', { text: it.name })
      ]);
      cb.addEventListener('change', function () {
        S.hidden[it.type] = !cb.checked;
        paths[it.type].classList.toggle('off', !cb.checked);
        announce(it.name + (cb.checked ? ' shown' : ' hidden') + ' in the chart');
      });
      label.addEventListener('mouseenter', function () { highlight(it.type, true, label); });
      label.addEventListener('mouseleave', function () { highlight(it.type, false, label); });
      cb.addEventListener('focus', function () { highlight(it.type, true, label); });
      cb.addEventListener('blur', function () { highlight(it.type, false, label); });
      return h('li', null, label);
    }));
    return h('figure', { class: 'chart-wrap', 'data-testid': 'chart-figure' }, [
      h('h3', { class: 'sr-only', text: 'Chart: monthly payment over time' }),
      svg,
      legend
    ]);
  }

