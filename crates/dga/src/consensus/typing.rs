//! The fault type (rules F1–F5): the method that decides, its refinements, stray gassing.

use crate::gas::Gas;
use crate::methods::duval_pentagons::Pentagon1Zone;
use crate::methods::duval_triangles::{Triangle1Zone, Triangle4Zone};
use crate::methods::{Finding, num};

use super::evidence::{Inputs, elevated, ieee_gas, rise_is_real};
use super::readings::{from_pentagon, from_ratio_code, from_triangle, from_triangle_4, kind};
use super::verdict::Fault;

/// The smallest total of CH4 + C2H4 + C2H2 whose Triangle 1 reading the consensus uses when no
/// hydrocarbon is elevated: below it a 1 ppm scatter moves a share by more than 10 points.
pub const TRIANGLE_1_READABLE_PPM: f64 = 10.0;

/// At or above this level of H2, CH4 or C2H6 the gases are not stray gassing, which is
/// documented at up to a few hundred ppm (our choice, docs/diagnosis.md, section 3).
pub const STRAY_GASSING_CEILING_PPM: f64 = 1000.0;

/// Why the gases cannot be stray gassing, if they cannot.
fn stray_gassing_ruled_out(inputs: &Inputs<'_>) -> Option<String> {
    for gas in [Gas::H2, Gas::CH4, Gas::C2H6] {
        if let Some(g) = ieee_gas(inputs, gas)
            && g.level_ppm >= STRAY_GASSING_CEILING_PPM
        {
            return Some(format!(
                "{gas} {} ppm is far above the few hundred ppm that stray gassing reaches",
                num(g.level_ppm)
            ));
        }
    }
    // CO above Table 2 alone is common in old units (paper ageing); it rules stray gassing
    // out only when it is extreme or still rising.
    if inputs.iec.paper_involvement_suspected
        || ieee_gas(inputs, Gas::CO).is_some_and(|g| {
            g.level_ppm >= 2.0 * g.table2_ppm
                || (g.level_ppm > g.table2_ppm && rise_is_real(inputs, g))
        })
    {
        return Some(
            "CO points to paper (CO2/CO below 3, or CO at twice its Table 2 level or above it \
             and rising); stray gassing comes from the oil alone"
                .to_owned(),
        );
    }
    if let Some(g) = ieee_gas(inputs, Gas::C2H2)
        && g.level_ppm >= g.table1_ppm
        && g.level_ppm > 0.0
    {
        return Some(format!(
            "C2H2 {} ppm is at or above its Table 1 level; stray gassing makes no acetylene",
            num(g.level_ppm)
        ));
    }
    None
}

/// The fault type, the method that made the call and why the others were not followed.
pub(super) struct Typing {
    pub(super) fault: Fault,
    pub(super) source: Option<&'static str>,
    /// Why a method that disagrees was overruled, for every method.
    pub(super) overruled: &'static str,
    /// A more specific reason for some methods (Triangle 1 when a refinement overrules it;
    /// Triangle 4 and Pentagon 1 when their stray-gassing reading is ruled out). Each of these
    /// disagrees whenever its answer differs from the fault, even within the same kind.
    pub(super) overruled_some: Vec<(&'static str, String)>,
}

const TRIANGLE_1_DECIDES: &str = "Duval Triangle 1 decides the fault type when a hydrocarbon is \
     elevated: it is right most often on faults found by inspection";

impl Typing {
    pub(super) fn none(fault: Fault) -> Self {
        Typing {
            fault,
            source: None,
            overruled: "",
            overruled_some: Vec::new(),
        }
    }

    fn by(fault: Fault, source: &'static str, overruled: &'static str) -> Self {
        Typing {
            fault,
            source: Some(source),
            overruled,
            overruled_some: Vec::new(),
        }
    }
}

/// Triangle 4 and Pentagon 1 re-read a Triangle 1 point in PD, T1 or T2, where Triangle 1 has
/// no stray-gassing zone and sees partial discharges only at ≥ 98 % CH4 (Duval 2008; Duval and
/// Lamarre 2014). See the table in docs/diagnosis.md, section 3.
fn refine_low_energy(zone: Triangle1Zone, inputs: &Inputs<'_>, rules: &mut Vec<Finding>) -> Typing {
    let fault = from_triangle(zone);
    let keep = Typing::by(fault, "duval_triangle_1", TRIANGLE_1_DECIDES);
    if !matches!(
        zone,
        Triangle1Zone::PD | Triangle1Zone::T1 | Triangle1Zone::T2
    ) {
        return keep;
    }
    let t4 = inputs.triangle_4.zone;
    let p1 = inputs.pentagon_1.zone;
    if t4 == Some(Triangle4Zone::C) {
        rules.push(Finding::new(
            "consensus.triangle_4_carbonisation",
            "Duval Triangle 4 shows possible carbonisation of paper (zone C)",
        ));
    }
    // What the refinement would read. Triangle 4 proposes. At the CH4 corner Pentagon 1,
    // which sees all five gases, must read the same kind of fault (or have no answer); inside
    // T1 or T2, where Triangle 1 has read a thermal fault, it must read the very zone (S for
    // S, PD for PD, T1 for O on a T2 point), and Triangle 4's carbonisation zone C only
    // annotates.
    let at_apex = zone == Triangle1Zone::PD;
    let proposal: Option<Fault> =
        t4.and_then(from_triangle_4)
            .filter(|f| *f != fault)
            .filter(|f| {
                if at_apex {
                    p1.is_none_or(|p| kind(from_pentagon(p)) == kind(*f))
                } else {
                    matches!(
                        (t4, p1),
                        (Some(Triangle4Zone::S), Some(Pentagon1Zone::S))
                            | (Some(Triangle4Zone::PD), Some(Pentagon1Zone::PD))
                    ) || (zone == Triangle1Zone::T2
                        && t4 == Some(Triangle4Zone::O)
                        && p1 == Some(Pentagon1Zone::T1))
                }
            });
    let Some(refined) = proposal else {
        return keep;
    };
    if refined == Fault::S
        && let Some(why) = stray_gassing_ruled_out(inputs)
    {
        rules.push(Finding::new(
            "consensus.not_stray_gassing",
            format!("Triangle 4 reads stray gassing (S), but {why}: Triangle 1's {zone:?} stands"),
        ));
        let reason = format!("stray gassing is ruled out: {why}");
        return Typing {
            overruled_some: vec![
                ("duval_triangle_4", reason.clone()),
                ("duval_pentagon_1", reason),
            ],
            ..keep
        };
    }
    let t4_name = t4.map_or("?".to_owned(), |z| format!("{z:?}"));
    let why = if at_apex {
        format!(
            "the point sits at Triangle 1's CH4 corner, where partial discharges, stray gassing \
             and low-temperature overheating meet; Duval Triangle 4 zone {t4_name} reads {}{}",
            refined.describe(),
            p1.map_or(String::new(), |z| format!(
                ", and Pentagon 1 ({z:?}) reads the same kind of fault"
            ))
        )
    } else {
        format!(
            "Duval Triangle 4 zone {t4_name} and Pentagon 1 zone {} both read {}, which \
             Triangle 1 ({zone:?}) cannot tell from its own zone",
            p1.map_or("?".to_owned(), |z| format!("{z:?}")),
            refined.describe()
        )
    };
    rules.push(Finding::new("consensus.refined_low_energy", why.clone()));
    Typing {
        fault: refined,
        source: Some("duval_triangle_4"),
        overruled: if at_apex {
            "at Triangle 1's CH4 corner Duval Triangle 4 types the fault"
        } else {
            "Duval Triangle 4 and Pentagon 1 agree on a low-energy reading"
        },
        overruled_some: vec![("duval_triangle_1", why)],
    }
}

/// The fault type and the method it came from (rules F1–F5 of docs/diagnosis.md, section 3).
pub(super) fn fault_type(inputs: &Inputs<'_>, rules: &mut Vec<Finding>) -> Typing {
    let any = |gases: &[Gas]| gases.iter().any(|gas| elevated(inputs, *gas));
    let triangle_gases = [Gas::CH4, Gas::C2H4, Gas::C2H2];
    // F1: a hydrocarbon of Triangle 1 is elevated.
    if any(&triangle_gases)
        && inputs.triangle_1.zone.is_some()
        && readable_triangle_1(inputs).is_none()
    {
        rules.push(Finding::new(
            "consensus.fault_undetermined",
            format!(
                "CH4 + C2H4 + C2H2 add up to less than {} ppm: a laboratory's scatter moves \
                 Duval Triangle 1's shares too far to type the fault; resample",
                num(TRIANGLE_1_READABLE_PPM)
            ),
        ));
        return Typing::none(Fault::Undetermined);
    }
    if any(&triangle_gases)
        && let Some(zone) = readable_triangle_1(inputs)
    {
        rules.push(Finding::new(
            "consensus.fault_from_triangle_1",
            format!("Duval Triangle 1 places the latest sample in {zone:?}"),
        ));
        if inputs.triangle_1.standard_dependent {
            rules.push(Finding::new(
                "consensus.standard_dependent",
                "the point lies where IEEE (20/40 %) and IEC (10/38 %) Triangle 1 lines disagree",
            ));
        }
        return refine_low_energy(zone, inputs, rules);
    }
    // F2: only H2 or C2H6 (or Triangle 1 cannot be computed).
    if any(&[Gas::H2, Gas::C2H6, Gas::CH4, Gas::C2H4, Gas::C2H2])
        && let Some(fault) = inputs.triangle_4.zone.and_then(from_triangle_4)
    {
        let why = match &inputs.triangle_1.not_computable {
            Some(reason) if any(&triangle_gases) => {
                format!("Duval Triangle 1 is not computable ({reason})")
            }
            _ => "only H2 or C2H6 is elevated".to_owned(),
        };
        if fault == Fault::S
            && let Some(ruled_out) = stray_gassing_ruled_out(inputs)
        {
            rules.push(Finding::new(
                "consensus.not_stray_gassing",
                format!("{why}: Triangle 4 reads stray gassing (S), but {ruled_out}"),
            ));
            if let Some(zone) = readable_triangle_1(inputs) {
                rules.push(Finding::new(
                    "consensus.fault_from_triangle_1",
                    format!("Duval Triangle 1 places the latest sample in {zone:?}"),
                ));
                return Typing::by(
                    from_triangle(zone),
                    "duval_triangle_1",
                    "stray gassing is ruled out and Duval Triangle 1 reads the remaining gases",
                );
            }
            rules.push(Finding::new(
                "consensus.fault_undetermined",
                "the hydrocarbons are too low for Duval Triangle 1 to type the fault",
            ));
            return Typing::none(Fault::Undetermined);
        }
        rules.push(Finding::new(
            "consensus.fault_from_triangle_4",
            format!("{why}: Duval Triangle 4 reads {}", fault.describe()),
        ));
        return Typing::by(
            fault,
            "duval_triangle_4",
            if inputs.triangle_1.zone.is_none() {
                "Duval Triangle 1 cannot be computed; Duval Triangle 4 types the fault"
            } else {
                "only H2 or C2H6 is elevated, the gases Duval Triangle 4 is drawn for"
            },
        );
    }
    // F3: only CO or CO2 is elevated.
    if !any(&[Gas::H2, Gas::CH4, Gas::C2H6, Gas::C2H4, Gas::C2H2]) {
        let co_elevated = elevated(inputs, Gas::CO);
        if co_elevated
            && let Some(zone) = readable_triangle_1(inputs).filter(|zone| {
                matches!(
                    zone,
                    Triangle1Zone::T1 | Triangle1Zone::T2 | Triangle1Zone::T3
                )
            })
        {
            rules.push(Finding::new(
                "consensus.thermal_fault_in_paper",
                format!(
                    "CO is elevated and Duval Triangle 1 reads {} from measurable hydrocarbons: \
                     a thermal fault involving paper",
                    from_triangle(zone).describe()
                ),
            ));
            return Typing::by(
                from_triangle(zone),
                "duval_triangle_1",
                "CO is elevated and Duval Triangle 1 reads a thermal fault",
            );
        }
        rules.push(Finding::new(
            "consensus.carbon_oxides_only",
            "no H2 or hydrocarbon is elevated (the suspicion rests on CO, CO2 or TDCG): paper \
             ageing or overheating; the oil gases are too low to type a fault",
        ));
        return Typing::none(Fault::Undetermined);
    }
    // F4: the IEC ratio code.
    if inputs.iec.ratio_code_applicability.applicable
        && let Some(fault) = inputs.iec.ratio_code.and_then(from_ratio_code)
    {
        rules.push(Finding::new(
            "consensus.fault_from_iec_ratios",
            format!("IEC 60599 ratio code {}", fault.label()),
        ));
        return Typing::by(
            fault,
            "iec_60599",
            "the Duval triangles cannot be computed; the IEC 60599 ratio code decides",
        );
    }
    // F5.
    rules.push(Finding::new(
        "consensus.fault_undetermined",
        "the Duval triangles and the IEC ratios do not identify a fault type",
    ));
    Typing::none(Fault::Undetermined)
}

/// Triangle 1's zone when its gases add up to enough to read (see
/// [`TRIANGLE_1_READABLE_PPM`]).
fn readable_triangle_1(inputs: &Inputs<'_>) -> Option<Triangle1Zone> {
    let total: f64 = inputs
        .ieee_2019
        .gases
        .iter()
        .filter(|g| matches!(g.gas, Gas::CH4 | Gas::C2H4 | Gas::C2H2))
        .map(|g| g.level_ppm)
        .sum();
    inputs
        .triangle_1
        .zone
        .filter(|_| total >= TRIANGLE_1_READABLE_PPM)
}
