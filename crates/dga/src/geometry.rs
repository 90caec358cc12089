//! Plane geometry for the Duval triangles and pentagons.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A point in the plane of a Duval pentagon (or a triangle drawn in Cartesian form).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }
}

/// Signed area (shoelace); positive when the vertices run counter-clockwise.
pub fn signed_area(polygon: &[Point]) -> f64 {
    let n = polygon.len();
    (0..n)
        .map(|i| {
            let (a, b) = (polygon[i], polygon[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum::<f64>()
        / 2.0
}

/// Area centroid of a simple polygon; `None` when its area is (numerically) zero.
///
/// The closing edge (last vertex back to the first) is part of the sum: leaving it out is a
/// known bug in some open implementations of the Duval pentagon.
pub fn area_centroid(polygon: &[Point]) -> Option<Point> {
    let n = polygon.len();
    let area = signed_area(polygon);
    if area.abs() < 1e-12 {
        return None;
    }
    let (mut cx, mut cy) = (0.0, 0.0);
    for i in 0..n {
        let (a, b) = (polygon[i], polygon[(i + 1) % n]);
        let cross = a.x * b.y - b.x * a.y;
        cx += (a.x + b.x) * cross;
        cy += (a.y + b.y) * cross;
    }
    let centroid = Point::new(cx / (6.0 * area), cy / (6.0 * area));
    (centroid.x.is_finite() && centroid.y.is_finite()).then_some(centroid)
}

/// Distance from `p` to the segment `a`–`b`.
pub fn distance_to_segment(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let length2 = dx * dx + dy * dy;
    let t = if length2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / length2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.x + t * dx, a.y + t * dy);
    ((p.x - qx).powi(2) + (p.y - qy).powi(2)).sqrt()
}

/// Distance from `p` to the outline of `polygon`.
pub fn distance_to_boundary(p: Point, polygon: &[Point]) -> f64 {
    let n = polygon.len();
    (0..n)
        .map(|i| distance_to_segment(p, polygon[i], polygon[(i + 1) % n]))
        .fold(f64::INFINITY, f64::min)
}

/// Even-odd (crossing-number) test. Points exactly on the outline may fall either way;
/// callers that need a definite answer there use [`distance_to_boundary`].
pub fn contains(polygon: &[Point], p: Point) -> bool {
    let n = polygon.len();
    if n < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (polygon[i], polygon[j]);
        if (a.y > p.y) != (b.y > p.y) {
            let x_cross = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
            if p.x < x_cross {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// The zone whose polygon holds `p`: the first containing polygon, or, for a point on a
/// shared edge (or a hair outside the drawn outline), the zone with the nearest edge.
/// Ties go to the zone listed first, so the order of `zones` is the boundary rule.
pub fn locate<Z: Copy>(zones: &[(Z, &[Point])], p: Point) -> Option<Z> {
    const ON_EDGE: f64 = 1e-9;
    let mut nearest: Option<(Z, f64)> = None;
    for (zone, polygon) in zones {
        let mut distance = distance_to_boundary(p, polygon);
        if distance <= ON_EDGE {
            // On an outline: every zone sharing it ties, and the first listed wins below.
            distance = 0.0;
        } else if contains(polygon, p) {
            return Some(*zone);
        }
        if nearest.is_none_or(|(_, best)| distance < best) {
            nearest = Some((*zone, distance));
        }
    }
    nearest.map(|(zone, _)| zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> [Point; 4] {
        [
            Point::new(0.0, 0.0),
            Point::new(2.0, 0.0),
            Point::new(2.0, 2.0),
            Point::new(0.0, 2.0),
        ]
    }

    #[test]
    fn area_and_centroid_of_a_square() {
        assert_eq!(signed_area(&square()), 4.0);
        assert_eq!(area_centroid(&square()), Some(Point::new(1.0, 1.0)));
        let line = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 1.0),
            Point::new(2.0, 2.0),
        ];
        assert_eq!(area_centroid(&line), None);
    }

    #[test]
    fn centroid_of_a_triangle_is_the_vertex_mean() {
        let triangle = [
            Point::new(0.0, 0.0),
            Point::new(3.0, 0.0),
            Point::new(0.0, 3.0),
        ];
        let c = area_centroid(&triangle).expect("centroid");
        assert!((c.x - 1.0).abs() < 1e-12 && (c.y - 1.0).abs() < 1e-12);
    }

    #[test]
    fn containment_and_distance() {
        let sq = square();
        assert!(contains(&sq, Point::new(1.0, 1.0)));
        assert!(!contains(&sq, Point::new(3.0, 1.0)));
        assert_eq!(distance_to_boundary(Point::new(1.0, 1.5), &sq), 0.5);
        assert_eq!(distance_to_boundary(Point::new(3.0, 1.0), &sq), 1.0);
        assert!(!contains(&[], Point::new(0.0, 0.0)));
    }

    #[test]
    fn edge_points_go_to_the_first_listed_zone() {
        let left = square();
        let right = left.map(|p| Point::new(p.x + 2.0, p.y));
        let zones: [(&str, &[Point]); 2] = [("left", &left), ("right", &right)];
        assert_eq!(locate(&zones, Point::new(2.0, 1.0)), Some("left"));
        let zones: [(&str, &[Point]); 2] = [("right", &right), ("left", &left)];
        assert_eq!(locate(&zones, Point::new(2.0, 1.0)), Some("right"));
        assert_eq!(locate(&zones, Point::new(3.0, 1.0)), Some("right"));
        assert_eq!(locate(&zones, Point::new(0.5, 1.0)), Some("left"));
    }
}
