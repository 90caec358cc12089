// Geometry for the Duval plots.

export type XY = [number, number];

const HEIGHT = Math.sqrt(3) / 2;

/**
 * Duval Triangle 1 shares (%CH4, %C2H4, %C2H2) to x, y on a unit-sided triangle, as the
 * triangle is drawn by IEC 60599 and IEEE C57.104: %CH4 at the apex (0.5, √3/2), %C2H4 at the
 * bottom right (1, 0), %C2H2 at the bottom left (0, 0). Shares are normalised to their sum, so
 * rounding that does not add up to exactly 100 still lands inside. y grows upwards.
 */
export function ternaryToXY([ch4, c2h4, c2h2]: readonly [number, number, number]): XY {
  const sum = ch4 + c2h4 + c2h2;
  if (!(sum > 0)) return [NaN, NaN];
  const a = ch4 / sum;
  const b = c2h4 / sum;
  return [b + a / 2, a * HEIGHT];
}

/** The area centroid of a simple polygon (the vertex mean when the area is zero). */
export function polygonCentroid(points: readonly XY[]): XY {
  let area = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < points.length; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[(i + 1) % points.length];
    const cross = x0 * y1 - x1 * y0;
    area += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (Math.abs(area) < 1e-12) {
    const n = points.length || 1;
    return [points.reduce((s, p) => s + p[0], 0) / n, points.reduce((s, p) => s + p[1], 0) / n];
  }
  area /= 2;
  return [cx / (6 * area), cy / (6 * area)];
}

/** Polygon area (absolute). */
export function polygonArea(points: readonly XY[]): number {
  let area = 0;
  for (let i = 0; i < points.length; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[(i + 1) % points.length];
    area += x0 * y1 - x1 * y0;
  }
  return Math.abs(area) / 2;
}

/** An SVG `points` attribute, mapping each point through `map`. */
export function svgPoints(points: readonly XY[], map: (p: XY) => XY): string {
  return points
    .map((p) => {
      const [x, y] = map(p);
      return `${x.toFixed(2)},${y.toFixed(2)}`;
    })
    .join(" ");
}
