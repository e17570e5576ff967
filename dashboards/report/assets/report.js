/* ghmc report: filters the inlined datasets, turns each card and chart into numbers, draws them.
   Every chart is a table of numbers first (columns + rows): the chart draws it, "Numbers" shows
   it and "CSV" downloads it. A filter that leaves no rows shows an empty-state message. */
(function () {
  'use strict';
  var DATA = JSON.parse(document.getElementById('ghmc-data').textContent);
  var LEVELS = { elite: '#1a7f37', high: '#4c9f70', medium: '#d4a72c', low: '#cf222e',
                 ok: '#1a7f37', partial: '#d4a72c', failed: '#cf222e', interrupted: '#cf222e' };
  var PALETTE = ['#0b5cad', '#e8871e', '#2a9d8f', '#9b5de5', '#d1495b', '#6c757d',
                 '#00a6ed', '#7fb800', '#f15bb5', '#3d405b'];
  var TOP = 15;          // bars shown in a breakdown; the rest are named in a note
  var TABLE_ROWS = 200;  // rows shown in a table; the CSV has them all
  var NUM = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  var MONEY = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

  // ---- datasets as arrays of objects -----------------------------------------------------------
  var SETS = {};
  function column(col, i) {  // a plain list, or {dict, codes} for repeated text (see queries.py)
    if (Array.isArray(col)) { return col[i]; }
    var code = col.codes[i];
    return code < 0 ? null : col.dict[code];
  }
  Object.keys(DATA.datasets).forEach(function (name) {
    var d = DATA.datasets[name], rows = new Array(d.length);
    for (var i = 0; i < d.length; i += 1) {
      var o = {};
      for (var c = 0; c < d.columns.length; c += 1) { o[d.columns[c]] = column(d.data[c], i); }
      rows[i] = o;
    }
    SETS[name] = rows;
  });
  function leftOut(name) { return DATA.datasets[name].left_out || 0; }

  // ---- filter state ----------------------------------------------------------------------------
  var allDays = [];
  ['copilot_daily', 'spend', 'dora_metrics'].forEach(function (n) {
    SETS[n].forEach(function (r) { allDays.push(r.d || r.p); });
  });
  SETS.pulls.forEach(function (r) { allDays.push(r.c); if (r.m) { allDays.push(r.m); } });
  SETS.runs.forEach(function (r) { allDays.push(r.start.slice(0, 10)); });
  allDays.sort();
  var SPAN = { from: allDays[0] || '', to: allDays[allDays.length - 1] || '' };
  var state = { page: DATA.pages[0].id, e: '', o: '', r: '', t: '', from: SPAN.from, to: SPAN.to,
                grain: 'week', sel: null };

  function weekStart(day) {
    var t = new Date(day.slice(0, 10) + 'T00:00:00Z');
    t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7));
    return t.toISOString().slice(0, 10);
  }
  function period(day) { return state.grain === 'week' ? weekStart(day) : day.slice(0, 7) + '-01'; }
  function periodEnd(p) {
    var t = new Date(p + 'T00:00:00Z');
    if (state.grain === 'week') { t.setUTCDate(t.getUTCDate() + 7); } else { t.setUTCMonth(t.getUTCMonth() + 1); }
    return t.toISOString().slice(0, 10);
  }
  function inRange(day) { return !!day && day.slice(0, 10) >= state.from && day.slice(0, 10) <= state.to; }
  function periodInRange(p) { return !!p && p >= period(state.from) && p <= state.to; }
  function entOk(r) { return !state.e || r.e === state.e; }
  function orgScoped(r) { return state.o ? r.o === state.o : r.o === ''; }
  function orgAny(r) { return !state.o || r.o === state.o; }
  function orgLoose(r) { return !state.o || r.o === state.o || r.o === '' || r.o === null; }
  function repoOk(r) { return !state.r || r.r === state.r; }
  var teamSet = null;
  function teamOk(r, col) { return !state.t || (teamSet !== null && teamSet.has(r.e + '|' + r[col])); }
  function where(name, tests) {
    return SETS[name].filter(function (r) { return tests.every(function (f) { return f(r); }); });
  }

  // ---- small helpers ---------------------------------------------------------------------------
  function sum(rows, col) { return rows.reduce(function (a, r) { return a + (Number(r[col]) || 0); }, 0); }
  function ratio(a, b) { return b ? a / b : null; }
  function pct(x) { return x === null || x === undefined ? null : Math.round(x * 1000) / 10; }
  function hours(x) { return x === null || x === undefined ? null : Math.round(x / 6) / 10; }
  function round2(x) { return x === null || x === undefined ? null : Math.round(x * 100) / 100; }
  /* The q-quantile with linear interpolation: the definition projections/stats.py uses. */
  function quantile(values, q) {
    var xs = values.filter(function (v) { return v !== null && v !== undefined; })
      .sort(function (a, b) { return a - b; });
    if (!xs.length) { return null; }
    var rank = q * (xs.length - 1), lo = Math.floor(rank), hi = Math.ceil(rank);
    return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo);
  }
  function groupBy(rows, keyFn) {
    var m = new Map();
    rows.forEach(function (r) {
      var k = keyFn(r);
      if (!m.has(k)) { m.set(k, []); }
      m.get(k).push(r);
    });
    return new Map(Array.from(m.entries()).sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; }));
  }
  function fmt(v) {
    if (v === null || v === undefined || v === '') { return '—'; }
    return typeof v === 'number' ? NUM.format(v) : String(v);
  }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined) { n.textContent = text; }
    return n;
  }
  function multiEnt() { return !state.e && DATA.enterprises.length > 1; }
  function noTeamNote() { return state.t ? 'The team filter does not apply: this table has no per-user rows.' : ''; }
  function topNote(n, kept) { return n > kept ? 'Showing the top ' + kept + ' of ' + n + '.' : ''; }
  function capNote(name) {
    var n = leftOut(name);
    return n ? 'The report holds the newest ' + DATA.datasets[name].length + ' rows; ' + n + ' older rows were left out.' : '';
  }
  function joinNotes() { return Array.prototype.slice.call(arguments).filter(Boolean).join(' '); }

  // ---- Copilot adoption ------------------------------------------------------------------------
  function copilotDaily() { return where('copilot_daily', [entOk, orgScoped, function (r) { return inRange(r.d); }]); }
  function lastDayRows(rows) {
    var last = rows.reduce(function (a, r) { return r.d > a ? r.d : a; }, '');
    return { day: last, rows: rows.filter(function (r) { return r.d === last; }) };
  }
  function seatRows() { return where('seats', [entOk, orgAny, function (r) { return teamOk(r, 'u'); }]); }
  function userRows() {
    var from = weekStart(state.from);
    return where('copilot_users', [entOk, orgLoose, function (r) { return teamOk(r, 'u'); },
      function (r) { return r.w >= from && r.w <= state.to; }]);
  }
  function dailyCard(col) {
    return function () {
      var l = lastDayRows(copilotDaily());
      return { value: l.rows.length ? sum(l.rows, col) : null, sub: joinNotes(l.day ? 'on ' + l.day : '', state.t ? '(all users)' : '') };
    };
  }
  function breakdown(dim, cols) {
    return function () {
      var from = weekStart(state.from);  // weekly rows: the weeks that overlap the range
      var rows = where('copilot_breakdown', [entOk, orgScoped, function (r) { return r.dim === dim && r.w >= from && r.w <= state.to; }]);
      var out = [];
      groupBy(rows, function (r) { return r.k; }).forEach(function (rs, k) {
        out.push([k].concat(cols.map(function (c) { return sum(rs, c[0]); })));
      });
      out.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
      var n = out.length;
      return { columns: [dim].concat(cols.map(function (c) { return c[1]; })), rows: out.slice(0, TOP),
               draw: 'hbar', note: joinNotes(topNote(n, TOP), noTeamNote()) };
    };
  }
  function seatBucket(r) {
    if (r.inactive === null || r.inactive === undefined) { return 'never used'; }
    if (r.inactive >= 90) { return '90+ days'; }
    if (r.inactive >= 30) { return '30–89 days'; }
    if (r.inactive >= 7) { return '7–29 days'; }
    return 'active (< 7 days)';
  }

  var CARDS = {
    dau: dailyCard('dau'), wau: dailyCard('wau'), mau: dailyCard('mau'),
    chat: dailyCard('chat'), agent: dailyCard('agent'), cli: dailyCard('cli'),
    seats: function () {
      var s = seatRows();
      var active = s.filter(function (r) { return r.inactive !== null && r.inactive < 30; }).length;
      var snap = s.reduce(function (a, r) { return r.snap > a ? r.snap : a; }, '');
      return { value: s.length ? active : null, text: s.length ? NUM.format(active) + ' / ' + NUM.format(s.length) : null,
               sub: snap ? 'snapshot ' + snap : '' };
    },
    acc_count: function () {
      var rows = copilotDaily();
      var v = pct(ratio(sum(rows, 'acc'), sum(rows, 'gen')));
      return { value: v, text: v === null ? null : v + ' %', sub: NUM.format(sum(rows, 'acc')) + ' of ' + NUM.format(sum(rows, 'gen')) };
    },
    acc_lines: function () {
      var rows = copilotDaily();
      var v = pct(ratio(sum(rows, 'ladd'), sum(rows, 'lsug')));
      return { value: v, text: v === null ? null : v + ' %', sub: NUM.format(sum(rows, 'ladd')) + ' of ' + NUM.format(sum(rows, 'lsug')) + ' lines' };
    }
  };

  var CHARTS = {
    active_trend: function () {
      var out = [];
      groupBy(copilotDaily(), function (r) { return period(r.d); }).forEach(function (rs, p) {
        var l = lastDayRows(rs).rows;
        out.push([p, sum(l, 'dau'), sum(l, 'wau'), sum(l, 'mau')]);
      });
      return { columns: ['period', 'DAU', 'WAU', 'MAU'], rows: out, draw: 'line', note: noTeamNote() };
    },
    acceptance_trend: function () {
      var out = [];
      groupBy(copilotDaily(), function (r) { return period(r.d); }).forEach(function (rs, p) {
        out.push([p, pct(ratio(sum(rs, 'acc'), sum(rs, 'gen'))), pct(ratio(sum(rs, 'ladd'), sum(rs, 'lsug')))]);
      });
      return { columns: ['period', 'by count %', 'by lines %'], rows: out, draw: 'line', note: noTeamNote() };
    },
    copilot_prs: function () {
      var out = [];
      groupBy(copilotDaily(), function (r) { return period(r.d); }).forEach(function (rs, p) {
        out.push([p, sum(rs, 'prc'), sum(rs, 'prr'), sum(rs, 'prcc'), sum(rs, 'prrc')]);
      });
      return { columns: ['period', 'created', 'reviewed', 'created by Copilot', 'reviewed by Copilot'], rows: out, draw: 'bar', note: noTeamNote() };
    },
    by_language: breakdown('language', [['gen', 'generations'], ['acc', 'acceptances']]),
    by_ide: breakdown('ide', [['gen', 'generations'], ['acc', 'acceptances']]),
    by_model: breakdown('model', [['gen', 'generations'], ['acc', 'acceptances']]),
    by_feature: breakdown('feature', [['inter', 'interactions'], ['gen', 'generations']]),
    phases: function () {
      var phases = new Set(), cells = new Map();
      groupBy(userRows(), function (r) { return period(r.w) + '|' + r.e + '|' + r.u; }).forEach(function (rs, k) {
        var last = rs.reduce(function (a, r) { return !a || r.last > a.last ? r : a; }, null);
        var p = k.split('|')[0], ph = last.phase || 'unknown';
        phases.add(ph);
        cells.set(p + '|' + ph, (cells.get(p + '|' + ph) || 0) + 1);
      });
      var names = Array.from(phases).sort();
      var periods = Array.from(new Set(Array.from(cells.keys()).map(function (k) { return k.split('|')[0]; }))).sort();
      var out = periods.map(function (p) { return [p].concat(names.map(function (n) { return cells.get(p + '|' + n) || 0; })); });
      return { columns: ['period'].concat(names), rows: out, draw: 'stack' };
    },
    teams: function () {
      var members = new Map();
      where('teams', [entOk, function (r) { return !state.t || r.t === state.t; }]).forEach(function (r) {
        if (!members.has(r.t)) { members.set(r.t, new Set()); }
        members.get(r.t).add(r.e + '|' + r.u);
      });
      var users = userRows(), out = [];
      Array.from(members.keys()).sort().forEach(function (t) {
        var set = members.get(t);
        var rs = users.filter(function (r) { return set.has(r.e + '|' + r.u) && r.days > 0; });
        if (!rs.length) { return; }
        var active = new Set(rs.map(function (r) { return r.e + '|' + r.u; })).size;
        out.push([t, active, pct(ratio(sum(rs, 'acc'), sum(rs, 'gen')))]);
      });
      out.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
      var n = out.length;
      return { columns: ['team', 'active users', 'acceptance %'], rows: out.slice(0, TOP), draw: 'bar', axis2: ['acceptance %'], note: topNote(n, TOP) };
    },
    seat_activity: function () {
      var order = ['active (< 7 days)', '7–29 days', '30–89 days', '90+ days', 'never used'];
      var s = seatRows();
      if (!s.length) { return { columns: ['last activity', 'seats'], rows: [] }; }
      var counts = order.map(function (b) { return [b, s.filter(function (r) { return seatBucket(r) === b; }).length]; });
      return { columns: ['last activity', 'seats'], rows: counts, draw: 'bar' };
    },
    seat_list: function () {
      var rows = seatRows().filter(function (r) { return r.inactive === null || r.inactive >= 7; }).map(function (r) {
        return [r.e, r.o, r.u, r.plan, r.team, r.last, r.editor, r.inactive === null ? 'never used' : r.inactive];
      });
      return { columns: ['enterprise', 'org', 'user', 'plan', 'assigning team', 'last activity', 'editor', 'inactive days'],
               rows: rows, draw: 'table', note: capNote('seats'), emptyText: 'Every seat in these filters was used in the last 7 days.' };
    }
  };

  // ---- Spend -----------------------------------------------------------------------------------
  function spendRows(test) { return where('spend', [entOk, orgScoped, test]); }
  function spendLastDay() {
    var days = spendRows(function (r) { return inRange(r.d); }).map(function (r) { return r.d; }).sort();
    return days.length ? days[days.length - 1] : null;
  }
  function monthBefore(day) {
    var t = new Date(day.slice(0, 7) + '-01T00:00:00Z');
    t.setUTCMonth(t.getUTCMonth() - 1);
    return t.toISOString().slice(0, 7);
  }
  function mtd(col) {
    return function () {
      var last = spendLastDay();
      if (!last) { return { value: null }; }
      var rows = spendRows(function (r) { return r.d.slice(0, 7) === last.slice(0, 7) && r.d <= last; });
      var v = round2(sum(rows, col)), month = monthBefore(last);
      var before = spendRows(function (r) { return r.d.slice(0, 7) === month; });
      return { value: v, text: MONEY.format(v),
               sub: 'to ' + last + (before.length ? ' · ' + month + ': ' + MONEY.format(round2(sum(before, col))) : '') };
    };
  }
  CARDS.gross_mtd = mtd('gross');
  CARDS.discount_mtd = mtd('disc');
  CARDS.net_mtd = mtd('net');
  CARDS.net_last_month = function () {
    var last = spendLastDay();
    if (!last) { return { value: null }; }
    var month = monthBefore(last);
    var rows = spendRows(function (r) { return r.d.slice(0, 7) === month; });
    var v = round2(sum(rows, 'net'));
    return { value: rows.length ? v : null, text: rows.length ? MONEY.format(v) : null, sub: month };
  };
  CARDS.per_user = function () {
    var net = sum(spendRows(function (r) { return inRange(r.d); }), 'net');
    var mau = sum(lastDayRows(copilotDaily()).rows, 'mau');
    var v = round2(ratio(net, mau));
    return { value: v, text: v === null ? null : MONEY.format(v), sub: NUM.format(mau) + ' monthly active users' };
  };
  CARDS.per_seat = function () {
    var net = sum(spendRows(function (r) { return inRange(r.d); }), 'net');
    var seats = where('seats', [entOk, orgAny]).length;
    var v = round2(ratio(net, seats));
    return { value: v, text: v === null ? null : MONEY.format(v), sub: NUM.format(seats) + ' assigned seats' };
  };
  CHARTS.daily_cost = function () {
    var rows = spendRows(function (r) { return inRange(r.d); });
    var models = Array.from(new Set(rows.map(function (r) { return r.m; }))).sort();
    var out = [];
    groupBy(rows, function (r) { return r.d; }).forEach(function (rs, d) {
      out.push([d].concat(models.map(function (m) { return round2(sum(rs.filter(function (r) { return r.m === m; }), 'net')); })));
    });
    return { columns: ['day'].concat(models), rows: out, draw: 'stack' };
  };
  CHARTS.spend_trend = function () {
    var out = [];
    groupBy(spendRows(function (r) { return inRange(r.d); }), function (r) { return period(r.d); }).forEach(function (rs, p) {
      out.push([p, round2(sum(rs, 'gross')), round2(sum(rs, 'disc')), round2(sum(rs, 'net'))]);
    });
    return { columns: ['period', 'gross', 'discount', 'net'], rows: out, draw: 'bar' };
  };
  CHARTS.by_sku = function () {
    var out = [];
    groupBy(spendRows(function (r) { return inRange(r.d); }), function (r) { return r.sku; }).forEach(function (rs, k) {
      out.push([k, round2(sum(rs, 'gross')), round2(sum(rs, 'disc')), round2(sum(rs, 'net'))]);
    });
    return { columns: ['sku', 'gross', 'discount', 'net'], rows: out, draw: 'bar' };
  };
  CHARTS.by_org = function () {
    var out = [];
    var rows = where('spend', [entOk, function (r) { return r.o !== '' && orgAny(r) && inRange(r.d); }]);
    groupBy(rows, function (r) { return r.o; }).forEach(function (rs, k) { out.push([k, round2(sum(rs, 'net'))]); });
    out.sort(function (a, b) { return b[1] - a[1]; });
    var n = out.length;
    return { columns: ['org', 'net'], rows: out.slice(0, TOP), draw: 'hbar', note: topNote(n, TOP) };
  };
  CHARTS.top_users = function () {
    var out = [];
    var rows = where('spend_users', [entOk, orgAny, function (r) { return inRange(r.d); }]);
    groupBy(rows, function (r) { return r.e + ' · ' + r.u; }).forEach(function (rs, k) { out.push([k, round2(sum(rs, 'gross')), round2(sum(rs, 'net'))]); });
    out.sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
    var n = out.length;
    return { columns: ['user', 'gross', 'net'], rows: out.slice(0, TOP), draw: 'hbar', note: topNote(n, TOP),
             emptyText: 'No per-user spend in these filters: per-user billing (billing.per_user) is off, or no user had spend.' };
  };

  // ---- DORA ------------------------------------------------------------------------------------
  function doraScope() {
    return where('dora_metrics', [entOk, function (r) {
      if (r.g !== state.grain || !periodInRange(r.p)) { return false; }
      if (state.r) { return r.r === state.r; }
      if (state.o) { return r.o === state.o && r.r === ''; }
      return r.o === '' && r.r === '';
    }]);
  }
  var memo = {};  // per render: rows several charts share
  function doraRepos() {
    if (memo.doraRepos) { return memo.doraRepos; }
    memo.doraRepos = where('dora_metrics', [entOk, orgAny, repoOk, function (r) { return r.r !== '' && r.g === state.grain && periodInRange(r.p); }])
      .sort(function (a, b) { return a.p < b.p ? 1 : a.p > b.p ? -1 : (a.r < b.r ? -1 : a.r > b.r ? 1 : 0); });
    return memo.doraRepos;
  }
  ['deployments', 'changes', 'failed', 'incidents'].forEach(function (id) {
    var col = { deployments: 'dep', changes: 'ch', failed: 'fd', incidents: 'inc' }[id];
    CARDS[id] = function () {
      var rows = doraScope(), n = new Set(rows.map(function (r) { return r.p; })).size;
      return { value: rows.length ? sum(rows, col) : null, sub: n ? n + ' ' + state.grain + (n > 1 ? 's' : '') : '' };
    };
  });
  function levelTrend(col, levelCol, scale) {
    return function () {
      var out = doraScope().filter(function (r) { return r[col] !== null; }).map(function (r) {
        return [multiEnt() ? r.p + ' · ' + r.e : r.p, scale(r[col]), r[levelCol]];
      }).sort(function (a, b) { return a[0] < b[0] ? -1 : 1; });
      return { columns: ['period', col === 'ddays' ? 'deployment days' : 'value', 'level'], rows: out, draw: 'levelbar' };
    };
  }
  CHARTS.dora_table = function () {
    var rows = doraRepos().map(function (r) {
      return [r.e, r.r, r.p, r.ddays, r.dep, r.dfl, hours(r.ltm), r.ch, hours(r.ltp), r.ltl, pct(r.cfr), r.dep, r.cfl,
              hours(r.rec), r.inc, r.rcl, pct(r.rw)];
    });
    return { columns: ['enterprise', 'repository', 'period', 'deploy days', 'deployments', 'DF level', 'lead time median h',
                       'n (changes)', 'lead time p75 h', 'LT level', 'CFR %', 'n (deployments)', 'CFR level',
                       'recovery median h', 'n (incidents)', 'recovery level', 'rework %'],
             rows: rows, draw: 'table', select: true };
  };
  CHARTS.df_trend = levelTrend('ddays', 'dfl', function (x) { return x; });
  CHARTS.lt_trend = levelTrend('ltm', 'ltl', hours);
  CHARTS.cfr_trend = levelTrend('cfr', 'cfl', pct);
  CHARTS.rec_trend = levelTrend('rec', 'rcl', hours);
  CHARTS.rework_trend = function () {
    var out = doraScope().filter(function (r) { return r.rw !== null; }).map(function (r) {
      return [multiEnt() ? r.p + ' · ' + r.e : r.p, pct(r.rw)];
    }).sort(function (a, b) { return a[0] < b[0] ? -1 : 1; });
    return { columns: ['period', 'rework %'], rows: out, draw: 'bar' };
  };
  function selection() {
    var rows = doraRepos();
    var sel = state.sel;
    if (sel && rows.some(function (r) { return r.e === sel.e && r.r === sel.r && r.p === sel.p; })) { return sel; }
    var first = rows.filter(function (r) { return r.dep > 0; })[0] || rows[0];  // one with deployments
    return first ? { e: first.e, r: first.r, p: first.p } : null;
  }
  function detail(name, timeCol, columns, pick, emptyWhat) {
    return function () {
      var sel = selection();
      if (!sel) { return { columns: columns, rows: [], draw: 'table' }; }
      var end = periodEnd(sel.p);
      var rows = SETS[name].filter(function (r) {
        return r.e === sel.e && r.r === sel.r && r[timeCol] && r[timeCol].slice(0, 10) >= sel.p && r[timeCol].slice(0, 10) < end;
      }).map(pick);
      return { columns: columns, rows: rows, draw: 'table', note: joinNotes('Repository ' + sel.r + ', ' + state.grain + ' of ' + sel.p + '.', capNote(name)),
               emptyText: 'No ' + emptyWhat + ' in ' + sel.r + ' for the ' + state.grain + ' of ' + sel.p + '.' };
    };
  }
  CHARTS.dora_deployments = detail('deployments', 'at', ['deployed at', 'deployment', 'environment', 'source', 'succeeded', 'baseline', 'PRs shipped'],
    function (r) { return [r.at, r.k, r.env, r.src, r.ok ? 'yes' : 'no', r.base ? 'yes' : 'no', r.prs]; }, 'deployments');
  CHARTS.dora_changes = detail('changes', 'm', ['merged at', 'PR', 'author', 'first commit', 'deployed at', 'lead time h', 'attribution'],
    function (r) { return [r.m, r.n, r.a, r.fc, r.at, hours(r.lt), r.how]; }, 'merged changes');
  CHARTS.dora_incidents = detail('incidents', 'at', ['opened at', 'incident', 'source', 'resolved at', 'recovery h', 'attribution'],
    function (r) { return [r.at, r.k, r.src, r.res, hours(r.rec), r.how]; }, 'incidents');

  // ---- Velocity --------------------------------------------------------------------------------
  function pulls() { return where('pulls', [entOk, orgAny, repoOk, function (r) { return teamOk(r, 'a'); }]); }
  function merged(kind) {
    return pulls().filter(function (r) { return inRange(r.m) && (!kind || r.kind === kind); });
  }
  CARDS.opened = function () { var n = pulls().filter(function (r) { return inRange(r.c); }).length; return { value: n }; };
  CARDS.merged = function () { return { value: merged().length }; };
  CARDS.cycle_median = function () {
    var rs = merged('human'), cyc = rs.map(function (r) { return r.cyc; });
    var v = hours(quantile(cyc, 0.5));
    return { value: v, sub: 'n = ' + cyc.filter(function (x) { return x !== null; }).length };
  };
  CARDS.no_review = function () {
    var rs = merged('human');
    var n = rs.filter(function (r) { return !r.nrev; }).length;
    return { value: n, sub: rs.length ? pct(n / rs.length) + ' % of ' + rs.length : '' };
  };
  var KINDS = [['human', 'humans'], ['bot', 'bots'], ['copilot', 'Copilot']];
  CHARTS.prs_weekly = function () {
    var rows = pulls(), cells = new Map();
    function add(p, key) { if (!cells.has(p)) { cells.set(p, {}); } cells.get(p)[key] = (cells.get(p)[key] || 0) + 1; }
    rows.forEach(function (r) {
      if (inRange(r.c)) { add(period(r.c), 'o' + r.kind); }
      if (inRange(r.m)) { add(period(r.m), 'm' + r.kind); }
    });
    var out = Array.from(cells.keys()).sort().map(function (p) {
      var c = cells.get(p);
      return [p].concat(KINDS.map(function (k) { return c['o' + k[0]] || 0; }), KINDS.map(function (k) { return c['m' + k[0]] || 0; }));
    });
    return { columns: ['period'].concat(KINDS.map(function (k) { return 'opened · ' + k[1]; }), KINDS.map(function (k) { return 'merged · ' + k[1]; })),
             rows: out, draw: 'bar', stackByPrefix: true, note: capNote('pulls') };
  };
  function perPeriod(kind, cols) {
    var out = [];
    groupBy(merged(kind), function (r) { return period(r.m); }).forEach(function (rs, p) {
      out.push([p].concat(cols.map(function (c) { return c(rs); })));
    });
    return out;
  }
  function q(col, qq) { return function (rs) { return hours(quantile(rs.map(function (r) { return r[col]; }), qq)); }; }
  CHARTS.cycle_stages = function () {
    return { columns: ['period', 'coding median', 'coding p75', 'pickup median', 'pickup p75', 'review median', 'review p75', 'n'],
             rows: perPeriod('human', [q('cod', 0.5), q('cod', 0.75), q('pick', 0.5), q('pick', 0.75), q('rev', 0.5), q('rev', 0.75),
                                       function (rs) { return rs.length; }]),
             draw: 'line', hide: ['n'], pairs: true };
  };
  CHARTS.cycle_kinds = function () {
    var per = new Map();
    KINDS.forEach(function (k, i) {
      perPeriod(k[0], [q('cyc', 0.5)]).forEach(function (row) {
        if (!per.has(row[0])) { per.set(row[0], [null, null, null]); }
        per.get(row[0])[i] = row[1];
      });
    });
    var out = Array.from(per.keys()).sort().map(function (p) { return [p].concat(per.get(p)); });
    return { columns: ['period'].concat(KINDS.map(function (k) { return k[1]; })), rows: out, draw: 'line' };
  };
  CHARTS.pr_size = function () {
    return { columns: ['period', 'median lines', 'n'],
             rows: perPeriod('human', [function (rs) { return quantile(rs.map(function (r) { return r.size; }), 0.5); },
                                       function (rs) { return rs.length; }]), draw: 'bar', hide: ['n'] };
  };
  CHARTS.reviews_per_pr = function () {
    return { columns: ['period', 'reviews per PR'],
             rows: perPeriod('human', [function (rs) { return round2(ratio(sum(rs, 'nrev'), rs.length)); }]), draw: 'line' };
  };
  CHARTS.no_review_trend = function () {
    var per = new Map();
    merged().forEach(function (r) {
      var p = period(r.m);
      if (!per.has(p)) { per.set(p, [0, 0, 0]); }
      if (!r.nrev) { per.get(p)[KINDS.findIndex(function (k) { return k[0] === r.kind; })] += 1; }
    });
    var out = Array.from(per.keys()).sort().map(function (p) { return [p].concat(per.get(p)); });
    return { columns: ['period'].concat(KINDS.map(function (k) { return k[1]; })), rows: out, draw: 'stack' };
  };
  CHARTS.developers = function () {
    var from = weekStart(state.from), devs = new Map();
    function dev(e, u) { var k = e + '|' + u; if (!devs.has(k)) { devs.set(k, { e: e, u: u, o: 0, m: 0, c: 0, g: 0, cyc: [] }); } return devs.get(k); }
    where('velocity', [entOk, orgAny, function (r) { return teamOk(r, 'u') && r.w >= from && r.w <= state.to; }]).forEach(function (r) {
      var d = dev(r.e, r.u); d.o += r.opened; d.m += r.merged; d.c += r.commits; d.g += r.given;
    });
    merged('human').forEach(function (r) { if (r.cyc !== null) { dev(r.e, r.a).cyc.push(r.cyc); } });
    var out = Array.from(devs.values()).map(function (d) {
      return [d.u, d.e, d.o, d.m, d.c, d.g, hours(quantile(d.cyc, 0.5)), d.cyc.length];
    }).sort(function (a, b) { return b[3] - a[3] || b[2] - a[2] || (a[0] < b[0] ? -1 : 1); });
    return { columns: ['developer', 'enterprise', 'PRs opened', 'PRs merged', 'commits', 'reviews given', 'median cycle h', 'n (PRs)'],
             rows: out, draw: 'table', note: state.r ? 'PRs, commits and reviews given come from velocity_metrics, which has no repository: the repository filter narrows the cycle times only.' : '' };
  };

  // ---- Data ------------------------------------------------------------------------------------
  function runs() { return where('runs', [entOk, function (r) { return inRange(r.start); }]); }
  CARDS.last_run = function () {
    var ok = runs().filter(function (r) { return r.status === 'ok'; }).map(function (r) { return r.start; }).sort();
    var last = ok[ok.length - 1];
    return { value: last || null, text: last ? last.slice(0, 16).replace('T', ' ') : null, sub: last ? 'UTC' : '' };
  };
  CARDS.runs = function () { return { value: runs().length }; };
  CARDS.tables = function () { return { value: DATA.lineage.tables.length, sub: 'archive head ' + (DATA.lineage.archive_head || 'not recorded').slice(0, 12) }; };
  CHARTS.freshness = function () {
    var out = [];
    groupBy(runs(), function (r) { return r.e; }).forEach(function (rs, e) {
      var sorted = rs.slice().sort(function (a, b) { return a.start < b.start ? 1 : -1; });
      var ok = sorted.filter(function (r) { return r.status === 'ok'; });
      out.push([e, ok.length ? ok[0].start : null, sorted[0].start, sorted[0].status, rs.length,
                rs.reduce(function (a, r) { return a + (r.errors || 0); }, 0)]);
    });
    return { columns: ['enterprise', 'last successful run', 'last run', 'status', 'runs', 'errors'], rows: out, draw: 'table' };
  };
  function runLabel(r) { return r.start.slice(0, 16).replace('T', ' ') + (multiEnt() ? ' · ' + r.e : ''); }
  CHARTS.run_events = function () {
    var out = runs().slice().reverse().map(function (r) { return [runLabel(r), r.events, r.status]; });
    return { columns: ['run', 'events', 'status'], rows: out, draw: 'levelbar' };
  };
  CHARTS.run_requests = function () {
    var out = runs().slice().reverse().map(function (r) { return [runLabel(r), r.requests, r.nm]; });
    return { columns: ['run', 'requests', 'not modified'], rows: out, draw: 'bar' };
  };
  CHARTS.lineage = function () {
    var rows = DATA.lineage.tables.map(function (t) {
      return [t.table, t.version, t.current === null ? 'not compared' : t.current ? 'current' : 'OUTDATED',
              t.archive_head || '', t.kept_before || '', t.rows];
    });
    return { columns: ['table', 'definition version', 'definition', 'archive head', 'kept before', 'rows'], rows: rows, draw: 'table',
             note: 'Archive head metrics.db was built from: ' + (DATA.lineage.archive_head || 'not recorded (tables differ)') + '.' };
  };

  // ---- drawing ---------------------------------------------------------------------------------
  var charts = [];
  var results = {};
  function disposeCharts() { charts.forEach(function (c) { c.dispose(); }); charts = []; }
  function baseOption() {
    return { animation: false, color: PALETTE, textStyle: { fontFamily: 'Segoe UI, Inter, Helvetica Neue, Arial, sans-serif' },
             tooltip: { trigger: 'axis' }, grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true } };
  }
  function chartOption(t) {
    var opt = baseOption();
    var hide = t.hide || [];
    var valueCols = t.columns.slice(1).filter(function (c) { return hide.indexOf(c) < 0 && c !== 'level' && c !== 'status'; });
    var cats = t.rows.map(function (r) { return String(r[0]); });
    if (t.draw === 'levelbar') {
      var levelIdx = t.columns.length - 1;
      var rotate = cats[0].length > 10;
      opt.xAxis = { type: 'category', data: cats, axisLabel: { hideOverlap: true, rotate: rotate ? 30 : 0 } };
      if (rotate) { opt.grid.left = 64; }
      opt.yAxis = { type: 'value' };
      opt.series = [{ type: 'bar', name: t.columns[1], barMaxWidth: 36,
        data: t.rows.map(function (r) { return { value: r[1], itemStyle: { color: LEVELS[r[levelIdx]] || '#8c959f' } }; }) }];
      return opt;
    }
    var horizontal = t.draw === 'hbar';
    var cat = { type: 'category', data: horizontal ? cats.slice().reverse() : cats, axisLabel: { hideOverlap: true } };
    var val = { type: 'value' };
    opt.xAxis = horizontal ? val : cat;
    opt.yAxis = horizontal ? cat : [val].concat((t.axis2 || []).length ? [{ type: 'value', splitLine: { show: false } }] : []);
    opt.legend = { top: 0, type: 'scroll' };
    var bases = [];
    opt.series = valueCols.map(function (c) {
      var idx = t.columns.indexOf(c);
      var data = t.rows.map(function (r) { return r[idx]; });
      var second = (t.axis2 || []).indexOf(c) >= 0;
      var s = { name: c, type: second || t.draw === 'line' ? 'line' : 'bar', yAxisIndex: second ? 1 : 0,
                data: horizontal ? data.reverse() : data, connectNulls: true, barMaxWidth: 36, symbolSize: 5 };
      if (t.draw === 'stack') { s.stack = 'all'; }
      if (t.stackByPrefix) {  // one stacked bar per prefix ("opened", "merged"), one colour per suffix
        s.stack = c.split(' · ')[0];
        var kinds = valueCols.map(function (v) { return v.split(' · ')[1]; });
        s.itemStyle = { color: PALETTE[kinds.indexOf(c.split(' · ')[1])] };
      }
      if (t.pairs) {  // "x median" and "x p75" share a colour; the p75 line is dashed
        var base = c.replace(/ (median|p75)$/, '');
        if (bases.indexOf(base) < 0) { bases.push(base); }
        s.itemStyle = { color: PALETTE[bases.indexOf(base)] };
        s.lineStyle = { color: PALETTE[bases.indexOf(base)], type: / p75$/.test(c) ? 'dashed' : 'solid' };
      }
      return s;
    });
    return opt;
  }
  function tableNode(t, select) {
    var wrap = el('div', 'table-wrap'), table = el('table', 'data'), head = el('tr');
    t.columns.forEach(function (c) { head.appendChild(el('th', '', c)); });
    var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
    var body = el('tbody');
    t.rows.slice(0, TABLE_ROWS).forEach(function (row) {
      var tr = el('tr');
      row.forEach(function (v, i) {
        var td = el('td', typeof v === 'number' ? 'num' : '');
        if (v !== null && v !== undefined && (/level$/.test(t.columns[i]) || t.columns[i] === 'status' || t.columns[i] === 'definition')) {
          var chip = el('span', 'lvl lvl-' + String(v).toLowerCase().replace(/[^a-z]/g, ''), fmt(v));
          td.appendChild(chip);
        } else { td.textContent = fmt(v); }
        tr.appendChild(td);
      });
      if (select) {
        tr.className = 'clickable';
        var sel = selection();  // rows of a selectable table are [enterprise, repository, period, …]
        if (sel && sel.e === row[0] && sel.r === row[1] && sel.p === row[2]) { tr.className += ' selected'; }
        tr.addEventListener('click', function () { state.sel = { e: row[0], r: row[1], p: row[2] }; render(); });
      }
      body.appendChild(tr);
    });
    table.appendChild(body); wrap.appendChild(table);
    return wrap;
  }
  function csvText(t) {
    function cell(v) {
      if (v === null || v === undefined) { return ''; }
      var s = String(v);
      if (/^[=+\-@]/.test(s) && typeof v !== 'number') { s = "'" + s; }
      return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    }
    return [t.columns].concat(t.rows).map(function (r) { return r.map(cell).join(','); }).join('\r\n') + '\r\n';
  }
  function download(name, text) {
    var url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
    var a = el('a'); a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function describeFilters() {
    var parts = [];
    if (state.e) { parts.push('enterprise ' + state.e); }
    if (state.o) { parts.push('org ' + state.o); }
    if (state.r && pageHas('repo')) { parts.push('repository ' + state.r); }
    if (state.t && pageHas('team')) { parts.push('team ' + state.t); }
    parts.push(state.from + ' – ' + state.to);
    return parts.join(', ');
  }
  function chartPanel(spec) {
    var panel = el('section', 'panel' + (spec.wide ? ' wide' : ''));
    panel.setAttribute('data-chart', spec.id);
    var head = el('div', 'head'), titles = el('div');
    titles.appendChild(el('h3', '', spec.title));
    titles.appendChild(el('p', 'def', spec.definition));
    head.appendChild(titles);
    var t = CHARTS[spec.id]();
    results[spec.id] = t;
    panel.setAttribute('data-rows', String(t.rows.length));
    var tools = el('div', 'tools');
    head.appendChild(tools);
    panel.appendChild(head);
    if (!t.rows.length) {
      panel.setAttribute('data-empty', '1');
      panel.appendChild(el('div', 'empty', (t.emptyText ? t.emptyText + ' ' : 'No data for these filters. ') + '(' + describeFilters() + ')'));
      return panel;
    }
    var numbers = el('div', 'numbers');
    numbers.hidden = true;
    var show = el('button', '', 'Numbers'); show.type = 'button'; show.setAttribute('data-action', 'numbers');
    show.addEventListener('click', function () {
      numbers.hidden = !numbers.hidden;
      if (!numbers.hidden && !numbers.firstChild) { numbers.appendChild(tableNode(t, false)); }
    });
    var csv = el('button', '', 'CSV'); csv.type = 'button'; csv.setAttribute('data-action', 'csv');
    csv.addEventListener('click', function () { download(spec.id + '.csv', csvText(t)); });
    if (t.draw !== 'table') { tools.appendChild(show); }
    tools.appendChild(csv);
    if (t.draw === 'table') {
      panel.appendChild(tableNode(t, t.select));
    } else {
      var box = el('div', 'chart');
      if (t.draw === 'hbar') { box.style.height = Math.max(300, 70 + 24 * t.rows.length * (t.columns.length - 1)) + 'px'; }
      panel.appendChild(box);
      panel._draw = function () {
        var c = echarts.init(box, null, { renderer: 'svg' });
        c.setOption(chartOption(t));
        charts.push(c);
      };
    }
    panel.appendChild(numbers);
    var notes = [t.note, t.rows.length > TABLE_ROWS && t.draw === 'table' ? 'The table shows ' + TABLE_ROWS + ' of ' + t.rows.length + ' rows; the CSV has them all.' : ''];
    var text = joinNotes.apply(null, notes);
    if (text) { panel.appendChild(el('p', 'note', text)); }
    return panel;
  }
  function cardNode(spec) {
    var r = CARDS[spec.id]();
    var card = el('div', 'card');
    card.setAttribute('data-card', spec.id);
    card.setAttribute('data-value', r.value === null || r.value === undefined ? '' : String(r.value));
    card.title = spec.definition;
    card.appendChild(el('div', 'label', spec.label));
    var shown = r.value === null || r.value === undefined ? 'no data' : (r.text || fmt(r.value));
    card.appendChild(el('div', shown.length > 10 ? 'value long' : 'value', shown));
    card.appendChild(el('div', 'sub', r.sub || ''));
    return card;
  }
  function currentPage() { return DATA.pages.filter(function (p) { return p.id === state.page; })[0]; }
  function pageHas(f) { return currentPage().filters.indexOf(f) >= 0; }

  // ---- filters ---------------------------------------------------------------------------------
  function setOptions(select, values, allLabel, current) {
    select.innerHTML = '';
    [['', allLabel]].concat(values.map(function (v) { return [v, v]; })).forEach(function (o) {
      var opt = el('option', '', o[1]); opt.value = o[0]; select.appendChild(opt);
    });
    select.value = values.indexOf(current) >= 0 ? current : '';
    return select.value;
  }
  function distinct(list) { return Array.from(new Set(list.filter(function (v) { return v; }))).sort(); }
  function refreshFilters() {
    state.e = setOptions(document.getElementById('f-enterprise'), DATA.enterprises, 'All enterprises', state.e);
    var orgs = [];
    ['copilot_daily', 'dora_metrics', 'pulls', 'spend', 'seats'].forEach(function (n) {
      SETS[n].forEach(function (r) { if (entOk(r)) { orgs.push(r.o); } });
    });
    state.o = setOptions(document.getElementById('f-org'), distinct(orgs), 'All organizations', state.o);
    var repos = [];
    ['dora_metrics', 'pulls'].forEach(function (n) { SETS[n].forEach(function (r) { if (entOk(r) && orgAny(r)) { repos.push(r.r); } }); });
    state.r = setOptions(document.getElementById('f-repo'), distinct(repos), 'All repositories', state.r);
    var teams = distinct(SETS.teams.filter(entOk).map(function (r) { return r.t; }));
    state.t = setOptions(document.getElementById('f-team'), teams, 'All teams', state.t);
    teamSet = new Set(SETS.teams.filter(function (r) { return r.t === state.t; }).map(function (r) { return r.e + '|' + r.u; }));
    ['f-from', 'f-to'].forEach(function (id) {
      var input = document.getElementById(id);
      input.min = SPAN.from; input.max = SPAN.to;
    });
    document.getElementById('f-from').value = state.from;
    document.getElementById('f-to').value = state.to;
    document.getElementById('f-grain').value = state.grain;
    Array.prototype.forEach.call(document.querySelectorAll('[data-filter]'), function (label) {
      label.classList.toggle('hidden', !pageHas(label.getAttribute('data-filter')));
    });
  }
  function bindFilters() {
    var map = { 'f-enterprise': 'e', 'f-org': 'o', 'f-repo': 'r', 'f-team': 't', 'f-grain': 'grain' };
    Object.keys(map).forEach(function (id) {
      document.getElementById(id).addEventListener('change', function (ev) { state[map[id]] = ev.target.value; state.sel = null; render(); });
    });
    document.getElementById('f-from').addEventListener('change', function (ev) { state.from = ev.target.value || SPAN.from; render(); });
    document.getElementById('f-to').addEventListener('change', function (ev) { state.to = ev.target.value || SPAN.to; render(); });
    document.getElementById('f-reset').addEventListener('click', function () {
      state.e = state.o = state.r = state.t = ''; state.from = SPAN.from; state.to = SPAN.to; state.grain = 'week'; state.sel = null; render();
    });
  }

  // ---- page ------------------------------------------------------------------------------------
  function render() {
    refreshFilters();
    disposeCharts();
    results = {};
    memo = {};
    var page = currentPage(), main = document.getElementById('page');
    main.innerHTML = '';
    main.setAttribute('data-page', page.id);
    Array.prototype.forEach.call(document.querySelectorAll('#tabs button'), function (b) {
      b.setAttribute('aria-selected', String(b.getAttribute('data-page') === page.id));
    });
    main.appendChild(el('h2', 'page-title', page.title));
    if (page.id === 'dora') {
      var legend = el('div', 'legend-levels');
      legend.appendChild(el('span', '', 'DORA levels:'));
      ['elite', 'high', 'medium', 'low'].forEach(function (l) { legend.appendChild(el('span', 'lvl lvl-' + l, l)); });
      main.appendChild(legend);
    }
    var cards = el('div', 'cards');
    page.cards.forEach(function (c) { cards.appendChild(cardNode(c)); });
    main.appendChild(cards);
    var grid = el('div', 'grid'), panels = [];
    page.charts.forEach(function (c) { var p = chartPanel(c); panels.push(p); grid.appendChild(p); });
    main.appendChild(grid);
    panels.forEach(function (p) { if (p._draw) { p._draw(); } });
    document.body.setAttribute('data-rendered', String(Number(document.body.getAttribute('data-rendered') || 0) + 1));
  }
  function init() {
    var tabs = document.getElementById('tabs');
    DATA.pages.forEach(function (p) {
      var b = el('button', '', p.title); b.type = 'button'; b.setAttribute('role', 'tab'); b.setAttribute('data-page', p.id);
      b.addEventListener('click', function () { state.page = p.id; render(); });
      tabs.appendChild(b);
    });
    var warn = document.getElementById('warnings');
    DATA.warnings.forEach(function (w) { warn.appendChild(el('div', 'warning', w)); });
    bindFilters();
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
    render();
  }
  window.ghmcReport = { state: state, results: function () { return results; }, csv: function (id) { return csvText(results[id]); } };
  init();
})();
