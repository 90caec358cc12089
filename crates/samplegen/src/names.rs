//! Realistic nameplates: Korean and English substations, makers, ratings.

use rand::{RngExt, seq::SliceRandom};

use crate::model::{Preservation, Transformer, weighted};

const KOREAN_PLACES: &[&str] = &[
    "신인천",
    "동서울",
    "서서울",
    "남서울",
    "북부산",
    "신부평",
    "양재",
    "성동",
    "영등포",
    "마포",
    "광명",
    "수원",
    "화성",
    "평택",
    "안성",
    "이천",
    "여주",
    "청주",
    "충주",
    "천안",
    "아산",
    "당진",
    "서산",
    "대전",
    "논산",
    "군산",
    "전주",
    "익산",
    "광주",
    "나주",
    "목포",
    "여수",
    "순천",
    "광양",
    "진주",
    "창원",
    "마산",
    "김해",
    "양산",
    "울산",
    "온산",
    "포항",
    "경주",
    "구미",
    "김천",
    "안동",
    "영주",
    "원주",
    "춘천",
    "강릉",
    "동해",
    "삼척",
    "제주",
    "서귀포",
    "의정부",
    "파주",
    "고양",
    "부천",
    "시흥",
    "안산",
];

const ENGLISH_PLACES: &[&str] = &[
    "Riverside",
    "Hillcrest",
    "Northgate",
    "Eastfield",
    "Lakeside",
    "Westbrook",
    "Kingsway",
    "Millbank",
    "Oakridge",
    "Harbour Road",
    "Stonebridge",
    "Fairview",
    "Greenfield",
    "Bayview",
    "Pine Hill",
    "Cedar Creek",
    "Ashford",
    "Redcliff",
    "Maple Grove",
    "Silver Lake",
    "Brookside",
    "Elm Park",
    "Foxhill",
    "Granite Falls",
    "Highbury",
    "Ironbridge",
    "Junction Road",
    "Kestrel Point",
    "Longmeadow",
    "Marsh Lane",
    "Newport West",
    "Old Quarry",
    "Parkside",
    "Queensbury",
    "Rosedale",
    "Sandown",
    "Thornbury",
    "Upton",
    "Valley View",
    "Windmill Hill",
];

/// (English name, Korean name, weight at Korean sites, weight at English sites).
const MAKERS: &[(&str, &str, u32, u32)] = &[
    ("Hyosung", "효성", 30, 6),
    ("LS Electric", "LS일렉트릭", 22, 5),
    ("Hyundai", "현대일렉트릭", 26, 6),
    ("ABB", "ABB", 10, 30),
    ("Siemens", "지멘스", 7, 28),
    ("GE", "GE", 5, 25),
];

/// Which names a fleet gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Korean and English sites mixed, full unit names ("신인천 S/S #1 M.Tr", "Riverside T2").
    Mixed,
    /// Korean sites only, unit names without the site ("#1 M.Tr"), as a Korean lab system lists them.
    KoreanShort,
}

/// Options for nameplate generation.
#[derive(Debug, Clone, Copy)]
pub struct NameplateOptions {
    pub naming: Naming,
    /// Latest year of manufacture.
    pub latest_year: i32,
}

/// Asset ids `TR-0001`… wide enough for `count`.
pub fn asset_id(index: usize, count: usize) -> String {
    let width = count.to_string().len().max(4);
    format!("TR-{:0width$}", index + 1)
}

/// Generates `count` nameplates, grouped by substation (1–4 units each).
pub fn nameplates<R: rand::Rng + ?Sized>(
    rng: &mut R,
    count: usize,
    options: NameplateOptions,
) -> Vec<Transformer> {
    let mut korean: Vec<&str> = KOREAN_PLACES.to_vec();
    let mut english: Vec<&str> = ENGLISH_PLACES.to_vec();
    korean.shuffle(rng);
    english.shuffle(rng);
    let (mut next_korean, mut next_english) = (0usize, 0usize);
    let mut fleet = Vec::with_capacity(count);
    while fleet.len() < count {
        let is_korean = options.naming == Naming::KoreanShort || rng.random_bool(0.6);
        let place = if is_korean {
            let name = place_name(&korean, next_korean, "");
            next_korean += 1;
            name
        } else {
            let name = place_name(&english, next_english, " ");
            next_english += 1;
            name
        };
        let units = rng.random_range(1..=4usize).min(count - fleet.len());
        let kv = if is_korean {
            [154.0, 345.0, 22.9, 66.0][weighted(rng, &[60, 20, 15, 5])]
        } else {
            [154.0, 345.0, 22.9, 66.0][weighted(rng, &[25, 20, 15, 40])]
        };
        let substation = if is_korean {
            place.clone()
        } else {
            format!("{place} {kv} kV")
        };
        let style = rng.random_range(0..4usize);
        let built = rng.random_range(1975..=(options.latest_year - 4).max(1975));
        for unit in 1..=units {
            let name = unit_name(&place, unit, style, is_korean, options.naming);
            fleet.push(nameplate(
                rng,
                fleet.len(),
                count,
                name,
                substation.clone(),
                kv,
                built,
                is_korean,
                options,
            ));
        }
    }
    fleet
}

fn place_name(pool: &[&str], index: usize, separator: &str) -> String {
    let base = pool[index % pool.len()];
    match index / pool.len() {
        0 => base.to_owned(),
        cycle => format!("{base}{separator}{}", cycle + 1),
    }
}

fn unit_name(place: &str, unit: usize, style: usize, is_korean: bool, naming: Naming) -> String {
    match (naming, is_korean) {
        (Naming::KoreanShort, _) => match style {
            0 => format!("#{unit} M.Tr"),
            1 => format!("{unit}호 주변압기"),
            2 => format!("#{unit} 주변압기"),
            _ => format!("#{unit} T/R"),
        },
        (Naming::Mixed, true) => match style {
            0 => format!("{place} S/S #{unit} M.Tr"),
            1 => format!("{place} #{unit} 주변압기"),
            2 => format!("{place} {unit}호 M.Tr"),
            _ => format!("{place} S/S #{unit} T/R"),
        },
        (Naming::Mixed, false) => match style {
            0 => format!("{place} T{unit}"),
            1 => format!("{place} GT{unit}"),
            2 => format!("{place} Unit {unit}"),
            _ => format!("{place} TX{unit}"),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn nameplate<R: rand::Rng + ?Sized>(
    rng: &mut R,
    index: usize,
    count: usize,
    name: String,
    substation: String,
    kv: f64,
    built: i32,
    is_korean: bool,
    options: NameplateOptions,
) -> Transformer {
    let maker_weights: Vec<u32> = MAKERS
        .iter()
        .map(|m| if is_korean { m.2 } else { m.3 })
        .collect();
    let maker = MAKERS[weighted(rng, &maker_weights)];
    // Most units date from the substation's build; some are later replacements.
    let year = if rng.random_bool(0.7) {
        built + rng.random_range(0..=3)
    } else {
        rng.random_range(built..=options.latest_year)
    }
    .min(options.latest_year);
    let ratings: &[f64] = if kv == 22.9 {
        &[20.0, 25.0, 30.0, 40.0]
    } else if kv == 66.0 {
        &[20.0, 30.0, 40.0, 60.0, 80.0]
    } else if kv == 154.0 {
        &[45.0, 60.0, 60.0, 100.0, 120.0, 200.0]
    } else {
        &[200.0, 300.0, 400.0, 500.0]
    };
    let mva = ratings[rng.random_range(0..ratings.len())];
    let oil = (8_000.0 + mva * 160.0 * rng.random_range(0.85..=1.15)).clamp(10_000.0, 90_000.0);
    let oil_litres = ((oil / 500.0).round() * 500.0) as u32;
    let preservation_weights: &[u32] = if is_korean {
        &[20, 65, 15]
    } else {
        &[30, 50, 20]
    };
    let preservation = [
        Preservation::Sealed,
        Preservation::Conservator,
        Preservation::NitrogenBlanket,
    ][weighted(rng, preservation_weights)];
    Transformer {
        id: asset_id(index, count),
        name,
        substation,
        manufacturer: maker.0.to_owned(),
        manufacturer_ko: maker.1.to_owned(),
        year,
        rated_kv: kv,
        rated_mva: mva,
        oil_litres,
        preservation,
        communicating_oltc: rng.random_bool(0.08),
    }
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    #[test]
    fn ids_are_padded_and_unique() {
        assert_eq!(asset_id(0, 170), "TR-0001");
        assert_eq!(asset_id(9_999, 10_000), "TR-10000");
        assert_eq!(asset_id(0, 10_000), "TR-00001");
        let mut rng = StdRng::seed_from_u64(1);
        let fleet = nameplates(
            &mut rng,
            300,
            NameplateOptions {
                naming: Naming::Mixed,
                latest_year: 2022,
            },
        );
        let mut ids: Vec<&str> = fleet.iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 300);
        let mut names: Vec<&str> = fleet.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 300, "unit names are unique");
    }

    #[test]
    fn nameplates_stay_in_range() {
        let mut rng = StdRng::seed_from_u64(2);
        for t in nameplates(
            &mut rng,
            500,
            NameplateOptions {
                naming: Naming::Mixed,
                latest_year: 2022,
            },
        ) {
            assert!((1975..=2022).contains(&t.year), "{t:?}");
            assert!((20.0..=500.0).contains(&t.rated_mva), "{t:?}");
            assert!((10_000..=90_000).contains(&t.oil_litres), "{t:?}");
            assert!([154.0, 345.0, 22.9, 66.0].contains(&t.rated_kv));
        }
    }
}
