import { saveBlob } from "./download";

/**
 * PNG downloads of what is not a chart.js canvas: a table (the weekday × hour heatmap with its
 * cell colours, or a plain table of rows), an inline SVG (the calendar) or a list, drawn onto a
 * canvas under the card's title, on white. Text that only screen readers get (.sr-only) is left
 * out, as on screen.
 */
const FONT = "13px system-ui, -apple-system, 'Segoe UI', sans-serif";
const BOLD = "600 13px system-ui, -apple-system, 'Segoe UI', sans-serif";
const TITLE = "600 16px system-ui, -apple-system, 'Segoe UI', sans-serif";
const PAD = 16;
const ROW = 24;
const MAX_COLUMN = 320;

function visibleText(node: Node): string {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? "";
  if (node instanceof HTMLElement && (node.classList.contains("sr-only") || node.hidden)) return "";
  if (node instanceof SVGElement && node.tagName.toLowerCase() === "title") return "";
  return [...node.childNodes].map(visibleText).join("");
}

const clean = (s: string) => s.replace(/\s+/gu, " ").trim();
const painted = (colour: string) => Boolean(colour) && !/^rgba\(0, 0, 0, 0\)$|^transparent$/u.test(colour);

function fitted(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  const graphemes = [...new Intl.Segmenter().segment(text)].map((s) => s.segment);
  while (graphemes.length && ctx.measureText(`${graphemes.join("")}…`).width > width) graphemes.pop();
  return `${graphemes.join("")}…`;
}

function canvasOf(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const scale = 2;
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const ctx = canvas.getContext("2d")!;
  ctx.scale(scale, scale);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = "middle";
  return { canvas, ctx };
}

function drawTitle(ctx: CanvasRenderingContext2D, title: string) {
  ctx.font = TITLE;
  ctx.fillStyle = "#1f2328";
  ctx.fillText(title, PAD, PAD + 10);
}

function tableCanvas(table: HTMLTableElement, title: string): HTMLCanvasElement {
  const rows = [...table.rows].map((tr) =>
    [...tr.cells].map((cell) => ({
      text: clean(visibleText(cell)),
      head: cell.tagName === "TH",
      background: getComputedStyle(cell).backgroundColor,
    })),
  );
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const probe = canvasOf(1, 1).ctx;
  const widths = Array.from({ length: columns }, (_, c) => {
    let w = 18;
    for (const row of rows) {
      const cell = row[c];
      if (!cell) continue;
      probe.font = cell.head ? BOLD : FONT;
      w = Math.max(w, Math.min(MAX_COLUMN, probe.measureText(cell.text).width + 12));
    }
    return w;
  });
  const top = PAD + 30;
  const width = PAD * 2 + widths.reduce((a, b) => a + b, 0);
  // A table of coloured cells (the heatmap) reads as a grid without row lines.
  const lines = !rows.some((row) => row.some((cell) => painted(cell.background)));
  const { canvas, ctx } = canvasOf(Math.max(width, 240), top + rows.length * ROW + PAD);
  drawTitle(ctx, title);
  rows.forEach((row, r) => {
    let x = PAD;
    row.forEach((cell, c) => {
      const w = widths[c]!;
      const y = top + r * ROW;
      if (painted(cell.background)) {
        ctx.fillStyle = cell.background;
        ctx.fillRect(x + 1, y + 1, w - 2, ROW - 2);
      }
      ctx.font = cell.head ? BOLD : FONT;
      ctx.fillStyle = cell.head ? "#1f2328" : "#24292f";
      ctx.fillText(fitted(ctx, cell.text, w - 10), x + 5, y + ROW / 2);
      x += w;
    });
    if (lines) {
      ctx.fillStyle = "#eaeef2";
      ctx.fillRect(PAD, top + (r + 1) * ROW - 1, width - PAD * 2, 1);
    }
  });
  return canvas;
}

function listCanvas(items: string[], title: string): HTMLCanvasElement {
  const probe = canvasOf(1, 1).ctx;
  probe.font = FONT;
  const width = Math.min(900, Math.max(320, ...items.map((t) => probe.measureText(t).width + PAD * 2 + 24)));
  const top = PAD + 30;
  const { canvas, ctx } = canvasOf(width, top + items.length * ROW + PAD);
  drawTitle(ctx, title);
  ctx.font = FONT;
  ctx.fillStyle = "#24292f";
  items.forEach((t, i) => ctx.fillText(fitted(ctx, `${i + 1}. ${t}`, width - PAD * 2), PAD, top + i * ROW + ROW / 2));
  return canvas;
}

async function svgCanvas(svg: SVGSVGElement, title: string): Promise<HTMLCanvasElement> {
  const box = svg.viewBox.baseVal;
  const shown = svg.getBoundingClientRect();
  const w = Math.max(shown.width, box?.width || 0, 320);
  const h = box?.width ? (w * box.height) / box.width : Math.max(shown.height, 100);
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("width", String(w));
  copy.setAttribute("height", String(h));
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], { type: "image/svg+xml" }));
  try {
    const image = new Image();
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error("The picture could not be drawn."));
      image.src = url;
    });
    const top = PAD + 30;
    const { canvas, ctx } = canvasOf(w + PAD * 2, top + h + PAD);
    drawTitle(ctx, title);
    ctx.drawImage(image, PAD, top, w, h);
    return canvas;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Saves the table, SVG or list of a card (`root`) as `<filename>.png`, titled with the card's heading. */
export async function savePng(root: HTMLElement, filename: string): Promise<void> {
  const title = clean(root.querySelector("h2, h3")?.textContent ?? filename);
  const table = root.querySelector("table");
  const svg = root.querySelector("svg");
  const items = [...root.querySelectorAll("li")].map((li) => clean(visibleText(li)));
  const canvas = table ? tableCanvas(table, title) : svg ? await svgCanvas(svg, title) : listCanvas(items, title);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (blob) saveBlob(blob, `${filename}.png`);
}
