// Zone colours shared by the Duval plots (muted, printable, distinguishable).
export const ZONE_FILL: Record<string, string> = {
  PD: "#d9d2f0",
  S: "#e4e7d2",
  T1: "#fbe7b5",
  T2: "#f8cf8e",
  T3: "#f3a877",
  D1: "#bfe0f2",
  D2: "#8fc3e6",
  DT: "#d9c3a6",
};
export const zoneFill = (zone: string) => ZONE_FILL[zone] ?? "#e8ebee";
