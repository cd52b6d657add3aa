/** Calm, distinguishable colours for topics (cycled beyond the list). */
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
export const colour = (i: number) => (i < 0 ? "#b8bcc2" : PALETTE[i % PALETTE.length]!);
