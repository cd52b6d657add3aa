/**
 * The shareable report: one self-contained HTML file with a dataset's dashboards and
 * topics (chat-analytics' "report", for someone without an account). Everything is inline:
 * CSS, charts as SVG drawn here, no script, no font, no image request, so it opens
 * offline from a disk or a mail attachment and shows the same in every browser. Every
 * piece of chat text is HTML-escaped (names, labels, emoji, domains are user data).
 */
import type { ActivityReport } from "./report.ts";

export interface ReportTopic {
  id: number;
  label: string;
  size: number;
  terms: string[];
}

export interface ReportInput {
  datasetName: string;
  generatedAt: Date;
  timeZone: string;
  activity: ActivityReport;
  topics?: {
    totalChunks: number;
    clusters: ReportTopic[];
    parents?: { id: number; label: string; size: number; children: number[] }[];
    map?: { x: number[]; y: number[]; cluster: number[] };
  };
}

const esc = (value: unknown) =>
  String(value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
const n = (v: number) => v.toLocaleString("en-US");
const COLOURS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#393b79",
  "#e6550d",
  "#31a354",
  "#843c39",
  "#7b4173",
  "#3182bd",
  "#fdae6b",
  "#74c476",
  "#ce6dbd",
  "#637939",
];
const colour = (i: number) =>
  i < 0 ? "#b8bcc2" : (COLOURS[i] ?? `hsl(${Math.round((i * 137.508) % 360)} 60% ${i % 2 ? 38 : 55}%)`);

/** Vertical bars over time; labels thinned so they never overlap. */
function barsSvg(points: { label: string; value: number }[], title: string): string {
  if (!points.length) return `<p class="muted">No data.</p>`;
  const w = 720;
  const h = 220;
  const max = Math.max(1, ...points.map((p) => p.value));
  const bw = (w - 40) / points.length;
  const every = Math.ceil(points.length / 8);
  const bars = points
    .map((p, i) => {
      const bh = ((h - 40) * p.value) / max;
      return (
        `<rect x="${(40 + i * bw).toFixed(1)}" y="${(h - 20 - bh).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="#3b6e8f"><title>${esc(p.label)}: ${n(p.value)}</title></rect>` +
        (i % every === 0
          ? `<text x="${(40 + i * bw).toFixed(1)}" y="${h - 4}" class="tick">${esc(p.label)}</text>`
          : "")
      );
    })
    .join("");
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}"><text x="0" y="12" class="tick">${n(max)}</text><line x1="40" y1="${h - 20}" x2="${w}" y2="${h - 20}" stroke="#ccc"/>${bars}</svg>`;
}

/** Horizontal bars with names, for people and the like. */
function rowsSvg(rows: { label: string; value: number }[], title: string): string {
  if (!rows.length) return `<p class="muted">No data.</p>`;
  const w = 720;
  const rh = 22;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const body = rows
    .map((r, i) => {
      const bw = (420 * r.value) / max;
      return `<text x="0" y="${i * rh + 15}" class="name">${esc(r.label)}</text><rect x="220" y="${i * rh + 4}" width="${bw.toFixed(1)}" height="${rh - 8}" fill="#d08c3f"/><text x="${(226 + bw).toFixed(1)}" y="${i * rh + 15}" class="tick">${n(r.value)}</text>`;
    })
    .join("");
  return `<svg viewBox="0 0 ${w} ${rows.length * rh}" role="img" aria-label="${esc(title)}">${body}</svg>`;
}

/** Positive above the axis, negative below, per period: the sentiment chart. */
function sentimentSvg(points: { label: string; positive: number; negative: number }[]): string {
  if (!points.length) return `<p class="muted">No data.</p>`;
  const w = 720;
  const h = 220;
  const mid = (h - 20) / 2;
  const max = Math.max(1, ...points.map((p) => Math.max(p.positive, p.negative)));
  const bw = (w - 40) / points.length;
  const every = Math.ceil(points.length / 8);
  const bars = points
    .map((p, i) => {
      const x = (40 + i * bw).toFixed(1);
      const up = ((mid - 4) * p.positive) / max;
      const down = ((mid - 4) * p.negative) / max;
      return (
        `<rect x="${x}" y="${(mid - up).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${up.toFixed(1)}" fill="#2f9e66"><title>${esc(p.label)}: ${n(p.positive)} positive</title></rect>` +
        `<rect x="${x}" y="${mid.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${down.toFixed(1)}" fill="#c8553d"><title>${esc(p.label)}: ${n(p.negative)} negative</title></rect>` +
        (i % every === 0 ? `<text x="${x}" y="${h - 4}" class="tick">${esc(p.label)}</text>` : "")
      );
    })
    .join("");
  return `<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="Positive and negative messages over time"><text x="0" y="12" class="tick">+${n(max)}</text><text x="0" y="${h - 24}" class="tick">−${n(max)}</text><line x1="40" y1="${mid}" x2="${w}" y2="${mid}" stroke="#ccc"/>${bars}</svg>`;
}

function heatmapSvg(cells: { weekday: number; hour: number; messages: number }[]): string {
  const max = Math.max(1, ...cells.map((c) => c.messages));
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const s = 26;
  const body = cells
    .map(
      (c) =>
        `<rect x="${40 + c.hour * s}" y="${(c.weekday - 1) * s}" width="${s - 2}" height="${s - 2}" fill="rgba(59,110,143,${(0.06 + (0.94 * c.messages) / max).toFixed(3)})"><title>${days[c.weekday - 1]} ${c.hour}:00 — ${n(c.messages)}</title></rect>`,
    )
    .join("");
  const labels =
    days.map((d, i) => `<text x="0" y="${i * s + 17}" class="tick">${d}</text>`).join("") +
    Array.from(
      { length: 8 },
      (_, i) => `<text x="${40 + i * 3 * s}" y="${7 * s + 12}" class="tick">${i * 3}h</text>`,
    ).join("");
  return `<svg viewBox="0 0 ${40 + 24 * s} ${7 * s + 16}" role="img" aria-label="Messages by weekday and hour">${body}${labels}</svg>`;
}

function mapSvg(map: NonNullable<ReportInput["topics"]>["map"], clusters: ReportTopic[]): string {
  if (!map || !map.x.length) return "";
  const w = 720;
  const h = 480;
  const X = (x: number) => (((x + 1) / 2) * (w - 20) + 10).toFixed(1);
  const Y = (y: number) => (((1 - y) / 2) * (h - 20) + 10).toFixed(1);
  // At most 4,000 dots keep the file small; every n-th point is a fair thinning of the stored sample.
  const step = Math.max(1, Math.ceil(map.x.length / 4000));
  let dots = "";
  for (let i = 0; i < map.x.length; i += step)
    dots += `<circle cx="${X(map.x[i]!)}" cy="${Y(map.y[i]!)}" r="2.2" fill="${colour(map.cluster[i]!)}" fill-opacity="0.75"/>`;
  const labels = clusters
    .map((c) => {
      const xs: number[] = [];
      const ys: number[] = [];
      map.cluster.forEach((k, i) => {
        if (k !== c.id) return;
        xs.push(map.x[i]!);
        ys.push(map.y[i]!);
      });
      if (!xs.length) return "";
      const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
      return `<text x="${X(median(xs))}" y="${Y(median(ys))}" class="maplabel">${esc(c.label || `Topic ${c.id + 1}`)}</text>`;
    })
    .join("");
  return `<svg viewBox="0 0 ${w} ${h}" class="map" role="img" aria-label="Topic map">${dots}${labels}</svg>`;
}

export function renderReport(input: ReportInput): string {
  const a = input.activity;
  const s = a.summary;
  const title = `${input.datasetName} — chat report`;
  const tiles = s
    ? [
        ["Messages", n(s.total)],
        ["People", n(s.participants)],
        ["Conversations", n(s.conversations)],
        ["Media", n(s.media)],
        ["From", s.first ? s.first.slice(0, 10) : "—"],
        ["To", s.last ? s.last.slice(0, 10) : "—"],
      ]
        .map(([k, v]) => `<div class="tile"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div></div>`)
        .join("")
    : "";
  const table = (head: string[], rows: (string | number)[][]) =>
    rows.length
      ? `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(typeof c === "number" ? n(c) : c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`
      : `<p class="muted">No data.</p>`;
  const sections: string[] = [];
  sections.push(
    `<section><h2>Messages over time</h2>${barsSvg(
      (a.messagesOverTime ?? []).map((p) => ({ label: p.period, value: p.messages })),
      "Messages over time",
    )}</section>`,
  );
  if (a.heatmap)
    sections.push(
      `<section><h2>When people write</h2>${heatmapSvg(a.heatmap)}<p class="muted">Hours in ${esc(input.timeZone)}.</p></section>`,
    );
  sections.push(
    `<section><h2>Most active</h2>${rowsSvg(
      (a.participants ?? []).map((p) => ({ label: p.name, value: p.messages })),
      "Messages per person",
    )}</section>`,
  );
  sections.push(
    `<section><h2>Who starts conversations</h2>${table(
      ["Person", "Conversations started"],
      (a.starters ?? []).map((r) => [r.name, r.conversationsStarted]),
    )}</section>`,
  );
  sections.push(
    `<section><h2>Reply times</h2>${table(
      ["Who replies", "to whom", "Replies", "Median (min)"],
      (a.responseTimes ?? [])
        .slice(0, 15)
        .map((r) => [r.toName, r.fromName, r.replies, Math.round(r.medianSeconds / 6) / 10]),
    )}</section>`,
  );
  if (a.text) {
    sections.push(
      `<section><h2>Emoji</h2>${table(
        ["Emoji", "Count"],
        a.text.emoji.top.map((e) => [e.value, e.count]),
      )}</section>`,
    );
    sections.push(
      `<section><h2>Links and domains</h2>${table(
        ["Domain", "Links"],
        a.text.links.domains.map((d) => [d.value, d.count]),
      )}</section>`,
    );
    sections.push(
      `<section><h2>Words</h2><p class="cloud">${a.text.words.map((w) => `<span title="${n(w.count)}">${esc(w.value)}</span>`).join(" ")}</p></section>`,
    );
  }
  if (a.sentiment) {
    const langs = a.sentimentLanguages?.length ? ` Scored in ${esc(a.sentimentLanguages.join(", "))}.` : "";
    sections.push(
      `<section class="wide"><h2>Sentiment over time</h2>${sentimentSvg(a.sentiment.map((p) => ({ label: p.period, positive: p.positive, negative: p.negative })))}<p class="muted">Positive (up) and negative (down) text messages, by a word list of each language.${langs}</p></section>`,
    );
  }
  if (a.languages)
    sections.push(
      `<section><h2>Languages</h2>${table(
        ["Conversation", "Languages"],
        a.languages
          .slice(0, 30)
          .map((c) => [
            c.name ?? "Untitled",
            c.languages.map((l) => `${l.name} ${Math.round(l.share * 100)} %`).join(", ") || "—",
          ]),
      )}</section>`,
    );
  if (a.calls?.length)
    sections.push(
      `<section><h2>Calls</h2>${barsSvg(
        a.calls.map((p) => ({ label: p.period, value: p.calls })),
        "Calls over time",
      )}<p class="muted">${n(a.calls.reduce((x, p) => x + p.calls, 0))} calls, ${n(a.calls.reduce((x, p) => x + p.missed, 0))} missed.</p></section>`,
    );
  sections.push(
    `<section><h2>Longest streaks</h2>${table(
      ["Days", "From", "To"],
      (a.streaks ?? []).map((r) => [r.days, r.start, r.end]),
    )}</section>`,
  );
  const t = input.topics;
  if (t) {
    const parentOf = new Map<number, string>();
    for (const p of t.parents ?? []) for (const c of p.children) parentOf.set(c, p.label);
    const rows = t.clusters
      .map(
        (c) =>
          `<tr><td><span class="sw" style="background:${colour(c.id)}"></span></td><td>${esc(c.label || `Topic ${c.id + 1}`)}</td><td>${esc(parentOf.get(c.id) ?? "")}</td>` +
          `<td>${Math.round((c.size / Math.max(1, t.totalChunks)) * 1000) / 10} %</td><td>${esc(c.terms.slice(0, 8).join(", "))}</td></tr>`,
      )
      .join("");
    sections.push(
      `<section class="wide"><h2>Topics</h2><p class="muted">${n(t.clusters.length)} topics over ${n(t.totalChunks)} message groups.</p>${mapSvg(t.map, t.clusters)}` +
        `<table><thead><tr><th></th><th>Topic</th><th>Broader topic</th><th>Share</th><th>Typical words</th></tr></thead><tbody>${rows}</tbody></table></section>`,
    );
  }
  const html = sections.join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#f6f7f8;margin:0;padding:1rem}
main{max-width:1100px;margin:0 auto}h1{margin:.2rem 0}h2{font-size:1.05rem;margin:0 0 .5rem}
.muted{color:#656d76}.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:.6rem;margin:1rem 0}
.tile,section{background:#fff;border:1px solid #d8dee4;border-radius:10px;padding:.8rem 1rem}.tile .k{color:#656d76;font-size:.85rem}.tile .v{font-size:1.3rem;font-weight:600}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1rem}.wide,section:first-child{grid-column:1/-1}
@media(max-width:800px){.grid{grid-template-columns:minmax(0,1fr)}}
svg{width:100%;height:auto;display:block}.tick{font-size:11px;fill:#656d76}.name{font-size:12px;fill:#1f2328}
.maplabel{font:600 12px system-ui,sans-serif;fill:#1f2328;stroke:#fff;stroke-width:3px;paint-order:stroke;text-anchor:middle}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eaeef2;overflow-wrap:anywhere}
.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:50%}.cloud span{margin-right:.6rem;color:#1f5f86}
</style></head>
<body><main>
<h1>${esc(input.datasetName)}</h1>
<p class="muted">Chat report made with chatlens on ${esc(input.generatedAt.toISOString().slice(0, 16).replace("T", " "))} UTC. This file works offline and holds no messages beyond the names, words and emoji shown.</p>
<div class="tiles">${tiles}</div>
<div class="grid">
${html}
</div>
</main></body></html>
`;
}
