// The mayor's office dashboard (docs/dashboard.md). Every figure comes from
// POST /query with the viewer's key; the few computed here are said so in the
// docs. Each figure's element carries data-figure (its name) and data-value
// (the value as the API gave it), which the browser test compares with the API.
(() => {
  'use strict';

  const main = document.getElementById('isi');
  const endpoint = main.dataset.endpoint || '/query';
  const KEY = 'jamsostek.dashboard.key';
  const CITY = '3672';

  // ---- Indonesian formatting -------------------------------------------
  const nf = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const nfShort = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });
  const nfSigned = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' });
  const dFmt = new Intl.DateTimeFormat('id-ID', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Asia/Jakarta' });
  const tFmt = new Intl.DateTimeFormat('id-ID', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Jakarta' });
  const pFmt = new Intl.DateTimeFormat('id-ID', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const mFmt = new Intl.DateTimeFormat('id-ID', { month: 'short', timeZone: 'UTC' });
  const NONE = '—';
  const NB = '\u00a0';

  const fmt = {
    int: (v) => (v == null ? NONE : nf.format(v)),
    rp: (v) => (v == null ? NONE : 'Rp' + NB + nf.format(v)),
    rpShort: (v) => {
      if (v == null) return NONE;
      const a = Math.abs(v);
      for (const [n, w] of [[1e12, 'triliun'], [1e9, 'miliar'], [1e6, 'juta']]) {
        if (a >= n) return 'Rp' + NB + nfShort.format(v / n) + NB + w;
      }
      return 'Rp' + NB + nf.format(v);
    },
    pct: (r) => (r == null ? NONE : nf1.format(r * 100) + NB + '%'),
    points: (p) => (p == null ? NONE : nfSigned.format(p) + NB + 'poin'),
    time: (s) => {
      if (!s) return NONE;
      const d = new Date(s);
      return dFmt.format(d) + ', ' + tFmt.format(d) + ' WIB';
    },
    period: (p) => pFmt.format(periodDate(p)),
    monthShort: (p) => mFmt.format(periodDate(p)),
    label: (map) => (v) => (v == null ? NONE : map[v] || v),
  };
  function periodDate(p) {
    const [y, m] = p.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, 1));
  }

  const FEEDS = { WORKFORCE: 'Angkatan kerja (penyebut)', ROSTER: 'Daftar pekerja dibiayai kota', PARTICIPANTS: 'Kepesertaan BPJS', CONTRIBUTIONS: 'Iuran', CLAIMS: 'Klaim' };
  const RUN = { RUNNING: 'Sedang berjalan', SUCCEEDED: 'Berhasil', FAILED: 'Gagal', CANCELLED: 'Dibatalkan' };
  const BASIS = { BPS_EMPLOYED: 'penduduk bekerja (BPS)', BPS_LABOUR_FORCE: 'angkatan kerja (BPS)', UCJ_TARGET: 'target UCJ' };
  const KINDS = {
    ROSTER_NOT_ENROLLED: 'Di daftar kota, belum terdaftar BPJS',
    ROSTER_OTHER_PAYER: 'Di daftar kota, iuran dibayar pihak lain',
    APBD_NOT_ON_ROSTER: 'Dibayar APBD, tidak ada di daftar kota',
    UNPAID_MONTHS: 'Iuran menunggak',
    INACTIVE_3_MONTHS: 'Nonaktif karena 3 bulan tidak bayar',
    TARIFF_MISMATCH: 'Iuran tidak sesuai tarif',
    CLAIM_OUTSIDE_COVERAGE: 'Klaim di luar masa perlindungan',
    DOUBLE_FUNDED: 'Dibiayai ganda',
    INVALID_NIK: 'NIK tidak valid',
    DOMICILE_OUTSIDE_CITY: 'Berdomisili di luar kota',
    DECLARED_TOTAL_MISMATCH: 'Angka yang dilaporkan berbeda',
    FUNDED_NOT_PAID: 'Dibiayai, iuran belum dibayar kota',
    PAID_AFTER_DEATH: 'Iuran dibayar setelah peserta meninggal',
    CLAIM_ABOVE_BENEFIT: 'Klaim melebihi manfaat',
    ROSTER_ROW_REJECTED: 'Baris daftar kota ditolak',
    KPJ_NIK_MISMATCH: 'KPJ tidak cocok dengan NIK',
  };

  // ---- DOM helpers ------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat()) if (k != null) e.append(k);
    return e;
  }
  // fig is one displayed figure: its text, formatted, and the API's value.
  function fig(name, value, format, tag, cls) {
    return el(tag || 'span', { class: cls, 'data-figure': name, 'data-value': value == null ? '' : String(value), text: format(value) });
  }
  function card(label, figure, note) {
    return el('div', { class: 'card' }, el('p', { class: 'card-label', text: label }), el('p', { class: 'card-value' }, figure), note ? el('p', { class: 'card-note' }, note) : null);
  }
  function table(caption, head, rows, opts) {
    const o = opts || {};
    const t = el('table', { class: o.cls },
      el('caption', { class: o.showCaption ? null : 'sr', text: caption }),
      el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: i > 0 && !(o.textCols || []).includes(i) ? 'num' : null }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', { class: (o.textCols || []).includes(i) ? null : 'num' }, c)))))));
    if (o.foot) t.append(el('tfoot', {}, el('tr', {}, o.foot.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', { class: 'num' }, c))))));
    return t;
  }
  function fill(id, ...kids) {
    const e = $(id);
    e.replaceChildren(...kids.flat());
    return e;
  }

  // ---- SVG charts -----------------------------------------------------------
  const SVG = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...kids) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, v);
    for (const k of kids.flat()) if (k != null) e.append(typeof k === 'string' ? document.createTextNode(k) : k);
    return e;
  }
  function svgRoot(w, h, title, desc) {
    const id = 'c' + Math.random().toString(36).slice(2, 8);
    return s('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-labelledby': id + 't ' + id + 'd', class: 'svg', preserveAspectRatio: 'xMidYMid meet' },
      s('title', { id: id + 't' }, title), s('desc', { id: id + 'd' }, desc));
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }
  const compactInt = (v) => (v >= 1e6 ? nfShort.format(v / 1e6) + ' jt' : v >= 1e3 ? nfShort.format(v / 1e3) + ' rb' : nf.format(v));
  const compactRp = (v) => (v >= 1e9 ? nfShort.format(v / 1e9) + ' M' : v >= 1e6 ? nfShort.format(v / 1e6) + ' jt' : nf.format(v));

  // lineChart: months on x, one series of values, and a stepped target line.
  // A narrow screen (a phone) gets charts drawn for its width: a narrower
  // view box, so that their type stays readable, and bars under their labels.
  const narrow = () => window.innerWidth < 640;

  function lineChart({ points, target, title, desc, yFormat }) {
    const W = narrow() ? 400 : 960, H = narrow() ? 300 : 360, L = 64, R = 36, T = 20, B = 56;
    const svg = svgRoot(W, H, title, desc);
    const max = niceMax(Math.max(...points.map((p) => p.value), ...target.map((p) => p.value || 0)) * 1.05);
    const x = (i) => L + (points.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
    const y = (v) => T + (H - T - B) * (1 - v / max);
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4;
      svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: L - 8, y: y(v) + 5, 'text-anchor': 'end', class: 'axis' }, yFormat(v)));
    }
    const step = Math.max(1, Math.ceil(points.length / (narrow() ? 4 : 10)));
    let shownYear = '';
    points.forEach((p, i) => {
      if ((points.length - 1 - i) % step === 0) {
        const y = p.period.slice(0, 4);
        const lab = fmt.monthShort(p.period) + (y !== shownYear ? ' ' + y : '');
        shownYear = y;
        svg.append(s('text', { x: x(i), y: H - B + 22, 'text-anchor': 'middle', class: 'axis' }, lab));
      }
    });
    // the target, stepping where the year's denominator changes
    let d = '';
    target.forEach((p, i) => {
      if (p.value == null) return;
      const x0 = i === 0 ? x(0) : (x(i - 1) + x(i)) / 2, x1 = i === target.length - 1 ? x(i) : (x(i) + x(i + 1)) / 2;
      d += `${d && target[i - 1] && target[i - 1].value != null ? 'L' : 'M'}${x0},${y(p.value)} L${x1},${y(p.value)} `;
    });
    if (d) svg.append(s('path', { d, class: 'target' }));
    svg.append(s('path', { d: points.map((p, i) => `${i ? 'L' : 'M'}${x(i)},${y(p.value)}`).join(' '), class: 'series' }));
    points.forEach((p, i) => svg.append(s('circle', { cx: x(i), cy: y(p.value), r: 4, class: 'dot' }, s('title', {}, `${fmt.period(p.period)}: ${fmt.int(p.value)} peserta aktif`))));
    const second = narrow() ? 150 : 200; // past "Peserta aktif" in the projector's larger type too
    svg.append(s('g', { class: 'legend', transform: `translate(${narrow() ? 0 : L},${H - 14})` },
      s('line', { x1: 0, x2: 26, y1: -5, y2: -5, class: 'series' }), s('text', { x: 32, y: 0 }, 'Peserta aktif'),
      s('line', { x1: second, x2: second + 26, y1: -5, y2: -5, class: 'target' }), s('text', { x: second + 32, y: 0 }, 'Target (penyebut UCJ)')));
    return svg;
  }

  // hbars: horizontal bars, one or two series per row; on a narrow screen
  // each row's label stands above its bars.
  function hbars({ rows, series, title, desc, format, tickFormat, max: fixedMax, ticks, labelWidth }) {
    const thin = narrow();
    const W = thin ? 400 : 960, L = thin ? 0 : labelWidth || 270, R = thin ? 140 : 150, T = ticks ? 30 : 10;
    const labelH = thin ? 24 : 0, barsH = series.length > 1 ? 34 : 20;
    const rowH = labelH + barsH + (thin ? 12 : 10);
    const H = T + rows.length * rowH + (series.length > 1 ? 36 : 10);
    const svg = svgRoot(W, H, title, desc);
    const max = fixedMax || niceMax(Math.max(...rows.flatMap((r) => series.map((sr) => r[sr.key] || 0))));
    const x = (v) => ((W - L - R) * Math.max(0, v || 0)) / max;
    for (const tk of ticks || []) {
      svg.append(s('line', { x1: L + x(tk), x2: L + x(tk), y1: T - 6, y2: T + rows.length * rowH, class: 'grid' }),
        s('text', { x: L + x(tk), y: T - 10, 'text-anchor': tk === 0 ? 'start' : tk === max ? 'end' : 'middle', class: 'axis' }, (tickFormat || format)(tk)));
    }
    rows.forEach((r, i) => {
      const y0 = T + i * rowH;
      if (thin) svg.append(s('text', { x: 0, y: y0 + 18, class: 'label' }, r.label));
      else svg.append(s('text', { x: L - 10, y: y0 + rowH / 2 + 5, 'text-anchor': 'end', class: 'label' }, r.label));
      const bh = barsH / series.length;
      series.forEach((sr, j) => {
        const v = r[sr.key];
        const y = y0 + labelH + 5 + j * bh;
        svg.append(s('rect', { x: L, y, width: Math.max(v ? 1 : 0, x(v)), height: bh - 2, class: sr.cls, rx: 2 }, s('title', {}, `${r.label}, ${sr.name}: ${format(v)}`)));
        svg.append(s('text', { x: L + x(v) + 6, y: y + bh / 2 + 5, class: 'value' }, format(v)));
      });
    });
    if (series.length > 1) {
      const g = s('g', { class: 'legend', transform: `translate(${L},${H - 10})` });
      series.forEach((sr, j) => g.append(s('rect', { x: j * 200, y: -12, width: 16, height: 12, class: sr.cls }), s('text', { x: j * 200 + 22, y: 0 }, sr.name)));
      svg.append(g);
    }
    return svg;
  }

  // vbars: vertical bars by month.
  function vbars({ points, title, desc, format }) {
    const W = narrow() ? 400 : 960, H = narrow() ? 260 : 300, L = 64, R = 12, T = 20, B = 40;
    const svg = svgRoot(W, H, title, desc);
    const max = niceMax(Math.max(...points.map((p) => p.value)) * 1.05);
    const bw = (W - L - R) / Math.max(1, points.length);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4;
      svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: L - 8, y: y(v) + 5, 'text-anchor': 'end', class: 'axis' }, format(v)));
    }
    points.forEach((p, i) => {
      svg.append(s('rect', { x: L + i * bw + bw * 0.15, y: y(p.value), width: bw * 0.7, height: H - B - y(p.value), class: 'bar-a', rx: 2 }, s('title', {}, `${fmt.period(p.period)}: ${nf.format(p.value)}`)));
      svg.append(s('text', { x: L + i * bw + bw / 2, y: H - B + 22, 'text-anchor': 'middle', class: 'axis' }, fmt.monthShort(p.period)));
    });
    return svg;
  }

  // ---- the API ---------------------------------------------------------------
  class AuthError extends Error {}
  let key = '';

  async function gql(query, variables) {
    let res;
    try {
      res = await fetch(endpoint, {
        method: 'POST', credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: 'Bearer ' + key },
        body: JSON.stringify({ query, variables }),
      });
    } catch (e) {
      throw new Error('Server tidak dapat dihubungi: ' + e.message);
    }
    if (res.status === 401) throw new AuthError('Kunci API tidak diterima.');
    let body;
    try {
      body = await res.json();
    } catch (e) {
      throw new Error(`Jawaban server tidak terbaca (HTTP ${res.status}).`);
    }
    const errs = body.errors || [];
    if (errs.some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED')) throw new AuthError('Kunci API tidak diterima.');
    if (res.status === 429) throw new Error('Terlalu banyak permintaan; coba lagi sebentar lagi.');
    if (!body.data) throw new Error(errs.map((e) => e.message).join('; ') || `HTTP ${res.status}`);
    return { data: body.data, errors: errs };
  }

  // A field the key may not ask (FORBIDDEN) or the rollup cannot answer yet
  // (UNAVAILABLE) leaves its section with a note, the rest of the page intact.
  function fieldError(errors, field) {
    const e = errors.find((x) => x.path && x.path[0] === field);
    return e ? e.message : null;
  }

  // One request per section: a section the server cannot answer (a field
  // the key may not ask, an older server) shows a note, the others stand.
  const Q_BOOT = `query DashboardBoot {
  me { name role areaCode }
  areas { code name kelurahan { code name } }
  latest: coverage(filter: {areaCode: "${CITY}"}) { from to rollup { version asOf builtAt runId } }
}`;

  const Q_UCJ = `query DashboardUCJ($year: Int!, $from: Period!, $to: Period!) {
  ucj: universalCoverage(year: $year, areaCode: "${CITY}") {
    current { year month participants workforce basis source rate }
    previous { year month participants workforce basis source rate }
    changePoints
  }
  workforce(areaCode: "${CITY}") { year workforce basis source }
  trend: coverage(filter: {areaCode: "${CITY}", from: $from, to: $to}, granularity: MONTH) { rows { bucket from to measures { activeParticipants } } }
}`;

  const Q_APBD = `query DashboardAPBD($year: Int!) {
  apbdProgram(year: $year) {
    year from to
    categories { ...Line }
    total { ...Line months { period funded fundedEnrolled contributionsPaid claimsPaid } }
  }
}
fragment Line on ApbdLine { category categoryName workers contributionsDue contributionsPaid claimsPaidCount claimsPaid net lossRatio monthlyCost nextYearCost }`;

  const Q_DISC = `query DashboardDiscrepancies {
  discrepancyCounts(filter: {statuses: [OPEN]}) { total byKind { kind count amount } }
}`;

  const Q_FRESH = `query DashboardFreshness {
  feedFreshness { feed lastSucceededAt asOf latestStatus latestStartedAt }
}`;

  function areasQuery(codes) {
    const fields = codes.map((c) => `a${c}: universalCoverage(year: $year, areaCode: "${c}") { ...U }`).join('\n  ');
    return `query DashboardAreas($year: Int!) {\n  ${fields}\n}\nfragment U on UniversalCoverage { areaCode current { participants workforce basis rate } changePoints }`;
  }

  // ---- rendering ---------------------------------------------------------------
  function renderRollup(boot) {
    const r = boot.latest && boot.latest.rollup;
    if (r) {
      fill('asof-value', fig('rollup.asOf', r.asOf, fmt.time));
      fill('built-value', fig('rollup.builtAt', r.builtAt, fmt.time));
      $('asof').hidden = false;
      fill('rollup-line', 'Angka dasbor berasal dari hasil rekonsiliasi versi ', fig('rollup.version', r.version, fmt.int),
        ': data per ', fig('rollup.asOf', r.asOf, fmt.time), ', dihitung ulang ', fig('rollup.builtAt', r.builtAt, fmt.time), '.');
    }
  }

  function renderFreshness(d, errors) {
    const feeds = d.feedFreshness;
    if (!feeds) {
      fill('feed-table', el('p', { class: 'note', text: fieldError(errors, 'feedFreshness') || 'Kesegaran data tidak tersedia untuk kunci ini.' }));
      return;
    }
    fill('feed-table', table('Kesegaran setiap sumber data', ['Sumber data', 'Terakhir berhasil', 'Data per', 'Penarikan terakhir', 'Status'],
      feeds.map((f) => [
        FEEDS[f.feed] || f.feed,
        fig(`feed.${f.feed}.lastSucceededAt`, f.lastSucceededAt, fmt.time),
        fig(`feed.${f.feed}.asOf`, f.asOf, fmt.time),
        fig(`feed.${f.feed}.latestStartedAt`, f.latestStartedAt, fmt.time),
        fig(`feed.${f.feed}.latestStatus`, f.latestStatus, fmt.label(RUN), 'span', 'pill ' + (f.latestStatus || 'NONE').toLowerCase()),
      ]), { textCols: [1, 2, 3, 4] }));
  }

  function renderUCJ(m, year, errors) {
    const u = m.ucj;
    if (!u) {
      fill('ucj-cards', el('p', { class: 'note', text: fieldError(errors, 'ucj') || 'Tidak tersedia.' }));
      return;
    }
    const c = u.current, p = u.previous;
    fill('ucj-sub', `Peserta aktif pada akhir ${fmt.period(c.month)} dibagi penyebut tahun ${c.year}: ${BASIS[c.basis] || c.basis || 'tidak diketahui'}${c.source ? ' (' + c.source + ')' : ''}.`);
    fill('ucj-cards',
      card('Tingkat cakupan', fig('ucj.rate', c.rate, fmt.pct, 'span', 'big'), p ? ['tahun ', String(p.year), ': ', fig('ucj.previous.rate', p.rate, fmt.pct)] : null),
      card('Perubahan dari tahun sebelumnya', fig('ucj.changePoints', u.changePoints, fmt.points, 'span', u.changePoints > 0 ? 'up' : u.changePoints < 0 ? 'down' : null), 'poin persentase'),
      card('Peserta aktif', fig('ucj.participants', c.participants, fmt.int), 'akhir ' + fmt.period(c.month)),
      card('Penyebut (pekerja)', fig('ucj.workforce', c.workforce, fmt.int), BASIS[c.basis] || c.basis || ''));
    const rows = (m.trend ? m.trend.rows : []).map((r) => ({ period: r.from, value: r.measures.activeParticipants }));
    const byYear = {};
    for (const w of m.workforce || []) byYear[w.year] = w;
    const target = rows.map((r) => ({ period: r.period, value: byYear[+r.period.slice(0, 4)] ? byYear[+r.period.slice(0, 4)].workforce : null }));
    if (!rows.length) {
      fill('trend-chart', el('p', { class: 'note', text: fieldError(errors, 'trend') || 'Tidak ada data bulanan.' }));
      return;
    }
    fill('trend-chart', lineChart({
      points: rows, target, yFormat: compactInt,
      title: `Peserta aktif per bulan, ${fmt.period(rows[0].period)} sampai ${fmt.period(rows[rows.length - 1].period)}`,
      desc: `Garis biru: peserta aktif pada akhir setiap bulan. Garis putus-putus: penyebut UCJ tahun itu. Tabel data di bawah grafik.`,
    }));
    fill('trend-table', table('Peserta aktif per bulan dan target', ['Bulan', 'Peserta aktif', 'Target (penyebut)'],
      rows.map((r, i) => [fmt.period(r.period), fig(`trend.${r.period}.activeParticipants`, r.value, fmt.int),
        target[i].value == null ? NONE : fig(`workforce.${r.period.slice(0, 4)}`, target[i].value, fmt.int)])));
  }

  let kelState = { rows: [], sort: 'code', dir: 1, filter: '' };

  function renderAreas(areas, answers, errors) {
    const get = (code) => answers && answers['a' + code];
    const kec = areas.map((a) => ({ code: a.code, name: a.name, u: get(a.code) }));
    if (!answers || !Object.keys(answers).length) {
      fill('kec-chart', el('p', { class: 'note', text: (errors[0] && errors[0].message) || 'Tidak tersedia.' }));
    } else {
      fill('kec-chart', hbars({
        rows: kec.map((k) => ({ label: k.name, rate: k.u ? k.u.current.rate : null })),
        series: [{ key: 'rate', name: 'Tingkat cakupan', cls: 'bar-a' }],
        format: fmt.pct, max: Math.max(1, ...kec.map((k) => (k.u && k.u.current.rate) || 0)) /* a rate may pass 100 % */, ticks: narrow() ? [0, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1], tickFormat: (v) => nf.format(v * 100) + NB + '%',
        title: 'Tingkat cakupan per kecamatan', desc: 'Peserta aktif dibagi penyebut setiap kecamatan. Tabel data di bawah grafik.',
      }));
      fill('kec-table', table('Cakupan per kecamatan', ['Kecamatan', 'Tingkat cakupan', 'Peserta aktif', 'Penyebut', 'Perubahan'],
        kec.map((k) => [k.name,
          fig(`kec.${k.code}.rate`, k.u && k.u.current.rate, fmt.pct),
          fig(`kec.${k.code}.participants`, k.u && k.u.current.participants, fmt.int),
          fig(`kec.${k.code}.workforce`, k.u && k.u.current.workforce, fmt.int),
          fig(`kec.${k.code}.changePoints`, k.u && k.u.changePoints, fmt.points)])));
    }
    const sel = $('kel-filter');
    sel.replaceChildren(el('option', { value: '', text: `Semua (${areas.reduce((n, a) => n + a.kelurahan.length, 0)} kelurahan)` }),
      ...areas.map((a) => el('option', { value: a.code, text: a.name })));
    sel.value = kelState.filter;
    kelState.rows = areas.flatMap((a) => a.kelurahan.map((k) => ({ code: k.code, name: k.name, kecCode: a.code, kec: a.name, u: get(k.code) })));
    renderKel();
  }

  const KEL_COLS = [
    { key: 'name', label: 'Kelurahan', val: (r) => r.name },
    { key: 'kec', label: 'Kecamatan', val: (r) => r.kec },
    { key: 'rate', label: 'Tingkat cakupan', val: (r) => (r.u ? r.u.current.rate : null) },
    { key: 'participants', label: 'Peserta aktif', val: (r) => (r.u ? r.u.current.participants : null) },
    { key: 'workforce', label: 'Penyebut', val: (r) => (r.u ? r.u.current.workforce : null) },
  ];

  function renderKel() {
    const st = kelState;
    const col = KEL_COLS.find((c) => c.key === st.sort);
    const rows = st.rows.filter((r) => !st.filter || r.kecCode === st.filter).slice();
    rows.sort((a, b) => {
      if (!col) return a.code < b.code ? -1 : 1;
      const x = col.val(a), y = col.val(b);
      if (x == null && y == null) return 0;
      if (x == null) return 1;
      if (y == null) return -1;
      return (typeof x === 'string' ? x.localeCompare(y, 'id') : x - y) * st.dir;
    });
    const head = KEL_COLS.map((c) => {
      const active = st.sort === c.key;
      return el('th', { scope: 'col', class: c.key === 'kec' ? 'col-kec' : c.key === 'name' ? null : 'num', 'aria-sort': active ? (st.dir > 0 ? 'ascending' : 'descending') : 'none' },
        el('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => { st.dir = st.sort === c.key ? -st.dir : (c.key === 'name' || c.key === 'kec' ? 1 : -1); st.sort = c.key; renderKel(); $('kel-table').querySelector(`[data-sort="${c.key}"]`).focus(); } },
          c.label, el('span', { class: 'arrow', 'aria-hidden': 'true', text: active ? (st.dir > 0 ? ' ▲' : ' ▼') : ' ↕' })));
    });
    const t = el('table', { class: 'sortable' },
      el('caption', { class: 'sr', text: 'Cakupan per kelurahan; tombol judul kolom mengurutkan.' }),
      el('thead', {}, el('tr', {}, head)),
      el('tbody', {}, rows.map((r) => el('tr', {},
        el('th', { scope: 'row', text: r.name }), el('td', { class: 'col-kec', text: r.kec }),
        el('td', { class: 'num' }, fig(`kel.${r.code}.rate`, r.u && r.u.current.rate, fmt.pct), meter(r.u && r.u.current.rate)),
        el('td', { class: 'num' }, fig(`kel.${r.code}.participants`, r.u && r.u.current.participants, fmt.int)),
        el('td', { class: 'num' }, fig(`kel.${r.code}.workforce`, r.u && r.u.current.workforce, fmt.int))))));
    const known = rows.filter((r) => r.u && r.u.current.workforce != null).length;
    fill('kel-table', known < rows.length ? el('p', { class: 'note', text: known ? `Penyebut hanya tersedia untuk ${known} dari ${rows.length} kelurahan; tanpa penyebut, tingkat cakupan tidak dapat dihitung (—).` : 'Data penyebut (jumlah pekerja) per kelurahan belum tersedia, sehingga tingkat cakupan per kelurahan tidak dapat dihitung (—); jumlah peserta aktif tetap ditampilkan.' }) : null, t);
    $('kel-title').textContent = st.filter ? 'Kelurahan di Kecamatan ' + (st.rows.find((r) => r.kecCode === st.filter) || {}).kec : 'Semua kelurahan';
  }
  function meter(rate) {
    if (rate == null) return null;
    const svg = s('svg', { viewBox: '0 0 100 8', class: 'meter', 'aria-hidden': 'true', focusable: 'false' });
    svg.append(s('rect', { x: 0, y: 0, width: 100, height: 8, class: 'meter-bg', rx: 2 }), s('rect', { x: 0, y: 0, width: Math.min(100, rate * 100), height: 8, class: 'bar-a', rx: 2 }));
    return svg;
  }

  function lineKey(l) {
    return l.category == null ? 'tanpa-daftar' : l.category;
  }

  function renderAPBD(m, errors) {
    const a = m.apbdProgram;
    if (!a) {
      fill('apbd-cards', el('p', { class: 'note', text: fieldError(errors, 'apbdProgram') || 'Tidak tersedia.' }));
      return;
    }
    const t = a.total;
    fill('apbd-sub', `${fmt.period(a.from)} sampai ${fmt.period(a.to)}. Pekerja bukan penerima upah yang iurannya dibayar dari APBD Kota Cilegon, per kategori daftar.`);
    fill('apbd-cards',
      card('Pekerja dibiayai', fig('apbd.total.workers', t.workers, fmt.int), 'pernah dibiayai dalam tahun ini'),
      card('Iuran dibayar kota', fig('apbd.total.contributionsPaid@short', t.contributionsPaid, fmt.rpShort), ['dari tagihan ', fig('apbd.total.contributionsDue@short', t.contributionsDue, fmt.rpShort)]),
      card('Klaim dibayar ke peserta', fig('apbd.total.claimsPaid@short', t.claimsPaid, fmt.rpShort), [fig('apbd.total.claimsPaidCount', t.claimsPaidCount, fmt.int), ' klaim']),
      card('Rasio klaim (loss ratio)', fig('apbd.total.lossRatio', t.lossRatio, fmt.pct), 'klaim dibayar ÷ iuran dibayar'),
      card('Biaya per bulan', fig('apbd.total.monthlyCost@short', t.monthlyCost, fmt.rpShort), ['setahun ke depan ', fig('apbd.total.nextYearCost@short', t.nextYearCost, fmt.rpShort)]));
    const lines = a.categories;
    const name = (l) => l.categoryName || l.category || 'Di luar daftar kota';
    fill('apbd-chart', hbars({
      rows: lines.map((l) => ({ label: name(l), paid: l.contributionsPaid, claims: l.claimsPaid })),
      series: [{ key: 'paid', name: 'Iuran dibayar', cls: 'bar-a' }, { key: 'claims', name: 'Klaim dibayar', cls: 'bar-b' }],
      format: fmt.rpShort, title: 'Iuran dibayar dan klaim dibayar per kategori',
      desc: 'Dua batang per kategori: iuran yang dibayar kota dan klaim yang dibayar kepada pesertanya. Angka lengkap di tabel.',
    }));
    const row = (l, k) => [name(l),
      fig(`apbd.${k}.workers`, l.workers, fmt.int),
      fig(`apbd.${k}.contributionsPaid`, l.contributionsPaid, fmt.rp),
      fig(`apbd.${k}.claimsPaid`, l.claimsPaid, fmt.rp),
      fig(`apbd.${k}.lossRatio`, l.lossRatio, fmt.pct),
      fig(`apbd.${k}.monthlyCost`, l.monthlyCost, fmt.rp)];
    fill('apbd-table', table('Program APBD per kategori', ['Kategori', 'Pekerja', 'Iuran dibayar', 'Klaim dibayar', 'Rasio klaim', 'Biaya per bulan'],
      lines.map((l) => row(l, lineKey(l))), { foot: row(Object.assign({}, t, { categoryName: 'Jumlah' }), 'total') }));
    const months = t.months.map((mo) => ({ period: mo.period, value: mo.funded, enrolled: mo.fundedEnrolled }));
    if (months.length) {
      fill('apbd-months-chart', vbars({ points: months, format: compactInt, title: 'Pekerja dibiayai kota per bulan', desc: 'Batang: pekerja yang dibiayai APBD setiap bulan. Tabel data di bawah grafik.' }));
    }
    fill('apbd-months-table', table('Pekerja dibiayai per bulan', ['Bulan', 'Dibiayai', 'Terdaftar dan dibayar kota', 'Iuran dibayar', 'Klaim dibayar'],
      t.months.map((mo) => [fmt.period(mo.period), fig(`apbd.month.${mo.period}.funded`, mo.funded, fmt.int),
        fig(`apbd.month.${mo.period}.fundedEnrolled`, mo.fundedEnrolled, fmt.int),
        fig(`apbd.month.${mo.period}.contributionsPaid`, mo.contributionsPaid, fmt.rp),
        fig(`apbd.month.${mo.period}.claimsPaid`, mo.claimsPaid, fmt.rp)])));
  }

  function renderDiscrepancies(m, errors) {
    const d = m.discrepancyCounts;
    if (!d) {
      fill('disc-cards', el('p', { class: 'note', text: fieldError(errors, 'discrepancyCounts') || 'Tidak tersedia.' }));
      return;
    }
    const kinds = d.byKind.slice().sort((a, b) => (b.amount || 0) - (a.amount || 0) || b.count - a.count);
    fill('disc-cards', card('Temuan terbuka', fig('disc.total', d.total, fmt.int), 'semua jenis; rincian per jenis di bawah'));
    if (!kinds.length) {
      fill('disc-chart', el('p', { class: 'note', text: 'Tidak ada temuan terbuka.' }));
      fill('disc-table');
      return;
    }
    const withMoney = kinds.filter((k) => k.amount > 0);
    fill('disc-chart', withMoney.length ? hbars({
      rows: withMoney.map((k) => ({ label: KINDS[k.kind] || k.kind, amount: k.amount })), labelWidth: 440,
      series: [{ key: 'amount', name: 'Rupiah dipertaruhkan', cls: 'bar-c' }], format: fmt.rpShort,
      title: 'Rupiah dipertaruhkan per jenis temuan terbuka', desc: 'Batang: jumlah rupiah yang dipertaruhkan oleh temuan terbuka setiap jenis yang menyangkut uang. Semua jenis ada di tabel di bawah grafik.',
    }) : null);
    fill('disc-table', table('Temuan terbuka per jenis', ['Jenis temuan', 'Jumlah', 'Rupiah dipertaruhkan'],
      kinds.map((k) => [KINDS[k.kind] || k.kind, fig(`disc.${k.kind}.count`, k.count, fmt.int), fig(`disc.${k.kind}.amount`, k.amount, fmt.rp)])));
  }

  // ---- the Perwal scenarios (issue 14) ------------------------------------------
  // A form builds a ScenarioInput; `scenario` answers it, `compareScenarios`
  // answers several side by side. Nothing is computed here: every figure is
  // the API's (docs/dashboard.md, "Skenario Perwal").
  const CATEGORIES = [
    ['MARBOT', 'Marbot'], ['JURU_PARKIR', 'Juru parkir'], ['OJEK_PANGKALAN', 'Ojek pangkalan'], ['BURUH_SERABUTAN', 'Buruh serabutan'],
    ['UMKM', 'Pelaku UMKM'], ['PETANI', 'Petani'], ['NELAYAN', 'Nelayan'], ['RT_RW', 'Ketua RT/RW'], ['KADER', 'Kader kesehatan'],
    ['LINMAS', 'Linmas'], ['KEBERSIHAN_DLH', 'Petugas kebersihan DLH'], ['TAGANA', 'Tagana'], ['ADHOC_KPU', 'Badan ad hoc KPU'],
    ['ADHOC_BAWASLU', 'Badan ad hoc Bawaslu'],
  ];
  const OTHER = '__lain';
  const CHANGE_KINDS = [
    ['ADD_CATEGORY', 'Tambah kategori'], ['REMOVE_CATEGORY', 'Hapus kategori'], ['SET_PROGRAMS', 'Ubah program'],
    ['SET_INCOME', 'Ubah tarif (penghasilan)'], ['SET_MONTHS', 'Ubah bulan dibiayai'],
  ];
  // The fields each kind of change takes.
  const KIND_FIELDS = {
    ADD_CATEGORY: ['headcount', 'distribution', 'programs', 'income', 'months'],
    REMOVE_CATEGORY: ['headcount', 'distribution'],
    SET_PROGRAMS: ['programs'],
    SET_INCOME: ['income'],
    SET_MONTHS: ['months'],
  };
  const PROGRAM_SETS = { 'JKK,JKM': 'JKK + JKM', 'JKK,JKM,JHT': 'JKK + JKM + JHT' };
  const PROGRAMS = { JKK: 'JKK (kecelakaan kerja)', JKM: 'JKM (kematian)', JHT: 'JHT (hari tua)', JP: 'JP (pensiun)' };
  const EXP_BASIS = { CATEGORY: 'kategori sendiri', CITY_FUNDED: 'semua pekerja dibiayai kota', BPU: 'semua peserta BPU', NONE: 'tidak ada' };
  const MAX_COMPARE = 6;

  const scen = { areas: [], year: 0, role: '', changes: 0, compare: [], saved: null, last: null };

  const signed = (f) => (v) => (v == null ? NONE : (v > 0 ? '+' : v < 0 ? '-' : '') + f(Math.abs(v)));
  const nf2 = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  fmt.dec = (v) => (v == null ? NONE : nf1.format(v));
  fmt.dec2 = (v) => (v == null ? NONE : nf2.format(v));
  fmt.rpChange = signed(fmt.rp);
  fmt.intChange = signed(fmt.int);

  function scenInit(areas, year, role) {
    scen.areas = areas;
    scen.year = year + 1;
    scen.role = role;
    const y = $('scen-year');
    if (!y.value) y.value = String(scen.year);
    $('scen-save').hidden = role !== 'ADMIN';
    if (!$('scen-changes').children.length) addChange();
    else for (const f of $('scen-changes').querySelectorAll('.scen-change')) fillAreas(f);
  }

  function fillAreas(box) {
    const wrap = box.querySelector('.scen-dist-fields');
    const old = {};
    for (const i of wrap.querySelectorAll('input')) old[i.dataset.area] = i.value;
    const n = box.dataset.n;
    wrap.replaceChildren(...scen.areas.map((a) => el('label', { class: 'field' }, a.name,
      el('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', 'data-area': a.code, name: `dist-${n}-${a.code}`, value: old[a.code] || null }))));
  }

  function addChange() {
    const n = ++scen.changes;
    const id = (f) => `scen-${f}-${n}`;
    const field = (name, label, input) => el('label', { class: 'field', 'data-field': name, for: input.id }, label, input);
    const kind = el('select', { id: id('kind'), class: 'scen-kind' }, CHANGE_KINDS.map(([v, t]) => el('option', { value: v, text: t })));
    const cat = el('select', { id: id('cat'), class: 'scen-cat' },
      el('option', { value: '', text: 'Semua kategori' }), CATEGORIES.map(([v, t]) => el('option', { value: v, text: `${t} (${v})` })),
      el('option', { value: OTHER, text: 'Kode lain…' }));
    const other = el('input', { id: id('cat-other'), type: 'text', class: 'scen-cat-other', maxlength: '40', spellcheck: 'false', autocapitalize: 'characters', placeholder: 'KODE_KATEGORI', pattern: '[A-Z][A-Z0-9_]{1,39}' });
    const box = el('fieldset', { class: 'scen-change', 'data-n': String(n) },
      el('legend', { text: 'Perubahan' }),
      el('div', { class: 'scen-row' },
        field('kind', 'Jenis perubahan', kind),
        field('category', 'Kategori', cat),
        field('category-other', 'Kode kategori', other),
        field('headcount', 'Jumlah orang', el('input', { id: id('headcount'), type: 'number', min: '0', step: '1', inputmode: 'numeric', class: 'scen-headcount' })),
        field('programs', 'Program', el('select', { id: id('programs'), class: 'scen-programs' }, Object.entries(PROGRAM_SETS).map(([v, t]) => el('option', { value: v, text: t })))),
        field('income', 'Penghasilan (tarif, Rp per bulan)', el('input', { id: id('income'), type: 'number', min: '0', step: '1', inputmode: 'numeric', class: 'scen-income', placeholder: 'tarif terendah' })),
        field('months', 'Bulan dibiayai', el('input', { id: id('months'), type: 'number', min: '1', max: '12', step: '1', inputmode: 'numeric', class: 'scen-months', placeholder: '12' }))),
      el('details', { class: 'data scen-dist', 'data-field': 'distribution' },
        el('summary', { text: 'Sebaran per kecamatan (opsional)' }),
        el('div', { class: 'scen-row scen-dist-fields' }),
        el('p', { class: 'note', text: 'Kosong: tanpa wilayah (dihitung untuk seluruh kota saja).' })),
      el('p', {}, el('button', { type: 'button', class: 'btn small scen-remove', text: 'Hapus perubahan ini' })));
    fillAreas(box);
    const sync = () => {
      const k = kind.value;
      const wants = KIND_FIELDS[k] || [];
      for (const f of box.querySelectorAll('[data-field]')) {
        const name = f.dataset.field;
        if (name === 'kind' || name === 'category') continue;
        f.hidden = name === 'category-other' ? cat.value !== OTHER : !wants.includes(name);
      }
      // Adding or removing a category names one; the others may apply to all.
      cat.options[0].disabled = k === 'ADD_CATEGORY' || k === 'REMOVE_CATEGORY';
      if (cat.options[0].disabled && cat.value === '') cat.value = CATEGORIES[0][0];
    };
    kind.addEventListener('change', sync);
    cat.addEventListener('change', sync);
    box.querySelector('.scen-remove').addEventListener('click', () => {
      box.remove();
      renumber();
      const first = $('scen-changes').querySelector('select');
      (first || $('scen-add-change')).focus();
    });
    $('scen-changes').append(box);
    sync();
    renumber();
    return box;
  }
  function renumber() {
    const boxes = $('scen-changes').querySelectorAll('.scen-change');
    boxes.forEach((b, i) => {
      b.querySelector('legend').textContent = `Perubahan ${i + 1}`;
      b.querySelector('.scen-remove').hidden = boxes.length < 2;
    });
  }

  class InputError extends Error {}
  const intOf = (input, what) => {
    const v = input.value.trim();
    if (v === '') return null;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new InputError(`${what}: "${v}" bukan bilangan bulat.`);
    return n;
  };

  // scenInput reads the form into a ScenarioInput, or throws InputError.
  function scenInput() {
    const year = intOf($('scen-year'), 'Tahun');
    if (year == null) throw new InputError('Isi tahun skenario.');
    const changes = [];
    const boxes = $('scen-changes').querySelectorAll('.scen-change');
    boxes.forEach((b, i) => {
      const what = `Perubahan ${i + 1}`;
      const kind = b.querySelector('.scen-kind').value;
      const wants = KIND_FIELDS[kind];
      const c = { kind };
      let cat = b.querySelector('.scen-cat').value;
      if (cat === OTHER) {
        cat = b.querySelector('.scen-cat-other').value.trim().toUpperCase();
        if (!/^[A-Z][A-Z0-9_]{1,39}$/.test(cat)) throw new InputError(`${what}: kode kategori terdiri atas huruf besar, angka dan garis bawah.`);
      }
      if (cat) c.category = cat;
      if (wants.includes('headcount')) {
        const h = intOf(b.querySelector('.scen-headcount'), `${what}, jumlah orang`);
        if (h == null && kind === 'ADD_CATEGORY') throw new InputError(`${what}: isi jumlah orang.`);
        if (h != null) c.headcount = h;
      }
      if (wants.includes('distribution')) {
        const d = [];
        for (const inp of b.querySelectorAll('.scen-dist-fields input')) {
          const n = intOf(inp, `${what}, sebaran`);
          if (n) d.push({ area: inp.dataset.area, count: n });
        }
        if (d.length) c.distribution = d;
      }
      if (wants.includes('programs')) c.programs = b.querySelector('.scen-programs').value.split(',');
      if (wants.includes('income')) {
        const v = intOf(b.querySelector('.scen-income'), `${what}, penghasilan`);
        if (v == null && kind === 'SET_INCOME') throw new InputError(`${what}: isi penghasilan.`);
        if (v != null) c.income = v;
      }
      if (wants.includes('months')) {
        const v = intOf(b.querySelector('.scen-months'), `${what}, bulan`);
        if (v == null && kind === 'SET_MONTHS') throw new InputError(`${what}: isi jumlah bulan.`);
        if (v != null) c.months = v;
      }
      changes.push(c);
    });
    if (!changes.length) throw new InputError('Tambahkan paling sedikit satu perubahan.');
    const input = { year, changes };
    const from = $('scen-exp-from').value.trim(), to = $('scen-exp-to').value.trim();
    for (const [k, v] of [['experienceFrom', from], ['experienceTo', to]]) {
      if (!v) continue;
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(v)) throw new InputError(`Bulan pengalaman klaim "${v}" bukan bulan (YYYY-MM).`);
      input[k] = v;
    }
    const sims = intOf($('scen-sims'), 'Jumlah simulasi'), seed = intOf($('scen-seed'), 'Seed');
    if (sims != null) input.simulations = sims;
    if (seed != null) input.seed = seed;
    return input;
  }
  const scenLabel = () => $('scen-name').value.trim() || 'Skenario tanpa nama';

  const SCEN_FIELDS = `fragment ScenSide on ScenarioSide { funded memberMonths monthlyCost annualCost participants workforce rate expectedClaims expectedPaid paidLow paidHigh lossRatio }
fragment ScenGroupSide on ScenarioGroupSide { funded memberMonths monthlyCost annualCost expectedClaims expectedPaid }
fragment ScenResult on ScenarioResult {
  year rollupVersion asOf asOfMonth denominatorYear experienceFrom experienceTo simulations seed lowPercent highPercent
  baseline { ...ScenSide } scenario { ...ScenSide }
  monthlyCostChange annualCostChange participantsChange changePoints
  groups { category name baseline { ...ScenGroupSide } scenario { ...ScenGroupSide } newlyCovered movers alreadyCity loseCoverage assumed
    programs { program memberMonths expectedClaims expectedPaid basis experience { claims exposureMemberMonths frequency severity lossRatio } } }
  areas { areaCode name workforce baseline scenario baselineRate scenarioRate changePoints }
  notes
}`;
  const Q_SCENARIO = `query DashboardScenario($input: ScenarioInput!) { scenario(input: $input) { ...ScenResult } }\n${SCEN_FIELDS}`;
  const Q_COMPARE = `query DashboardCompareScenarios($inputs: [ScenarioInput!], $saved: [ID!]) { compareScenarios(inputs: $inputs, saved: $saved) { ...ScenResult } }\n${SCEN_FIELDS}`;
  const Q_SAVED = `query DashboardSavedScenarios { savedScenarios(first: 50) { id name author savedAt year rollupVersion } }`;
  const M_SAVE = `mutation DashboardSaveScenario($name: String!, $input: ScenarioInput!) { saveScenario(name: $name, input: $input) { id name } }`;

  function scenMessage(text) {
    const m = $('scen-msg');
    m.textContent = text || '';
    m.hidden = !text;
  }

  // runScenarios asks the API for entries ({label, input} or {label, saved})
  // and draws the answer.
  async function runScenarios(entries, btn) {
    scenMessage('');
    const inputs = entries.filter((e) => e.input), saved = entries.filter((e) => e.saved);
    const ordered = [...inputs, ...saved]; // the API's order: inputs first
    document.body.dataset.scen = 'running';
    $('scen-status').textContent = ordered.length > 1 ? 'Membandingkan skenario…' : 'Menghitung skenario…';
    if (btn) btn.disabled = true;
    try {
      const r = ordered.length === 1 && inputs.length === 1
        ? await gql(Q_SCENARIO, { input: inputs[0].input })
        : await gql(Q_COMPARE, { inputs: inputs.map((e) => e.input), saved: saved.map((e) => e.saved) });
      const results = r.data.scenario ? [r.data.scenario] : r.data.compareScenarios;
      if (!results) throw new Error((r.errors[0] && r.errors[0].message) || 'Tidak ada jawaban.');
      scen.last = { entries: ordered, results };
      exportParams.scenario = [...inputs.map((e) => ['input', JSON.stringify(e.input)]), ...inputs.map((e) => ['name', e.label]), ...saved.map((e) => ['saved', e.saved])];
      renderScenarios(ordered, results);
      $('scen-export').hidden = false;
      $('scen-status').textContent = '';
      document.body.dataset.scen = 'ready';
    } catch (e) {
      if (e instanceof AuthError) return signOut(e.message + ' Masuk kembali.');
      $('scen-status').textContent = '';
      scenMessage('Skenario tidak dapat dihitung: ' + e.message);
      document.body.dataset.scen = 'error';
    } finally {
      if (btn) btn.disabled = false;
    }
  }

  function renderScenarios(entries, results) {
    const out = [];
    // Side by side: a baseline column for each year, then each scenario and its change.
    const baseOf = {};
    results.forEach((r, i) => { if (!(r.year in baseOf)) baseOf[r.year] = i; });
    const years = Object.keys(baseOf);
    const rows = [
      ['Pekerja dibiayai kota', 'funded', fmt.int, null],
      ['Biaya APBD per bulan', 'monthlyCost', fmt.rp, ['monthlyCostChange', fmt.rpChange]],
      ['Biaya APBD per tahun', 'annualCost', fmt.rp, ['annualCostChange', fmt.rpChange]],
      ['Peserta aktif seluruh kota', 'participants', fmt.int, ['participantsChange', fmt.intChange, true]],
      ['Penyebut (pekerja)', 'workforce', fmt.int, null],
      ['Tingkat cakupan semesta (UCJ)', 'rate', fmt.pct, ['changePoints', fmt.points, true]],
      ['Klaim diharapkan (jumlah)', 'expectedClaims', fmt.dec, null],
      ['Klaim diharapkan (Rp)', 'expectedPaid', fmt.rp, null],
      ['Rentang klaim, batas bawah (Rp)', 'paidLow', fmt.rp, null, 'low'],
      ['Rentang klaim, batas atas (Rp)', 'paidHigh', fmt.rp, null, 'high'],
      ['Rasio klaim diharapkan', 'lossRatio', fmt.pct, null],
    ];
    const pctLabel = (r, which) => `P${which === 'low' ? r.lowPercent : r.highPercent}`;
    const head = ['Ukuran', ...years.map((y) => `Dasar ${y}`), ...results.flatMap((r, i) => [`${entries[i].label} (${r.year})`, 'Perubahan'])];
    const body = rows.map(([label, f, format, change, pct]) => [
      pct ? `${label} ${pctLabel(results[0], pct)}` : label,
      ...years.map((y) => fig(`scen.${baseOf[y]}.baseline.${f}`, results[baseOf[y]].baseline[f], format)),
      ...results.flatMap((r, i) => [fig(`scen.${i}.scenario.${f}`, r.scenario[f], format),
        change ? fig(`scen.${i}.${change[0]}`, r[change[0]], change[1], 'span', change[2] ? (r[change[0]] > 0 ? 'up' : r[change[0]] < 0 ? 'down' : null) : null) : '']),
    ]);
    out.push(el('h3', { text: results.length > 1 ? `Perbandingan ${results.length} skenario` : 'Dasar dan skenario' }),
      el('div', { class: 'table-wrap' }, table('Dasar dan skenario berdampingan: biaya, cakupan dan klaim yang diharapkan', head, body)));
    if (results.length > 1) {
      out.push(el('div', { class: 'chart' }, hbars({
        rows: results.map((r, i) => ({ label: entries[i].label, cost: r.scenario.annualCost, paid: r.scenario.expectedPaid })),
        series: [{ key: 'cost', name: 'Biaya setahun', cls: 'bar-a' }, { key: 'paid', name: 'Klaim diharapkan', cls: 'bar-b' }],
        format: fmt.rpShort, title: 'Biaya per tahun dan klaim diharapkan per skenario',
        desc: 'Dua batang per skenario: biaya APBD setahun dan rupiah klaim yang diharapkan. Angka lengkap di tabel di atas.',
      })));
    }
    results.forEach((r, i) => out.push(renderOne(r, i, entries[i].label, results.length > 1)));
    fill('scen-result', out);
  }

  function renderOne(r, i, label, many) {
    const p = `scen.${i}`;
    const box = el(many ? 'details' : 'div', { class: 'scen-one', open: !many || i === 0 ? true : null });
    const title = `${label}: tahun ${r.year}`;
    box.append(many ? el('summary', { text: title }) : el('h3', { text: 'Rincian' }),
      el('p', { class: 'sub' }, `Dihitung pada hasil rekonsiliasi versi `, fig(`${p}.rollupVersion`, r.rollupVersion, fmt.int), ' (data per ', fig(`${p}.asOf`, r.asOf, fmt.time),
        `). Pengalaman klaim ${fmt.period(r.experienceFrom)} sampai ${fmt.period(r.experienceTo)}; rentang P${r.lowPercent}–P${r.highPercent} dari ${nf.format(r.simulations)} simulasi (seed ${r.seed}).`));
    // By category: the people, the cost, and the claims with their basis.
    const gkey = (g) => g.category;
    box.append(el('h4', { text: 'Per kategori' }), el('div', { class: 'table-wrap' }, table(`Per kategori, ${title}`,
      ['Kategori', 'Dibiayai (dasar)', 'Dibiayai (skenario)', 'Biaya per bulan (dasar)', 'Biaya per bulan (skenario)', 'Biaya per tahun (skenario)',
        'Baru tercakup', 'Pindah dari pembayar lain', 'Sudah dibiayai kota', 'Kehilangan perlindungan', 'Klaim diharapkan', 'Klaim diharapkan (Rp)'],
      r.groups.map((g) => [
        el('span', {}, `${g.name} (${g.category})`, g.assumed ? el('span', { class: 'tag', title: 'Ditambahkan tanpa daftar nama: diasumsikan belum tercakup sebelumnya.', text: ' diasumsikan' }) : null),
        fig(`${p}.group.${gkey(g)}.baseline.funded`, g.baseline.funded, fmt.int),
        fig(`${p}.group.${gkey(g)}.scenario.funded`, g.scenario.funded, fmt.int),
        fig(`${p}.group.${gkey(g)}.baseline.monthlyCost`, g.baseline.monthlyCost, fmt.rp),
        fig(`${p}.group.${gkey(g)}.scenario.monthlyCost`, g.scenario.monthlyCost, fmt.rp),
        fig(`${p}.group.${gkey(g)}.scenario.annualCost`, g.scenario.annualCost, fmt.rp),
        fig(`${p}.group.${gkey(g)}.newlyCovered`, g.newlyCovered, fmt.int),
        fig(`${p}.group.${gkey(g)}.movers`, g.movers, fmt.int),
        fig(`${p}.group.${gkey(g)}.alreadyCity`, g.alreadyCity, fmt.int),
        fig(`${p}.group.${gkey(g)}.loseCoverage`, g.loseCoverage, fmt.int),
        fig(`${p}.group.${gkey(g)}.scenario.expectedClaims`, g.scenario.expectedClaims, fmt.dec),
        fig(`${p}.group.${gkey(g)}.scenario.expectedPaid`, g.scenario.expectedPaid, fmt.rp),
      ]))));
    const few = (n) => n < 30;
    box.append(el('h4', { text: 'Dasar pengalaman klaim per kategori dan program' }),
      el('p', { class: 'note', text: 'Frekuensi per 1.000 anggota-bulan dan rata-rata klaim diambil dari pengalaman yang tertera; "klaim di balik angka" menunjukkan seberapa besar dasarnya. Kurang dari 30 klaim ditandai ⚠: angkanya kurang dapat diandalkan.' }),
      el('div', { class: 'table-wrap' }, table(`Dasar pengalaman klaim, ${title}`,
        ['Kategori', 'Program', 'Dasar pengalaman', 'Klaim di balik angka', 'Anggota-bulan teramati', 'Frekuensi per 1.000', 'Rata-rata klaim', 'Anggota-bulan skenario', 'Klaim diharapkan', 'Klaim diharapkan (Rp)'],
        r.groups.flatMap((g) => g.programs.map((l) => {
          const q = `${p}.prog.${gkey(g)}.${l.program}`;
          return [`${g.name} (${g.category})`, PROGRAMS[l.program] || l.program,
            fig(`${q}.basis`, l.basis, fmt.label(EXP_BASIS)),
            el('span', { class: few(l.experience.claims) ? 'few' : null }, few(l.experience.claims) ? [el('span', { 'aria-hidden': 'true', text: '⚠ ' }), el('span', { class: 'sr', text: 'dasar kecil: ' })] : null, fig(`${q}.experience.claims`, l.experience.claims, fmt.int)),
            fig(`${q}.experience.exposureMemberMonths`, l.experience.exposureMemberMonths, fmt.int),
            fig(`${q}.experience.frequency`, l.experience.frequency, fmt.dec2),
            fig(`${q}.experience.severity`, l.experience.severity, fmt.rp),
            fig(`${q}.memberMonths`, l.memberMonths, fmt.int),
            fig(`${q}.expectedClaims`, l.expectedClaims, fmt.dec),
            fig(`${q}.expectedPaid`, l.expectedPaid, fmt.rp)];
        })), { textCols: [1, 2] })));
    // By kecamatan: a chart of the rates, and its table.
    const akey = (a) => a.areaCode || 'tanpa-wilayah';
    const withRate = r.areas.filter((a) => a.baselineRate != null || a.scenarioRate != null);
    box.append(el('h4', { text: 'Cakupan per kecamatan' }));
    if (withRate.length) {
      box.append(el('div', { class: 'chart' }, hbars({
        rows: withRate.map((a) => ({ label: a.name, base: a.baselineRate, scen: a.scenarioRate })),
        series: [{ key: 'base', name: 'Dasar', cls: 'bar-a' }, { key: 'scen', name: 'Skenario', cls: 'bar-b' }],
        format: fmt.pct, max: Math.max(1, ...withRate.map((a) => Math.max(a.baselineRate || 0, a.scenarioRate || 0))),
        title: `Tingkat cakupan per kecamatan, dasar dan skenario (${label})`, desc: 'Dua batang per kecamatan: tingkat cakupan dasar dan dengan skenario. Tabel data di bawah grafik.',
      })));
    }
    box.append(el('div', { class: 'table-wrap' }, table(`Cakupan per kecamatan, ${title}`,
      ['Kecamatan', 'Penyebut', 'Peserta (dasar)', 'Peserta (skenario)', 'Cakupan (dasar)', 'Cakupan (skenario)', 'Perubahan'],
      r.areas.map((a) => [a.areaCode ? a.name : a.name || 'Tanpa wilayah',
        fig(`${p}.area.${akey(a)}.workforce`, a.workforce, fmt.int),
        fig(`${p}.area.${akey(a)}.baseline`, a.baseline, fmt.int),
        fig(`${p}.area.${akey(a)}.scenario`, a.scenario, fmt.int),
        fig(`${p}.area.${akey(a)}.baselineRate`, a.baselineRate, fmt.pct),
        fig(`${p}.area.${akey(a)}.scenarioRate`, a.scenarioRate, fmt.pct),
        fig(`${p}.area.${akey(a)}.changePoints`, a.changePoints, fmt.points)]))));
    if (r.notes.length) box.append(el('h4', { text: 'Catatan' }), el('ul', { class: 'scen-notes' }, r.notes.map((n) => el('li', { text: n }))));
    return box;
  }

  function renderCompareList() {
    const list = scen.compare;
    $('scen-compare').hidden = !list.length;
    fill('scen-compare-list', list.map((e, i) => el('li', {}, `${e.label}${e.saved ? ' (tersimpan)' : ` (tahun ${e.input.year}, ${e.input.changes.length} perubahan)`} `,
      el('button', { type: 'button', class: 'btn small', 'aria-label': `Keluarkan ${e.label} dari perbandingan`, text: 'Keluarkan', onclick: () => { list.splice(i, 1); renderCompareList(); syncSavedChecks(); $('scen-compare-add').focus(); } }))));
    $('scen-compare-run').disabled = list.length < 2;
    $('scen-compare-run').title = list.length < 2 ? 'Perlu paling sedikit dua skenario.' : '';
  }
  function syncSavedChecks() {
    for (const c of document.querySelectorAll('#scen-saved-list input[type=checkbox]')) c.checked = scen.compare.some((e) => e.saved === c.value);
  }

  async function loadSaved() {
    if (scen.saved) return;
    scen.saved = 'loading';
    try {
      const r = await gql(Q_SAVED);
      const list = r.data.savedScenarios || [];
      scen.saved = list;
      if (!list.length) return fill('scen-saved-list', el('p', { class: 'note', text: 'Belum ada skenario tersimpan.' }));
      fill('scen-saved-list', el('p', { class: 'note', text: 'Centang untuk menambahkannya ke perbandingan (dihitung ulang pada data terakhir).' }),
        el('ul', { class: 'scen-saved' }, list.map((s) => el('li', {}, el('label', {},
          el('input', { type: 'checkbox', value: s.id, onchange: (ev) => toggleSaved(s, ev.target) }),
          ` ${s.name} — tahun ${s.year}, oleh ${s.author}, ${fmt.time(s.savedAt)} (versi ${nf.format(s.rollupVersion)})`)))));
      syncSavedChecks();
    } catch (e) {
      scen.saved = null;
      if (e instanceof AuthError) return signOut(e.message + ' Masuk kembali.');
      fill('scen-saved-list', el('p', { class: 'note', text: 'Skenario tersimpan tidak dapat dibaca dengan kunci ini: ' + e.message }));
    }
  }
  function toggleSaved(s, box) {
    const i = scen.compare.findIndex((e) => e.saved === s.id);
    if (box.checked && i < 0) {
      if (scen.compare.length >= MAX_COMPARE) {
        box.checked = false;
        return scenMessage(`Perbandingan memuat paling banyak ${MAX_COMPARE} skenario.`);
      }
      scen.compare.push({ label: s.name, saved: s.id });
    } else if (!box.checked && i >= 0) scen.compare.splice(i, 1);
    renderCompareList();
  }

  // scenReset forgets the answers and lists of a key signed out.
  function scenReset() {
    scen.compare = [];
    scen.saved = null;
    scen.last = null;
    renderCompareList();
    fill('scen-result');
    fill('scen-saved-list', el('p', { class: 'note', text: 'Memuat…' }));
    $('scen-saved').open = false;
    $('scen-export').hidden = true;
    scenMessage('');
    $('scen-status').textContent = '';
  }

  function scenStart() {
    $('scen-add-change').addEventListener('click', () => addChange().querySelector('select').focus());
    $('scen-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      let input;
      try {
        input = scenInput();
      } catch (e) {
        if (e instanceof InputError) return scenMessage(e.message);
        throw e;
      }
      runScenarios([{ label: scenLabel(), input }], $('scen-run'));
    });
    $('scen-compare-add').addEventListener('click', () => {
      try {
        if (scen.compare.length >= MAX_COMPARE) return scenMessage(`Perbandingan memuat paling banyak ${MAX_COMPARE} skenario.`);
        scen.compare.push({ label: scenLabel(), input: scenInput() });
        scenMessage('');
        renderCompareList();
        $('scen-status').textContent = `${scen.compare.length} skenario dalam perbandingan.`;
      } catch (e) {
        if (e instanceof InputError) return scenMessage(e.message);
        throw e;
      }
    });
    $('scen-compare-run').addEventListener('click', () => {
      if (scen.compare.length >= 2) runScenarios(scen.compare.slice(), $('scen-compare-run'));
    });
    $('scen-compare-clear').addEventListener('click', () => { scen.compare = []; renderCompareList(); syncSavedChecks(); $('scen-compare-add').focus(); });
    $('scen-saved').addEventListener('toggle', () => { if ($('scen-saved').open) loadSaved(); });
    $('scen-save').addEventListener('click', async () => {
      let input;
      try {
        input = scenInput();
      } catch (e) {
        if (e instanceof InputError) return scenMessage(e.message);
        throw e;
      }
      const name = $('scen-name').value.trim();
      if (!name) return scenMessage('Beri nama skenario sebelum menyimpannya.');
      try {
        const r = await gql(M_SAVE, { name, input });
        if (!r.data.saveScenario) throw new Error((r.errors[0] && r.errors[0].message) || 'tidak tersimpan');
        scenMessage('');
        $('scen-status').textContent = `Skenario "${r.data.saveScenario.name}" tersimpan.`;
        scen.saved = null;
        if ($('scen-saved').open) loadSaved();
      } catch (e) {
        if (e instanceof AuthError) return signOut(e.message + ' Masuk kembali.');
        scenMessage('Skenario tidak tersimpan: ' + e.message);
      }
    });
  }

  // ---- exports ---------------------------------------------------------------------
  let exportParams = {};
  async function download(name, format, btn) {
    const msg = $('export-msg');
    msg.hidden = true;
    const q = new URLSearchParams(exportParams[name] || {});
    btn.disabled = true;
    try {
      const res = await fetch(`/export/${name}.${format}${q.toString() ? '?' + q : ''}`, {
        credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', headers: { Authorization: 'Bearer ' + key },
      });
      if (res.status === 401) return signOut('Kunci API tidak diterima lagi; masuk kembali.');
      if (!res.ok) throw new Error((await res.text()).slice(0, 300) || 'HTTP ' + res.status);
      const blob = await res.blob();
      const cd = res.headers.get('Content-Disposition') || '';
      const m = /filename="([^"]+)"/.exec(cd);
      const a = el('a', { href: URL.createObjectURL(blob), download: m ? m[1] : `jamsostek-${name}.${format}` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    } catch (e) {
      msg.textContent = 'Unduhan gagal: ' + e.message;
      msg.hidden = false;
    } finally {
      btn.disabled = false;
    }
  }

  // ---- the page's life -----------------------------------------------------------------
  function status(text) {
    $('status').textContent = text || '';
  }
  function signOut(message) {
    key = '';
    scenReset();
    sessionStorage.removeItem(KEY);
    $('dashboard').hidden = true;
    $('asof').hidden = true;
    $('who').hidden = true;
    $('signout').hidden = true;
    $('refresh').hidden = true;
    $('signin').hidden = false;
    const m = $('signin-msg');
    m.textContent = message || '';
    m.hidden = !message;
    status('');
    $('key').focus();
  }

  // section runs one section's request and draws it; a failure other than
  // the key's is shown in the section.
  let redraws = [];
  function section(promise, render, failId) {
    return promise.then((r) => {
      const draw = () => render(r.data || {}, r.errors);
      redraws.push(draw);
      draw();
    }, (e) => {
      if (e instanceof AuthError) throw e;
      fill(failId, el('p', { class: 'note error', text: 'Bagian ini gagal dimuat: ' + e.message }));
    });
  }

  async function load() {
    $('signin').hidden = true;
    $('signout').hidden = false;
    $('refresh').hidden = false;
    document.body.dataset.state = 'loading';
    status('Memuat angka…');
    try {
      const boot = await gql(Q_BOOT);
      const b = boot.data;
      renderRollup(b);
      if (b.me) {
        const role = { VIEWER: 'viewer', OFFICER: 'petugas', ANALYST: 'analis', ADMIN: 'admin' }[b.me.role] || b.me.role;
        $('who').textContent = `Masuk sebagai ${b.me.name} (peran ${role}${b.me.areaCode ? ', wilayah ' + b.me.areaCode : ''})`;
        $('who').hidden = false;
      }
      if (!b.latest) throw new Error(fieldError(boot.errors, 'latest') || 'Angka belum tersedia: rekonsiliasi pertama belum berjalan.');
      const to = b.latest.to, year = +to.slice(0, 4);
      for (const e of document.querySelectorAll('.year')) e.textContent = String(year);
      const areas = b.areas || [];
      const codes = areas.flatMap((a) => [a.code, ...a.kelurahan.map((k) => k.code)]);
      exportParams = {
        coverage: { from: `${year}-01`, to, areaCode: CITY, groupBy: 'KELURAHAN', granularity: 'MONTH' },
        apbd: { year: String(year) },
        'discrepancy-summary': { statuses: 'OPEN' },
      };
      $('dashboard').hidden = false;
      scenInit(areas, year, b.me ? b.me.role : '');
      redraws = [];
      await Promise.all([
        section(gql(Q_UCJ, { year, from: `${year - 1}-01`, to }), (d, errs) => renderUCJ(d, year, errs), 'ucj-cards'),
        section(codes.length ? gql(areasQuery(codes), { year }) : Promise.resolve({ data: {}, errors: [] }), (d, errs) => renderAreas(areas, d, errs), 'kec-chart'),
        section(gql(Q_APBD, { year }), renderAPBD, 'apbd-cards'),
        section(gql(Q_DISC), renderDiscrepancies, 'disc-cards'),
        section(gql(Q_FRESH), renderFreshness, 'feed-table'),
      ]);
      status('');
      document.body.dataset.state = 'ready';
    } catch (e) {
      if (e instanceof AuthError) {
        signOut(e.message + ' Periksa kunci API Anda, lalu masuk kembali.');
        document.body.dataset.state = 'signin';
        return;
      }
      status('Gagal memuat: ' + e.message);
      document.body.dataset.state = 'error';
    }
  }

  // The key: from the address's fragment (#key=..., never sent to the server),
  // kept for this tab only, and taken out of the address bar at once.
  function start() {
    const h = new URLSearchParams(location.hash.replace(/^#/, ''));
    if (h.has('key')) {
      const k = (h.get('key') || '').trim();
      if (k) sessionStorage.setItem(KEY, k);
      history.replaceState(null, '', location.pathname + location.search);
    }
    key = sessionStorage.getItem(KEY) || '';
    $('signin-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const k = $('key').value.trim();
      if (!k) return;
      $('key').value = '';
      key = k;
      sessionStorage.setItem(KEY, k);
      load();
    });
    $('signout').addEventListener('click', () => signOut('Anda telah keluar.'));
    $('refresh').addEventListener('click', () => load());
    $('kel-filter').addEventListener('change', (ev) => { kelState.filter = ev.target.value; renderKel(); });
    // Turning a phone, or resizing a window across the phone's width, draws
    // the charts again for the new width.
    let wasNarrow = narrow(), timer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (narrow() !== wasNarrow) {
          wasNarrow = narrow();
          for (const d of redraws) d();
          if (scen.last) renderScenarios(scen.last.entries, scen.last.results);
        }
      }, 150);
    });
    scenStart();
    for (const b of document.querySelectorAll('button.export')) b.addEventListener('click', () => download(b.dataset.export, b.dataset.format, b));
    if (key) load();
    else {
      signOut('');
      document.body.dataset.state = 'signin';
    }
  }
  start();
})();
