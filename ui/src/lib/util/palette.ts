/** Calm, distinguishable colours for charts (the first is the app's accent blue). */
export const PALETTE = [
  "#3b6e8f",
  "#d08c3f",
  "#5b9b6e",
  "#b5536a",
  "#7b68a6",
  "#3f9aa5",
  "#a4883a",
  "#c06a4b",
  "#6b8e3b",
  "#8a5a8c",
  "#4f7cc2",
  "#b0746a",
];

/**
 * Topic colours: 20 hand-picked colours far apart in hue and lightness (a topic map with
 * 19 topics showed repeats with the 12 above), then golden-angle hues with alternating
 * lightness, so no two topics of a run ever share a colour.
 */
const TOPIC_COLOURS = [
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

export function colour(i: number): string {
  if (i < 0) return "#b8bcc2";
  if (i < TOPIC_COLOURS.length) return TOPIC_COLOURS[i]!;
  const hue = Math.round((i * 137.508) % 360);
  return hslHex(hue, 0.6, i % 2 ? 0.38 : 0.55);
}

function hslHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}
